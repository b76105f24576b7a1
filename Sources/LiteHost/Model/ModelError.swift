/// Why a model could not be loaded: a kind for callers that branch, and a one-line message for people.
///
/// The message names what is wrong and where, e.g.
/// `model.tflite: truncated: vector at offset 1234 needs 400 bytes, file has 300`.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read; `systemError` holds errno.
        case cannotOpen
        /// The file has no bytes.
        case emptyFile
        /// The file identifier is not `TFL3`.
        case notTFLite
        /// An offset or length points past the end of the file.
        case truncated
        /// The flatbuffer is structurally wrong (bad vtable, field outside its table, bad enum value).
        case malformed
        /// A tensor, operator or buffer index is out of range.
        case indexOutOfRange
        /// A valid model that Lite cannot run (quantized types, sparse tensors, other schema versions).
        case unsupported
    }

    public let kind: Kind
    /// The model's name as given to the loader (usually its path).
    public let file: String
    /// What is wrong, without the file name.
    public let message: String
    /// errno for `.cannotOpen`; nil otherwise.
    public let systemError: Int32?

    init(_ kind: Kind, file: String, _ message: String, systemError: Int32? = nil) {
        self.kind = kind
        self.file = file
        self.message = message
        self.systemError = systemError
    }

    public var description: String {
        // A cannot-open message already names the path.
        kind == .cannotOpen ? message : "\(file): \(message)"
    }
}
