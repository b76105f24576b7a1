import DelegateABI

extension OperatorDescriptor {
    /// GATHER: axis and batch_dims as stored in the options, normalised for plugins against the
    /// ranks of params (input 0) and indices (input 1); folded at load.
    static let gather = OperatorDescriptor(
        name: "GATHER", codes: [LITE_BUILTIN_GATHER],
        options: .builtin(TFLiteSchema.OptionsType.gather, codes: [LITE_BUILTIN_GATHER]) { reader throws(ModelError) in
            .gather(LiteGatherParams(
                struct_size: MemoryLayout<LiteGatherParams>.size, axis: try reader.int32(0), batch_dims: try reader.int32(1)))
        },
        shape: { node in
            try node.need(2)
            guard case .gather(let p) = node.definition.options else { return nil }
            return [try ShapeInference.gatherShape(
                node.inputs[0], node.inputs[1], axis: Int(p.axis), batchDims: Int(p.batch_dims), node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.gather),
        params: { options, context in
            guard case .gather(var params) = options else { return nil }
            params.axis = context.normalised(params.axis, rank: context.inputRank(0))
            params.batch_dims = context.normalised(params.batch_dims, rank: context.inputRank(1))
            return ABIParams(params)
        })
}
