import DelegateABI

/// The elementwise binaries: two inputs broadcast numpy-style to one output.
extension OperatorDescriptor {
    /// ADD, SUB, MUL, DIV: a fused activation in their options; folded at load.
    static let arithmetic = OperatorDescriptor(
        name: "ADD, SUB, MUL, DIV",
        codes: [LITE_BUILTIN_ADD, LITE_BUILTIN_SUB, LITE_BUILTIN_MUL, LITE_BUILTIN_DIV],
        options: .builtin(
            tables: [LITE_BUILTIN_ADD: TFLiteSchema.OptionsType.add, LITE_BUILTIN_SUB: TFLiteSchema.OptionsType.sub,
                     LITE_BUILTIN_MUL: TFLiteSchema.OptionsType.mul, LITE_BUILTIN_DIV: TFLiteSchema.OptionsType.div]
        ) { reader throws(ModelError) in
            .elementwise(LiteElementwiseParams(
                struct_size: MemoryLayout<LiteElementwiseParams>.size, activation: try reader.activation(0)))
        },
        shape: broadcastShape,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.binary),
        params: { options, _ in
            guard case .elementwise(let p) = options else { return nil }
            return ABIParams(p)
        })

    /// MAXIMUM, MINIMUM, SQUARED_DIFFERENCE: no options; folded at load.
    static let minMax = OperatorDescriptor(
        name: "MAXIMUM, MINIMUM, SQUARED_DIFFERENCE",
        codes: [LITE_BUILTIN_MAXIMUM, LITE_BUILTIN_MINIMUM, LITE_BUILTIN_SQUARED_DIFFERENCE],
        shape: broadcastShape,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.binary))

    /// PRELU: the alpha input broadcasts against the input; not folded.
    static let prelu = OperatorDescriptor(name: "PRELU", codes: [LITE_BUILTIN_PRELU], shape: broadcastShape)

    /// FLOOR_DIV: only folded at load (shape arithmetic); it has no shape rule.
    static let floorDiv = OperatorDescriptor(
        name: "FLOOR_DIV", codes: [LITE_BUILTIN_FLOOR_DIV],
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.binary))

    private static let broadcastShape: ShapeRule = { node in
        try node.need(2)
        guard let shape = ShapeInference.broadcast(node.inputs[0], node.inputs[1]) else {
            throw node.fail("shapes \(node.inputs[0]) and \(node.inputs[1]) do not broadcast")
        }
        return [shape]
    }
}
