import DelegateABI

/// PACK and UNPACK: their axes as stored, normalised for plugins; both fold at load.
extension OperatorDescriptor {
    static let pack = OperatorDescriptor(
        name: "PACK", codes: [LITE_BUILTIN_PACK], optionsTable: TFLiteSchema.OptionsType.pack,
        storedAs: { .pack($0) },
        decode: { reader throws(ModelError) in
            LitePackParams(struct_size: MemoryLayout<LitePackParams>.size, values_count: try reader.int32(0), axis: try reader.int32(1))
        },
        shape: { node, p in
            guard let first = node.inputs.first else { return nil }
            guard node.inputs.allSatisfy({ $0 == first }) else { throw node.fail("inputs of different shapes \(node.inputs)") }
            return [try ShapeInference.packShape(first, count: node.inputs.count, axis: Int(p.axis), node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.pack),
        normalise: { params, context in params.axis = context.normalised(params.axis, rank: context.outputRank(0)) })

    static let unpack = OperatorDescriptor(
        name: "UNPACK", codes: [LITE_BUILTIN_UNPACK], optionsTable: TFLiteSchema.OptionsType.unpack,
        storedAs: { .unpack($0) },
        decode: { reader throws(ModelError) in
            LiteUnpackParams(struct_size: MemoryLayout<LiteUnpackParams>.size, num: try reader.int32(0), axis: try reader.int32(1))
        },
        shape: { node, p in
            try node.need(1)
            let shape = try ShapeInference.unpackShape(node.inputs[0], axis: Int(p.axis), node.fail)
            return Array(repeating: shape, count: node.definition.outputs.count)
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.unpack),
        normalise: { params, context in params.axis = context.normalised(params.axis, rank: context.inputRank(0)) })
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// PACK: the inputs stacked along a new axis.
    static func pack(_ node: Node, _ p: LitePackParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let values = try inputs(node, fail)
        let shape = values[0].shape
        guard values.allSatisfy({ $0.shape == shape }) else { throw fail("inputs of different shapes") }
        let output = try ShapeInference.packShape(shape, count: values.count, axis: Int(p.axis), fail)
        let axis = Int(p.axis) < 0 ? Int(p.axis) + shape.count + 1 : Int(p.axis)
        let outer = shape[..<axis].reduce(1, *), inner = shape[axis...].reduce(1, *)
        guard let all = ConstantTensor.Elements.concatenated(values.map(\.elements)) else { throw fail("inputs of different types") }
        // Output order: outer, input k, inner; input k starts at k * outer * inner in `all`.
        let offsets = RowMajor.cartesian([
            (0..<outer).map { $0 * inner }, (0..<values.count).map { $0 * outer * inner }, Array(0..<inner),
        ])
        return [ConstantTensor(shape: output, elements: all.take(offsets))]
    }

    /// UNPACK: one output per index along the axis.
    static func unpack(_ node: Node, _ p: LiteUnpackParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let output = try ShapeInference.unpackShape(value.shape, axis: Int(p.axis), fail)
        let axis = try ShapeInference.normalisedAxis(Int(p.axis), rank: value.shape.count, fail)
        let count = value.shape[axis]
        guard count == node.outputTypes.count else { throw fail("\(node.outputTypes.count) outputs for extent \(count)") }
        let outer = value.shape[..<axis].reduce(1, *), inner = value.shape[(axis + 1)...].reduce(1, *)
        return (0..<count).map { slice in
            let offsets = RowMajor.cartesian([(0..<outer).map { $0 * count * inner + slice * inner }, Array(0..<inner)])
            return ConstantTensor(shape: output, elements: value.elements.take(offsets))
        }
    }
}
