import DelegateABI

/// Evaluates one operator whose inputs are known at load: constants, or (for SHAPE) a tensor whose
/// shape is static. Only operators whose result is exact in any runtime are evaluated here: shape
/// arithmetic, data movement, casts and IEEE float32 `+ - * /`, max and min. Transcendentals
/// (EXP, TANH, ...) are left to the delegates so that folding never changes a model's numbers.
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

    static func integers(_ node: Node, _ slot: Int, _ fail: ShapeInference.Failure) throws -> [Int] {
        guard let values = try input(node, slot, fail).integers else { throw fail("input \(slot) is not an integer tensor") }
        return values
    }

    // MARK: - Arithmetic

    /// ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, FLOOR_DIV with numpy broadcasting,
    /// on float32 or int32 (int32 wraps like the C kernels; a zero divisor is not folded).
    static func binary(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let a = try input(node, 0, fail), b = try input(node, 1, fail)
        guard let shape = ShapeInference.broadcast(a.shape, b.shape) else {
            throw fail("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let (left, right) = broadcastOffsets(a.shape, b.shape, to: shape)
        var activation = LITE_ACTIVATION_NONE
        if case .elementwise(let p) = node.options { activation = p.activation }
        let code = node.opcode
        switch (a.elements, b.elements) {
        case (.float32(let x), .float32(let y)):
            let (low, high) = try activationRange(activation, fail)
            var out = [Float](repeating: 0, count: left.count)
            for i in out.indices {
                let (p, q) = (x[left[i]], y[right[i]])
                let r: Float
                switch code {
                case LITE_OP_ADD.code: r = p + q
                case LITE_OP_SUB.code: r = p - q
                case LITE_OP_MUL.code: r = p * q
                case LITE_OP_DIV.code: r = p / q
                // As TFLite's MaximumOp/MinimumOp write it (which decides what a NaN gives).
                case LITE_OP_MAXIMUM.code: r = p > q ? p : q
                case LITE_OP_MINIMUM.code: r = p < q ? p : q
                case LITE_OP_SQUARED_DIFFERENCE.code: r = (p - q) * (p - q)
                default: r = (p / q).rounded(.down)
                }
                out[i] = Swift.min(Swift.max(r, low), high)
            }
            return [ConstantTensor(shape: shape, elements: .float32(out))]
        case (.int32(let x), .int32(let y)):
            guard activation == LITE_ACTIVATION_NONE || activation == LITE_ACTIVATION_RELU else {
                throw fail("int32 with a fused activation")
            }
            var out = [Int32](repeating: 0, count: left.count)
            for i in out.indices {
                let (p, q) = (x[left[i]], y[right[i]])
                var r: Int32
                switch code {
                case LITE_OP_ADD.code: r = p &+ q
                case LITE_OP_SUB.code: r = p &- q
                case LITE_OP_MUL.code: r = p &* q
                case LITE_OP_MAXIMUM.code: r = Swift.max(p, q)
                case LITE_OP_MINIMUM.code: r = Swift.min(p, q)
                case LITE_OP_SQUARED_DIFFERENCE.code: r = (p &- q) &* (p &- q)
                default:
                    guard q != 0, !(p == .min && q == -1) else { throw fail("division by zero or overflow") }
                    // DIV truncates (C division); FLOOR_DIV rounds towards negative infinity.
                    r = p / q
                    if code != LITE_OP_DIV.code, (p % q != 0) && ((p < 0) != (q < 0)) { r -= 1 }
                }
                out[i] = activation == LITE_ACTIVATION_RELU ? Swift.max(r, 0) : r
            }
            return [ConstantTensor(shape: shape, elements: .int32(out))]
        default:
            throw fail("types \(a.type) and \(b.type) are not evaluated at load")
        }
    }

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

    /// SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN over constant axes (float32 or int32).
    static func reduce(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let axes = try integers(node, 1, fail)
        guard case .reducer(let p) = node.options else { throw fail("missing reducer options") }
        let rank = value.shape.count
        let reduced = Set(try axes.map { try ShapeInference.normalisedAxis($0, rank: rank, fail) })
        let kept = value.shape.indices.map { reduced.contains($0) ? 1 : value.shape[$0] }
        let keptStrides = RowMajor.strides(kept)
        let target = RowMajor.cartesian(value.shape.indices.map { axis in
            (0..<value.shape[axis]).map { reduced.contains(axis) ? 0 : $0 * keptStrides[axis] }
        })
        let shape = p.keep_dims != 0 ? kept : value.shape.indices.filter { !reduced.contains($0) }.map { value.shape[$0] }
        let count = kept.reduce(1, *)
        let code = node.opcode
        switch value.elements {
        case .float32(let x):
            let start: Float = code == LITE_OP_REDUCE_PROD.code ? 1 : code == LITE_BUILTIN_SUM ? 0
                : code == LITE_BUILTIN_REDUCE_MAX ? -.infinity : .infinity
            var out = [Float](repeating: start, count: count)
            for (i, v) in x.enumerated() {
                let t = target[i]
                switch code {
                case LITE_OP_REDUCE_PROD.code: out[t] *= v
                case LITE_BUILTIN_SUM: out[t] += v
                case LITE_BUILTIN_REDUCE_MAX: out[t] = Swift.max(out[t], v)
                default: out[t] = Swift.min(out[t], v)
                }
            }
            return [ConstantTensor(shape: shape, elements: .float32(out))]
        case .int32(let x):
            let start: Int32 = code == LITE_OP_REDUCE_PROD.code ? 1 : code == LITE_BUILTIN_SUM ? 0
                : code == LITE_BUILTIN_REDUCE_MAX ? .min : .max
            var out = [Int32](repeating: start, count: count)
            for (i, v) in x.enumerated() {
                let t = target[i]
                switch code {
                case LITE_OP_REDUCE_PROD.code: out[t] = out[t] &* v
                case LITE_BUILTIN_SUM: out[t] = out[t] &+ v
                case LITE_BUILTIN_REDUCE_MAX: out[t] = Swift.max(out[t], v)
                default: out[t] = Swift.min(out[t], v)
                }
            }
            return [ConstantTensor(shape: shape, elements: .int32(out))]
        default:
            throw fail("type \(value.type) is not reduced at load")
        }
    }

    /// CAST between float32, int32, int64 and bool (float to integer truncates, as C does).
    static func cast(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        guard let outputType = node.outputTypes.first else { throw fail("no output") }
        let doubles: [Double]
        switch value.elements {
        case .float32(let v): doubles = v.map(Double.init)
        case .int32(let v): doubles = v.map(Double.init)
        case .int64(let v):
            guard v.allSatisfy({ abs($0) < 1 << 53 }) else { throw fail("int64 values beyond 2^53") }
            doubles = v.map(Double.init)
        case .bool(let v): doubles = v.map { $0 ? 1 : 0 }
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            try doubles.map {
                guard let exact = T(exactly: $0.rounded(.towardZero)) else { throw fail("value \($0) out of range for \(outputType)") }
                return exact
            }
        }
        let elements: ConstantTensor.Elements
        switch outputType {
        case .float32: elements = .float32(doubles.map { Float($0) })
        case .int32: elements = .int32(try integer(Int32.self))
        case .int64: elements = .int64(try integer(Int64.self))
        case .bool: elements = .bool(doubles.map { $0 != 0 })
        case .float16: throw fail("cast to float16 is not evaluated at load")
        }
        return [ConstantTensor(shape: value.shape, elements: elements)]
    }

    /// FILL: dims (input 0) filled with the scalar input 1.
    static func fill(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let dims = try integers(node, 0, fail)
        let value = try input(node, 1, fail)
        guard value.elements.count == 1, let count = TensorLimits.elementCount(dims) else { throw fail("invalid dims \(dims) or value") }
        // Folding is worth it for shape-sized constants; a large FILL stays a node (and its size is
        // checked like any other tensor's).
        guard count <= 1 << 20 else { throw fail("FILL of \(count) elements is not folded at load") }
        return [ConstantTensor(shape: dims, elements: value.elements.repeated(count))]
    }
}
