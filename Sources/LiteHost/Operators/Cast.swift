import DelegateABI

extension OperatorDescriptor {
    /// CAST: in/out types decoded from the options (0 when absent) but plugins get no params: the
    /// tensors' own types are authoritative. Folded at load.
    static let cast = OperatorDescriptor(
        name: "CAST", codes: [LITE_BUILTIN_CAST],
        options: .builtin(TFLiteSchema.OptionsType.cast, codes: [LITE_BUILTIN_CAST]) { reader throws(ModelError) in
            .cast(inType: try reader.table?.scalar(0, default: Int8(0)) ?? 0,
                  outType: try reader.table?.scalar(1, default: Int8(0)) ?? 0)
        },
        shape: sameShapeAsInput,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.cast))
}
