/// Builds TFLite model files (schema v3) in memory, for tests.
///
/// Add tensors (constants carry their bytes), operators with builtin or custom options, and the
/// graph's inputs and outputs; `build()` returns the file's bytes. Nothing is validated: tests use
/// the builder to make broken models too.
///
///     var builder = TFLiteModelBuilder()
///     let a = builder.addTensor(shape: [1, 4], name: "a")
///     let b = builder.addTensor(shape: [1, 4], floats: [1, 2, 3, 4], name: "b")
///     let sum = builder.addTensor(shape: [1, 4], name: "sum")
///     builder.addOperator(.add, inputs: [a, b], outputs: [sum], options: .add(activation: .relu))
///     builder.inputs = [a]
///     builder.outputs = [sum]
///     let bytes = builder.build()
public struct TFLiteModelBuilder: Sendable {
    /// TFLite TensorType values.
    public enum TensorType: Int8, Sendable {
        case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, string = 5, bool = 6, int16 = 7
        case complex64 = 8, int8 = 9, float64 = 10
    }

    /// Quantization parameters of a tensor.
    public struct Quantization: Sendable {
        public var scale: [Float]
        public var zeroPoint: [Int64]
        public init(scale: [Float], zeroPoint: [Int64]) {
            self.scale = scale
            self.zeroPoint = zeroPoint
        }
    }

    /// Sparsity parameters of a sparse constant (the buffer then holds only the stored values).
    public struct Sparsity: Sendable {
        public enum Dimension: Sendable {
            case dense(size: Int32)
            /// CSR; the index arrays are written as Int32Vector, Uint16Vector or Uint8Vector
            /// (SparseIndexVector 1, 2, 3) by `indexType`.
            case compressed(segments: [Int32], indices: [Int32], indexType: UInt8 = 1)
        }
        public var traversalOrder: [Int32]
        public var blockMap: [Int32]
        public var dimensions: [Dimension]
        public init(traversalOrder: [Int32], blockMap: [Int32] = [], dimensions: [Dimension]) {
            self.traversalOrder = traversalOrder
            self.blockMap = blockMap
            self.dimensions = dimensions
        }
    }

    public struct Tensor: Sendable {
        public var shape: [Int32]
        public var type: TensorType
        /// Index into the model's buffers; 0 is the empty buffer.
        public var buffer: UInt32
        public var name: String
        public var isVariable: Bool
        public var quantization: Quantization?
        public var sparsity: Sparsity?
    }

    public struct Operator: Sendable {
        public var opcodeIndex: UInt32
        public var inputs: [Int32]
        public var outputs: [Int32]
        public var options: BuiltinOptions
        public var customOptions: [UInt8]?
    }

    public struct OperatorCode: Equatable, Sendable {
        public var builtinCode: Int32
        public var customCode: String?
        public var version: Int32
    }

    public var tensors: [Tensor] = []
    /// Buffer contents; buffer 0 is the schema's empty sentinel.
    public var buffers: [[UInt8]] = [[]]
    public var operators: [Operator] = []
    public var operatorCodes: [OperatorCode] = []
    public var inputs: [Int32] = []
    public var outputs: [Int32] = []
    public var description: String
    public var schemaVersion: UInt32 = 3
    /// Empty subgraphs appended after subgraph 0 (loaders must ignore them).
    public var extraSubgraphCount = 0
    /// Store constant data after the flatbuffer, addressed by Buffer.offset/size (the layout of
    /// models over 2 GB), instead of in Buffer.data.
    public var storesBuffersOutsideFlatbuffer = false

    public init(description: String = "built by TFLiteModelBuilder") {
        self.description = description
    }

    // MARK: Tensors

    /// Adds a tensor; with `data` it is a constant backed by a new buffer.
    /// - Returns: The tensor's index.
    @discardableResult
    public mutating func addTensor(
        shape: [Int], type: TensorType = .float32, data: [UInt8]? = nil, name: String = "",
        isVariable: Bool = false, quantization: Quantization? = nil, sparsity: Sparsity? = nil
    ) -> Int32 {
        var bufferIndex: UInt32 = 0
        if let data {
            buffers.append(data)
            bufferIndex = UInt32(buffers.count - 1)
        }
        tensors.append(Tensor(shape: shape.map { Int32(truncatingIfNeeded: $0) }, type: type, buffer: bufferIndex,
                              name: name, isVariable: isVariable, quantization: quantization, sparsity: sparsity))
        return Int32(tensors.count - 1)
    }

    /// Adds a float32 constant.
    @discardableResult
    public mutating func addTensor(shape: [Int], floats: [Float], name: String = "") -> Int32 {
        addTensor(shape: shape, type: .float32, data: floats.flatMap { littleEndianBytes($0.bitPattern) }, name: name)
    }

    /// Adds an int32 constant.
    @discardableResult
    public mutating func addTensor(shape: [Int], int32s: [Int32], name: String = "") -> Int32 {
        addTensor(shape: shape, type: .int32, data: int32s.flatMap { littleEndianBytes($0) }, name: name)
    }

    /// Adds a float16 constant from raw binary16 bit patterns.
    @discardableResult
    public mutating func addTensor(shape: [Int], float16Bits: [UInt16], name: String = "") -> Int32 {
        addTensor(shape: shape, type: .float16, data: float16Bits.flatMap { littleEndianBytes($0) }, name: name)
    }

    // MARK: Operators

    /// Adds a builtin operator.
    /// - Parameters:
    ///   - opcode: The BuiltinOperator.
    ///   - inputs: Tensor indices; -1 for an absent optional input.
    ///   - options: The builtin options table (`.none` writes none).
    public mutating func addOperator(
        _ opcode: BuiltinOperator, version: Int32 = 1, inputs: [Int32], outputs: [Int32],
        options: BuiltinOptions = .none
    ) {
        let index = operatorCodeIndex(OperatorCode(builtinCode: opcode.rawValue, customCode: nil, version: version))
        operators.append(Operator(opcodeIndex: index, inputs: inputs, outputs: outputs, options: options, customOptions: nil))
    }

    /// Adds a CUSTOM operator named `name` with raw `customOptions`.
    public mutating func addCustomOperator(
        _ name: String, version: Int32 = 1, inputs: [Int32], outputs: [Int32], customOptions: [UInt8] = []
    ) {
        let index = operatorCodeIndex(OperatorCode(builtinCode: BuiltinOperator.custom.rawValue, customCode: name, version: version))
        operators.append(Operator(opcodeIndex: index, inputs: inputs, outputs: outputs, options: .none, customOptions: customOptions))
    }

    private mutating func operatorCodeIndex(_ code: OperatorCode) -> UInt32 {
        if let existing = operatorCodes.firstIndex(of: code) { return UInt32(existing) }
        operatorCodes.append(code)
        return UInt32(operatorCodes.count - 1)
    }

    // MARK: Output

    /// The model file.
    public func build() -> [UInt8] { buildWithLayout().bytes }

    /// The model file and the positions of its labelled objects, for tests that corrupt them:
    /// "model", "subgraph0", "tensors", "tensor[i]", "tensor[i].shape", "tensor[i].name",
    /// "buffers", "buffer[i]", "buffer[i].data", "operator_codes", "operator_code[i]", "operators",
    /// "operator[i]", "operator[i].inputs", "operator[i].outputs", "operator[i].options",
    /// "operator[i].custom_options", "inputs", "outputs", "description". A table's position is its
    /// soffset word (use `FlatBufferInspector.fieldPosition` for fields); a vector's is its length.
    public func buildWithLayout() -> (bytes: [UInt8], positions: [String: Int]) {
        // With external buffers the flatbuffer is written first (with placeholder offsets), then
        // the data is appended and the placeholders patched: they sit at fixed positions.
        let writer = FlatBufferWriter.serialize(root: modelObject(), fileIdentifier: "TFL3")
        guard storesBuffersOutsideFlatbuffer else { return (writer.bytes, writer.positions) }

        var bytes = writer.bytes
        for (index, data) in buffers.enumerated() where !data.isEmpty {
            while bytes.count % 16 != 0 { bytes.append(0) }
            let table = writer.positions["buffer[\(index)]"]!
            let offsetField = FlatBufferInspector.fieldPosition(in: bytes, table: table, slot: 1)!
            let sizeField = FlatBufferInspector.fieldPosition(in: bytes, table: table, slot: 2)!
            FlatBufferInspector.write(UInt64(bytes.count), into: &bytes, at: offsetField)
            FlatBufferInspector.write(UInt64(data.count), into: &bytes, at: sizeField)
            bytes += data
        }
        // Positions stay valid: data was only appended.
        return (bytes, writer.positions)
    }

    private func modelObject() -> FlatObject {
        let codes = operatorCodes.enumerated().map { index, code -> FlatObject in
            .table([
                .int8(Int8(clamping: min(code.builtinCode, 127))),
                code.customCode.map { .object(.string($0)) },
                .int32(code.version),
                .int32(code.builtinCode),
            ], label: "operator_code[\(index)]")
        }
        let bufferObjects = buffers.enumerated().map { index, data -> FlatObject in
            if storesBuffersOutsideFlatbuffer {
                // Placeholders (offset 1 = "not outside"), patched in buildWithLayout.
                return .table([nil, .uint64(data.isEmpty ? 0 : 1), .uint64(0)], label: "buffer[\(index)]")
            }
            return .table([data.isEmpty ? nil : .object(.scalarVector(bytes: data, elementSize: 1, alignment: 16,
                                                                      label: "buffer[\(index)].data"))],
                          label: "buffer[\(index)]")
        }
        var subgraphs = [subgraphObject()]
        for index in 0..<extraSubgraphCount {
            subgraphs.append(.table([.object(.objectVector([])), nil, nil, .object(.objectVector([])),
                                     .object(.string("extra\(index)"))]))
        }
        return .table([
            .uint32(schemaVersion),
            .object(.objectVector(codes, label: "operator_codes")),
            .object(.objectVector(subgraphs, label: "subgraphs")),
            .object(.string(description, label: "description")),
            .object(.objectVector(bufferObjects, label: "buffers")),
        ], label: "model")
    }

    private func subgraphObject() -> FlatObject {
        let tensorObjects = tensors.enumerated().map { index, tensor -> FlatObject in
            .table([
                .object(.int32Vector(tensor.shape, label: "tensor[\(index)].shape")),
                .int8(tensor.type.rawValue),
                .uint32(tensor.buffer),
                .object(.string(tensor.name, label: "tensor[\(index)].name")),
                tensor.quantization.map { quantization in
                    .object(.table([nil, nil, .object(.floatVector(quantization.scale)),
                                    .object(.int64Vector(quantization.zeroPoint))]))
                },
                tensor.isVariable ? .bool(true) : nil,
                tensor.sparsity.map { .object(Self.sparsityObject($0)) },
            ], label: "tensor[\(index)]")
        }
        let operatorObjects = operators.enumerated().map { index, op -> FlatObject in
            let options = op.options.encoded(label: "operator[\(index)].options")
            return .table([
                .uint32(op.opcodeIndex),
                .object(.int32Vector(op.inputs, label: "operator[\(index)].inputs")),
                .object(.int32Vector(op.outputs, label: "operator[\(index)].outputs")),
                options.map { .uint8($0.type) },
                options.map { .object($0.table) },
                op.customOptions.map { .object(.scalarVector(bytes: $0, elementSize: 1, label: "operator[\(index)].custom_options")) },
            ], label: "operator[\(index)]")
        }
        return .table([
            .object(.objectVector(tensorObjects, label: "tensors")),
            .object(.int32Vector(inputs, label: "inputs")),
            .object(.int32Vector(outputs, label: "outputs")),
            .object(.objectVector(operatorObjects, label: "operators")),
            .object(.string("main")),
        ], label: "subgraph0")
    }
}

extension TFLiteModelBuilder {
    static func sparsityObject(_ sparsity: Sparsity) -> FlatObject {
        func indexVector(_ values: [Int32], type: UInt8) -> FlatObject {
            switch type {
            case 2: .table([.object(.scalarVector(bytes: values.flatMap { littleEndianBytes(UInt16(truncatingIfNeeded: $0)) }, elementSize: 2))])
            case 3: .table([.object(.scalarVector(bytes: values.map { UInt8(truncatingIfNeeded: $0) }, elementSize: 1))])
            default: .table([.object(.int32Vector(values))])
            }
        }
        let dimensions = sparsity.dimensions.map { dimension -> FlatObject in
            switch dimension {
            case .dense(let size):
                return .table([.int8(0), .int32(size)])
            case let .compressed(segments, indices, indexType):
                return .table([.int8(1), nil, .uint8(indexType), .object(indexVector(segments, type: indexType)),
                               .uint8(indexType), .object(indexVector(indices, type: indexType))])
            }
        }
        return .table([.object(.int32Vector(sparsity.traversalOrder)), .object(.int32Vector(sparsity.blockMap)),
                       .object(.objectVector(dimensions))])
    }

    /// The float32 bytes of `values`, little-endian.
    public static func bytes(of values: [Float]) -> [UInt8] {
        values.flatMap { littleEndianBytes($0.bitPattern) }
    }

    /// The int32 bytes of `values`, little-endian.
    public static func bytes(of values: [Int32]) -> [UInt8] {
        values.flatMap { littleEndianBytes($0) }
    }
}
