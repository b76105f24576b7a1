/// A bounds-checked, read-only view of a flatbuffer held in memory someone else owns.
///
/// Every offset, length and vtable is checked against the buffer before it is read, so any input,
/// however corrupt, produces a `ModelError` rather than a trap. Offsets are read as unaligned
/// little-endian values; alignment is not required.
///
/// Reading never recurses on data: uoffsets only point forward and the schema walk has a fixed
/// depth. What could still blow up is sharing — thousands of tables pointing at one huge vector —
/// so everything that copies data out of the buffer draws from a `DecodeBudget` proportional to
/// the file size.
///
/// The view does not own `bytes`; it is valid only inside the parse call that created it.
struct FlatBuffer {
    let bytes: UnsafeRawBufferPointer
    /// The file name used in error messages.
    let name: String
    let budget: DecodeBudget
    /// The storage `bytes` lie in, when constants may share it instead of copying their bytes
    /// (ModelLoader.load's file buffer); nil for memory the caller only lends.
    let owner: ConstantStorage?

    init(bytes: UnsafeRawBufferPointer, name: String, owner: ConstantStorage? = nil) {
        self.bytes = bytes
        self.name = name
        self.owner = owner
        // A well-formed file decodes each byte once; twice its size plus slack is generous.
        self.budget = DecodeBudget(limit: 2 * bytes.count + (1 << 20))
    }

    var count: Int { bytes.count }

    // MARK: Errors

    func error(_ kind: ModelError.Kind, _ message: String) -> ModelError {
        ModelError(kind, file: name, message)
    }

    func truncated(_ what: String, at offset: Int, needs length: Int) -> ModelError {
        error(.truncated, "truncated: \(what) at offset \(offset) needs \(length) bytes, file has \(count)")
    }

    // MARK: Primitive reads

    /// Throws unless `length` bytes starting at `offset` lie inside the buffer.
    func checkRange(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws(ModelError) {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw truncated(what(), at: offset, needs: length)
        }
    }

    /// A little-endian integer at `offset`, bounds-checked.
    func load<T: FixedWidthInteger>(
        _ type: T.Type, at offset: Int, _ what: @autoclosure () -> String
    ) throws(ModelError) -> T {
        try checkRange(offset, MemoryLayout<T>.size, what())
        // Safe: the range was checked above; loadUnaligned has no alignment requirement.
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The position a uoffset stored at `offset` points to (always forward, so never a cycle).
    func followOffset(at offset: Int, _ what: @autoclosure () -> String) throws(ModelError) -> Int {
        let relative = try load(UInt32.self, at: offset, what())
        // Int is 64-bit on every supported platform: offset + UInt32 cannot overflow.
        let target = offset + Int(relative)
        guard target < count else {
            throw error(.truncated, "truncated: \(what()) at offset \(offset) points to \(target), file has \(count) bytes")
        }
        return target
    }

    // MARK: Objects

    /// The root table, after checking the 4-byte file identifier.
    func rootTable() throws(ModelError) -> FlatTable {
        try table(at: try followOffset(at: 0, "root table offset"), "root table")
    }

    /// The table at `position`, with its vtable checked.
    func table(at position: Int, _ what: @escaping @autoclosure () -> String) throws(ModelError) -> FlatTable {
        let vtableDistance = try load(Int32.self, at: position, what())
        let vtable = position - Int(vtableDistance)
        guard vtable >= 0, vtable <= count - 4 else {
            throw error(.malformed, "malformed: \(what()) at offset \(position) has its vtable at \(vtable), outside the file (\(count) bytes)")
        }
        let vtableSize = Int(try load(UInt16.self, at: vtable, what()))
        let inlineSize = Int(try load(UInt16.self, at: vtable + 2, what()))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw error(.malformed, "malformed: \(what()) at offset \(position) has a vtable of \(vtableSize) bytes")
        }
        guard inlineSize >= 4 else {
            throw error(.malformed, "malformed: \(what()) at offset \(position) declares \(inlineSize) inline bytes")
        }
        try checkRange(vtable, vtableSize, "vtable of \(what())")
        try checkRange(position, inlineSize, what())
        return FlatTable(buffer: self, position: position, vtable: vtable, vtableSize: vtableSize,
                         inlineSize: inlineSize, what: what)
    }

    /// The vector whose length word is at `position`, with all its elements inside the buffer.
    func vector(at position: Int, elementSize: Int, _ what: @autoclosure () -> String) throws(ModelError) -> FlatVector {
        let length = Int(try load(UInt32.self, at: position, what()))
        // length < 2^32 and elementSize <= 8: the product fits in a 64-bit Int.
        try checkRange(position + 4, length * elementSize, what())
        return FlatVector(buffer: self, start: position + 4, count: length, elementSize: elementSize)
    }
}

/// Caps how many bytes a parse may copy out of the buffer, so shared sub-objects cannot turn a
/// small file into unbounded work or memory.
final class DecodeBudget {
    private(set) var remaining: Int

    init(limit: Int) { remaining = limit }

    func charge(_ byteCount: Int, in buffer: FlatBuffer) throws(ModelError) {
        guard byteCount <= remaining else {
            throw buffer.error(.malformed, "malformed: objects are shared so heavily that decoding would copy more than \(remaining) further bytes")
        }
        remaining -= byteCount
    }
}

/// A table: its inline fields are found through the vtable. Field slots are numbered from 0 in
/// schema order (vtable entry 4 + 2 * slot).
struct FlatTable {
    let buffer: FlatBuffer
    let position: Int
    let vtable: Int
    let vtableSize: Int
    let inlineSize: Int
    /// Describes the table in error messages; only evaluated when an error is thrown.
    let what: () -> String

    /// Where field `slot`'s inline bytes are, or nil when the field is absent (default value).
    func fieldPosition(_ slot: Int, size: Int) throws(ModelError) -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let fieldOffset = Int(try buffer.load(UInt16.self, at: vtable + entry, "vtable of \(what())"))
        if fieldOffset == 0 { return nil }
        guard fieldOffset >= 4, fieldOffset + size <= inlineSize else {
            throw buffer.error(.malformed, "malformed: field \(slot) of \(what()) at offset \(position) lies outside the table (offset \(fieldOffset), table has \(inlineSize) bytes)")
        }
        return position + fieldOffset
    }

    func scalar<T: FixedWidthInteger>(_ slot: Int, default value: T) throws(ModelError) -> T {
        guard let at = try fieldPosition(slot, size: MemoryLayout<T>.size) else { return value }
        return try buffer.load(T.self, at: at, "field \(slot) of \(what())")
    }

    func bool(_ slot: Int, default value: Bool) throws(ModelError) -> Bool {
        try scalar(slot, default: UInt8(value ? 1 : 0)) != 0
    }

    func float32(_ slot: Int, default value: Float) throws(ModelError) -> Float {
        Float(bitPattern: try scalar(slot, default: value.bitPattern))
    }

    /// The sub-table at `slot`, or nil when absent.
    func table(_ slot: Int, _ name: @escaping @autoclosure () -> String) throws(ModelError) -> FlatTable? {
        guard let at = try fieldPosition(slot, size: 4) else { return nil }
        let target = try buffer.followOffset(at: at, name())
        return try buffer.table(at: target, name())
    }

    /// The vector at `slot`, or nil when absent.
    func vector(_ slot: Int, elementSize: Int, _ name: @autoclosure () -> String) throws(ModelError) -> FlatVector? {
        guard let at = try fieldPosition(slot, size: 4) else { return nil }
        let target = try buffer.followOffset(at: at, name())
        return try buffer.vector(at: target, elementSize: elementSize, name())
    }

    /// The string at `slot` (invalid UTF-8 is repaired), or nil when absent. Like the flatbuffers
    /// verifier, requires the NUL terminator.
    func string(_ slot: Int, _ name: @autoclosure () -> String) throws(ModelError) -> String? {
        guard let vector = try vector(slot, elementSize: 1, name()) else { return nil }
        let terminator = vector.start + vector.count
        guard try buffer.load(UInt8.self, at: terminator, "terminator of \(name())") == 0 else {
            throw buffer.error(.malformed, "malformed: \(name()) at offset \(vector.start - 4) is not NUL-terminated")
        }
        return try vector.withBytes { (bytes) throws(ModelError) in String(decoding: bytes, as: UTF8.self) }
    }
}

/// A vector whose elements are known to lie inside the buffer.
struct FlatVector {
    let buffer: FlatBuffer
    /// Position of element 0.
    let start: Int
    let count: Int
    let elementSize: Int

    private func position(of index: Int) throws(ModelError) -> Int {
        guard index >= 0, index < count else {
            throw buffer.error(.malformed, "malformed: element \(index) of a vector of \(count)")
        }
        return start + index * elementSize
    }

    func scalar<T: FixedWidthInteger>(at index: Int, as type: T.Type = T.self) throws(ModelError) -> T {
        try buffer.load(T.self, at: try position(of: index), "vector element")
    }

    /// The table element `index` of a vector of tables points to.
    func table(at index: Int, _ name: @escaping @autoclosure () -> String) throws(ModelError) -> FlatTable {
        let at = try position(of: index)
        return try buffer.table(at: try buffer.followOffset(at: at, name()), name())
    }

    /// All elements as integers; charged to the decode budget.
    func scalars<T: FixedWidthInteger>(as type: T.Type = T.self) throws(ModelError) -> [T] {
        precondition(MemoryLayout<T>.size == elementSize, "element size mismatch")
        try buffer.budget.charge(count * elementSize, in: buffer)
        var values: [T] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            let at = start + index * elementSize
            // Safe: the vector's whole extent was checked when it was created.
            values.append(T(littleEndian: buffer.bytes.loadUnaligned(fromByteOffset: at, as: T.self)))
        }
        return values
    }

    func floats() throws(ModelError) -> [Float] {
        try scalars(as: UInt32.self).map(Float.init(bitPattern:))
    }

    /// Calls `body` with the vector's raw bytes (a view into the buffer, valid only in `body`);
    /// charged to the decode budget.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ModelError) -> R) throws(ModelError) -> R {
        let length = count * elementSize
        try buffer.budget.charge(length, in: buffer)
        // Safe: [start, start + length) was checked against the buffer when the vector was made.
        return try body(UnsafeRawBufferPointer(rebasing: buffer.bytes[start..<(start + length)]))
    }
}
