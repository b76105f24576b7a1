import DelegateABI
import Testing
import TestSupport

@testable import LiteHost

/// STRIDED_SLICE's shape rule and its evaluation at load resolve begin, end and strides the same
/// way (`StridedSliceAxis`, TFLite's strided_slice_logic.h), so the shape inferred for a node is the
/// shape of the tensor it evaluates to.
@Suite("Strided slice")
struct StridedSliceTests {
    struct Case: Sendable, CustomStringConvertible {
        var input: [Int]
        var begin: [Int], end: [Int], strides: [Int]
        var beginMask: Int32 = 0, endMask: Int32 = 0, shrinkMask: Int32 = 0, offset = false
        var description: String {
            "input \(input) begin \(begin) end \(end) strides \(strides) masks \(beginMask)/\(endMask)/\(shrinkMask) offset \(offset)"
        }
        var params: LiteStridedSliceParams {
            LiteStridedSliceParams(
                struct_size: MemoryLayout<LiteStridedSliceParams>.size, begin_mask: beginMask, end_mask: endMask,
                ellipsis_mask: 0, new_axis_mask: 0, shrink_axis_mask: shrinkMask, offset: offset ? 1 : 0)
        }
        /// The input's values: 0, 1, 2, ... in row-major order.
        var value: ConstantTensor {
            ConstantTensor(shape: input, elements: .float32((0..<input.reduce(1, *)).map(Float.init)))
        }
        var indexInputs: [ConstantTensor] {
            [begin, end, strides].map { ConstantTensor(shape: [$0.count], elements: .int32($0.map { Int32($0) })) }
        }
    }

    /// The descriptor's shape rule for the node, on a graph of one STRIDED_SLICE whose begin, end
    /// and strides are constants.
    static func inferredShape(_ c: Case) throws -> [Int]? {
        let tensors = [TensorDefinition(name: "input", type: .float32, shape: c.input, constant: nil, isVariable: false)]
            + c.indexInputs.enumerated().map { slot, tensor in
                TensorDefinition(name: "index\(slot)", type: .int32, shape: tensor.shape, constant: tensor.constantData(), isVariable: false)
            }
            + [TensorDefinition(name: "output", type: .float32, shape: [], constant: nil, isVariable: false)]
        let node = OperatorDefinition(opcode: LITE_BUILTIN_STRIDED_SLICE, customName: nil, version: 1, inputs: [0, 1, 2, 3],
                                      outputs: [4], options: .stridedSlice(c.params), customOptions: [])
        let model = ModelDefinition(tensors: tensors, operators: [node], inputs: [0], outputs: [4], description: "", schemaVersion: 3)
        let rule = try #require(OperatorDescriptor.stridedSlice.shape)
        return try rule(ShapeRuleNode(definition: node, model: model, inputs: tensors.map(\.shape),
                                      fail: { InterpreterError(.shapeInference, $0) }))?.first
    }

    /// The node evaluated at load.
    static func evaluated(_ c: Case) throws -> ConstantTensor {
        let constants = [c.value] + c.indexInputs
        let node = ConstantEvaluator.Node(
            opcode: LITE_BUILTIN_STRIDED_SLICE, options: .stridedSlice(c.params), constants: constants,
            shapes: constants.map(\.shape), present: [true, true, true, true], outputTypes: [.float32])
        return try #require(try ConstantEvaluator.evaluate(node).first)
    }

    struct Worked: Sendable, CustomStringConvertible {
        let slice: Case
        let shape: [Int]
        let values: [Float]
        var description: String { slice.description }
    }

    /// Begins that are negative, clamped or masked, with `offset`: TFLite adds the resolved start to
    /// the end, not the begin as written (values worked out from strided_slice_logic.h).
    static let worked: [Worked] = [
        Worked(slice: Case(input: [10], begin: [-3], end: [5], strides: [1], offset: true), shape: [3], values: [7, 8, 9]),
        Worked(slice: Case(input: [10], begin: [-20], end: [3], strides: [1], offset: true), shape: [3], values: [0, 1, 2]),
        Worked(slice: Case(input: [10], begin: [5], end: [2], strides: [1], beginMask: 1, offset: true), shape: [2], values: [0, 1]),
        Worked(slice: Case(input: [10], begin: [12], end: [-4], strides: [-1], offset: true), shape: [4], values: [9, 8, 7, 6]),
        Worked(slice: Case(input: [2, 5], begin: [1, -2], end: [0, 2], strides: [1, 1], shrinkMask: 1, offset: true),
               shape: [2], values: [8, 9]),
    ]

    @Test("offset adds the resolved begin to the end", arguments: worked)
    func offsetFromResolvedBegin(_ worked: Worked) throws {
        #expect(try Self.inferredShape(worked.slice) == worked.shape)
        #expect(try Self.evaluated(worked.slice) == ConstantTensor(shape: worked.shape, elements: .float32(worked.values)))
    }

    @Test("the shape rule gives the evaluated shape, for random begins, ends, strides, masks and offset")
    func shapeRuleMatchesEvaluation() throws {
        var random = SeededGenerator(seed: 12)
        var compared = 0
        for _ in 0..<3000 {
            let input = (0..<Int.random(in: 1...4, using: &random)).map { _ in Int.random(in: 1...6, using: &random) }
            let axes = Int.random(in: 0...input.count, using: &random)
            let index = { (axis: Int) in Int.random(in: -2 * input[axis] - 1...2 * input[axis] + 1, using: &random) }
            let masks = 1 << axes
            let c = Case(
                input: input, begin: (0..<axes).map(index), end: (0..<axes).map(index),
                strides: (0..<axes).map { _ in [-3, -2, -1, 1, 2, 3].randomElement(using: &random)! },
                beginMask: Int32(Int.random(in: 0..<masks, using: &random)), endMask: Int32(Int.random(in: 0..<masks, using: &random)),
                shrinkMask: Int32(Int.random(in: 0..<masks, using: &random) & Int.random(in: 0..<masks, using: &random)),
                offset: Bool.random(using: &random))
            let shape = try Self.inferredShape(c)
            // A shrunk axis with nothing to read (begin past the end, or a negative stride) is not
            // evaluated at load; TFLite reads nothing there either.
            guard let value = try? Self.evaluated(c) else { continue }
            #expect(shape == value.shape, "\(c)")
            compared += 1
        }
        #expect(compared > 1500, "only \(compared) cases evaluated")
    }
}
