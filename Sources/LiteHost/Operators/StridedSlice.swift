import DelegateABI

extension OperatorDescriptor {
    /// STRIDED_SLICE: begin, end and strides are inputs 1-3; ellipsis and new-axis masks get no
    /// shape rule and are not folded.
    static let stridedSlice = OperatorDescriptor(
        name: "STRIDED_SLICE", codes: [LITE_BUILTIN_STRIDED_SLICE],
        options: .builtin(TFLiteSchema.OptionsType.stridedSlice, codes: [LITE_BUILTIN_STRIDED_SLICE]) { reader throws(ModelError) in
            .stridedSlice(LiteStridedSliceParams(
                struct_size: MemoryLayout<LiteStridedSliceParams>.size,
                begin_mask: try reader.int32(0), end_mask: try reader.int32(1), ellipsis_mask: try reader.int32(2),
                new_axis_mask: try reader.int32(3), shrink_axis_mask: try reader.int32(4), offset: try reader.bool(5)))
        },
        shape: { node in
            guard case .stridedSlice(let p) = node.definition.options, p.ellipsis_mask == 0, p.new_axis_mask == 0,
                  let begin = node.constantInts(1), let end = node.constantInts(2), let strides = node.constantInts(3)
            else { return nil }
            return [try ShapeInference.stridedSliceShape(node.inputs[0], begin, end, strides, p, node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.stridedSlice),
        params: { options, _ in
            guard case .stridedSlice(let p) = options else { return nil }
            return ABIParams(p)
        })
}
