import DelegateABI

extension OperatorDescriptor {
    /// TRANSPOSE: the permutation is the constant input 1; no options; folded at load.
    static let transpose = OperatorDescriptor(
        name: "TRANSPOSE", codes: [LITE_BUILTIN_TRANSPOSE],
        shape: { node in
            try node.need(2)
            guard let perm = node.constantInts(1) else { return nil }
            return [try ShapeInference.transposeShape(node.inputs[0], perm: perm, node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.transpose))
}
