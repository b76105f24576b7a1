/// Owns the bytes of one constant tensor: a 64-byte-aligned allocation, freed when the last
/// `ConstantData` referring to it goes away. The bytes are written once while the model loads and
/// are immutable afterwards, which is why sharing across threads is sound.
final class ConstantStorage: @unchecked Sendable {
    /// Alignment of every constant: enough for any SIMD load and for LiteTensor's 16-byte promise.
    static let alignment = 64

    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    /// Allocates `byteCount` uninitialised bytes (at least one, so the pointer is always unique).
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: Self.alignment)
    }

    deinit { pointer.deallocate() }
}

/// The immutable bytes of a constant tensor. `pointer` stays valid as long as this value (or any
/// copy, which shares `storage`) is alive.
struct ConstantData: @unchecked Sendable {
    let storage: ConstantStorage
    let pointer: UnsafeRawPointer
    let byteCount: Int

    /// Copies `bytes` into fresh aligned storage.
    init(copying bytes: UnsafeRawBufferPointer) {
        let storage = ConstantStorage(byteCount: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.pointer.copyMemory(from: base, byteCount: bytes.count)
        }
        self.storage = storage
        self.pointer = UnsafeRawPointer(storage.pointer)
        self.byteCount = bytes.count
    }

    /// Wraps `byteCount` initialised bytes of `storage`.
    init(storage: ConstantStorage, byteCount: Int) {
        precondition(byteCount <= storage.byteCount, "constant larger than its storage")
        self.storage = storage
        self.pointer = UnsafeRawPointer(storage.pointer)
        self.byteCount = byteCount
    }

    /// Stores `values` as little-endian float32 (the host is little-endian).
    init(floats values: [Float]) {
        self = values.withUnsafeBytes { ConstantData(copying: $0) }
    }

    /// Calls `body` with the bytes; the buffer must not escape `body`.
    func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: byteCount))
    }

    /// The bytes read as `count / stride` values of `T`; trailing bytes are ignored.
    func values<T: BitwiseCopyable>(as type: T.Type) -> [T] {
        let count = byteCount / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            // Safe: storage holds byteCount >= count * stride bytes; the destination has room for count.
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: pointer, byteCount: count * MemoryLayout<T>.stride)
            }
            initialised = count
        }
    }

    /// The values of an int32 constant.
    func int32Values() -> [Int32] { values(as: Int32.self) }

    /// The values of an int64 constant.
    func int64Values() -> [Int64] { values(as: Int64.self) }

    /// The values of a float32 constant.
    func floatValues() -> [Float] { values(as: Float.self) }
}
