import DelegateABI
import GPUShared

/// Operators as one call each: the node and its output tensor, with deterministic weights.
extension GraphBuilder {
    private func weights(_ count: Int) -> [Float] {
        (0..<count).map { Float(($0 * 7919) % 17) / 17 - 0.5 }
    }

    /// The output extent of a window along one axis (TFLite's rule).
    private static func windowExtent(_ size: Int32, _ kernel: Int32, _ stride: Int32, _ padding: LitePadding)
        -> Int32 {
        padding == LITE_PADDING_SAME ? (size + stride - 1) / stride : (size - kernel) / stride + 1
    }

    /// CONV_2D with `outChannels` filters of kernel x kernel and a bias; returns its output.
    func conv(_ input: Int32, outChannels: Int32, kernel: Int32 = 3, stride: Int32 = 1,
              padding: LitePadding = LITE_PADDING_SAME, activation: LiteActivation = LITE_ACTIVATION_NONE)
        -> Int32 {
        let d = dims(of: input)
        let w = constant([outChannels, kernel, kernel, d[3]],
                         weights(Int(outChannels * kernel * kernel * d[3])))
        let bias = constant([outChannels], weights(Int(outChannels)))
        let out = tensor([d[0], Self.windowExtent(d[1], kernel, stride, padding),
                          Self.windowExtent(d[2], kernel, stride, padding), outChannels])
        let params = LiteConv2DParams(
            struct_size: MemoryLayout<LiteConv2DParams>.size, padding: padding, stride_width: stride,
            stride_height: stride, dilation_width: 1, dilation_height: 1, activation: activation)
        node(LITE_OP_CONV_2D, inputs: [input, w, bias], outputs: [out], params: params)
        return out
    }

    /// DEPTHWISE_CONV_2D, multiplier 1; returns its output.
    func depthwise(_ input: Int32, kernel: Int32 = 3, padding: LitePadding = LITE_PADDING_SAME) -> Int32 {
        let d = dims(of: input)
        let w = constant([1, kernel, kernel, d[3]], weights(Int(kernel * kernel * d[3])))
        let bias = constant([d[3]], weights(Int(d[3])))
        let out = tensor([d[0], Self.windowExtent(d[1], kernel, 1, padding),
                          Self.windowExtent(d[2], kernel, 1, padding), d[3]])
        let params = LiteDepthwiseConv2DParams(
            struct_size: MemoryLayout<LiteDepthwiseConv2DParams>.size, padding: padding, stride_width: 1,
            stride_height: 1, dilation_width: 1, dilation_height: 1, depth_multiplier: 1,
            activation: LITE_ACTIVATION_NONE)
        node(LITE_OP_DEPTHWISE_CONV_2D, inputs: [input, w, bias], outputs: [out], params: params)
        return out
    }

    /// MAX_POOL_2D or AVERAGE_POOL_2D; returns its output.
    func pool(_ input: Int32, code: LiteBuiltinOperator = LITE_OP_MAX_POOL_2D, filter: Int32 = 2,
              stride: Int32 = 1, padding: LitePadding = LITE_PADDING_SAME) -> Int32 {
        let d = dims(of: input)
        let out = tensor([d[0], Self.windowExtent(d[1], filter, stride, padding),
                          Self.windowExtent(d[2], filter, stride, padding), d[3]])
        let params = LitePool2DParams(
            struct_size: MemoryLayout<LitePool2DParams>.size, padding: padding, stride_width: stride,
            stride_height: stride, filter_width: filter, filter_height: filter, activation: LITE_ACTIVATION_NONE)
        node(code, inputs: [input], outputs: [out], params: params)
        return out
    }

    /// PAD by [[b0, b1], [top, bottom], [left, right], [c0, c1]]; returns its output.
    func pad(_ input: Int32, _ paddings: [Int32]) -> Int32 {
        let d = dims(of: input)
        let table = constant([4, 2], int32: paddings)
        let out = tensor((0..<4).map { d[$0] + paddings[2 * $0] + paddings[2 * $0 + 1] })
        node(LITE_OP_PAD, inputs: [input, table], outputs: [out])
        return out
    }

    /// A unary activation (RELU, RELU6, TANH, LOGISTIC, ...); returns its output.
    func unary(_ code: LiteBuiltinOperator, _ input: Int32) -> Int32 {
        let out = tensor(dims(of: input))
        node(code, inputs: [input], outputs: [out])
        return out
    }

    /// ADD, SUB or MUL of `a` and `b`, one of which may broadcast; returns the output, shaped like
    /// the operand of higher rank.
    func binary(_ code: LiteBuiltinOperator, _ a: Int32, _ b: Int32,
                activation: LiteActivation = LITE_ACTIVATION_NONE) -> Int32 {
        let out = tensor(dims(of: a).count >= dims(of: b).count ? dims(of: a) : dims(of: b))
        let params = LiteElementwiseParams(struct_size: MemoryLayout<LiteElementwiseParams>.size,
                                           activation: activation)
        node(code, inputs: [a, b], outputs: [out], params: params)
        return out
    }

    /// input -> conv (+ `activation`, 8 channels) -> conv (4 channels) -> output, on [1, 8, 8, 4].
    static func convChain(activation: LiteActivation) -> (g: GraphBuilder, input: Int32, middle: Int32, output: Int32) {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let middle = g.conv(input, outChannels: 8, activation: activation)
        return (g, input, middle, g.conv(middle, outChannels: 4))
    }
}
