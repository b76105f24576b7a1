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
    /// `.softmax`, ...), else nil. Shape rules and evaluations ask for their operator's struct by
    /// type; one switch here (not reflection, which costs microseconds a node at load) keeps every
    /// case's payload in one place.
    func payload<Payload>(as _: Payload.Type) -> Payload? {
        let value: Any
        switch self {
        case .none: return nil
        case .conv2D(let p as Any), .depthwiseConv2D(let p as Any), .pool2D(let p as Any),
             .elementwise(let p as Any), .concatenation(let p as Any), .fullyConnected(let p as Any),
             .softmax(let p as Any), .resizeBilinear(let p as Any), .stridedSlice(let p as Any),
             .transposeConv(let p as Any), .reducer(let p as Any), .depthToSpace(let p as Any),
             .leakyRelu(let p as Any), .gather(let p as Any), .pack(let p as Any), .unpack(let p as Any),
             .squeeze(let p as Any), .split(let p as Any), .shape(let p as Any):
            value = p
        case .reshape(let newShape): value = newShape as Any  // the optional itself, nil included
        case .cast(let inType, let outType): value = (inType: inType, outType: outType)
        }
        return value as? Payload
    }
}
