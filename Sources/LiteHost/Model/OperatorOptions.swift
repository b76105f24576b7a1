import DelegateABI

/// An operator's parameters, decoded from its builtin options table (or, for MediaPipe's
/// Convolution2DTransposeBias, its custom options) into the ABI's params structs. Each struct has
/// `struct_size` set. A missing options table yields the schema defaults.
enum OperatorOptions: Sendable {
    case none
    case conv2D(LiteConv2DParams)
    case depthwiseConv2D(LiteDepthwiseConv2DParams)
    /// AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D.
    case pool2D(LitePool2DParams)
    /// ADD, SUB, MUL, DIV.
    case elementwise(LiteElementwiseParams)
    /// The axis as stored: it may be negative; the host normalises it against the rank.
    case concatenation(LiteConcatenationParams)
    case fullyConnected(LiteFullyConnectedParams)
    case softmax(LiteSoftmaxParams)
    /// The new_shape option, or nil when the options (or the field) are absent; the shape input wins.
    case reshape(newShape: [Int32]?)
    case resizeBilinear(LiteResizeBilinearParams)
    case stridedSlice(LiteStridedSliceParams)
    /// TRANSPOSE_CONV and the custom Convolution2DTransposeBias.
    case transposeConv(LiteTransposeConvParams)
    /// MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN, REDUCE_ANY.
    case reducer(LiteReducerParams)
    case depthToSpace(LiteDepthToSpaceParams)
    case leakyRelu(LiteLeakyReluParams)
    /// The axes as stored: they may be negative; GraphView normalises them for plugins.
    case gather(LiteGatherParams)
    case pack(LitePackParams)
    case unpack(LiteUnpackParams)
    /// squeeze_dims as stored (possibly negative); none means every extent-1 axis.
    case squeeze(LiteSqueezeParams)
    case split(LiteSplitParams)
    /// CAST's schema TensorType values (0 when absent); the tensors' own types are authoritative.
    case cast(inType: Int8, outType: Int8)
    /// SHAPE's out_type as a schema TensorType value (INT32 when absent).
    case shape(outType: Int8)
}

extension OperatorOptions {
    /// The value this case carries when it is a `Payload` (the ABI params struct of `.conv2D`,
    /// `.softmax`, ...), else nil. Read through reflection, so that no table of cases has to be kept
    /// beside the enum: an enum value's mirror has one child, its associated value. It runs once
    /// per node when `GraphView` builds the params plugins see, never per invoke.
    func payload<Payload>(as _: Payload.Type) -> Payload? {
        Mirror(reflecting: self).children.first?.value as? Payload
    }
}
