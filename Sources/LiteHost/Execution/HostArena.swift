import Foundation

/// The host arena: one zeroed, 64-byte-aligned block holding the model's inputs and outputs and the
/// tensors that cross partitions, at the offsets `ArenaPlanner.layout` chose. It owns the block;
/// pointers into it are valid while the arena lives, and the interpreter hands them to plugins only
/// for the duration of a call.
final class HostArena {
    /// Each placed tensor's byte offset.
    let offsets: [Int: Int]
    /// The arena's size in bytes (as planned; the block is at least `ArenaPlanner.alignment`).
    let byteCount: Int
    private let base: UnsafeMutableRawPointer

    /// - Throws: `.invalidArgument` when the memory cannot be allocated.
    init(offsets: [Int: Int], size: Int) throws {
        let allocation = max(size, ArenaPlanner.alignment)
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, ArenaPlanner.alignment, allocation) == 0, let memory else {
            throw InterpreterError(.invalidArgument, "cannot allocate a \(size)-byte tensor arena")
        }
        memset(memory, 0, allocation)
        base = memory
        self.offsets = offsets
        byteCount = size
    }

    deinit { free(base) }

    /// Where `tensor`'s bytes start, or nil when the arena does not hold it.
    func pointer(to tensor: Int) -> UnsafeMutableRawPointer? {
        // Safe: every planned offset plus its tensor's size lies inside the block (ArenaPlanner.plan).
        offsets[tensor].map { base.advanced(by: $0) }
    }
}
