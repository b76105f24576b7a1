import DelegateABI
import Testing

@testable import LiteHost

/// SUM, REDUCE_PROD, REDUCE_MAX and REDUCE_MIN as the optimiser evaluates them at load, on float32
/// and int32, against values worked out by hand (int32 wraps, as the C kernels do).
@Suite("Reduction folding")
struct ReductionFoldingTests {
    struct Case: Sendable, CustomStringConvertible {
        let code: Int32
        let keepDims: Bool
        let axes: [Int32]
        let expectedShape: [Int]
        let float32: [Float]
        let int32: [Int32]
        var description: String { "\(operatorName(code: code, customName: nil)) axes \(axes) keep \(keepDims)" }
    }

    /// The input: [[1, -2, 3], [4, 5, -6]] (shape [2, 3]).
    static let cases: [Case] = [
        Case(code: LITE_BUILTIN_SUM, keepDims: false, axes: [1], expectedShape: [2], float32: [2, 3], int32: [2, 3]),
        Case(code: LITE_BUILTIN_SUM, keepDims: true, axes: [0], expectedShape: [1, 3], float32: [5, 3, -3], int32: [5, 3, -3]),
        Case(code: LITE_BUILTIN_REDUCE_PROD, keepDims: false, axes: [-1], expectedShape: [2], float32: [-6, -120], int32: [-6, -120]),
        Case(code: LITE_BUILTIN_REDUCE_MAX, keepDims: false, axes: [0, 1], expectedShape: [], float32: [5], int32: [5]),
        Case(code: LITE_BUILTIN_REDUCE_MIN, keepDims: true, axes: [1, 1], expectedShape: [2, 1], float32: [-2, -6], int32: [-2, -6]),
    ]

    static func evaluate(_ testCase: Case, _ input: ConstantTensor.Elements) throws -> ConstantTensor? {
        let node = ConstantEvaluator.Node(
            opcode: testCase.code,
            options: .reducer(LiteReducerParams(struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: testCase.keepDims ? 1 : 0)),
            constants: [ConstantTensor(shape: [2, 3], elements: input),
                        ConstantTensor(shape: [testCase.axes.count], elements: .int32(testCase.axes))],
            shapes: [[2, 3], [testCase.axes.count]], present: [true, true], outputTypes: [ConstantTensor(shape: [], elements: input).type])
        return try ConstantEvaluator.evaluate(node).first
    }

    @Test("float32 and int32 reductions", arguments: cases)
    func reduces(_ testCase: Case) throws {
        let float32 = try Self.evaluate(testCase, .float32([1, -2, 3, 4, 5, -6]))
        #expect(float32 == ConstantTensor(shape: testCase.expectedShape, elements: .float32(testCase.float32)))
        let int32 = try Self.evaluate(testCase, .int32([1, -2, 3, 4, 5, -6]))
        #expect(int32 == ConstantTensor(shape: testCase.expectedShape, elements: .int32(testCase.int32)))
    }

    @Test("int32 products and sums wrap")
    func int32Wraps() throws {
        let node = ConstantEvaluator.Node(
            opcode: LITE_BUILTIN_REDUCE_PROD,
            options: .reducer(LiteReducerParams(struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: 0)),
            constants: [ConstantTensor(shape: [2], elements: .int32([1 << 16, 1 << 16])), ConstantTensor(shape: [1], elements: .int32([0]))],
            shapes: [[2], [1]], present: [true, true], outputTypes: [.int32])
        #expect(try ConstantEvaluator.evaluate(node).first?.elements == .int32([0]))
    }
}
