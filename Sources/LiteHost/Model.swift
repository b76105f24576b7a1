import Foundation

/// A parsed, validated TensorFlow Lite model: read once, then shared by any number of interpreters
/// (on any threads: it is immutable).
public final class Model: Sendable {
    let definition: ModelDefinition
    /// A fingerprint for delegate caches: of the file (path, size, modification time) or of the bytes.
    let token: String
    /// The file's path, or the name given to a model from memory; names it in messages.
    public let name: String

    /// Reads, parses and validates the .tflite file at `path`.
    /// - Throws: `ModelError` when the file cannot be read or is not a valid, supported model.
    public convenience init(path: String) throws {
        self.init(definition: try ModelLoader.load(path: path), token: Self.fileToken(path: path), name: path)
    }

    /// Parses and validates a model held in memory; the model keeps copies of what it needs, so
    /// `bytes` may be released as soon as this returns.
    /// - Parameter name: names the model in error messages.
    /// - Throws: `ModelError`; never traps, whatever `bytes` holds.
    public convenience init(bytes: UnsafeRawBufferPointer, name: String = "<memory>") throws {
        let (model, token) = try Self.parse(bytes, name: name)
        self.init(definition: model, token: token, name: name)
    }

    /// The `bytes` variant for a `Data` value.
    public convenience init(data: Data, name: String = "<memory>") throws {
        // The bytes are read inside the closure only: Data's storage is not promised beyond it.
        let (model, token) = try data.withUnsafeBytes { try Self.parse($0, name: name) }
        self.init(definition: model, token: token, name: name)
    }

    /// Parses and validates `bytes`, with their content token.
    private static func parse(_ bytes: UnsafeRawBufferPointer, name: String) throws -> (ModelDefinition, String) {
        let model = try ModelLoader.parse(bytes: bytes, name: name)
        try GraphValidation.check(model, file: name)
        return (model, contentToken(bytes))
    }

    private init(definition: ModelDefinition, token: String, name: String) {
        self.definition = definition
        self.token = token
        self.name = name
    }

    private static func fnv(_ bytes: some Sequence<UInt8>, into hash: inout UInt64) {
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }

    private static func fileToken(path: String) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        fnv("\((path as NSString).standardizingPath)|\(size)|\(modified)".utf8, into: &hash)
        return String(hash, radix: 16)
    }

    /// FNV-1a over the size and the bytes, 8 at a time (a model of tens of MB hashes in milliseconds).
    private static func contentToken(_ bytes: UnsafeRawBufferPointer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        fnv("memory|\(bytes.count)".utf8, into: &hash)
        let words = bytes.count / 8
        for i in 0..<words {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x100_0000_01b3
        }
        fnv(bytes[(words * 8)...], into: &hash)
        return "m" + String(hash, radix: 16)
    }
}
