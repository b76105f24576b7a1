/// A minimal flatbuffer writer for building test models.
///
/// Objects are described as a tree of `FlatObject`s and serialised front to back: the root offset
/// and file identifier first, then each object after the object that refers to it, so every
/// uoffset points forward as the format requires. A vtable is written just before its table.
/// Scalars are aligned to their size and vector bodies to max(element size, `FlatObject`'s
/// requested alignment), so the output passes TFLite's own verifier.
public indirect enum FlatObject: Sendable {
    /// A table: `fields[slot]` (nil = absent field). `label` records the table's position.
    case table([FlatField?], label: String? = nil)
    /// A vector of scalars: raw little-endian bytes, `elementSize` per element, body aligned to
    /// `alignment` (at least `elementSize`).
    case scalarVector(bytes: [UInt8], elementSize: Int, alignment: Int = 1, label: String? = nil)
    /// A vector of tables (or of any objects: each element is a uoffset).
    case objectVector([FlatObject], label: String? = nil)
    case string(String, label: String? = nil)

    public var label: String? {
        switch self {
        case .table(_, let label), .scalarVector(_, _, _, let label), .objectVector(_, let label),
             .string(_, let label):
            return label
        }
    }

    /// A vector of int32.
    public static func int32Vector(_ values: [Int32], label: String? = nil) -> FlatObject {
        .scalarVector(bytes: values.flatMap { littleEndianBytes($0) }, elementSize: 4, label: label)
    }

    /// A vector of float32.
    public static func floatVector(_ values: [Float], label: String? = nil) -> FlatObject {
        .scalarVector(bytes: values.flatMap { littleEndianBytes($0.bitPattern) }, elementSize: 4, label: label)
    }

    /// A vector of int64.
    public static func int64Vector(_ values: [Int64], label: String? = nil) -> FlatObject {
        .scalarVector(bytes: values.flatMap { littleEndianBytes($0) }, elementSize: 8, label: label)
    }
}

/// One field of a table.
public enum FlatField: Sendable {
    case int8(Int8), uint8(UInt8), bool(Bool), int16(Int16), uint16(UInt16)
    case int32(Int32), uint32(UInt32), int64(Int64), uint64(UInt64), float32(Float)
    /// A uoffset to another object.
    case object(FlatObject)

    var inlineSize: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32, .object: 4
        case .int64, .uint64: 8
        }
    }

    var scalarBytes: [UInt8] {
        switch self {
        case .int8(let v): littleEndianBytes(v)
        case .uint8(let v): [v]
        case .bool(let v): [v ? 1 : 0]
        case .int16(let v): littleEndianBytes(v)
        case .uint16(let v): littleEndianBytes(v)
        case .int32(let v): littleEndianBytes(v)
        case .uint32(let v): littleEndianBytes(v)
        case .int64(let v): littleEndianBytes(v)
        case .uint64(let v): littleEndianBytes(v)
        case .float32(let v): littleEndianBytes(v.bitPattern)
        case .object: [0, 0, 0, 0]  // Patched when the object is written.
        }
    }
}

/// The little-endian bytes of an integer.
public func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// Serialises a `FlatObject` tree.
public struct FlatBufferWriter {
    /// The serialised bytes.
    public private(set) var bytes: [UInt8] = []
    /// Position of every labelled object: the table start (its soffset), or a vector's / string's
    /// length word.
    public private(set) var positions: [String: Int] = [:]

    private var pending: [(object: FlatObject, fixup: Int)] = []

    /// Serialises `root` with the 4-character `fileIdentifier`.
    public static func serialize(root: FlatObject, fileIdentifier: String) -> FlatBufferWriter {
        var writer = FlatBufferWriter()
        writer.bytes = [0, 0, 0, 0] + Array(fileIdentifier.utf8.prefix(4))
        writer.pending.append((root, 0))
        var next = 0
        while next < writer.pending.count {
            let (object, fixup) = writer.pending[next]
            next += 1
            let position = writer.write(object)
            writer.patch(UInt32(position - fixup), at: fixup)
        }
        return writer
    }

    private mutating func align(_ alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    private mutating func patch(_ value: UInt32, at position: Int) {
        for (offset, byte) in littleEndianBytes(value).enumerated() { bytes[position + offset] = byte }
    }

    /// Writes `object` at the end and returns the position its referrers point to.
    private mutating func write(_ object: FlatObject) -> Int {
        let position: Int
        switch object {
        case .table(let fields, _):
            position = writeTable(fields)
        case .scalarVector(let body, let elementSize, let alignment, _):
            // The body follows the 4-byte length, aligned to the larger of the two.
            let bodyAlignment = max(elementSize, alignment, 4)
            align(4)
            while (bytes.count + 4) % bodyAlignment != 0 { bytes.append(0) }
            position = bytes.count
            bytes += littleEndianBytes(UInt32(body.count / max(elementSize, 1)))
            bytes += body
        case .objectVector(let elements, _):
            align(4)
            position = bytes.count
            bytes += littleEndianBytes(UInt32(elements.count))
            for element in elements {
                pending.append((element, bytes.count))
                bytes += [0, 0, 0, 0]
            }
        case .string(let text, _):
            align(4)
            position = bytes.count
            let utf8 = Array(text.utf8)
            bytes += littleEndianBytes(UInt32(utf8.count)) + utf8 + [0]
        }
        if let label = object.label { positions[label] = position }
        return position
    }

    private mutating func writeTable(_ fields: [FlatField?]) -> Int {
        let slotCount = (fields.lastIndex { $0 != nil } ?? -1) + 1
        align(4)
        let vtablePosition = bytes.count
        let vtableSize = 4 + 2 * slotCount
        // The table starts 4-aligned after the vtable; if it has 8-byte fields, its start is
        // chosen so those land 8-aligned.
        var tablePosition = vtablePosition + vtableSize
        tablePosition += (4 - tablePosition % 4) % 4
        if fields.contains(where: { $0?.inlineSize == 8 }) && (tablePosition + 4) % 8 != 0 {
            tablePosition += 4
        }
        // Lay fields out largest first after the soffset, each aligned to its size.
        var fieldOffsets = [Int](repeating: 0, count: slotCount)
        var cursor = tablePosition + 4
        let order = (0..<slotCount).filter { fields[$0] != nil }.sorted {
            (fields[$0]!.inlineSize, -$0) > (fields[$1]!.inlineSize, -$1)
        }
        for slot in order {
            let size = fields[slot]!.inlineSize
            cursor += (size - cursor % size) % size
            fieldOffsets[slot] = cursor - tablePosition
            cursor += size
        }
        let tableSize = cursor - tablePosition

        bytes += littleEndianBytes(UInt16(vtableSize)) + littleEndianBytes(UInt16(tableSize))
        for offset in fieldOffsets { bytes += littleEndianBytes(UInt16(offset)) }
        while bytes.count < tablePosition { bytes.append(0) }
        bytes += littleEndianBytes(Int32(tablePosition - vtablePosition))
        bytes += [UInt8](repeating: 0, count: tableSize - 4)
        for slot in order {
            let field = fields[slot]!
            let at = tablePosition + fieldOffsets[slot]
            if case .object(let child) = field {
                pending.append((child, at))
            } else {
                for (offset, byte) in field.scalarBytes.enumerated() { bytes[at + offset] = byte }
            }
        }
        return tablePosition
    }
}
