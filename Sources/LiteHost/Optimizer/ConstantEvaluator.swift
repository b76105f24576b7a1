import DelegateABI

/// Evaluates one operator whose inputs are known at load: constants, or (for SHAPE) a tensor whose
/// shape is static. Only operators whose result is exact in any runtime are evaluated here: shape
/// arithmetic, data movement, casts and IEEE float32 `+ - * /`, max and min. Transcendentals
/// (EXP, TANH, ...) are left to the delegates so that folding never changes a model's numbers.
/// Each operator's evaluator lives beside its descriptor (`Operators/`, `ConstantEvaluation`);
/// this type holds what they share.
enum ConstantEvaluator {
    /// What the evaluator sees of a node.
    struct Node {
        let opcode: Int32
        let options: OperatorOptions
        /// Per input slot: its values when constant (nil when absent or not constant).
        let constants: [ConstantTensor?]
        /// Per input slot: the tensor's shape ([] when absent).
        let shapes: [[Int]]
        /// Per input slot: whether a tensor is present.
        let present: [Bool]
        /// The declared types of the outputs.
        let outputTypes: [ElementType]
    }

    /// The operators `evaluate` knows (their descriptors' `evaluation`); others are never folded.
    static func canEvaluate(_ opcode: Int32) -> Bool { evaluation(for: opcode) != nil }

    /// Whether SHAPE-like evaluation needs only the input's shape (not its values).
    static func needsOnlyShapes(_ opcode: Int32) -> Bool { evaluation(for: opcode)?.needsOnlyShapes ?? false }

    /// The node's outputs, one per output slot.
    /// - Throws: `InterpreterError` when the node cannot be evaluated (a value out of range, an
    ///   unsupported type or option); the caller then leaves the node in the graph.
    static func evaluate(_ node: Node) throws -> [ConstantTensor] {
        let name = operatorName(code: node.opcode, customName: nil)
        let fail: ShapeInference.Failure = { InterpreterError(.shapeInference, "\(name): \($0)") }
        guard let evaluation = evaluation(for: node.opcode) else { throw fail("not evaluated at load") }
        return try evaluation.evaluate(node, fail)
    }

    private static func evaluation(for opcode: Int32) -> ConstantEvaluation? {
        OperatorRegistry.descriptor(code: opcode, customName: nil)?.evaluation
    }

    // MARK: - Helpers

    static func input(_ node: Node, _ slot: Int, _ fail: ShapeInference.Failure) throws -> ConstantTensor {
        guard slot < node.constants.count, let value = node.constants[slot] else {
            throw fail("input \(slot) is not a constant")
        }
        return value
    }

    /// Every input, each a constant, of an operator with any number of them (CONCATENATION, PACK).
    static func inputs(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard !node.constants.isEmpty else { throw fail("no inputs") }
        return try node.constants.indices.map { try input(node, $0, fail) }
    }

    static func integers(_ node: Node, _ slot: Int, _ fail: ShapeInference.Failure) throws -> [Int] {
        guard let values = try input(node, slot, fail).integers else { throw fail("input \(slot) is not an integer tensor") }
        return values
    }

    // MARK: - Shared arithmetic

    /// Source offsets into `a` and `b` for each element of the broadcast `shape`.
    static func broadcastOffsets(_ a: [Int], _ b: [Int], to shape: [Int]) -> ([Int], [Int]) {
        func offsets(_ operand: [Int]) -> [Int] {
            let aligned = Array(repeating: 1, count: shape.count - operand.count) + operand
            let strides = RowMajor.strides(aligned)
            return RowMajor.cartesian(shape.indices.map { axis in
                (0..<shape[axis]).map { aligned[axis] == 1 ? 0 : $0 * strides[axis] }
            })
        }
        return (offsets(a), offsets(b))
    }

    /// Clamp bounds of a fused activation (NONE, RELU, RELU_N1_TO_1, RELU6).
    static func activationRange(_ activation: LiteActivation, _ fail: ShapeInference.Failure) throws -> (Float, Float) {
        switch activation {
        case LITE_ACTIVATION_NONE: return (-.infinity, .infinity)
        case LITE_ACTIVATION_RELU: return (0, .infinity)
        case LITE_ACTIVATION_RELU_N1_TO_1: return (-1, 1)
        case LITE_ACTIVATION_RELU6: return (0, 6)
        default: throw fail("fused activation \(activation.rawValue) is not evaluated at load")
        }
    }

}
