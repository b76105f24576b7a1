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
    /// Calls `body` with a pointer to the params struct (nil for `.none` and `.reshape`), for
    /// LiteNode.params. The pointer is valid only inside `body`.
    func withUnsafeParams<R>(_ body: (UnsafeRawPointer?) -> R) -> R {
        func pass<T>(_ value: T) -> R {
            withUnsafePointer(to: value) { body(UnsafeRawPointer($0)) }
        }
        switch self {
        case .none, .reshape, .cast, .shape: return body(nil)
        case .conv2D(let p): return pass(p)
        case .depthwiseConv2D(let p): return pass(p)
        case .pool2D(let p): return pass(p)
        case .elementwise(let p): return pass(p)
        case .concatenation(let p): return pass(p)
        case .fullyConnected(let p): return pass(p)
        case .softmax(let p): return pass(p)
        case .resizeBilinear(let p): return pass(p)
        case .stridedSlice(let p): return pass(p)
        case .transposeConv(let p): return pass(p)
        case .reducer(let p): return pass(p)
        case .depthToSpace(let p): return pass(p)
        case .leakyRelu(let p): return pass(p)
        case .gather(let p): return pass(p)
        case .pack(let p): return pass(p)
        case .unpack(let p): return pass(p)
        case .squeeze(let p): return pass(p)
        case .split(let p): return pass(p)
        }
    }
}
