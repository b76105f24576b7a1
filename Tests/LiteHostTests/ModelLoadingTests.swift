import DelegateABI
import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Parses model bytes the way `ModelLoader.load` does after reading a file.
func parseTestModel(_ bytes: [UInt8], name: String = "model.tflite") -> Result<ModelDefinition, ModelError> {
    bytes.withUnsafeBytes { raw in
        Result { () throws(ModelError) -> ModelDefinition in try ModelLoader.parse(bytes: raw, name: name) }
    }
}

/// Writes `bytes` to a fresh temporary file and returns its path; the caller removes it.
func writeTemporaryModel(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("lite-model-\(UUID().uuidString).tflite").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

typealias Builder = TFLiteModelBuilder

@Suite("Model loading")
struct ModelLoadingTests {
    /// input + constant → ADD(relu) → output.
    static func addModel() -> Builder {
        var builder = Builder(description: "add model")
        let input = builder.addTensor(shape: [1, 2, 2, 1], name: "input")
        let bias = builder.addTensor(shape: [1, 2, 2, 1], floats: [1, -2, 3.5, 0], name: "bias")
        let output = builder.addTensor(shape: [1, 2, 2, 1], name: "output")
        builder.addOperator(.add, version: 2, inputs: [input, bias], outputs: [output], options: .add(activation: .relu))
        builder.inputs = [input]
        builder.outputs = [output]
        return builder
    }

    @Test func addModelParsesEveryField() throws {
        let model = try parseTestModel(Self.addModel().build()).get()
        #expect(model.description == "add model")
        #expect(model.schemaVersion == 3)
        #expect(model.inputs == [0])
        #expect(model.outputs == [2])
        #expect(model.tensors.map(\.name) == ["input", "bias", "output"])
        #expect(model.tensors.allSatisfy { $0.type == .float32 && $0.shape == [1, 2, 2, 1] && !$0.isVariable })
        #expect(model.tensors[0].constant == nil)
        #expect(model.tensors[1].constant?.floatValues() == [1, -2, 3.5, 0])
        #expect(model.tensors[1].constant?.byteCount == 16)
        #expect(model.tensors[2].constant == nil)

        #expect(model.operators.count == 1)
        let add = model.operators[0]
        #expect(add.opcode == 0)
        #expect(add.customName == nil)
        #expect(add.version == 2)
        #expect(add.inputs == [0, 1])
        #expect(add.outputs == [2])
        #expect(add.customOptions == [])
        guard case .elementwise(let params) = add.options else {
            Issue.record("expected elementwise options, got \(add.options)")
            return
        }
        #expect(params.struct_size == MemoryLayout<LiteElementwiseParams>.size)
        #expect(params.activation == LITE_ACTIVATION_RELU)
    }

    @Test func convModelParsesEveryField() throws {
        var builder = Builder()
        let input = builder.addTensor(shape: [1, 8, 8, 3], name: "image")
        let weights = builder.addTensor(shape: [4, 3, 3, 3], floats: (0..<108).map(Float.init), name: "conv/w")
        let bias = builder.addTensor(shape: [4], floats: [0.5, 1, 1.5, 2], name: "conv/b")
        let conv = builder.addTensor(shape: [1, 3, 4, 4], name: "conv")
        let pooled = builder.addTensor(shape: [1, 1, 2, 4], name: "pool")
        builder.addOperator(.conv2D, version: 3, inputs: [input, weights, bias], outputs: [conv],
                            options: .conv2D(padding: .valid, strideWidth: 2, strideHeight: 3, activation: .relu6,
                                             dilationWidth: 1, dilationHeight: 2))
        builder.addOperator(.maxPool2D, inputs: [conv, -1], outputs: [pooled],
                            options: .pool2D(padding: .same, strideWidth: 2, strideHeight: 2, filterWidth: 3,
                                             filterHeight: 2, activation: .none))
        builder.inputs = [input]
        builder.outputs = [pooled]
        let model = try parseTestModel(builder.build()).get()

        #expect(model.tensors.map(\.shape) == [[1, 8, 8, 3], [4, 3, 3, 3], [4], [1, 3, 4, 4], [1, 1, 2, 4]])
        #expect(model.tensors[1].constant?.floatValues() == (0..<108).map(Float.init))
        #expect(model.tensors[2].constant?.floatValues() == [0.5, 1, 1.5, 2])
        #expect(model.operators.map(\.opcode) == [3, 17])
        #expect(model.operators.map(\.version) == [3, 1])
        #expect(model.operators[0].inputs == [0, 1, 2])
        #expect(model.operators[1].inputs == [3, -1])

        guard case .conv2D(let conv2D) = model.operators[0].options,
              case .pool2D(let pool) = model.operators[1].options
        else {
            Issue.record("unexpected options \(model.operators.map(\.options))")
            return
        }
        #expect(conv2D.struct_size == MemoryLayout<LiteConv2DParams>.size)
        #expect(conv2D.padding == LITE_PADDING_VALID)
        #expect((conv2D.stride_width, conv2D.stride_height) == (2, 3))
        #expect((conv2D.dilation_width, conv2D.dilation_height) == (1, 2))
        #expect(conv2D.activation == LITE_ACTIVATION_RELU6)
        #expect(pool.struct_size == MemoryLayout<LitePool2DParams>.size)
        #expect(pool.padding == LITE_PADDING_SAME)
        #expect((pool.stride_width, pool.stride_height, pool.filter_width, pool.filter_height) == (2, 2, 3, 2))
        #expect(pool.activation == LITE_ACTIVATION_NONE)
    }

    struct OptionsCase: CustomStringConvertible, Sendable {
        let opcode: Builder.BuiltinOperator
        let written: Builder.BuiltinOptions
        let expected: OperatorOptions
        var description: String { "opcode \(opcode.rawValue) \(written)" }
    }

    static let optionsCases: [OptionsCase] = [
        OptionsCase(opcode: .conv2D, written: .none, expected: .conv2D(LiteConv2DParams(
            struct_size: MemoryLayout<LiteConv2DParams>.size, padding: LITE_PADDING_SAME, stride_width: 0,
            stride_height: 0, dilation_width: 1, dilation_height: 1, activation: LITE_ACTIVATION_NONE))),
        OptionsCase(opcode: .depthwiseConv2D,
                    written: .depthwiseConv2D(padding: .valid, strideWidth: 2, strideHeight: 1, depthMultiplier: 4,
                                              activation: .relu, dilationWidth: 3, dilationHeight: 2),
                    expected: .depthwiseConv2D(LiteDepthwiseConv2DParams(
                        struct_size: MemoryLayout<LiteDepthwiseConv2DParams>.size, padding: LITE_PADDING_VALID,
                        stride_width: 2, stride_height: 1, dilation_width: 3, dilation_height: 2,
                        depth_multiplier: 4, activation: LITE_ACTIVATION_RELU))),
        OptionsCase(opcode: .depthwiseConv2D, written: .none, expected: .depthwiseConv2D(LiteDepthwiseConv2DParams(
            struct_size: MemoryLayout<LiteDepthwiseConv2DParams>.size, padding: LITE_PADDING_SAME, stride_width: 0,
            stride_height: 0, dilation_width: 1, dilation_height: 1, depth_multiplier: 0,
            activation: LITE_ACTIVATION_NONE))),
        OptionsCase(opcode: .averagePool2D,
                    written: .pool2D(padding: .valid, strideWidth: 1, strideHeight: 2, filterWidth: 3,
                                     filterHeight: 4, activation: .tanh),
                    expected: .pool2D(LitePool2DParams(
                        struct_size: MemoryLayout<LitePool2DParams>.size, padding: LITE_PADDING_VALID,
                        stride_width: 1, stride_height: 2, filter_width: 3, filter_height: 4,
                        activation: LITE_ACTIVATION_TANH))),
        OptionsCase(opcode: .sub, written: .sub(activation: .reluN1To1), expected: .elementwise(LiteElementwiseParams(
            struct_size: MemoryLayout<LiteElementwiseParams>.size, activation: LITE_ACTIVATION_RELU_N1_TO_1))),
        OptionsCase(opcode: .mul, written: .mul(activation: .relu6), expected: .elementwise(LiteElementwiseParams(
            struct_size: MemoryLayout<LiteElementwiseParams>.size, activation: LITE_ACTIVATION_RELU6))),
        OptionsCase(opcode: .div, written: .none, expected: .elementwise(LiteElementwiseParams(
            struct_size: MemoryLayout<LiteElementwiseParams>.size, activation: LITE_ACTIVATION_NONE))),
        OptionsCase(opcode: .concatenation, written: .concatenation(axis: -1, activation: .relu),
                    expected: .concatenation(LiteConcatenationParams(
                        struct_size: MemoryLayout<LiteConcatenationParams>.size, axis: -1,
                        activation: LITE_ACTIVATION_RELU))),
        OptionsCase(opcode: .fullyConnected, written: .fullyConnected(activation: .relu, keepNumDims: true),
                    expected: .fullyConnected(LiteFullyConnectedParams(
                        struct_size: MemoryLayout<LiteFullyConnectedParams>.size, activation: LITE_ACTIVATION_RELU,
                        keep_num_dims: 1))),
        OptionsCase(opcode: .softmax, written: .softmax(beta: 0.5), expected: .softmax(LiteSoftmaxParams(
            struct_size: MemoryLayout<LiteSoftmaxParams>.size, beta: 0.5))),
        OptionsCase(opcode: .softmax, written: .none, expected: .softmax(LiteSoftmaxParams(
            struct_size: MemoryLayout<LiteSoftmaxParams>.size, beta: 0))),
        OptionsCase(opcode: .reshape, written: .reshape(newShape: [1, -1, 4]), expected: .reshape(newShape: [1, -1, 4])),
        OptionsCase(opcode: .reshape, written: .none, expected: .reshape(newShape: nil)),
        OptionsCase(opcode: .resizeBilinear, written: .resizeBilinear(alignCorners: false, halfPixelCenters: true),
                    expected: .resizeBilinear(LiteResizeBilinearParams(
                        struct_size: MemoryLayout<LiteResizeBilinearParams>.size, align_corners: 0,
                        half_pixel_centers: 1))),
        OptionsCase(opcode: .stridedSlice,
                    written: .stridedSlice(beginMask: 1, endMask: 2, ellipsisMask: 4, newAxisMask: 8,
                                           shrinkAxisMask: 16, offset: true),
                    expected: .stridedSlice(LiteStridedSliceParams(
                        struct_size: MemoryLayout<LiteStridedSliceParams>.size, begin_mask: 1, end_mask: 2,
                        ellipsis_mask: 4, new_axis_mask: 8, shrink_axis_mask: 16, offset: 1))),
        OptionsCase(opcode: .transposeConv,
                    written: .transposeConv(padding: .valid, strideWidth: 2, strideHeight: 3, activation: .relu),
                    expected: .transposeConv(LiteTransposeConvParams(
                        struct_size: MemoryLayout<LiteTransposeConvParams>.size, padding: LITE_PADDING_VALID,
                        stride_width: 2, stride_height: 3, activation: LITE_ACTIVATION_RELU))),
        OptionsCase(opcode: .mean, written: .reducer(keepDims: true), expected: .reducer(LiteReducerParams(
            struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: 1))),
        OptionsCase(opcode: .sum, written: .none, expected: .reducer(LiteReducerParams(
            struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: 0))),
        OptionsCase(opcode: .reduceMax, written: .reducer(keepDims: false), expected: .reducer(LiteReducerParams(
            struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: 0))),
        OptionsCase(opcode: .depthToSpace, written: .depthToSpace(blockSize: 2), expected: .depthToSpace(
            LiteDepthToSpaceParams(struct_size: MemoryLayout<LiteDepthToSpaceParams>.size, block_size: 2))),
        OptionsCase(opcode: .leakyRelu, written: .leakyRelu(alpha: 0.25), expected: .leakyRelu(LiteLeakyReluParams(
            struct_size: MemoryLayout<LiteLeakyReluParams>.size, alpha: 0.25))),
        OptionsCase(opcode: .logistic, written: .none, expected: .none),
        OptionsCase(opcode: .gelu, written: .none, expected: .none),
    ]

    @Test(arguments: optionsCases)
    func optionsDecodeByOpcode(_ testCase: OptionsCase) throws {
        var builder = Builder()
        let input = builder.addTensor(shape: [1, 4], name: "in")
        let output = builder.addTensor(shape: [1, 4], name: "out")
        builder.addOperator(testCase.opcode, inputs: [input], outputs: [output], options: testCase.written)
        let model = try parseTestModel(builder.build()).get()
        #expect(model.operators[0].opcode == testCase.opcode.rawValue)
        // The params are plain C structs: their reflection compares every field.
        #expect(String(describing: model.operators[0].options) == String(describing: testCase.expected))
    }

    @Test func mismatchedOptionsTableIsAnError() {
        var builder = Builder()
        let input = builder.addTensor(shape: [1, 4])
        builder.addOperator(.conv2D, inputs: [input], outputs: [input], options: .add(activation: .relu))
        let error = parseTestModel(builder.build()).thrownError
        #expect(error?.kind == .malformed)
        #expect(error?.message.contains("operator 0 (CONV_2D)") == true)
    }

    @Test(arguments: [Int8(2), 9, -1])
    func badPaddingValueIsAnError(_ padding: Int8) {
        var builder = Builder()
        let input = builder.addTensor(shape: [1, 4])
        builder.addOperator(.conv2D, inputs: [input], outputs: [input],
                            options: .table(type: 1, fields: [.int8(padding)]))
        #expect(parseTestModel(builder.build()).thrownError?.kind == .malformed)
    }

    @Test func operatorCodesAbove127UseBuiltinCode() throws {
        var builder = Builder()
        let input = builder.addTensor(shape: [4])
        let output = builder.addTensor(shape: [4])
        builder.addOperator(.gelu, inputs: [input], outputs: [output])
        let model = try parseTestModel(builder.build()).get()
        #expect(model.operators[0].opcode == 150)
    }

    @Test func float16DequantizeIsFoldedIntoFloat32Constant() throws {
        // Normal, negative zero, smallest/largest subnormal, smallest normal, max, infinities, NaN.
        let halves: [UInt16] = [0x3c00, 0xc000, 0x3555, 0x8000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x0000]
        let expected: [Float] = [1, -2, 0.333251953125, -0.0, 0x1p-24, 1023 * 0x1p-24, 0x1p-14, 65504, .infinity,
                                 -.infinity, .nan, 0]
        var builder = Builder()
        let half = builder.addTensor(shape: [3, 4], float16Bits: halves, name: "w16")
        let weights = builder.addTensor(shape: [3, 4], name: "w32")
        let input = builder.addTensor(shape: [3, 4], name: "x")
        let output = builder.addTensor(shape: [3, 4], name: "y")
        builder.addOperator(.dequantize, inputs: [half], outputs: [weights], options: .dequantize)
        builder.addOperator(.mul, inputs: [input, weights], outputs: [output], options: .mul())
        builder.inputs = [input]
        builder.outputs = [output]
        let model = try parseTestModel(builder.build()).get()

        #expect(model.operators.map(\.opcode) == [18])
        #expect(model.operators[0].inputs == [input, weights])
        let folded = try #require(model.tensors[Int(weights)].constant)
        #expect(model.tensors[Int(weights)].type == .float32)
        #expect(folded.byteCount == 48)
        let values = folded.floatValues()
        for (value, want) in zip(values, expected) {
            if want.isNaN {
                #expect(value.isNaN)
            } else {
                #expect(value.bitPattern == want.bitPattern, "\(value) != \(want)")
            }
        }
        // The float16 source keeps its data (nothing uses it any more).
        #expect(model.tensors[Int(half)].type == .float16)
        #expect(model.tensors[Int(half)].constant?.values(as: UInt16.self) == halves)
    }

    @Test func dequantizeOfNonConstantIsKept() throws {
        var builder = Builder()
        let half = builder.addTensor(shape: [4], type: .float16)
        let output = builder.addTensor(shape: [4])
        builder.addOperator(.dequantize, inputs: [half], outputs: [output], options: .dequantize)
        let model = try parseTestModel(builder.build()).get()
        #expect(model.operators.map(\.opcode) == [6])
        #expect(model.tensors[1].constant == nil)
    }

    @Test func float16DequantizeIntoWrongTypeIsAnError() {
        var builder = Builder()
        let half = builder.addTensor(shape: [2], float16Bits: [0x3c00, 0x4000])
        let output = builder.addTensor(shape: [2], type: .int32)
        builder.addOperator(.dequantize, inputs: [half], outputs: [output])
        #expect(parseTestModel(builder.build()).thrownError?.kind == .malformed)
    }

    struct SparseCase: CustomStringConvertible, Sendable {
        let name: String
        let sparsity: Builder.Sparsity
        let stored: [Float]
        var description: String { name }
    }

    /// [[1, 0, 0, 2], [0, 0, 3, 0]] compressed three ways.
    static let sparseCases: [SparseCase] = [
        SparseCase(name: "CSR rows", sparsity: .init(traversalOrder: [0, 1], dimensions: [
            .dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, 3, 2])]), stored: [1, 2, 3]),
        SparseCase(name: "CSR rows, uint8 indices", sparsity: .init(traversalOrder: [0, 1], dimensions: [
            .dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, 3, 2], indexType: 3)]), stored: [1, 2, 3]),
        SparseCase(name: "column-major traversal", sparsity: .init(traversalOrder: [1, 0], dimensions: [
            .dense(size: 4), .compressed(segments: [0, 1, 1, 2, 3], indices: [0, 1, 0], indexType: 2)]), stored: [1, 3, 2]),
        SparseCase(name: "1x2 blocks", sparsity: .init(traversalOrder: [0, 1, 2], blockMap: [1], dimensions: [
            .dense(size: 2), .compressed(segments: [0, 2, 3], indices: [0, 1, 1]), .dense(size: 2)]),
            stored: [1, 0, 0, 2, 3, 0]),
    ]

    @Test(arguments: sparseCases)
    func sparseFloat16ConstantIsDensifiedAndDequantized(_ testCase: SparseCase) throws {
        var builder = Builder()
        let halves = testCase.stored.map { Float16Bits.of($0) }
        let sparse = builder.addTensor(shape: [2, 4], type: .float16, data: halves.flatMap { littleEndianBytes($0) },
                                       name: "sparse", sparsity: testCase.sparsity)
        let dense = builder.addTensor(shape: [2, 4], type: .float16, name: "dense")
        let weights = builder.addTensor(shape: [2, 4], name: "weights")
        let input = builder.addTensor(shape: [2, 4], name: "x")
        let output = builder.addTensor(shape: [2, 4], name: "y")
        builder.addOperator(.densify, inputs: [sparse], outputs: [dense])
        builder.addOperator(.dequantize, inputs: [dense], outputs: [weights])
        builder.addOperator(.add, inputs: [input, weights], outputs: [output])
        let model = try parseTestModel(builder.build()).get()
        #expect(model.operators.map(\.opcode) == [0])
        #expect(model.tensors[Int(weights)].constant?.floatValues() == [1, 0, 0, 2, 0, 0, 3, 0])
        #expect(model.tensors[Int(dense)].constant?.byteCount == 16)
        #expect(model.tensors[Int(sparse)].constant == nil)
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    @Test func float16ConversionMatchesTheStandardLibraryForAllBitPatterns() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let ours = Float16Conversion.float(fromHalfBits: bits)
            let reference = Float(Float16(bitPattern: bits))
            // A NaN keeps its sign and payload (the standard library may quieten it).
            let keptPayload = ours.bitPattern >> 31 == UInt32(bits >> 15) && (ours.bitPattern >> 13) & 0x3ff == UInt32(bits & 0x3ff)
            if reference.isNaN ? !(ours.isNaN && keptPayload) : ours.bitPattern != reference.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
    #endif

    struct TransposeBiasCase: CustomStringConvertible, Sendable {
        let options: [UInt8]
        let padding: LitePadding?  // nil: an error is expected
        var description: String { "\(options)" }
    }

    static let transposeBiasCases: [TransposeBiasCase] = [
        TransposeBiasCase(options: Builder.convolution2DTransposeBiasOptions(padding: .same, strideWidth: 2, strideHeight: 3),
                          padding: LITE_PADDING_SAME),
        TransposeBiasCase(options: Builder.convolution2DTransposeBiasOptions(padding: .valid, strideWidth: 2, strideHeight: 3),
                          padding: LITE_PADDING_VALID),
        // Extra trailing bytes are allowed: only the struct's prefix is read.
        TransposeBiasCase(options: Builder.convolution2DTransposeBiasOptions(padding: .valid, strideWidth: 2, strideHeight: 3) + [9, 9],
                          padding: LITE_PADDING_VALID),
        TransposeBiasCase(options: littleEndianBytes(Int32(0)) + littleEndianBytes(Int32(2)) + littleEndianBytes(Int32(3)),
                          padding: nil),
        TransposeBiasCase(options: littleEndianBytes(Int32(3)) + littleEndianBytes(Int32(2)) + littleEndianBytes(Int32(3)),
                          padding: nil),
        TransposeBiasCase(options: [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0], padding: nil),
        TransposeBiasCase(options: [], padding: nil),
    ]

    @Test(arguments: transposeBiasCases)
    func convolution2DTransposeBiasOptionsDecode(_ testCase: TransposeBiasCase) throws {
        var builder = Builder()
        let input = builder.addTensor(shape: [1, 4, 4, 2], name: "input")
        let weights = builder.addTensor(shape: [3, 3, 3, 2], floats: [Float](repeating: 1, count: 54), name: "w")
        let bias = builder.addTensor(shape: [3], floats: [0, 0, 0], name: "b")
        let output = builder.addTensor(shape: [1, 8, 12, 3], name: "output")
        builder.addCustomOperator("Convolution2DTransposeBias", inputs: [input, weights, bias], outputs: [output],
                                  customOptions: testCase.options)
        let result = parseTestModel(builder.build())
        guard let padding = testCase.padding else {
            #expect(result.thrownError?.kind == .malformed)
            #expect(result.thrownError?.message.contains("Convolution2DTransposeBias") == true)
            return
        }
        let op = try result.get().operators[0]
        #expect(op.opcode == 32)
        #expect(op.customName == "Convolution2DTransposeBias")
        #expect(op.customOptions == testCase.options)
        guard case .transposeConv(let params) = op.options else {
            Issue.record("expected transposeConv options, got \(op.options)")
            return
        }
        #expect(params.struct_size == MemoryLayout<LiteTransposeConvParams>.size)
        #expect(params.padding == padding)
        #expect((params.stride_width, params.stride_height) == (2, 3))
        #expect(params.activation == LITE_ACTIVATION_NONE)
    }

    @Test func otherCustomOperatorsKeepRawOptions() throws {
        var builder = Builder()
        let input = builder.addTensor(shape: [2])
        builder.addCustomOperator("MyOp", version: 4, inputs: [input], outputs: [input], customOptions: [1, 2, 3])
        let op = try parseTestModel(builder.build()).get().operators[0]
        #expect(op.opcode == 32)
        #expect(op.customName == "MyOp")
        #expect(op.version == 4)
        #expect(op.customOptions == [1, 2, 3])
        guard case .none = op.options else {
            Issue.record("expected no options, got \(op.options)")
            return
        }
    }

    @Test func buffersStoredOutsideTheFlatbufferAreRead() throws {
        var builder = Self.addModel()
        builder.storesBuffersOutsideFlatbuffer = true
        let model = try parseTestModel(builder.build()).get()
        #expect(model.tensors[1].constant?.floatValues() == [1, -2, 3.5, 0])
    }

    @Test func onlySubgraphZeroIsRead() throws {
        var builder = Self.addModel()
        builder.extraSubgraphCount = 2
        let model = try parseTestModel(builder.build()).get()
        #expect(model.tensors.count == 3)
        #expect(model.operators.count == 1)
    }

    @Test func constantsAreAlignedAndSharedPerBuffer() throws {
        var builder = Self.addModel()
        // A second tensor naming the same buffer as "bias".
        builder.tensors.append(builder.tensors[1])
        builder.tensors[3].name = "bias again"
        let model = try parseTestModel(builder.build()).get()
        let first = try #require(model.tensors[1].constant)
        let second = try #require(model.tensors[3].constant)
        #expect(Int(bitPattern: first.pointer) % 64 == 0)
        #expect(first.pointer == second.pointer)
    }

    @Test func variableAndScalarTensors() throws {
        var builder = Builder()
        builder.addTensor(shape: [], type: .int32, data: littleEndianBytes(Int32(7)), name: "scalar")
        builder.addTensor(shape: [2, 2], isVariable: true)
        builder.addTensor(shape: [3], type: .int64, data: [Int64](arrayLiteral: 1, -2, 3).flatMap { littleEndianBytes($0) })
        builder.addTensor(shape: [2], type: .bool, data: [1, 0])
        builder.addTensor(shape: [2], type: .float32, quantization: .init(scale: [0.5], zeroPoint: [0]))
        let model = try parseTestModel(builder.build()).get()
        #expect(model.tensors[0].shape == [])
        #expect(model.tensors[0].constant?.int32Values() == [7])
        #expect(model.tensors[1].isVariable)
        #expect(model.tensors[2].constant?.int64Values() == [1, -2, 3])
        #expect(model.tensors.map(\.type) == [.int32, .float32, .int64, .bool, .float32])
        #expect(model.tensors.map(\.type.description) == ["int32", "float32", "int64", "bool", "float32"])
        #expect(model.tensors.map(\.type.liteType) == [LITE_DATA_TYPE_INT32, LITE_DATA_TYPE_FLOAT32, LITE_DATA_TYPE_INT64,
                                                       LITE_DATA_TYPE_BOOL, LITE_DATA_TYPE_FLOAT32])
    }

    @Test func loadReadsAFile() throws {
        let path = try writeTemporaryModel(Self.addModel().build())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try ModelLoader.load(path: path)
        #expect(model.tensors[1].constant?.floatValues() == [1, -2, 3.5, 0])
    }

    @Test func loadingAMissingPathNamesThePath() {
        let path = "/nonexistent/lite/missing-model.tflite"
        let result = Result { () throws(ModelError) in try ModelLoader.load(path: path) }
        let error = result.thrownError
        #expect(error?.kind == .cannotOpen)
        #expect(error?.description == "cannot open \(path): No such file or directory")
        #expect(error?.systemError == ENOENT)
    }

    @Test func loadingADirectoryIsAnError() {
        let result = Result { () throws(ModelError) in try ModelLoader.load(path: "/tmp") }
        #expect(result.thrownError?.kind == .cannotOpen)
        #expect(result.thrownError?.description.contains("/tmp") == true)
    }
}

/// Exact float16 bit patterns for the small integers the sparse tests use.
enum Float16Bits {
    static func of(_ value: Float) -> UInt16 {
        switch value {
        case 0: 0x0000
        case 1: 0x3c00
        case 2: 0x4000
        case 3: 0x4200
        default: 0x7e00
        }
    }
}

extension Result {
    var thrownError: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
