extension TFLiteModelBuilder {
    /// A TFLite BuiltinOperator value. Any value can be made with `init(rawValue:)`.
    public struct BuiltinOperator: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let add = Self(rawValue: 0), averagePool2D = Self(rawValue: 1)
        public static let concatenation = Self(rawValue: 2), conv2D = Self(rawValue: 3)
        public static let depthwiseConv2D = Self(rawValue: 4), depthToSpace = Self(rawValue: 5)
        public static let dequantize = Self(rawValue: 6), fullyConnected = Self(rawValue: 9)
        public static let logistic = Self(rawValue: 14), maxPool2D = Self(rawValue: 17), mul = Self(rawValue: 18)
        public static let relu = Self(rawValue: 19), relu6 = Self(rawValue: 21), reshape = Self(rawValue: 22)
        public static let resizeBilinear = Self(rawValue: 23), softmax = Self(rawValue: 25)
        public static let tanh = Self(rawValue: 28), custom = Self(rawValue: 32), pad = Self(rawValue: 34)
        public static let transpose = Self(rawValue: 39), mean = Self(rawValue: 40), sub = Self(rawValue: 41)
        public static let div = Self(rawValue: 42), squeeze = Self(rawValue: 43), stridedSlice = Self(rawValue: 45)
        public static let exp = Self(rawValue: 47), prelu = Self(rawValue: 54), maximum = Self(rawValue: 55)
        public static let minimum = Self(rawValue: 57), transposeConv = Self(rawValue: 67)
        public static let sum = Self(rawValue: 74), reduceMax = Self(rawValue: 82)
        public static let leakyRelu = Self(rawValue: 98), hardSwish = Self(rawValue: 117)
        public static let densify = Self(rawValue: 124)
        /// An operator code above 127: stored in builtin_code, with 127 in deprecated_builtin_code.
        public static let gelu = Self(rawValue: 150)
    }

    /// TFLite Padding.
    public enum Padding: Int8, Sendable { case same = 0, valid = 1 }

    /// TFLite ActivationFunctionType.
    public enum Activation: Int8, Sendable {
        case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3, tanh = 4, signBit = 5
    }

    /// The builtin options table of an operator, with the schema's field order.
    public enum BuiltinOptions: Sendable {
        case none
        case conv2D(padding: Padding = .same, strideWidth: Int32 = 1, strideHeight: Int32 = 1,
                    activation: Activation = .none, dilationWidth: Int32 = 1, dilationHeight: Int32 = 1)
        case depthwiseConv2D(padding: Padding = .same, strideWidth: Int32 = 1, strideHeight: Int32 = 1,
                             depthMultiplier: Int32 = 1, activation: Activation = .none,
                             dilationWidth: Int32 = 1, dilationHeight: Int32 = 1)
        case pool2D(padding: Padding = .valid, strideWidth: Int32 = 1, strideHeight: Int32 = 1,
                    filterWidth: Int32 = 1, filterHeight: Int32 = 1, activation: Activation = .none)
        case add(activation: Activation = .none)
        case sub(activation: Activation = .none)
        case mul(activation: Activation = .none)
        case div(activation: Activation = .none)
        case concatenation(axis: Int32, activation: Activation = .none)
        case fullyConnected(activation: Activation = .none, keepNumDims: Bool = false)
        case softmax(beta: Float = 1)
        case reshape(newShape: [Int32])
        case resizeBilinear(alignCorners: Bool = false, halfPixelCenters: Bool = false)
        case stridedSlice(beginMask: Int32 = 0, endMask: Int32 = 0, ellipsisMask: Int32 = 0,
                          newAxisMask: Int32 = 0, shrinkAxisMask: Int32 = 0, offset: Bool = false)
        case transposeConv(padding: Padding = .same, strideWidth: Int32 = 1, strideHeight: Int32 = 1,
                           activation: Activation = .none)
        /// MEAN, SUM, REDUCE_MAX, ...
        case reducer(keepDims: Bool = false)
        case depthToSpace(blockSize: Int32)
        case leakyRelu(alpha: Float)
        case dequantize
        /// Any other options table: its BuiltinOptions union type and fields by slot.
        case table(type: UInt8, fields: [FlatField?])

        /// The union type and the table, or nil for `.none`.
        func encoded(label: String) -> (type: UInt8, table: FlatObject)? {
            let (type, fields): (UInt8, [FlatField?])
            switch self {
            case .none:
                return nil
            case let .conv2D(padding, strideWidth, strideHeight, activation, dilationWidth, dilationHeight):
                (type, fields) = (1, [.int8(padding.rawValue), .int32(strideWidth), .int32(strideHeight),
                                      .int8(activation.rawValue), .int32(dilationWidth), .int32(dilationHeight)])
            case let .depthwiseConv2D(padding, strideWidth, strideHeight, depthMultiplier, activation,
                                      dilationWidth, dilationHeight):
                (type, fields) = (2, [.int8(padding.rawValue), .int32(strideWidth), .int32(strideHeight),
                                      .int32(depthMultiplier), .int8(activation.rawValue), .int32(dilationWidth),
                                      .int32(dilationHeight)])
            case let .pool2D(padding, strideWidth, strideHeight, filterWidth, filterHeight, activation):
                (type, fields) = (5, [.int8(padding.rawValue), .int32(strideWidth), .int32(strideHeight),
                                      .int32(filterWidth), .int32(filterHeight), .int8(activation.rawValue)])
            case .add(let activation): (type, fields) = (11, [.int8(activation.rawValue)])
            case .sub(let activation): (type, fields) = (28, [.int8(activation.rawValue)])
            case .mul(let activation): (type, fields) = (21, [.int8(activation.rawValue)])
            case .div(let activation): (type, fields) = (29, [.int8(activation.rawValue)])
            case let .concatenation(axis, activation):
                (type, fields) = (10, [.int32(axis), .int8(activation.rawValue)])
            case let .fullyConnected(activation, keepNumDims):
                (type, fields) = (8, [.int8(activation.rawValue), .int8(0), .bool(keepNumDims)])
            case .softmax(let beta): (type, fields) = (9, [.float32(beta)])
            case .reshape(let newShape): (type, fields) = (17, [.object(.int32Vector(newShape))])
            case let .resizeBilinear(alignCorners, halfPixelCenters):
                // Slots 0 and 1 are the deprecated new_height/new_width.
                (type, fields) = (15, [nil, nil, .bool(alignCorners), .bool(halfPixelCenters)])
            case let .stridedSlice(beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask, offset):
                (type, fields) = (32, [.int32(beginMask), .int32(endMask), .int32(ellipsisMask),
                                       .int32(newAxisMask), .int32(shrinkAxisMask), .bool(offset)])
            case let .transposeConv(padding, strideWidth, strideHeight, activation):
                (type, fields) = (49, [.int8(padding.rawValue), .int32(strideWidth), .int32(strideHeight),
                                       .int8(activation.rawValue)])
            case .reducer(let keepDims): (type, fields) = (27, [.bool(keepDims)])
            case .depthToSpace(let blockSize): (type, fields) = (94, [.int32(blockSize)])
            case .leakyRelu(let alpha): (type, fields) = (75, [.float32(alpha)])
            case .dequantize: (type, fields) = (38, [])
            case let .table(rawType, rawFields): (type, fields) = (rawType, rawFields)
            }
            return (type, .table(fields, label: label))
        }
    }

    /// The 12-byte custom options of MediaPipe's Convolution2DTransposeBias: the C struct
    /// TfLiteTransposeConvParams { int32 padding (1 = SAME, 2 = VALID); int32 stride_width; int32 stride_height }.
    public static func convolution2DTransposeBiasOptions(padding: Padding, strideWidth: Int32, strideHeight: Int32) -> [UInt8] {
        littleEndianBytes(Int32(padding == .same ? 1 : 2)) + littleEndianBytes(strideWidth) + littleEndianBytes(strideHeight)
    }
}
