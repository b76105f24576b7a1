import DelegateABI

/// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND: block shape and paddings (crops) are constant
/// inputs 1 and 2; no options; not folded (DilatedConvolutionPass rewrites the atrous pattern).
extension OperatorDescriptor {
    static let spaceToBatch = OperatorDescriptor(
        name: "SPACE_TO_BATCH_ND", codes: [LITE_BUILTIN_SPACE_TO_BATCH_ND],
        shape: { node in
            try node.need(3)
            guard let block = node.constantInts(1), let paddings = node.constantInts(2) else { return nil }
            return [try ShapeInference.spaceToBatchShape(node.inputs[0], block: block, paddings: paddings, node.fail)]
        })

    static let batchToSpace = OperatorDescriptor(
        name: "BATCH_TO_SPACE_ND", codes: [LITE_BUILTIN_BATCH_TO_SPACE_ND],
        shape: { node in
            try node.need(3)
            guard let block = node.constantInts(1), let crops = node.constantInts(2) else { return nil }
            return [try ShapeInference.batchToSpaceShape(node.inputs[0], block: block, crops: crops, node.fail)]
        })
}
