import DelegateABI

/// The reductions over constant axes (input 1), with keep_dims in LiteReducerParams.
extension OperatorDescriptor {
    /// MEAN: not folded (its division is not exact).
    static let mean = OperatorDescriptor(
        name: "MEAN", codes: [LITE_BUILTIN_MEAN],
        options: reducerOptions([LITE_BUILTIN_MEAN]), shape: reductionShape, params: reducerParams)

    /// SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN: folded at load.
    static let foldableReduction = OperatorDescriptor(
        name: "SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN",
        codes: [LITE_BUILTIN_SUM, LITE_BUILTIN_REDUCE_PROD, LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN],
        options: reducerOptions([LITE_BUILTIN_SUM, LITE_BUILTIN_REDUCE_PROD, LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN]),
        shape: reductionShape,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.reduce),
        params: reducerParams)

    /// REDUCE_ANY: its options and params, without a shape rule.
    static let reduceAny = OperatorDescriptor(
        name: "REDUCE_ANY", codes: [LITE_BUILTIN_REDUCE_ANY],
        options: reducerOptions([LITE_BUILTIN_REDUCE_ANY]), params: reducerParams)

    private static func reducerOptions(_ codes: [Int32]) -> OptionsDecoding {
        .builtin(TFLiteSchema.OptionsType.reducer, codes: codes) { reader throws(ModelError) in
            .reducer(LiteReducerParams(struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: try reader.bool(0)))
        }
    }

    private static let reductionShape: ShapeRule = { node in
        guard case .reducer(let p) = node.definition.options, let axes = node.constantInts(1) else { return nil }
        let rank = node.inputs[0].count
        let reduced = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        guard reduced.allSatisfy({ $0 >= 0 && $0 < rank }) else { throw node.fail("axes \(axes) out of range") }
        if p.keep_dims != 0 { return [node.inputs[0].enumerated().map { reduced.contains($0) ? 1 : $1 }] }
        return [node.inputs[0].enumerated().filter { !reduced.contains($0.offset) }.map(\.element)]
    }

    private static let reducerParams: ParamsRule = { options, _ in
        guard case .reducer(let p) = options else { return nil }
        return ABIParams(p)
    }
}
