import DelegateABI

/// The element types Lite runs: the float models TFLite converters produce.
public enum ElementType: Sendable, Equatable, CustomStringConvertible {
    case float32, float16, int32, int64, bool

    /// Bytes per element.
    var byteWidth: Int {
        switch self {
        case .float32, .int32: 4
        case .float16: 2
        case .int64: 8
        case .bool: 1
        }
    }

    /// The ABI's own type code for plugins.
    var liteType: LiteDataType {
        switch self {
        case .float32: LITE_DATA_TYPE_FLOAT32
        case .float16: LITE_DATA_TYPE_FLOAT16
        case .int32: LITE_DATA_TYPE_INT32
        case .int64: LITE_DATA_TYPE_INT64
        case .bool: LITE_DATA_TYPE_BOOL
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float16: "float16"
        case .int32: "int32"
        case .int64: "int64"
        case .bool: "bool"
        }
    }

    /// The type for a TFLite schema TensorType value, or nil when Lite does not support it.
    init?(schemaType: Int8) {
        switch schemaType {
        case TFLiteSchema.TensorType.float32: self = .float32
        case TFLiteSchema.TensorType.float16: self = .float16
        case TFLiteSchema.TensorType.int32: self = .int32
        case TFLiteSchema.TensorType.int64: self = .int64
        case TFLiteSchema.TensorType.bool: self = .bool
        default: return nil
        }
    }
}
