import Foundation
import LiteHost
import LiteImageInput

// The objects behind the C API's opaque handles. Each handle is an `Unmanaged` reference retained
// by its create call and released by its delete call; strings handed to C live in `CString`s owned
// by the object that returned them, so their pointers stay valid as the header promises.

/// A NUL-terminated copy of a Swift string at a stable address, freed with its owner.
final class CString: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CChar>

    init(_ text: String) { pointer = strdup(text) }
    deinit { free(pointer) }

    static let empty = CString("")
}

final class ModelHandle {
    let model: Model
    init(_ model: Model) { self.model = model }
}

final class OptionsHandle {
    var options = InterpreterOptions()
    var delegates: [String] = []
}

final class InterpreterHandle {
    let interpreter: Interpreter
    private(set) var lastError = CString.empty
    private(set) lazy var inputs: [TensorHandle] = (0..<interpreter.inputTensorCount).map {
        TensorHandle(owner: self, isInput: true, index: $0)
    }
    private(set) lazy var outputs: [TensorHandle] = (0..<interpreter.outputTensorCount).map {
        TensorHandle(owner: self, isInput: false, index: $0)
    }
    lazy var partitionDelegates: [CString] = interpreter.partitionPlan.partitions.map { CString($0.delegate) }
    lazy var warnings: [CString] = interpreter.warnings.map(CString.init)
    lazy var planJSON = CString(
        (try? ReportJSON.text(interpreter.partitionPlan.report(warnings: interpreter.warnings), pretty: false)) ?? "{}")
    var profileJSON = CString.empty

    init(_ interpreter: Interpreter) { self.interpreter = interpreter }

    /// Runs `body`, recording a failure's message as this interpreter's (and the thread's) last error.
    func result(_ body: () throws -> Void) -> Int32 {
        do {
            try body()
            return LiteResultCode.ok
        } catch {
            let (code, message) = LiteResultCode.of(error)
            fail(message)
            return code
        }
    }

    func fail(_ message: String) {
        lastError = CString(message)
        ThreadError.set(message)
    }
}

/// One model input or output of an interpreter, with its name cached for C.
final class TensorHandle {
    unowned let owner: InterpreterHandle
    let isInput: Bool
    let index: Int
    private var cachedName: CString?

    init(owner: InterpreterHandle, isInput: Bool, index: Int) {
        self.owner = owner
        self.isInput = isInput
        self.index = index
    }

    var info: TensorInfo? {
        try? isInput ? owner.interpreter.inputInfo(at: index) : owner.interpreter.outputInfo(at: index)
    }

    var name: CString {
        if let cachedName { return cachedName }
        let name = CString(info?.name ?? "")
        cachedName = name
        return name
    }
}

/// A string per thread, at a stable address until the thread sets it again (or ends).
final class ThreadLocalString: @unchecked Sendable {
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        self.key = key
    }

    func set(_ text: String) {
        free(pthread_getspecific(key))
        pthread_setspecific(key, strdup(text))
    }

    var current: UnsafePointer<CChar> {
        guard let value = pthread_getspecific(key) else { return UnsafePointer(CString.empty.pointer) }
        return UnsafePointer(value.assumingMemoryBound(to: CChar.self))
    }
}

/// The thread's last error, for calls that have no object to keep it (create calls).
let ThreadError = ThreadLocalString()

/// LiteResult values (lite.h), and the one mapping from Swift errors to them.
enum LiteResultCode {
    static let ok: Int32 = 0
    static let invalidArgument: Int32 = 1
    static let modelError: Int32 = 2
    static let delegateError: Int32 = 3
    static let unsupportedNode: Int32 = 4
    static let notAllocated: Int32 = 5
    static let shapeError: Int32 = 6
    static let error: Int32 = 7

    static let names: [Int32: String] = [
        ok: "LITE_RESULT_OK", invalidArgument: "LITE_RESULT_INVALID_ARGUMENT", modelError: "LITE_RESULT_MODEL_ERROR",
        delegateError: "LITE_RESULT_DELEGATE_ERROR", unsupportedNode: "LITE_RESULT_UNSUPPORTED_NODE",
        notAllocated: "LITE_RESULT_NOT_ALLOCATED", shapeError: "LITE_RESULT_SHAPE_ERROR", error: "LITE_RESULT_ERROR",
    ]

    static func of(_ error: Error) -> (Int32, String) {
        switch error {
        case let error as ModelError: return (modelError, error.description)
        case let error as InterpreterError:
            let code: Int32 = switch error.kind {
            case .model: modelError
            case .pluginLoad, .delegateCall, .pluginMisbehaved: delegateError
            case .unclaimedNode: unsupportedNode
            case .invalidArgument: invalidArgument
            case .notAllocated: notAllocated
            case .shapeInference: shapeError
            }
            return (code, error.message)
        case let error as APIError: return (error.code, error.message)
        case let error as ImageInputError: return (invalidArgument, error.description)
        default: return (Self.error, String(describing: error))
        }
    }
}

/// A failure the C layer itself detects (a NULL argument, a bad option value).
struct APIError: Error {
    let code: Int32
    let message: String
    static func invalid(_ message: String) -> APIError { APIError(code: LiteResultCode.invalidArgument, message: message) }
}

/// LiteElementType values (TFLite's TfLiteType codes).
extension ElementType {
    var cCode: Int32 {
        switch self {
        case .float32: 1
        case .int32: 2
        case .int64: 4
        case .bool: 6
        case .float16: 10
        }
    }
}
