import DelegateABI

extension OperatorDescriptor {
    /// SHAPE: a 1-D tensor of the input's rank; folded at load from the input's static shape alone.
    /// out_type is decoded (INT32 when absent) but plugins get no params: the output tensor's type
    /// is authoritative.
    static let shape = OperatorDescriptor(
        name: "SHAPE", codes: [LITE_BUILTIN_SHAPE],
        options: .builtin(TFLiteSchema.OptionsType.shape, codes: [LITE_BUILTIN_SHAPE]) { reader throws(ModelError) in
            .shape(outType: try reader.table?.scalar(0, default: TFLiteSchema.TensorType.int32) ?? TFLiteSchema.TensorType.int32)
        },
        shape: { node in
            try node.need(1)
            return [[node.inputs[0].count]]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.shape, needsOnlyShapes: true))
}
