import DelegateABI

/// CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias.
extension OperatorDescriptor {
    static let conv2D = OperatorDescriptor(
        name: "CONV_2D", codes: [LITE_BUILTIN_CONV_2D], optionsTable: TFLiteSchema.OptionsType.conv2D,
        storedAs: { .conv2D($0) },
        decode: { reader throws(ModelError) in
            LiteConv2DParams(
                struct_size: MemoryLayout<LiteConv2DParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                dilation_width: try reader.int32(4, default: 1), dilation_height: try reader.int32(5, default: 1),
                activation: try reader.activation(3))
        },
        shape: convolutionShape)

    static let depthwiseConv2D = OperatorDescriptor(
        name: "DEPTHWISE_CONV_2D", codes: [LITE_BUILTIN_DEPTHWISE_CONV_2D], optionsTable: TFLiteSchema.OptionsType.depthwiseConv2D,
        storedAs: { .depthwiseConv2D($0) },
        decode: { reader throws(ModelError) in
            LiteDepthwiseConv2DParams(
                struct_size: MemoryLayout<LiteDepthwiseConv2DParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                dilation_width: try reader.int32(5, default: 1), dilation_height: try reader.int32(6, default: 1),
                depth_multiplier: try reader.int32(3), activation: try reader.activation(4))
        },
        shape: convolutionShape)

    /// The shape rule of CONV_2D and DEPTHWISE_CONV_2D: weights [O, H, W, I] and [1, H, W, O].
    private static let convolutionShape: ShapeRule = { node in
        try node.need(2)
        let (input, weights) = (node.inputs[0], node.inputs[1])
        guard input.count == 4, weights.count == 4 else { throw node.fail("expects 4-D input and weights") }
        guard let window = node.definition.options.convolutionWindow else { return nil }
        let height = try ShapeInference.windowOutput(
            input[1], weights[1], window.strides[0], window.dilations[0], window.padding, node.fail)
        let width = try ShapeInference.windowOutput(
            input[2], weights[2], window.strides[1], window.dilations[1], window.padding, node.fail)
        let channels = node.definition.opcode == LITE_BUILTIN_CONV_2D ? weights[0] : weights[3]
        return [[input[0], height, width, channels]]
    }

    /// TRANSPOSE_CONV: inputs output_shape, weights, input (and bias); the output_shape is checked.
    static let transposeConv = OperatorDescriptor(
        name: "TRANSPOSE_CONV", codes: [LITE_BUILTIN_TRANSPOSE_CONV], optionsTable: TFLiteSchema.OptionsType.transposeConv,
        storedAs: { .transposeConv($0) },
        decode: { reader throws(ModelError) in
            LiteTransposeConvParams(
                struct_size: MemoryLayout<LiteTransposeConvParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                activation: try reader.activation(3))
        },
        shape: { node, p in
            guard let shape = node.constantInts(0) else { return nil }
            try node.need(3)
            try ShapeInference.checkTransposeConv(output: shape, weights: node.inputs[1], input: node.inputs[2], p, node.fail)
            return [shape]
        })

    /// MediaPipe's Convolution2DTransposeBias: inputs input, weights, bias; plugins see
    /// LiteTransposeConvParams (no fused activation).
    static let convolution2DTransposeBias = OperatorDescriptor(
        name: TFLiteSchema.convolution2DTransposeBias, codes: [LITE_BUILTIN_CUSTOM],
        customName: TFLiteSchema.convolution2DTransposeBias,
        options: .custom(decodeConvolution2DTransposeBias),
        shape: readingParams { (node, p: LiteTransposeConvParams) in
            try node.need(2)
            guard node.inputs[0].count == 4, node.inputs[1].count == 4 else { return nil }
            let (input, weights) = (node.inputs[0], node.inputs[1])
            func extent(_ size: Int, _ kernel: Int, _ stride: Int) -> Int {
                p.padding == LITE_PADDING_SAME ? size * stride : (size - 1) * stride + kernel
            }
            return [[input[0], extent(input[1], weights[1], Int(p.stride_height)),
                     extent(input[2], weights[2], Int(p.stride_width)), weights[0]]]
        },
        params: decodedParams(LiteTransposeConvParams.self))

    /// Convolution2DTransposeBias's custom_options hold the raw C struct
    /// TfLiteTransposeConvParams { int32 padding (1 = SAME, 2 = VALID); int32 stride_width; int32 stride_height }.
    private static func decodeConvolution2DTransposeBias(
        _ options: [UInt8], label: String, buffer: FlatBuffer
    ) throws(ModelError) -> OperatorOptions {
        guard options.count >= 12 else {
            throw buffer.error(.malformed, "malformed: \(label) has \(options.count) bytes of custom options, Convolution2DTransposeBias needs 12")
        }
        func int32(at offset: Int) -> Int32 {
            Int32(bitPattern: UInt32(options[offset]) | UInt32(options[offset + 1]) << 8
                | UInt32(options[offset + 2]) << 16 | UInt32(options[offset + 3]) << 24)
        }
        let padding: LitePadding
        switch int32(at: 0) {
        case 1: padding = LITE_PADDING_SAME
        case 2: padding = LITE_PADDING_VALID
        case let other:
            throw buffer.error(.malformed, "malformed: \(label) has padding \(other) in its custom options (expected 1 = SAME or 2 = VALID)")
        }
        return .transposeConv(LiteTransposeConvParams(
            struct_size: MemoryLayout<LiteTransposeConvParams>.size, padding: padding,
            stride_width: int32(at: 4), stride_height: int32(at: 8), activation: LITE_ACTIVATION_NONE))
    }
}

/// The window fields CONV_2D and DEPTHWISE_CONV_2D share, for the code that treats both alike
/// (their shape rule, the dilated-convolution rewrite).
extension OperatorOptions {
    /// Padding, strides and dilations as [height, width]; nil for options of other operators.
    var convolutionWindow: (padding: LitePadding, strides: [Int], dilations: [Int])? {
        switch self {
        case .conv2D(let p):
            (p.padding, [Int(p.stride_height), Int(p.stride_width)], [Int(p.dilation_height), Int(p.dilation_width)])
        case .depthwiseConv2D(let p):
            (p.padding, [Int(p.stride_height), Int(p.stride_width)], [Int(p.dilation_height), Int(p.dilation_width)])
        default: nil
        }
    }

    /// These options with another padding and dilations ([height, width]); nil for options of
    /// other operators.
    func withConvolutionWindow(padding: LitePadding, dilations: [Int]) -> OperatorOptions? {
        switch self {
        case .conv2D(var p):
            (p.padding, p.dilation_height, p.dilation_width) = (padding, Int32(dilations[0]), Int32(dilations[1]))
            return .conv2D(p)
        case .depthwiseConv2D(var p):
            (p.padding, p.dilation_height, p.dilation_width) = (padding, Int32(dilations[0]), Int32(dilations[1]))
            return .depthwiseConv2D(p)
        default: return nil
        }
    }
}
