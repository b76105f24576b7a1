import DelegateABI

extension OperatorDescriptor {
    /// FILL: dims (constant input 0) filled with the scalar input 1; no options. Folded at load
    /// when small (see `ConstantEvaluator.fill`).
    static let fill = OperatorDescriptor(
        name: "FILL", codes: [LITE_BUILTIN_FILL],
        shape: { node in
            try node.need(1)
            guard let dims = node.constantInts(0) else { return nil }
            return [dims]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.fill))
}
