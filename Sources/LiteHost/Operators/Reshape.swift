import DelegateABI

/// The operators that change only a tensor's shape: RESHAPE, SQUEEZE, EXPAND_DIMS. All fold at load.
extension OperatorDescriptor {
    /// RESHAPE: the new shape from input 1 when constant, else the new_shape option; no params.
    static let reshape = OperatorDescriptor(
        name: "RESHAPE", codes: [LITE_BUILTIN_RESHAPE],
        options: .builtin(TFLiteSchema.OptionsType.reshape, codes: [LITE_BUILTIN_RESHAPE]) { reader throws(ModelError) in
            .reshape(newShape: try reader.table?.vector(0, elementSize: 4, "new_shape of \(reader.label)")?.scalars(as: Int32.self))
        },
        shape: { node in
            var target = node.constantInts(1)
            if target == nil, case .reshape(let newShape?) = node.definition.options { target = newShape.map(Int.init) }
            guard let target else { return nil }
            return [try ShapeInference.resolveReshape(target, count: node.inputs[0].reduce(1, *), node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.reshape))

    /// SQUEEZE: squeeze_dims (at most LITE_SQUEEZE_MAX_DIMS), normalised for plugins.
    static let squeeze = OperatorDescriptor(
        name: "SQUEEZE", codes: [LITE_BUILTIN_SQUEEZE], optionsTable: TFLiteSchema.OptionsType.squeeze,
        storedAs: { .squeeze($0) }, decode: decodeSqueeze,
        shape: { node, p in
            try node.need(1)
            return [try ShapeInference.squeezeShape(node.inputs[0], dims: ShapeInference.squeezeDims(p), node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.squeeze),
        normalise: { params, context in
            let inputRank = context.inputRank(0)
            // Safe: the offsets stay below squeeze_dims_count * 4, which decoding capped at the array's size.
            withUnsafeMutableBytes(of: &params.squeeze_dims) { raw in
                for slot in 0..<Int(params.squeeze_dims_count) {
                    let dim = raw.load(fromByteOffset: slot * 4, as: Int32.self)
                    raw.storeBytes(of: context.normalised(dim, rank: inputRank), toByteOffset: slot * 4, as: Int32.self)
                }
            }
        })

    private static func decodeSqueeze(_ reader: OptionsReader) throws(ModelError) -> LiteSqueezeParams {
        let dims = try reader.table?.vector(0, elementSize: 4, "squeeze_dims of \(reader.label)")?.scalars(as: Int32.self) ?? []
        guard dims.count <= Int(LITE_SQUEEZE_MAX_DIMS) else {
            throw reader.buffer.error(.unsupported, "\(reader.label) has \(dims.count) squeeze_dims (at most \(LITE_SQUEEZE_MAX_DIMS))")
        }
        var params = LiteSqueezeParams()
        params.struct_size = MemoryLayout<LiteSqueezeParams>.size
        params.squeeze_dims_count = Int32(dims.count)
        // Safe: at most LITE_SQUEEZE_MAX_DIMS values, checked above.
        withUnsafeMutableBytes(of: &params.squeeze_dims) { raw in
            for (slot, dim) in dims.enumerated() { raw.storeBytes(of: dim, toByteOffset: slot * 4, as: Int32.self) }
        }
        return params
    }

    /// EXPAND_DIMS: the axis is the constant input 1; no options.
    static let expandDims = OperatorDescriptor(
        name: "EXPAND_DIMS", codes: [LITE_BUILTIN_EXPAND_DIMS],
        shape: { node in
            try node.need(2)
            guard let axis = node.constantInts(1), axis.count == 1 else { return nil }
            return [try ShapeInference.expandDimsShape(node.inputs[0], axis: axis[0], node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.expandDims))
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// RESHAPE: the shape from input 1 (or the new_shape option), one -1 resolved.
    static func reshape(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        var target: [Int]?
        if node.present.count > 1, node.present[1] { target = try integers(node, 1, fail) }
        if target == nil, case .reshape(let newShape?) = node.options { target = newShape.map(Int.init) }
        guard let target else { throw fail("no new shape") }
        let shape = try ShapeInference.resolveReshape(target, count: value.elements.count, fail)
        return [ConstantTensor(shape: shape, elements: value.elements)]
    }

    static func expandDims(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let axis = try integers(node, 1, fail)
        guard axis.count == 1 else { throw fail("axis must be one value") }
        return [ConstantTensor(shape: try ShapeInference.expandDimsShape(value.shape, axis: axis[0], fail), elements: value.elements)]
    }

    static func squeeze(_ node: Node, _ p: LiteSqueezeParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let shape = try ShapeInference.squeezeShape(value.shape, dims: ShapeInference.squeezeDims(p), fail)
        return [ConstantTensor(shape: shape, elements: value.elements)]
    }
}
