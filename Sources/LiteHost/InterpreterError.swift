import DelegateABI

/// Everything the interpreter can throw. `description` is one line that says what is wrong.
public struct InterpreterError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The model file could not be loaded (see `ModelError`).
        case model
        /// A delegate plugin could not be found, opened or initialised.
        case pluginLoad
        /// A plugin call returned an error status.
        case delegateCall
        /// No delegate claimed a node.
        case unclaimedNode
        /// A caller passed a bad index, shape or buffer.
        case invalidArgument
        /// The call needs `allocateTensors()` first.
        case notAllocated
        /// A shape could not be computed (e.g. after an input resize).
        case shapeInference
        /// Under `LITE_VALIDATE=1`: a plugin broke the delegate ABI's rules (the message names them).
        case pluginMisbehaved
    }

    /// What a plugin call returned, as the ABI's `LiteStatus` values; `other` keeps a value the ABI
    /// does not define (treated as an error).
    public enum PluginStatus: Sendable, Equatable {
        case error, invalidArgument, unsupported, outOfMemory, deviceUnavailable, deviceLost, incompatibleABI
        case other(UInt32)

        init(_ status: LiteStatus) {
            switch status {
            case LITE_STATUS_INVALID_ARGUMENT: self = .invalidArgument
            case LITE_STATUS_UNSUPPORTED: self = .unsupported
            case LITE_STATUS_OUT_OF_MEMORY: self = .outOfMemory
            case LITE_STATUS_DEVICE_UNAVAILABLE: self = .deviceUnavailable
            case LITE_STATUS_DEVICE_LOST: self = .deviceLost
            case LITE_STATUS_INCOMPATIBLE_ABI: self = .incompatibleABI
            case LITE_STATUS_ERROR: self = .error
            default: self = .other(status.rawValue)
            }
        }
    }

    public let kind: Kind
    public let message: String
    /// What the plugin call returned, when the error came from one.
    public let status: PluginStatus?

    init(_ kind: Kind, _ message: String, status: LiteStatus? = nil) {
        self.kind = kind
        self.message = message
        self.status = status.map(PluginStatus.init)
    }

    public var description: String { message }
}

extension InterpreterError {
    static func invalidArgument(_ message: String) -> InterpreterError { .init(.invalidArgument, message) }
    static func pluginLoad(_ message: String) -> InterpreterError { .init(.pluginLoad, message) }
}

/// The one place that names C status codes. Unknown values are treated as a generic error.
func statusName(_ status: LiteStatus) -> String {
    switch status {
    case LITE_STATUS_OK: return "ok"
    case LITE_STATUS_ERROR: return "error"
    case LITE_STATUS_INVALID_ARGUMENT: return "invalid argument"
    case LITE_STATUS_UNSUPPORTED: return "unsupported"
    case LITE_STATUS_OUT_OF_MEMORY: return "out of memory"
    case LITE_STATUS_DEVICE_UNAVAILABLE: return "device unavailable"
    case LITE_STATUS_DEVICE_LOST: return "device lost"
    case LITE_STATUS_INCOMPATIBLE_ABI: return "incompatible ABI"
    default: return "error (status \(status.rawValue))"
    }
}
