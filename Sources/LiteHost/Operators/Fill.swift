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

/// Evaluation at load.
extension ConstantEvaluator {
    /// FILL: dims (input 0) filled with the scalar input 1.
    static func fill(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let dims = try integers(node, 0, fail)
        let value = try input(node, 1, fail)
        guard value.elements.count == 1, let count = TensorLimits.elementCount(dims) else { throw fail("invalid dims \(dims) or value") }
        // Folding is worth it for shape-sized constants; a large FILL stays a node (and its size is
        // checked like any other tensor's).
        guard count <= 1 << 20 else { throw fail("FILL of \(count) elements is not folded at load") }
        return [ConstantTensor(shape: dims, elements: value.elements.repeated(count))]
    }
}
