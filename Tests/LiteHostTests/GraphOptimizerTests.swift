import DelegateABI
import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Operators the builder has no name for.
private extension TFLiteModelBuilder.BuiltinOperator {
    static let gather = Self(rawValue: 36), batchToSpaceND = Self(rawValue: 37), spaceToBatchND = Self(rawValue: 38)
    static let cast = Self(rawValue: 53), expandDims = Self(rawValue: 70), shape = Self(rawValue: 77)
    static let reduceProd = Self(rawValue: 81), pack = Self(rawValue: 83), unpack = Self(rawValue: 88)
    static let fill = Self(rawValue: 94), floorDiv = Self(rawValue: 90), split = Self(rawValue: 49)
}

/// Options tables the builder has no case for (BuiltinOptions union type, fields by slot).
private extension TFLiteModelBuilder.BuiltinOptions {
    static func gather(axis: Int32, batchDims: Int32 = 0) -> Self { .table(type: 23, fields: [.int32(axis), .int32(batchDims)]) }
    static func pack(count: Int32, axis: Int32) -> Self { .table(type: 59, fields: [.int32(count), .int32(axis)]) }
    static func unpack(count: Int32, axis: Int32) -> Self { .table(type: 64, fields: [.int32(count), .int32(axis)]) }
    static func squeeze(_ dims: [Int32]) -> Self { .table(type: 30, fields: [.object(.int32Vector(dims))]) }
    static func shape(int64: Bool = false) -> Self { .table(type: 55, fields: [.int8(int64 ? 4 : 2)]) }
    static func cast(to type: Int8) -> Self { .table(type: 37, fields: [.int8(0), .int8(type)]) }
}

/// Parses a model built in memory; the test fails on a parse error.
private func load(_ builder: Builder) throws -> ModelDefinition {
    try parseTestModel(builder.build()).get()
}

/// Runs the optimiser with only `passes` and returns the rewritten model and the report.
private func optimized(_ builder: Builder, _ passes: [any GraphPass.Type] = GraphOptimizer.passes) throws
    -> (ModelDefinition, OptimizationReport)
{
    var model = try load(builder)
    let report = GraphOptimizer.optimize(&model, passes: passes)
    return (model, report)
}

private func opcodes(_ model: ModelDefinition) -> [Int32] { model.operators.map(\.opcode) }

/// Runs a model file with the given optimiser setting on `inputs` and returns output 0's floats.
private func run(_ path: String, optimizes: Bool, inputs: [[Float]]) throws -> [Float] {
    var options = InterpreterOptions(delegates: Fixtures.delegates)
    options.optimizesGraph = optimizes
    let interpreter = try Interpreter(modelPath: path, options: options)
    try interpreter.allocateTensors()
    for (index, values) in inputs.enumerated() {
        try interpreter.copy(values.withUnsafeBytes { Data($0) }, toInputAt: index)
    }
    try interpreter.invoke()
    return try interpreter.output(at: 0).floats
}

private func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
}

@Suite("Graph optimiser")
struct GraphOptimizerTests {
    // MARK: - Constant folding

    /// What the converter writes for a Keras Reshape((-1, C)) with a dynamic batch.
    static func kerasReshape(placeholderShape: Bool = true) -> Builder {
        var b = Builder()
        let x = b.addTensor(shape: [1, 4, 4, 8], name: "x")
        let shape = b.addTensor(shape: [4], type: .int32, name: "shape")
        b.addOperator(.shape, inputs: [x], outputs: [shape], options: .shape())
        let batch = b.addTensor(shape: [], type: .int32, name: "batch")
        b.addOperator(.stridedSlice, inputs: [shape, b.addTensor(shape: [1], int32s: [0]), b.addTensor(shape: [1], int32s: [1]),
                                             b.addTensor(shape: [1], int32s: [1])],
                      outputs: [batch], options: .stridedSlice(shrinkAxisMask: 1))
        let newShape = b.addTensor(shape: [3], type: .int32, name: "new_shape")
        b.addOperator(.pack, inputs: [batch, b.addTensor(shape: [], int32s: [-1]), b.addTensor(shape: [], int32s: [8])],
                      outputs: [newShape], options: .pack(count: 3, axis: 0))
        // The converter declares a placeholder shape for a shape it cannot know.
        let y = b.addTensor(shape: placeholderShape ? [1, 1, 8] : [1, 16, 8], name: "y")
        b.addOperator(.reshape, inputs: [x, newShape], outputs: [y])
        let z = b.addTensor(shape: [1, 16, 8], name: "z")
        b.addOperator(.relu, inputs: [y], outputs: [z])
        b.inputs = [x]
        b.outputs = [z]
        return b
    }

    @Test("a Keras Reshape((-1, C)) leaves no SHAPE, STRIDED_SLICE or PACK, and RESHAPE gets a constant shape")
    func foldsKerasReshape() throws {
        let (model, report) = try optimized(Self.kerasReshape(), [ConstantFoldingPass.self])
        #expect(opcodes(model) == [LITE_OP_RESHAPE.code, LITE_OP_RELU.code])
        #expect(model.operators[0].inputs[0] == 0)
        let shape = try #require(model.tensors[Int(model.operators[0].inputs[1])].constant)
        #expect(shape.int32Values() == [1, -1, 8])
        // The placeholder shape of the RESHAPE's output is replaced by the inferred one.
        #expect(model.tensors[Int(model.operators[0].outputs[0])].shape == [1, 16, 8])
        #expect(report.passes == [.init(name: "constant-folding", nodesBefore: 5, nodesAfter: 2, summary: "3 nodes folded")])
        #expect(report.frozenShapes == [0: [1, 4, 4, 8]])
    }

    @Test("TRANSPOSE_CONV's output_shape computed from SHAPE arithmetic becomes a constant")
    func foldsTransposeConvOutputShape() throws {
        var b = Builder()
        let x = b.addTensor(shape: [1, 4, 5, 3], name: "x")
        let shape = b.addTensor(shape: [4], type: .int32)
        b.addOperator(.shape, inputs: [x], outputs: [shape], options: .shape())
        func slice(_ index: Int32) -> Int32 {
            let out = b.addTensor(shape: [], type: .int32)
            b.addOperator(.stridedSlice, inputs: [shape, b.addTensor(shape: [1], int32s: [index]),
                                                 b.addTensor(shape: [1], int32s: [index + 1]), b.addTensor(shape: [1], int32s: [1])],
                          outputs: [out], options: .stridedSlice(shrinkAxisMask: 1))
            return out
        }
        let (batch, height, width) = (slice(0), slice(1), slice(2))
        let two = b.addTensor(shape: [], int32s: [2])
        let outHeight = b.addTensor(shape: [], type: .int32), outWidth = b.addTensor(shape: [], type: .int32)
        b.addOperator(.mul, inputs: [height, two], outputs: [outHeight], options: .mul())
        b.addOperator(.mul, inputs: [width, two], outputs: [outWidth], options: .mul())
        let outputShape = b.addTensor(shape: [4], type: .int32)
        b.addOperator(.pack, inputs: [batch, outHeight, outWidth, b.addTensor(shape: [], int32s: [6])],
                      outputs: [outputShape], options: .pack(count: 4, axis: 0))
        let weights = b.addTensor(shape: [6, 2, 2, 3], floats: randomFloats(72, seed: 1))
        let y = b.addTensor(shape: [1, 8, 10, 6], name: "y")
        b.addOperator(.transposeConv, inputs: [outputShape, weights, x], outputs: [y],
                      options: .transposeConv(padding: .same, strideWidth: 2, strideHeight: 2))
        b.inputs = [x]
        b.outputs = [y]
        let (model, report) = try optimized(b)
        #expect(opcodes(model) == [LITE_OP_TRANSPOSE_CONV.code])
        #expect(model.tensors[Int(model.operators[0].inputs[0])].constant?.int32Values() == [1, 8, 10, 6])
        #expect(report.passes.first == .init(name: "constant-folding", nodesBefore: 8, nodesAfter: 1, summary: "7 nodes folded"))

        // Unfolded, the int32 MULs would have no CPU kernel; folded, the model runs.
        let path = try writeTemporaryModel(b.build())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try run(path, optimizes: true, inputs: [randomFloats(60, seed: 2)]).count == 480)
    }

    /// One operator over constants, and the values it must fold to.
    struct FoldCase: CustomStringConvertible, Sendable {
        let name: String
        let build: @Sendable (inout Builder) -> Int32  // adds the node; returns its output tensor
        let shape: [Int]
        let values: [Double]
        var description: String { name }
    }

    static let foldCases: [FoldCase] = [
        FoldCase(name: "GATHER axis 1", build: { b in
            let out = b.addTensor(shape: [2, 2], type: .int32)
            b.addOperator(.gather, inputs: [b.addTensor(shape: [2, 3], int32s: [1, 2, 3, 4, 5, 6]), b.addTensor(shape: [2], int32s: [2, 0])],
                          outputs: [out], options: .gather(axis: 1))
            return out
        }, shape: [2, 2], values: [3, 1, 6, 4]),
        FoldCase(name: "GATHER batch_dims 1", build: { b in
            let out = b.addTensor(shape: [2, 1])
            b.addOperator(.gather, inputs: [b.addTensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]), b.addTensor(shape: [2, 1], int32s: [2, 0])],
                          outputs: [out], options: .gather(axis: 1, batchDims: 1))
            return out
        }, shape: [2, 1], values: [3, 4]),
        FoldCase(name: "PACK axis 1", build: { b in
            let out = b.addTensor(shape: [2, 2], type: .int32)
            b.addOperator(.pack, inputs: [b.addTensor(shape: [2], int32s: [1, 2]), b.addTensor(shape: [2], int32s: [3, 4])],
                          outputs: [out], options: .pack(count: 2, axis: 1))
            return out
        }, shape: [2, 2], values: [1, 3, 2, 4]),
        FoldCase(name: "UNPACK axis 1, second output", build: { b in
            let first = b.addTensor(shape: [2], type: .int32), second = b.addTensor(shape: [2], type: .int32)
            b.addOperator(.unpack, inputs: [b.addTensor(shape: [2, 2], int32s: [1, 2, 3, 4])], outputs: [first, second],
                          options: .unpack(count: 2, axis: -1))
            return second
        }, shape: [2], values: [2, 4]),
        FoldCase(name: "CONCATENATION axis 1", build: { b in
            let out = b.addTensor(shape: [2, 3], type: .int32)
            b.addOperator(.concatenation, inputs: [b.addTensor(shape: [2, 1], int32s: [1, 2]), b.addTensor(shape: [2, 2], int32s: [3, 4, 5, 6])],
                          outputs: [out], options: .concatenation(axis: 1))
            return out
        }, shape: [2, 3], values: [1, 3, 4, 2, 5, 6]),
        FoldCase(name: "STRIDED_SLICE negative stride", build: { b in
            let out = b.addTensor(shape: [3], type: .int32)
            b.addOperator(.stridedSlice, inputs: [b.addTensor(shape: [5], int32s: [0, 1, 2, 3, 4]), b.addTensor(shape: [1], int32s: [-1]),
                                                 b.addTensor(shape: [1], int32s: [0]), b.addTensor(shape: [1], int32s: [-2])],
                          outputs: [out], options: .stridedSlice(endMask: 1))
            return out
        }, shape: [3], values: [4, 2, 0]),
        FoldCase(name: "REDUCE_PROD", build: { b in
            let out = b.addTensor(shape: [], type: .int32)
            b.addOperator(.reduceProd, inputs: [b.addTensor(shape: [3], int32s: [2, 3, 4]), b.addTensor(shape: [1], int32s: [0])],
                          outputs: [out], options: .reducer())
            return out
        }, shape: [], values: [24]),
        FoldCase(name: "CAST float32 to int32 truncates", build: { b in
            let out = b.addTensor(shape: [3], type: .int32)
            b.addOperator(.cast, inputs: [b.addTensor(shape: [3], floats: [1.7, -1.7, 3])], outputs: [out], options: .cast(to: 2))
            return out
        }, shape: [3], values: [1, -1, 3]),
        FoldCase(name: "FILL", build: { b in
            let out = b.addTensor(shape: [2, 2])
            b.addOperator(.fill, inputs: [b.addTensor(shape: [2], int32s: [2, 2]), b.addTensor(shape: [], floats: [0.5])], outputs: [out])
            return out
        }, shape: [2, 2], values: [0.5, 0.5, 0.5, 0.5]),
        FoldCase(name: "ADD int32 broadcast", build: { b in
            let out = b.addTensor(shape: [2, 2], type: .int32)
            b.addOperator(.add, inputs: [b.addTensor(shape: [2, 2], int32s: [1, 2, 3, 4]), b.addTensor(shape: [2], int32s: [10, 20])],
                          outputs: [out], options: .add())
            return out
        }, shape: [2, 2], values: [11, 22, 13, 24]),
        FoldCase(name: "DIV int32 truncates, FLOOR_DIV floors", build: { b in
            let quotient = b.addTensor(shape: [2], type: .int32), floored = b.addTensor(shape: [2], type: .int32)
            b.addOperator(.div, inputs: [b.addTensor(shape: [2], int32s: [-7, 7]), b.addTensor(shape: [], int32s: [2])],
                          outputs: [quotient], options: .div())
            b.addOperator(.floorDiv, inputs: [quotient, b.addTensor(shape: [], int32s: [-2])], outputs: [floored])
            return floored
        }, shape: [2], values: [1, -2]),
        FoldCase(name: "MUL float32 with RELU6", build: { b in
            let out = b.addTensor(shape: [3])
            b.addOperator(.mul, inputs: [b.addTensor(shape: [3], floats: [-1, 2, 4]), b.addTensor(shape: [], floats: [2])],
                          outputs: [out], options: .mul(activation: .relu6))
            return out
        }, shape: [3], values: [0, 4, 6]),
        FoldCase(name: "TRANSPOSE", build: { b in
            let out = b.addTensor(shape: [3, 2], type: .int32)
            b.addOperator(.transpose, inputs: [b.addTensor(shape: [2, 3], int32s: [1, 2, 3, 4, 5, 6]), b.addTensor(shape: [2], int32s: [1, 0])],
                          outputs: [out])
            return out
        }, shape: [3, 2], values: [1, 4, 2, 5, 3, 6]),
        FoldCase(name: "SQUEEZE then EXPAND_DIMS", build: { b in
            let squeezed = b.addTensor(shape: [2], type: .int32), expanded = b.addTensor(shape: [2, 1], type: .int32)
            b.addOperator(.squeeze, inputs: [b.addTensor(shape: [1, 2], int32s: [7, 8])], outputs: [squeezed], options: .squeeze([0]))
            b.addOperator(.expandDims, inputs: [squeezed, b.addTensor(shape: [], int32s: [-1])], outputs: [expanded])
            return expanded
        }, shape: [2, 1], values: [7, 8]),
    ]

    @Test("each foldable operator folds to TFLite's values", arguments: foldCases)
    func foldsOperator(_ fold: FoldCase) throws {
        var b = Builder()
        let output = fold.build(&b)
        // A model input and a node that stays, so the model is a model.
        let x = b.addTensor(shape: [1], name: "x"), y = b.addTensor(shape: [1], name: "y")
        b.addOperator(.relu, inputs: [x], outputs: [y])
        b.inputs = [x]
        b.outputs = [y, output]
        let (model, _) = try optimized(b, [ConstantFoldingPass.self])
        #expect(opcodes(model) == [LITE_OP_RELU.code])
        let tensor = model.tensors[Int(output)]
        let constant = try #require(ConstantTensor(tensor))
        #expect(constant.shape == fold.shape)
        let values: [Double]
        switch constant.elements {
        case .float32(let v): values = v.map(Double.init)
        case .int32(let v): values = v.map(Double.init)
        case .int64(let v): values = v.map(Double.init)
        case .bool(let v): values = v.map { $0 ? 1 : 0 }
        }
        #expect(values == fold.values)
    }

    @Test("nodes with a non-constant input, transcendental ones and invalid ones are not folded")
    func leavesUnfoldable() throws {
        var b = Builder()
        let x = b.addTensor(shape: [2], name: "x")
        let sum = b.addTensor(shape: [2]), exp = b.addTensor(shape: [2]), quotient = b.addTensor(shape: [2], type: .int32)
        b.addOperator(.add, inputs: [x, b.addTensor(shape: [2], floats: [1, 2])], outputs: [sum], options: .add())
        b.addOperator(.exp, inputs: [b.addTensor(shape: [2], floats: [1, 2])], outputs: [exp])
        b.addOperator(.div, inputs: [b.addTensor(shape: [2], int32s: [1, 2]), b.addTensor(shape: [2], int32s: [0, 1])],
                      outputs: [quotient], options: .div())
        b.inputs = [x]
        b.outputs = [sum, exp, quotient]
        let (model, report) = try optimized(b, [ConstantFoldingPass.self])
        #expect(opcodes(model) == [LITE_OP_ADD.code, LITE_OP_EXP.code, LITE_OP_DIV.code])
        #expect(report.passes[0].summary == "")
    }

    // MARK: - Dilated convolutions

    /// SPACE_TO_BATCH_ND -> conv -> BATCH_TO_SPACE_ND over a [1, size, size, 3] input, with TF's
    /// paddings for `padding` (SAME: (k-1)d split evenly, then what makes it divisible by d).
    static func atrous(size: Int, rate: Int, depthwise: Bool = false, paddings: [Int32]? = nil,
                       crops: [Int32]? = nil, extraReader: Bool = false) -> Builder {
        var b = Builder()
        let x = b.addTensor(shape: [1, size, size, 3], name: "x")
        let total = 2 * rate
        let extra = (rate - (size + total) % rate) % rate
        let pads = paddings ?? [Int32(total / 2), Int32(total - total / 2 + extra), Int32(total / 2), Int32(total - total / 2 + extra)]
        let cut = crops ?? [0, Int32(extra), 0, Int32(extra)]
        let padded = (size + Int(pads[0]) + Int(pads[1])) / rate
        let block = b.addTensor(shape: [2], int32s: [Int32(rate), Int32(rate)])
        let batched = b.addTensor(shape: [rate * rate, padded, padded, 3])
        b.addOperator(.spaceToBatchND, inputs: [x, block, b.addTensor(shape: [2, 2], int32s: pads)], outputs: [batched])
        let convolved = b.addTensor(shape: [rate * rate, padded - 2, padded - 2, depthwise ? 3 : 4])
        if depthwise {
            b.addOperator(.depthwiseConv2D, inputs: [batched, b.addTensor(shape: [1, 3, 3, 3], floats: randomFloats(27, seed: 3)),
                                                    b.addTensor(shape: [3], floats: [0.1, 0.2, 0.3])],
                          outputs: [convolved], options: .depthwiseConv2D(padding: .valid, activation: .relu6))
        } else {
            b.addOperator(.conv2D, inputs: [batched, b.addTensor(shape: [4, 3, 3, 3], floats: randomFloats(108, seed: 4)),
                                           b.addTensor(shape: [4], floats: [0.1, 0.2, 0.3, 0.4])],
                          outputs: [convolved], options: .conv2D(padding: .valid))
        }
        let outSize = (padded - 2) * rate - Int(cut[0]) - Int(cut[1])
        let y = b.addTensor(shape: [1, outSize, outSize, depthwise ? 3 : 4], name: "y")
        b.addOperator(.batchToSpaceND, inputs: [convolved, block, b.addTensor(shape: [2, 2], int32s: cut)], outputs: [y])
        b.inputs = [x]
        b.outputs = [y]
        if extraReader {
            let z = b.addTensor(shape: [rate * rate, padded - 2, padded - 2, depthwise ? 3 : 4])
            b.addOperator(.relu, inputs: [convolved], outputs: [z])
            b.outputs.append(z)
        }
        return b
    }

    struct AtrousCase: CustomStringConvertible, Sendable {
        let name: String
        let size: Int, rate: Int, depthwise: Bool
        let paddings: [Int32]?, crops: [Int32]?
        /// The padding of the rewritten convolution, or nil when the pattern must stay.
        let padding: LitePadding?
        var description: String { name }
    }

    static let atrousCases: [AtrousCase] = [
        AtrousCase(name: "SAME, size divisible", size: 8, rate: 2, depthwise: false, paddings: nil, crops: nil, padding: LITE_PADDING_SAME),
        AtrousCase(name: "SAME with extra padding cropped", size: 9, rate: 2, depthwise: false, paddings: nil, crops: nil,
                   padding: LITE_PADDING_SAME),
        AtrousCase(name: "SAME depthwise, rate 3", size: 10, rate: 3, depthwise: true, paddings: nil, crops: nil,
                   padding: LITE_PADDING_SAME),
        AtrousCase(name: "VALID (paddings equal crops)", size: 10, rate: 2, depthwise: false, paddings: [0, 0, 0, 0],
                   crops: [0, 0, 0, 0], padding: LITE_PADDING_VALID),
        AtrousCase(name: "VALID depthwise with padding cropped again", size: 9, rate: 3, depthwise: true, paddings: [0, 3, 0, 3],
                   crops: [0, 3, 0, 3], padding: LITE_PADDING_VALID),
        AtrousCase(name: "neither: asymmetric padding stays", size: 8, rate: 2, depthwise: false, paddings: [0, 4, 0, 4],
                   crops: [0, 0, 0, 0], padding: nil),
        AtrousCase(name: "neither: crops beyond paddings stay", size: 8, rate: 2, depthwise: true, paddings: [2, 2, 2, 2],
                   crops: [2, 4, 2, 4], padding: nil),
    ]

    @Test("SPACE_TO_BATCH_ND -> convolution -> BATCH_TO_SPACE_ND becomes one dilated convolution when the paddings allow",
          arguments: atrousCases)
    func rewritesAtrousConvolution(_ atrous: AtrousCase) throws {
        let builder = Self.atrous(size: atrous.size, rate: atrous.rate, depthwise: atrous.depthwise,
                                  paddings: atrous.paddings, crops: atrous.crops)
        let (model, report) = try optimized(builder, [DilatedConvolutionPass.self])
        let conv = atrous.depthwise ? LITE_OP_DEPTHWISE_CONV_2D.code : LITE_OP_CONV_2D.code
        if let padding = atrous.padding {
            #expect(opcodes(model) == [conv])
            #expect(report.passes == [.init(name: "dilated-convolution", nodesBefore: 3, nodesAfter: 1,
                                            summary: "1 convolution given dilation")])
            let node = model.operators[0]
            #expect(node.inputs[0] == 0 && node.outputs == [Int32(model.outputs[0])])
            switch node.options {
            case .conv2D(let p):
                #expect(p.padding == padding && p.dilation_height == Int32(atrous.rate) && p.dilation_width == Int32(atrous.rate))
            case .depthwiseConv2D(let p):
                #expect(p.padding == padding && p.dilation_height == Int32(atrous.rate) && p.activation == LITE_ACTIVATION_RELU6)
            default:
                Issue.record("not a convolution: \(node.options)")
            }
        } else {
            #expect(opcodes(model) == [LITE_OP_SPACE_TO_BATCH_ND.code, conv, LITE_OP_BATCH_TO_SPACE_ND.code])
        }
        // Rewritten or not, the results are those of the three nodes run as they are.
        let path = try writeTemporaryModel(builder.build())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let input = randomFloats(atrous.size * atrous.size * 3, seed: 5)
        let expected = try run(path, optimizes: false, inputs: [input])
        let actual = try run(path, optimizes: true, inputs: [input])
        #expect(actual.count == expected.count)
        #expect(Fixtures.relativeError(actual, expected) <= 1e-5)
    }

    @Test("the atrous pattern stays when something else reads its intermediate tensor")
    func keepsSharedAtrousPattern() throws {
        let (model, _) = try optimized(Self.atrous(size: 8, rate: 2, extraReader: true), [DilatedConvolutionPass.self])
        #expect(opcodes(model).contains(LITE_OP_SPACE_TO_BATCH_ND.code))
    }

    // MARK: - Dead nodes and shared constants

    @Test("nodes nothing reads are removed, transitively")
    func removesDeadNodes() throws {
        var b = Builder()
        let x = b.addTensor(shape: [4], name: "x")
        let used = b.addTensor(shape: [4]), unused = b.addTensor(shape: [4]), unusedToo = b.addTensor(shape: [4])
        b.addOperator(.relu, inputs: [x], outputs: [used])
        b.addOperator(.tanh, inputs: [x], outputs: [unused])
        b.addOperator(.logistic, inputs: [unused], outputs: [unusedToo])
        b.inputs = [x]
        b.outputs = [used]
        let (model, report) = try optimized(b, [DeadNodeElimination.self])
        #expect(opcodes(model) == [LITE_OP_RELU.code])
        #expect(report.passes == [.init(name: "dead-node-elimination", nodesBefore: 3, nodesAfter: 1, summary: "2 dead nodes removed")])
    }

    /// The model input "x" of `shape` with each constant added in turn (one ADD each, the constant
    /// its input 1), so each node's input 1 shows which constant deduplication kept.
    static func addChain(_ b: inout Builder, shape: [Int], constants: [Int32]) {
        let x = b.addTensor(shape: shape, name: "x")
        var sum = x
        for constant in constants {
            let next = b.addTensor(shape: shape)
            b.addOperator(.add, inputs: [sum, constant], outputs: [next], options: .add())
            sum = next
        }
        b.inputs = [x]
        b.outputs = [sum]
    }

    @Test("equal constants are shared; equal bytes of another shape are not")
    func sharesConstants() throws {
        var b = Builder()
        let a = b.addTensor(shape: [1, 2], floats: [1, 2]), twin = b.addTensor(shape: [1, 2], floats: [1, 2])
        let otherShape = b.addTensor(shape: [2], floats: [1, 2])
        Self.addChain(&b, shape: [1, 2], constants: [a, twin, otherShape])
        let (model, report) = try optimized(b, [ConstantDeduplication.self])
        #expect(model.operators.map { $0.inputs[1] } == [a, a, otherShape])
        #expect(report.passes[0].summary == "1 duplicate constant shared (8 bytes)")
    }

    @Test("large constants that differ only between the words the digest samples are not shared")
    func largeConstantsDifferingBetweenSamples() throws {
        // 4,000 floats: 2,000 words, of which the digest samples every 31st; the twins differ at word 1.
        let values = (0..<4000).map { Float($0 % 17) }
        var changed = values
        changed[2] += 1
        var b = Builder()
        let a = b.addTensor(shape: [1, 4000], floats: values), near = b.addTensor(shape: [1, 4000], floats: changed)
        let twin = b.addTensor(shape: [1, 4000], floats: values)
        Self.addChain(&b, shape: [1, 4000], constants: [a, near, twin])
        let (model, _) = try optimized(b, [ConstantDeduplication.self])
        #expect(model.operators.map { $0.inputs[1] } == [a, near, a])
    }

    // MARK: - The interpreter

    @Test("the interpreter reports every pass, plans on the optimised graph, and can switch the optimiser off")
    func interpreterReport() throws {
        // Unoptimised, the CPU delegate claims nodes by their declared shapes: no placeholder here.
        let path = try writeTemporaryModel(Self.kerasReshape(placeholderShape: false).build())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let interpreter = try Interpreter(modelPath: path, options: .init(delegates: Fixtures.delegates))
        #expect(interpreter.optimizationReport.passes.map(\.name)
            == ["constant-folding", "dilated-convolution", "dead-node-elimination", "constant-deduplication"])
        #expect(interpreter.optimizationReport.passes.first?.nodesBefore == 5)
        #expect(interpreter.optimizationReport.passes.last?.nodesAfter == 2)
        #expect(interpreter.partitionPlan.nodes.map(\.operatorName) == ["RESHAPE", "RELU"])

        var options = InterpreterOptions(delegates: Fixtures.delegates)
        options.optimizesGraph = false
        let plain = try Interpreter(modelPath: path, options: options)
        #expect(plain.optimizationReport.passes.isEmpty)
        #expect(plain.partitionPlan.nodes.map(\.operatorName) == ["SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "RELU"])

        let input = randomFloats(128, seed: 6)
        #expect(try run(path, optimizes: true, inputs: [input]) == run(path, optimizes: false, inputs: [input]))
    }

    @Test("resizing an input whose shape a folded SHAPE read is refused, with the reason")
    func resizeAfterFoldedShape() throws {
        let path = try writeTemporaryModel(Self.kerasReshape().build())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let interpreter = try Interpreter(modelPath: path, options: .init(delegates: Fixtures.delegates))
        try interpreter.resizeInput(at: 0, to: [2, 4, 4, 8])
        let error = #expect(throws: InterpreterError.self) { try interpreter.allocateTensors() }
        #expect(error?.description.contains("SHAPE operators were folded") == true)
    }

    @Test("lite inspect shows the node counts of each pass, in text and JSON")
    func inspectShowsPasses() throws {
        let path = try writeTemporaryModel(Self.kerasReshape().build())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = try LiteCommand.run(["inspect", path, "--json", "--delegates", "cpu"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let passes = try #require(object?["optimizer"] as? [[String: Any]])
        #expect(passes.map { $0["pass"] as? String } == ["constant-folding", "dilated-convolution", "dead-node-elimination",
                                                         "constant-deduplication"])
        #expect(passes.first?["nodes_before"] as? Int == 5 && passes.first?["nodes_after"] as? Int == 2)
        let operators = (object?["operators"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(operators?.contains("SHAPE") == false && operators?.contains("PACK") == false)

        let text = try LiteCommand.run(["inspect", path, "--delegates", "cpu"])
        #expect(text.stdout.contains("Optimizer (5 -> 2 nodes"))
        #expect(text.stdout.contains("  constant-folding: 5 -> 2 nodes (3 nodes folded)"))
    }

    @Test("every operator fixture also matches TFLite with the optimiser off", arguments: Fixtures.cases)
    func fixtureWithoutOptimizer(_ fixture: Fixtures.Case) throws {
        // These cases exist to be folded: unfolded, their int32 arithmetic has no CPU kernel.
        guard !fixture.name.hasPrefix("folded_") else { return }
        var options = InterpreterOptions(delegates: Fixtures.delegates)
        options.optimizesGraph = false
        let interpreter = try Interpreter(modelPath: fixture.modelPath, options: options)
        try interpreter.allocateTensors()
        for index in 0..<fixture.inputCount {
            try interpreter.copy(try NumpyArray(contentsOf: fixture.inputPath(index)).data, toInputAt: index)
        }
        try interpreter.invoke()
        for index in 0..<fixture.outputCount {
            let expected = try NumpyArray(contentsOf: fixture.expectedPath(index))
            let actual = try interpreter.output(at: index)
            #expect(actual.shape == expected.shape)
            if expected.dataType == .float32 {
                #expect(Fixtures.relativeError(actual.floats, expected.floats) <= fixture.tolerance)
            } else {
                #expect(actual.data == expected.data, "output \(index) (\(expected.dataType)) differs")
            }
        }
    }
}
