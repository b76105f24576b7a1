import DelegateABI

/// The unary operators whose output has the input's shape: activations, DEQUANTIZE, EXP, RSQRT,
/// the softmaxes. None is evaluated at load (transcendentals are left to the delegates).
extension OperatorDescriptor {
    /// One input, one output of its shape, no options.
    static let unaryActivation = OperatorDescriptor(
        name: "unary activations",
        codes: [LITE_BUILTIN_LOGISTIC, LITE_BUILTIN_RELU, LITE_BUILTIN_RELU_N1_TO_1, LITE_BUILTIN_RELU6,
                LITE_BUILTIN_TANH, LITE_BUILTIN_HARD_SWISH, LITE_BUILTIN_DEQUANTIZE, LITE_BUILTIN_EXP,
                LITE_BUILTIN_RSQRT, LITE_BUILTIN_LOG_SOFTMAX],
        shape: sameShapeAsInput)

    static let softmax = OperatorDescriptor(
        name: "SOFTMAX", codes: [LITE_BUILTIN_SOFTMAX], optionsTable: TFLiteSchema.OptionsType.softmax,
        storedAs: { .softmax($0) },
        decode: { reader throws(ModelError) in
            LiteSoftmaxParams(struct_size: MemoryLayout<LiteSoftmaxParams>.size, beta: try reader.float(0))
        },
        shape: sameShapeAsInput)

    static let leakyRelu = OperatorDescriptor(
        name: "LEAKY_RELU", codes: [LITE_BUILTIN_LEAKY_RELU], optionsTable: TFLiteSchema.OptionsType.leakyRelu,
        storedAs: { .leakyRelu($0) },
        decode: { reader throws(ModelError) in
            LiteLeakyReluParams(struct_size: MemoryLayout<LiteLeakyReluParams>.size, alpha: try reader.float(0))
        },
        shape: sameShapeAsInput)

    /// The output has the shape of input 0 (also CAST's rule).
    static let sameShapeAsInput: ShapeRule = { node in
        try node.need(1)
        return [node.inputs[0]]
    }
}
