#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns bytes that constant tensors live in: one constant's, or many (the model file's buffer,
/// the float16 weights widened at load), each a `ConstantData` slice of it. Freed when the last
/// `ConstantData` referring to it goes away. The bytes are written once while the model loads and
/// are immutable afterwards, which is why sharing across threads is sound.
///
/// Large storage is an anonymous mapping marked MADV_HUGEPAGE: a model's weights are megabytes,
/// and heap blocks that size come from fresh mmap'd pages that fault in one 4 KiB page at a time
/// (about 2,700 faults to widen hand_landmark_full's float16 weights); with transparent huge
/// pages ("madvise" or "always" in /sys/kernel/mm/transparent_hugepage/enabled) it is one fault
/// per 2 MiB. Where the kernel offers none, the mapping behaves like the heap block it replaces.
final class ConstantStorage: @unchecked Sendable {
    /// Alignment of every storage: enough for any SIMD load and for LiteTensor's 16-byte promise.
    static let alignment = 64
    /// Storage of at least this many bytes is mapped (one huge page).
    static let mappedMinimum = 2 << 20

    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// Bytes mapped (a multiple of 2 MiB); 0 for heap storage.
    private let mappedBytes: Int

    /// Allocates `byteCount` uninitialised bytes (at least one, so the pointer is always unique).
    init(byteCount: Int) {
        self.byteCount = byteCount
        if byteCount >= Self.mappedMinimum, let mapped = Self.mapHugePages(byteCount) {
            pointer = mapped.pointer
            mappedBytes = mapped.length
        } else {
            pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: Self.alignment)
            mappedBytes = 0
        }
    }

    deinit {
        if mappedBytes > 0 { _ = munmap(pointer, mappedBytes) } else { pointer.deallocate() }
    }

    /// One storage for constants of `byteCounts` bytes, in order, each at a multiple of
    /// `alignment`, with each one's offset in it.
    static func laidOut(_ byteCounts: [Int]) -> (storage: ConstantStorage, offsets: [Int]) {
        var offsets: [Int] = []
        var total = 0
        for byteCount in byteCounts {
            offsets.append(total)
            total += (byteCount + alignment - 1) / alignment * alignment
        }
        return (ConstantStorage(byteCount: total), offsets)
    }

    /// An anonymous private mapping of `byteCount` rounded up to whole 2 MiB pages (a length the
    /// kernel aligns to 2 MiB, so every page can be huge), advised MADV_HUGEPAGE; nil when the
    /// system refuses the mapping (the caller falls back to the heap).
    private static func mapHugePages(_ byteCount: Int) -> (pointer: UnsafeMutableRawPointer, length: Int)? {
        let hugePage = 2 << 20
        let (rounded, overflow) = byteCount.addingReportingOverflow(hugePage - 1)
        guard !overflow else { return nil }
        let length = rounded & ~(hugePage - 1)
        // MAP_FAILED is (void *)-1.
        guard let mapping = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              Int(bitPattern: mapping) != -1
        else { return nil }
        #if os(Linux)
        _ = madvise(mapping, length, MADV_HUGEPAGE)  // advice only: without it, 4 KiB pages
        #endif
        return (mapping, length)
    }
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

    /// Wraps `byteCount` initialised bytes of `storage`, from its start.
    init(storage: ConstantStorage, byteCount: Int) {
        self.init(storage: storage, offset: 0, byteCount: byteCount)
    }

    /// Wraps the `byteCount` initialised bytes at `offset` in `storage`.
    init(storage: ConstantStorage, offset: Int, byteCount: Int) {
        precondition(offset >= 0 && byteCount >= 0 && byteCount <= storage.byteCount - offset,
                     "constant outside its storage")
        self.storage = storage
        self.pointer = UnsafeRawPointer(storage.pointer + offset)
        self.byteCount = byteCount
    }

    /// `bytes` as a constant: a slice of `owner` when they lie inside it (at any alignment: see
    /// `StorageFolding.settle`, which copies the unaligned ones once loading is done), else a copy.
    init(bytes: UnsafeRawBufferPointer, in owner: ConstantStorage?) {
        if let owner, let base = bytes.baseAddress {
            let offset = base - UnsafeRawPointer(owner.pointer)
            if offset >= 0, bytes.count <= owner.byteCount - offset {
                self.init(storage: owner, offset: offset, byteCount: bytes.count)
                return
            }
        }
        self.init(copying: bytes)
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
