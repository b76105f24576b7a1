import DelegateABI

extension OperatorDescriptor {
    /// PAD and PADV2: the paddings are the constant input 1 ([rank, 2]); no options; not folded.
    static let pad = OperatorDescriptor(
        name: "PAD, PADV2", codes: [LITE_BUILTIN_PAD, LITE_BUILTIN_PADV2],
        shape: { node in
            try node.need(2)
            guard let pads = node.constantInts(1), pads.count == 2 * node.inputs[0].count else { return nil }
            return [node.inputs[0].enumerated().map { $1 + pads[2 * $0] + pads[2 * $0 + 1] }]
        })
}
