extension ModelParser {
    /// Parses tensor `index`: type, shape, constant bytes.
    /// - Throws: `ModelError` for unsupported types (quantized or otherwise), negative or overflowing
    ///   shapes, sparse tensors, bad buffer indices, and constants whose size differs from the shape's.
    mutating func parseTensor(_ index: Int, table: FlatTable) throws(ModelError) -> TensorDefinition {
        let slots = TFLiteSchema.Tensor.self
        let name = try table.string(slots.name, "name of tensor \(index)") ?? ""
        let label = "tensor \(index) '\(name)'"

        let schemaType = try table.scalar(slots.type, default: Int8(0))
        guard let type = ElementType(schemaType: schemaType) else {
            throw buffer.error(.unsupported, "\(label) has unsupported type \(TFLiteSchema.TensorType.name(schemaType))\(Self.unsupportedTypeReason(schemaType))")
        }
        if let quantization = try table.table(slots.quantization, "quantization of \(label)"),
           let scale = try quantization.vector(TFLiteSchema.Quantization.scale, elementSize: 4, "quantization scale of \(label)"),
           scale.count > 0, type != .float32, type != .float16 {
            throw buffer.error(.unsupported, "\(label) of type \(TFLiteSchema.TensorType.name(schemaType)) is quantized (quantized models are not supported)")
        }
        let dimensions = try table.vector(slots.shape, elementSize: 4, "shape of \(label)")?.scalars(as: Int32.self) ?? []
        var shape: [Int] = []
        shape.reserveCapacity(dimensions.count)
        var byteCount = type.byteWidth
        for dimension in dimensions {
            guard dimension >= 0 else {
                throw buffer.error(.malformed, "malformed: \(label) has a negative dimension in shape \(dimensions)")
            }
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: Int(dimension))
            guard !overflow else {
                throw buffer.error(.malformed, "malformed: \(label) with shape \(dimensions) has more bytes than fit in memory")
            }
            byteCount = product
            shape.append(Int(dimension))
        }

        let isVariable = try table.bool(slots.isVariable, default: false)
        let bufferIndex = Int(try table.scalar(slots.buffer, default: UInt32(0)))
        let constant = try constantData(bufferIndex: bufferIndex, for: label)
        // A sparse constant holds only its stored values; DENSIFY folding checks and expands them.
        if let sparsity = try table.table(slots.sparsity, "sparsity of \(label)") {
            guard constant != nil else {
                throw buffer.error(.unsupported, "\(label) is sparse but not constant (only sparse constants are supported)")
            }
            sparseTensors[index] = try SparseLayout(table: sparsity, rank: shape.count, label: label)
        } else if let constant, constant.byteCount != byteCount {
            throw buffer.error(.malformed, "malformed: \(label): buffer \(bufferIndex) holds \(constant.byteCount) bytes, shape \(shape) of \(type) needs \(byteCount)")
        }
        return TensorDefinition(name: name, type: type, shape: shape, constant: constant, isVariable: isVariable)
    }

    private static func unsupportedTypeReason(_ schemaType: Int8) -> String {
        typealias T = TFLiteSchema.TensorType
        switch schemaType {
        case T.uint8, T.int8, T.int16, T.int4: return " (quantized models are not supported)"
        default: return " (Lite supports FLOAT32, FLOAT16, INT32, INT64 and BOOL)"
        }
    }

    /// The bytes of buffer `bufferIndex`, read once and shared by every tensor that names it;
    /// nil for buffer 0 (the schema's empty sentinel) and for buffers without data.
    private mutating func constantData(bufferIndex: Int, for label: String) throws(ModelError) -> ConstantData? {
        if bufferIndex == 0 { return nil }
        if let cached = constantsByBuffer[bufferIndex] { return cached.data }
        let bufferCount = buffers?.count ?? 0
        guard bufferIndex < bufferCount, let buffers else {
            throw buffer.error(.indexOutOfRange, "\(label): buffer index \(bufferIndex) out of range (model has \(bufferCount) buffers)")
        }
        let table = try buffers.table(at: bufferIndex, "buffer \(bufferIndex)")
        let contents = BufferContents(data: try readBuffer(table, index: bufferIndex))
        constantsByBuffer[bufferIndex] = contents
        return contents.data
    }

    /// A Buffer's bytes: its data vector, or — for models over 2 GB — the region [offset,
    /// offset + size) of the file outside the flatbuffer; slices of the file's storage where the
    /// parser has one (FlatBuffer.owner), else copies.
    private func readBuffer(_ table: FlatTable, index: Int) throws(ModelError) -> ConstantData? {
        let slots = TFLiteSchema.Buffer.self
        let owner = buffer.owner
        if let data = try table.vector(slots.data, elementSize: 1, "data of buffer \(index)"), data.count > 0 {
            return try data.withBytes { (bytes) throws(ModelError) in ConstantData(bytes: bytes, in: owner) }
        }
        let offset = try table.scalar(slots.offset, default: UInt64(0))
        let size = try table.scalar(slots.size, default: UInt64(0))
        // Offsets 0 and 1 are the schema's "not stored outside" placeholders.
        guard offset > 1, size > 0 else { return nil }
        return try buffer.externalRegion(offset: offset, size: size, "data of buffer \(index)") {
            ConstantData(bytes: $0, in: owner)
        }
    }
}

extension FlatBuffer {
    /// Calls `body` with the bytes [offset, offset + size) of the file, checked against its end and
    /// charged to the decode budget. The bytes are valid only inside `body`.
    func externalRegion<R>(
        offset: UInt64, size: UInt64, _ what: @autoclosure () -> String, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(ModelError) -> R {
        guard offset <= UInt64(count), size <= UInt64(count) - offset else {
            throw error(.truncated, "truncated: \(what()) at offset \(offset) needs \(size) bytes, file has \(count)")
        }
        let start = Int(offset), length = Int(size)
        try budget.charge(length, in: self)
        // Safe: [start, start + length) lies inside bytes, checked above.
        return body(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
    }
}
