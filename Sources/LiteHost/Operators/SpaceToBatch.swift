import DelegateABI

/// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND: block shape and paddings (crops) are constant
/// inputs 1 and 2; no options; not folded (DilatedConvolutionPass rewrites the atrous pattern).
extension OperatorDescriptor {
    static let spaceToBatch = OperatorDescriptor(
        name: "SPACE_TO_BATCH_ND", codes: [LITE_BUILTIN_SPACE_TO_BATCH_ND],
        shape: blockShape(ShapeInference.spaceToBatchShape(_:block:paddings:_:)))

    static let batchToSpace = OperatorDescriptor(
        name: "BATCH_TO_SPACE_ND", codes: [LITE_BUILTIN_BATCH_TO_SPACE_ND],
        shape: blockShape(ShapeInference.batchToSpaceShape(_:block:crops:_:)))

    /// The shape rule of both: `output` of input 0, the block shape (input 1) and the paddings or
    /// crops (input 2), once both are constant.
    private static func blockShape(
        _ output: @escaping @Sendable (_ input: [Int], _ block: [Int], _ amounts: [Int], ShapeInference.Failure) throws -> [Int]
    ) -> ShapeRule {
        { node in
            try node.need(3)
            guard let block = node.constantInts(1), let amounts = node.constantInts(2) else { return nil }
            return [try output(node.inputs[0], block, amounts, node.fail)]
        }
    }
}
