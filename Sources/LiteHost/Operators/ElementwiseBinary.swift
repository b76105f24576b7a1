import DelegateABI

/// The elementwise binaries: two inputs broadcast numpy-style to one output.
extension OperatorDescriptor {
    /// ADD, SUB, MUL, DIV: a fused activation in their options; folded at load.
    static let arithmetic = OperatorDescriptor(
        name: "ADD, SUB, MUL, DIV",
        codes: [LITE_BUILTIN_ADD, LITE_BUILTIN_SUB, LITE_BUILTIN_MUL, LITE_BUILTIN_DIV],
        options: .builtin(
            tables: [LITE_BUILTIN_ADD: TFLiteSchema.OptionsType.add, LITE_BUILTIN_SUB: TFLiteSchema.OptionsType.sub,
                     LITE_BUILTIN_MUL: TFLiteSchema.OptionsType.mul, LITE_BUILTIN_DIV: TFLiteSchema.OptionsType.div]
        ) { reader throws(ModelError) in
            .elementwise(LiteElementwiseParams(
                struct_size: MemoryLayout<LiteElementwiseParams>.size, activation: try reader.activation(0)))
        },
        shape: broadcastShape,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.binary),
        params: decodedParams(LiteElementwiseParams.self))

    /// MAXIMUM, MINIMUM, SQUARED_DIFFERENCE: no options; folded at load.
    static let minMax = OperatorDescriptor(
        name: "MAXIMUM, MINIMUM, SQUARED_DIFFERENCE",
        codes: [LITE_BUILTIN_MAXIMUM, LITE_BUILTIN_MINIMUM, LITE_BUILTIN_SQUARED_DIFFERENCE],
        shape: broadcastShape,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.binary))

    /// PRELU: the alpha input broadcasts against the input; not folded.
    static let prelu = OperatorDescriptor(name: "PRELU", codes: [LITE_BUILTIN_PRELU], shape: broadcastShape)

    /// FLOOR_DIV: only folded at load (shape arithmetic); it has no shape rule.
    static let floorDiv = OperatorDescriptor(
        name: "FLOOR_DIV", codes: [LITE_BUILTIN_FLOOR_DIV],
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.binary))

    private static let broadcastShape: ShapeRule = { node in
        try node.need(2)
        guard let shape = ShapeInference.broadcast(node.inputs[0], node.inputs[1]) else {
            throw node.fail("shapes \(node.inputs[0]) and \(node.inputs[1]) do not broadcast")
        }
        return [shape]
    }
}

/// Evaluation at load.
extension ConstantEvaluator {
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
}
