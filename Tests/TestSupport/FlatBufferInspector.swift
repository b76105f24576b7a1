/// Reading helpers for tests that corrupt specific parts of a built flatbuffer. They trap on bad
/// input: use them only on buffers the writer made.
public enum FlatBufferInspector {
    /// Position of field `slot`'s inline bytes in the table at `table`, or nil when absent.
    public static func fieldPosition(in bytes: [UInt8], table: Int, slot: Int) -> Int? {
        let vtable = table - Int(int32(bytes, at: table))
        let vtableSize = Int(uint16(bytes, at: vtable))
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(uint16(bytes, at: vtable + entry))
        return offset == 0 ? nil : table + offset
    }

    public static func int32(_ bytes: [UInt8], at position: Int) -> Int32 {
        Int32(bitPattern: uint32(bytes, at: position))
    }

    public static func uint32(_ bytes: [UInt8], at position: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[position + $1]) << (8 * $1) }
    }

    public static func uint16(_ bytes: [UInt8], at position: Int) -> UInt16 {
        UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    /// Overwrites the bytes at `position` with `value`, little-endian.
    public static func write<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8], at position: Int) {
        for (offset, byte) in littleEndianBytes(value).enumerated() { bytes[position + offset] = byte }
    }
}
