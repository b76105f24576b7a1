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

/// Evaluation at load.
extension ConstantEvaluator {
    static func transpose(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let perm = try integers(node, 1, fail)
        let shape = try ShapeInference.transposeShape(value.shape, perm: perm, fail)
        let strides = RowMajor.strides(value.shape)
        let offsets = RowMajor.cartesian(perm.map { axis in (0..<value.shape[axis]).map { $0 * strides[axis] } })
        return [ConstantTensor(shape: shape, elements: value.elements.take(offsets))]
    }
}
