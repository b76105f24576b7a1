import Testing
import TestSupport

@testable import LiteHost

/// Abuse tests: every malformed input must produce a ModelError — never a trap, never a hang.
@Suite("Malformed models")
struct MalformedModelTests {
    typealias Inspector = FlatBufferInspector

    /// A model touching most of the schema: constants, options, custom options, quantization.
    static func richModel() -> Builder {
        var builder = ModelLoadingTests.addModel()
        let weights = builder.addTensor(shape: [2, 1, 1, 1], floats: [0.5, -0.5], name: "conv/w")
        let conv = builder.addTensor(shape: [1, 2, 2, 2], name: "conv")
        let half = builder.addTensor(shape: [2], float16Bits: [0x3c00, 0x4000], name: "half")
        let full = builder.addTensor(shape: [2], name: "full",
                                     quantization: .init(scale: [1], zeroPoint: [0]))
        builder.addOperator(.conv2D, inputs: [2, weights, -1], outputs: [conv],
                            options: .conv2D(padding: .same, strideWidth: 1, strideHeight: 1, activation: .relu))
        builder.addOperator(.dequantize, inputs: [half], outputs: [full])
        builder.addOperator(.reshape, inputs: [conv], outputs: [conv], options: .reshape(newShape: [1, 8]))
        builder.addCustomOperator("Convolution2DTransposeBias", inputs: [conv, weights, -1], outputs: [conv],
                                  customOptions: Builder.convolution2DTransposeBiasOptions(padding: .same, strideWidth: 2, strideHeight: 2))
        let sparse = builder.addTensor(shape: [2, 4], data: Builder.bytes(of: [1, 2, 3] as [Float]), name: "sparse",
                                       sparsity: .init(traversalOrder: [0, 1], dimensions: [
                                           .dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, 3, 2])]))
        let dense = builder.addTensor(shape: [2, 4], name: "dense")
        builder.addOperator(.densify, inputs: [sparse], outputs: [dense])
        builder.outputs = [conv, dense]
        return builder
    }

    @Test func richModelIsValid() throws {
        let model = try parseTestModel(Self.richModel().build()).get()
        #expect(model.operators.count == 4)  // The DEQUANTIZE and DENSIFY are folded.
        #expect(model.tensors[8].constant?.floatValues() == [1, 0, 0, 2, 0, 0, 3, 0])
    }

    @Test func emptyFile() {
        let error = parseTestModel([])
        #expect(error.thrownError == ModelError(.emptyFile, file: "model.tflite", "empty file"))
        #expect(error.thrownError?.description == "model.tflite: empty file")
    }

    struct HeaderCase: CustomStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let mentions: String
        var description: String { name }
    }

    static let headerCases: [HeaderCase] = [
        HeaderCase(name: "PNG", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], mentions: "PNG"),
        HeaderCase(name: "ZIP", bytes: [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0], mentions: "ZIP"),
        HeaderCase(name: "text", bytes: Array("hello, world\n".utf8), mentions: "'o, w'"),
        HeaderCase(name: "TFL2", bytes: [16, 0, 0, 0] + Array("TFL2".utf8) + [0, 0, 0, 0], mentions: "'TFL2'"),
    ]

    @Test(arguments: headerCases)
    func notATFLiteModel(_ header: HeaderCase) {
        let error = parseTestModel(header.bytes).thrownError
        #expect(error?.kind == .notTFLite)
        #expect(error?.description.contains("not a TFLite model") == true)
        #expect(error?.description.contains(header.mentions) == true, "\(String(describing: error))")
    }

    @Test func wrongIdentifierOnAValidModel() {
        var bytes = Self.richModel().build()
        bytes[7] = UInt8(ascii: "4")
        #expect(parseTestModel(bytes).thrownError?.kind == .notTFLite)
    }

    @Test func tinyFilesAreTruncated() {
        for count in 1..<8 {
            #expect(parseTestModel([UInt8](repeating: 0x41, count: count)).thrownError?.kind == .truncated)
        }
    }

    @Test(arguments: [false, true])
    func everyTruncationThrows(externalBuffers: Bool) {
        var builder = Self.richModel()
        builder.storesBuffersOutsideFlatbuffer = externalBuffers
        let bytes = builder.build()
        var parsed: [Int] = []
        for length in 0..<bytes.count {
            if case .success = parseTestModel(Array(bytes[0..<length])) { parsed.append(length) }
        }
        #expect(parsed == [], "truncated models that parsed: \(parsed)")
    }

    @Test func randomSingleByteCorruptionsNeverCrash() {
        let bytes = Self.richModel().build()
        var generator = SeededGenerator(seed: 0x5EED_1173)
        var outcomes = (parsed: 0, failed: 0)
        for _ in 0..<4000 {
            var corrupted = bytes
            let position = Int.random(in: 0..<corrupted.count, using: &generator)
            corrupted[position] = UInt8.random(in: 0...255, using: &generator)
            switch parseTestModel(corrupted) {
            case .success: outcomes.parsed += 1
            case .failure: outcomes.failed += 1
            }
        }
        // Reaching here is the test; both outcomes must occur for it to mean anything.
        #expect(outcomes.parsed > 0)
        #expect(outcomes.failed > 0)
    }

    @Test func randomMultiByteCorruptionsNeverCrash() {
        let bytes = Self.richModel().build()
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<1000 {
            var corrupted = bytes
            for _ in 0..<Int.random(in: 2...16, using: &generator) {
                let position = Int.random(in: 0..<corrupted.count, using: &generator)
                corrupted[position] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = parseTestModel(corrupted)
        }
    }

    // MARK: Indices

    @Test func operatorInputOutOfRange() {
        var builder = ModelLoadingTests.addModel()
        builder.operators[0].inputs = [0, 900]
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .indexOutOfRange)
        #expect(error?.message == "operator 0 input 1: tensor index 900 out of range (model has 3 tensors)")
    }

    @Test(arguments: [Int32(-1), -2, 3])
    func operatorOutputOutOfRange(_ index: Int32) {
        var builder = ModelLoadingTests.addModel()
        builder.operators[0].outputs = [index]
        #expect(parseTestModel(builder.build()).thrownError?.kind == .indexOutOfRange)
    }

    @Test func negativeInputOtherThanMinusOne() {
        var builder = ModelLoadingTests.addModel()
        builder.operators[0].inputs = [0, -2]
        #expect(parseTestModel(builder.build()).thrownError?.kind == .indexOutOfRange)
    }

    @Test(arguments: [[Int32(-1)], [3], [0, 7]])
    func graphInputOutOfRange(_ inputs: [Int32]) {
        var builder = ModelLoadingTests.addModel()
        builder.inputs = inputs
        #expect(parseTestModel(builder.build()).thrownError?.kind == .indexOutOfRange)
        builder = ModelLoadingTests.addModel()
        builder.outputs = inputs
        #expect(parseTestModel(builder.build()).thrownError?.kind == .indexOutOfRange)
    }

    /// An index field of the add model's flatbuffer set past what it indexes: the table, the
    /// field's slot, the value written, the message expected.
    static let indexFields: [(table: String, slot: Int, value: UInt32, message: String)] = [
        ("operator[0]", 0, 5, "operator 0: opcode index 5 out of range (model has 1 operator codes)"),
        ("tensor[1]", 2, 77, "tensor 1 'bias': buffer index 77 out of range (model has 2 buffers)"),
    ]

    /// The error of loading the add model after `patch` edited its bytes; `patch` also gets the
    /// builder's position of every table and vector.
    static func errorOfPatchedAddModel(_ patch: (inout [UInt8], [String: Int]) throws -> Void) rethrows -> ModelError? {
        let (original, positions) = ModelLoadingTests.addModel().buildWithLayout()
        var bytes = original
        try patch(&bytes, positions)
        return parseTestModel(bytes).thrownError
    }

    @Test("opcode and buffer indices out of range", arguments: indexFields)
    func indexOutOfRange(_ field: (table: String, slot: Int, value: UInt32, message: String)) throws {
        let error = try Self.errorOfPatchedAddModel { bytes, positions in
            let position = try #require(Inspector.fieldPosition(in: bytes, table: positions[field.table]!, slot: field.slot))
            Inspector.write(field.value, into: &bytes, at: position)
        }
        #expect(error?.kind == .indexOutOfRange)
        #expect(error?.message == field.message)
    }

    // MARK: Structure

    @Test(arguments: [Int32.min, -0x7fff_0000, 0x7fff_ffff, 1_000_000])
    func vtableOutsideTheFile(_ distance: Int32) throws {
        let error = Self.errorOfPatchedAddModel { bytes, positions in Inspector.write(distance, into: &bytes, at: positions["model"]!) }
        #expect(error?.kind == .malformed)
        #expect(error?.message.contains("vtable") == true)
    }

    @Test func fieldOutsideItsTable() throws {
        let error = Self.errorOfPatchedAddModel { bytes, positions in
            let table = positions["tensor[0]"]!
            let vtable = table - Int(Inspector.int32(bytes, at: table))
            Inspector.write(UInt16(0xfff0), into: &bytes, at: vtable + 4)  // shape's field offset
        }
        #expect(error?.kind == .malformed)
    }

    @Test(arguments: ["tensors", "tensor[1].shape", "buffer[1].data", "description", "operator[0].inputs", "operators"])
    func hugeVectorLength(_ label: String) throws {
        let (original, positions) = ModelLoadingTests.addModel().buildWithLayout()
        for length in [UInt32(0xffff_ffff), 0x4000_0000, UInt32(original.count)] {
            var bytes = original
            Inspector.write(length, into: &bytes, at: try #require(positions[label]))
            let error = parseTestModel(bytes).thrownError
            #expect(error?.kind == .truncated, "\(label) length \(length): \(String(describing: error))")
        }
    }

    @Test func rootOffsetPastTheEnd() {
        var bytes = ModelLoadingTests.addModel().build()
        Inspector.write(UInt32(bytes.count), into: &bytes, at: 0)
        #expect(parseTestModel(bytes).thrownError?.kind == .truncated)
    }

    @Test func unterminatedString() throws {
        let error = try Self.errorOfPatchedAddModel { bytes, positions in
            let name = try #require(positions["tensor[0].name"])
            bytes[name + 4 + Int(Inspector.uint32(bytes, at: name))] = UInt8(ascii: "x")
        }
        #expect(error?.kind == .malformed)
    }

    /// Many tables pointing at one large string would decode it again and again: the budget stops it.
    @Test func heavilySharedObjectsAreRefused() throws {
        var builder = Builder()
        for index in 0..<2000 { builder.addTensor(shape: [1], name: "t\(index)") }
        builder.tensors[1999].name = String(repeating: "n", count: 20_000)
        let (original, positions) = builder.buildWithLayout()
        var bytes = original
        let target = try #require(positions["tensor[1999].name"])
        for index in 0..<1999 {
            let field = try #require(Inspector.fieldPosition(in: bytes, table: positions["tensor[\(index)]"]!, slot: 3))
            Inspector.write(UInt32(target - field), into: &bytes, at: field)
        }
        let error = parseTestModel(bytes).thrownError
        #expect(error?.kind == .malformed)
        #expect(error?.message.contains("shared") == true)
    }

    @Test func noSubgraphs() throws {
        let error = try Self.errorOfPatchedAddModel { bytes, positions in
            Inspector.write(UInt32(0), into: &bytes, at: try #require(positions["subgraphs"]))
        }
        #expect(error?.message == "malformed: model has no subgraphs")
    }

    @Test func unsupportedSchemaVersion() {
        var builder = ModelLoadingTests.addModel()
        builder.schemaVersion = 2
        #expect(parseTestModel(builder.build()).thrownError?.kind == .unsupported)
    }

    // MARK: Tensors

    @Test func quantizedUInt8TensorIsNamed() {
        var builder = ModelLoadingTests.addModel()
        builder.addTensor(shape: [4], type: .uint8, data: [1, 2, 3, 4], name: "conv/w_quant",
                          quantization: .init(scale: [0.1], zeroPoint: [128]))
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .unsupported)
        #expect(error?.description == "model.tflite: tensor 3 'conv/w_quant' has unsupported type UINT8 (quantized models are not supported)")
    }

    @Test(arguments: [Builder.TensorType.int8, .int16, .string, .float64, .complex64])
    func unsupportedTypesAreNamed(_ type: Builder.TensorType) {
        var builder = ModelLoadingTests.addModel()
        builder.addTensor(shape: [4], type: type, name: "odd")
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .unsupported)
        #expect(error?.message.hasPrefix("tensor 3 'odd' has unsupported type") == true)
    }

    @Test func quantizedInt32TensorIsRefused() {
        var builder = ModelLoadingTests.addModel()
        builder.addTensor(shape: [4], type: .int32, name: "bias_q", quantization: .init(scale: [0.5], zeroPoint: [0]))
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("tensor 3 'bias_q'") == true)
    }

    @Test func negativeDimension() {
        var builder = ModelLoadingTests.addModel()
        builder.addTensor(shape: [2, -1], name: "neg")
        #expect(parseTestModel(builder.build()).thrownError?.kind == .malformed)
    }

    @Test func overflowingShape() {
        var builder = ModelLoadingTests.addModel()
        builder.addTensor(shape: [Int(Int32.max), Int(Int32.max), Int(Int32.max)], name: "huge")
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .malformed)
        #expect(error?.message.contains("'huge'") == true)
    }

    @Test(arguments: [3, 5, 100])
    func constantSizeMismatch(_ count: Int) {
        var builder = ModelLoadingTests.addModel()
        builder.addTensor(shape: [4], floats: [Float](repeating: 0, count: count), name: "short")
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .malformed)
        #expect(error?.message == "malformed: tensor 3 'short': buffer 2 holds \(count * 4) bytes, shape [4] of float32 needs 16")
    }

    @Test func externalBufferOutsideTheFile() throws {
        var builder = ModelLoadingTests.addModel()
        builder.storesBuffersOutsideFlatbuffer = true
        let (original, positions) = builder.buildWithLayout()
        var bytes = original
        let field = try #require(Inspector.fieldPosition(in: bytes, table: positions["buffer[1]"]!, slot: 1))
        for offset in [UInt64(bytes.count), UInt64.max, UInt64.max - 8] {
            Inspector.write(offset, into: &bytes, at: field)
            #expect(parseTestModel(bytes).thrownError?.kind == .truncated)
        }
    }

    // MARK: Sparse constants

    static func sparseModel(_ sparsity: Builder.Sparsity, stored: Int = 3, consumer: Builder.BuiltinOperator = .densify) -> Builder {
        var builder = Builder()
        let sparse = builder.addTensor(shape: [2, 4], data: [UInt8](repeating: 0, count: 4 * stored), name: "sparse",
                                       sparsity: sparsity)
        let dense = builder.addTensor(shape: [2, 4], name: "dense")
        builder.addOperator(consumer, inputs: [sparse], outputs: [dense])
        return builder
    }

    @Test(arguments: [
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [0, 2, 9], indices: [0, 3, 2])]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [0, 2], indices: [0, 3, 2])]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, 4, 2])]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, -1, 2])]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [3, 0, 3], indices: [0, 1, 2])]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [0, 1, 2], indices: [0, 1, 2])]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .compressed(segments: [0, 2, 2], indices: [0, 3])]),
        Builder.Sparsity(traversalOrder: [0, 0], dimensions: [.dense(size: 2), .dense(size: 4)]),
        Builder.Sparsity(traversalOrder: [0, 1, 2], dimensions: [.dense(size: 2), .dense(size: 4)]),
        Builder.Sparsity(traversalOrder: [0, 1], dimensions: [.dense(size: 2), .dense(size: 1 << 30)]),
        Builder.Sparsity(traversalOrder: [0, 1, 2], blockMap: [1], dimensions: [.dense(size: 2), .dense(size: 1), .dense(size: 3)]),
    ])
    func inconsistentSparseDataIsAnError(_ sparsity: Builder.Sparsity) {
        let error = parseTestModel(Self.sparseModel(sparsity).build()).thrownError
        #expect(error?.kind == .malformed, "\(String(describing: error))")
    }

    @Test func sparseTensorReadByAnotherOperator() {
        let sparsity = Builder.Sparsity(traversalOrder: [0, 1], dimensions: [
            .dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, 3, 2])])
        #expect(parseTestModel(Self.sparseModel(sparsity).build()).thrownError == nil)
        let error = parseTestModel(Self.sparseModel(sparsity, consumer: .relu).build()).thrownError
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("'sparse'") == true)
    }

    @Test func customOperatorWithoutCustomCode() {
        var builder = ModelLoadingTests.addModel()
        builder.operatorCodes[0].builtinCode = 32
        #expect(parseTestModel(builder.build()).thrownError?.kind == .malformed)
    }
}
