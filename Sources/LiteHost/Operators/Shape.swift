import DelegateABI

extension OperatorDescriptor {
    /// SHAPE: a 1-D tensor of the input's rank; folded at load from the input's static shape alone.
    /// out_type is decoded (INT32 when absent) but plugins get no params: the output tensor's type
    /// is authoritative.
    static let shape = OperatorDescriptor(
        name: "SHAPE", codes: [LITE_BUILTIN_SHAPE],
        options: .builtin(TFLiteSchema.OptionsType.shape, codes: [LITE_BUILTIN_SHAPE]) { reader throws(ModelError) in
            .shape(outType: try reader.table?.scalar(0, default: TFLiteSchema.TensorType.int32) ?? TFLiteSchema.TensorType.int32)
        },
        shape: { node in
            try node.need(1)
            return [[node.inputs[0].count]]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.shape, needsOnlyShapes: true))
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// SHAPE: the input's static shape, as the output's integer type.
    static func shape(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard node.present.first == true else { throw fail("absent input") }
        let dims = node.shapes[0]
        switch node.outputTypes.first {
        case .int32: return [ConstantTensor(shape: [dims.count], elements: .int32(dims.map { Int32($0) }))]
        case .int64: return [ConstantTensor(shape: [dims.count], elements: .int64(dims.map { Int64($0) }))]
        default: throw fail("output type must be int32 or int64")
        }
    }
}
