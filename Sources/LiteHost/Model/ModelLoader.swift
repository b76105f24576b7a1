#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads TFLite model files into `ModelDefinition`s.
enum ModelLoader {
    /// Reads, parses and validates the model at `path`. The file is read into one private buffer;
    /// its constants are slices of that buffer (copied where the file leaves one unaligned), which
    /// stays allocated while any of them is alive, unless they are a small part of it (a model of
    /// float16 weights, widened at load): then they are copied out and the buffer freed
    /// (`StorageFolding.settle`).
    /// - Parameter path: The model file; also the name used in error messages.
    /// - Returns: Subgraph 0 of the model, validated.
    /// - Throws: `ModelError` when the file cannot be read or is not a valid, supported model.
    static func load(path: String) throws(ModelError) -> ModelDefinition {
        let file = try ModelFile(path: path)
        var model = try parse(bytes: file.bytes, name: path, owner: file.storage)
        StorageFolding.releaseUnusedConstants(&model)
        StorageFolding.settle(&model, file: file.storage)
        // Parsing checks what the file says; running it needs a graph in execution order too.
        try GraphValidation.check(model, file: path)
        return model
    }

    /// Parses and validates a model held in memory.
    /// - Parameters:
    ///   - bytes: The whole file (including any data stored after the flatbuffer). Borrowed only for
    ///     the duration of the call, unless `owner` is given.
    ///   - name: Names the model in error messages.
    ///   - owner: The storage `bytes` lie in, which constants may then share; nil: every constant
    ///     is copied into storage the definition owns.
    /// - Returns: Subgraph 0 of the model.
    /// - Throws: `ModelError`; never traps, whatever `bytes` holds.
    static func parse(bytes: UnsafeRawBufferPointer, name: String, owner: ConstantStorage? = nil) throws(ModelError) -> ModelDefinition {
        guard bytes.count > 0 else { throw ModelError(.emptyFile, file: name, "empty file") }
        let buffer = FlatBuffer(bytes: bytes, name: name, owner: owner)
        try checkIdentifier(buffer)
        var parser = ModelParser(buffer: buffer)
        var model = try parser.parseModel()
        let fileOperatorCount = model.operators.count
        try StorageFolding.foldDensify(&model, sparseTensors: parser.sparseTensors, buffer: buffer)
        let afterDensify = model.operators.count
        try StorageFolding.foldFloat16Dequantize(&model, buffer: buffer)
        model.loadFolding = LoadFolding(
            fileOperatorCount: fileOperatorCount, densifyFolded: fileOperatorCount - afterDensify,
            dequantizeFolded: afterDensify - model.operators.count)
        return model
    }

    private static func checkIdentifier(_ buffer: FlatBuffer) throws(ModelError) {
        let bytes = buffer.bytes
        guard bytes.count >= 8 else {
            throw buffer.error(.truncated, "truncated: file has \(bytes.count) bytes, a TFLite model needs at least 8")
        }
        let identifier = Array(bytes[4..<8])
        guard identifier == TFLiteSchema.fileIdentifier else {
            var message = "not a TFLite model (file identifier is '\(escaped(identifier))', expected 'TFL3')"
            if let kind = knownFormat(Array(bytes[0..<8])) { message += "; the file looks like \(kind)" }
            throw buffer.error(.notTFLite, message)
        }
    }

    /// ASCII as is, anything else as a Swift-style escape: PK\u{3}\u{4}.
    private static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            (0x20..<0x7f).contains(byte) && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\\")
                ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
        }.joined()
    }

    private static func knownFormat(_ header: [UInt8]) -> String? {
        if header.starts(with: [0x89, 0x50, 0x4e, 0x47]) { return "a PNG image" }
        if header.starts(with: [0x50, 0x4b, 0x03, 0x04]) { return "a ZIP archive" }
        if header.starts(with: [0x1f, 0x8b]) { return "a gzip archive" }
        if header.starts(with: [0x7f, 0x45, 0x4c, 0x46]) { return "an ELF binary" }
        return nil
    }
}

/// A model file read into a private, 64-byte-aligned buffer. Reading (rather than mapping the
/// file) means a file truncated or rewritten by someone else while we run cannot raise SIGBUS or
/// change a constant.
private struct ModelFile {
    let storage: ConstantStorage
    let count: Int

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage.pointer, count: count) }

    init(path: String) throws(ModelError) {
        func failure(_ code: Int32) -> ModelError {
            ModelError(.cannotOpen, file: path, "cannot open \(path): \(String(cString: strerror(code)))", systemError: code)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(errno) }
        defer { _ = close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(errno) }
        guard status.st_mode & 0o170000 != 0o040000 else { throw failure(EISDIR) }
        let size = Int(status.st_size)

        storage = ConstantStorage(byteCount: size)
        var filled = 0
        while filled < size {
            let result = pread(descriptor, storage.pointer + filled, size - filled, off_t(filled))
            if result < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            if result == 0 { break }  // The file shrank while we read it: parse what is there.
            filled += result
        }
        count = filled
    }
}
