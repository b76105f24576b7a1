import DelegateABI

extension OperatorDescriptor {
    /// GATHER: axis and batch_dims as stored in the options, normalised for plugins against the
    /// ranks of params (input 0) and indices (input 1); folded at load.
    static let gather = OperatorDescriptor(
        name: "GATHER", codes: [LITE_BUILTIN_GATHER], optionsTable: TFLiteSchema.OptionsType.gather,
        storedAs: { .gather($0) },
        decode: { reader throws(ModelError) in
            LiteGatherParams(struct_size: MemoryLayout<LiteGatherParams>.size, axis: try reader.int32(0), batch_dims: try reader.int32(1))
        },
        shape: { node, p in
            try node.need(2)
            return [try ShapeInference.gatherShape(
                node.inputs[0], node.inputs[1], axis: Int(p.axis), batchDims: Int(p.batch_dims), node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.gather),
        normalise: { params, context in
            params.axis = context.normalised(params.axis, rank: context.inputRank(0))
            params.batch_dims = context.normalised(params.batch_dims, rank: context.inputRank(1))
        })
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// GATHER with axis and batch_dims; an index out of range is not folded (TFLite fails on it).
    static func gather(_ node: Node, _ p: LiteGatherParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let params = try input(node, 0, fail)
        let indexTensor = try input(node, 1, fail)
        let indices = try integers(node, 1, fail)
        let output = try ShapeInference.gatherShape(
            params.shape, indexTensor.shape, axis: Int(p.axis), batchDims: Int(p.batch_dims), fail)
        let axis = try ShapeInference.normalisedAxis(Int(p.axis), rank: params.shape.count, fail)
        let batchDims = Int(p.batch_dims) < 0 ? Int(p.batch_dims) + indexTensor.shape.count : Int(p.batch_dims)
        let batch = params.shape[..<batchDims].reduce(1, *)
        let outer = params.shape[batchDims..<axis].reduce(1, *)
        let extent = params.shape[axis], inner = params.shape[(axis + 1)...].reduce(1, *)
        let perBatch = indexTensor.shape[batchDims...].reduce(1, *)
        guard indices.allSatisfy({ $0 >= 0 && $0 < extent }) else { throw fail("an index is out of range [0, \(extent))") }
        var offsets: [Int] = []
        offsets.reserveCapacity(output.reduce(1, *))
        for b in 0..<batch {
            for o in 0..<outer {
                for i in 0..<perBatch {
                    let base = ((b * outer + o) * extent + indices[b * perBatch + i]) * inner
                    offsets.append(contentsOf: base..<(base + inner))
                }
            }
        }
        return [ConstantTensor(shape: output, elements: params.elements.take(offsets))]
    }
}
