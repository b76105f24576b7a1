import DelegateABI

/// The 2-D pools: one LitePool2DParams for all three.
extension OperatorDescriptor {
    /// AVERAGE_POOL_2D, MAX_POOL_2D.
    static let pool2D = OperatorDescriptor(
        name: "AVERAGE_POOL_2D, MAX_POOL_2D", codes: [LITE_BUILTIN_AVERAGE_POOL_2D, LITE_BUILTIN_MAX_POOL_2D],
        optionsTable: TFLiteSchema.OptionsType.pool2D, storedAs: { .pool2D($0) }, decode: decodePool,
        shape: { node, p in
            try node.need(1)
            guard node.inputs[0].count == 4 else { return nil }
            let input = node.inputs[0]
            let height = try ShapeInference.windowOutput(
                input[1], Int(p.filter_height), Int(p.stride_height), 1, p.padding, node.fail)
            let width = try ShapeInference.windowOutput(
                input[2], Int(p.filter_width), Int(p.stride_width), 1, p.padding, node.fail)
            return [[input[0], height, width, input[3]]]
        })

    /// L2_POOL_2D: its options and params, without a shape rule.
    static let l2Pool2D = OperatorDescriptor(
        name: "L2_POOL_2D", codes: [LITE_BUILTIN_L2_POOL_2D],
        optionsTable: TFLiteSchema.OptionsType.pool2D, storedAs: { .pool2D($0) }, decode: decodePool)

    private static func decodePool(_ reader: OptionsReader) throws(ModelError) -> LitePool2DParams {
        LitePool2DParams(
            struct_size: MemoryLayout<LitePool2DParams>.size,
            padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
            filter_width: try reader.int32(3), filter_height: try reader.int32(4),
            activation: try reader.activation(5))
    }
}
