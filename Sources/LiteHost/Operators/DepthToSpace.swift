import DelegateABI

extension OperatorDescriptor {
    /// DEPTH_TO_SPACE (NHWC): block_size in the options.
    static let depthToSpace = OperatorDescriptor(
        name: "DEPTH_TO_SPACE", codes: [LITE_BUILTIN_DEPTH_TO_SPACE], optionsTable: TFLiteSchema.OptionsType.depthToSpace,
        storedAs: { .depthToSpace($0) },
        decode: { reader throws(ModelError) in
            LiteDepthToSpaceParams(struct_size: MemoryLayout<LiteDepthToSpaceParams>.size, block_size: try reader.int32(0))
        },
        shape: { node, p in
            guard node.inputs[0].count == 4 else { return nil }
            let block = Int(p.block_size), input = node.inputs[0]
            guard block > 0, input[3] % (block * block) == 0 else { throw node.fail("depth \(input[3]) not divisible by block²") }
            return [[input[0], input[1] * block, input[2] * block, input[3] / (block * block)]]
        })
}
