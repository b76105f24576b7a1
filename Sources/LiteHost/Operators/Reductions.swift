import DelegateABI

/// The reductions over constant axes (input 1), with keep_dims in LiteReducerParams.
extension OperatorDescriptor {
    /// MEAN: not folded (its division is not exact).
    static let mean = OperatorDescriptor(
        name: "MEAN", codes: [LITE_BUILTIN_MEAN],
        optionsTable: TFLiteSchema.OptionsType.reducer, storedAs: { .reducer($0) }, decode: decodeReducer,
        shape: reductionShape)

    /// SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN: folded at load.
    static let foldableReduction = OperatorDescriptor(
        name: "SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN",
        codes: [LITE_BUILTIN_SUM, LITE_BUILTIN_REDUCE_PROD, LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN],
        optionsTable: TFLiteSchema.OptionsType.reducer, storedAs: { .reducer($0) }, decode: decodeReducer,
        shape: reductionShape,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.reduce))

    /// REDUCE_ANY: its options and params, without a shape rule.
    static let reduceAny = OperatorDescriptor(
        name: "REDUCE_ANY", codes: [LITE_BUILTIN_REDUCE_ANY],
        optionsTable: TFLiteSchema.OptionsType.reducer, storedAs: { .reducer($0) }, decode: decodeReducer)

    private static func decodeReducer(_ reader: OptionsReader) throws(ModelError) -> LiteReducerParams {
        LiteReducerParams(struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: try reader.bool(0))
    }

    private static let reductionShape: ParamsShapeRule<LiteReducerParams> = { node, p in
        guard let axes = node.constantInts(1) else { return nil }
        return [try reduction(of: node.inputs[0], axes: axes, keepDims: p.keep_dims != 0, node.fail).shape]
    }
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN over constant axes (float32 or int32).
    static func reduce(_ node: Node, _ p: LiteReducerParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let axes = try integers(node, 1, fail)
        let (reduced, shape) = try reduction(of: value.shape, axes: axes, keepDims: p.keep_dims != 0, fail)
        let kept = value.shape.indices.map { reduced.contains($0) ? 1 : value.shape[$0] }
        let keptStrides = RowMajor.strides(kept)
        let target = RowMajor.cartesian(value.shape.indices.map { axis in
            (0..<value.shape[axis]).map { reduced.contains(axis) ? 0 : $0 * keptStrides[axis] }
        })
        let count = kept.reduce(1, *)
        let code = node.opcode
        /// Every input element combined into its output element, in input order.
        func combined<Element>(_ x: [Element], start: Element, _ combine: (Element, Element) -> Element) -> [Element] {
            var out = [Element](repeating: start, count: count)
            for (i, v) in x.enumerated() { out[target[i]] = combine(out[target[i]], v) }
            return out
        }
        switch value.elements {
        case .float32(let x):
            let (start, combine): (Float, (Float, Float) -> Float) = switch code {
            case LITE_BUILTIN_REDUCE_PROD: (1, *)
            case LITE_BUILTIN_SUM: (0, +)
            case LITE_BUILTIN_REDUCE_MAX: (-.infinity, Swift.max)
            default: (.infinity, Swift.min)
            }
            return [ConstantTensor(shape: shape, elements: .float32(combined(x, start: start, combine)))]
        case .int32(let x):
            // Wrapping, like the C kernels.
            let (start, combine): (Int32, (Int32, Int32) -> Int32) = switch code {
            case LITE_BUILTIN_REDUCE_PROD: (1, &*)
            case LITE_BUILTIN_SUM: (0, &+)
            case LITE_BUILTIN_REDUCE_MAX: (.min, Swift.max)
            default: (.max, Swift.min)
            }
            return [ConstantTensor(shape: shape, elements: .int32(combined(x, start: start, combine)))]
        default:
            throw fail("type \(value.type) is not reduced at load")
        }
    }
}

/// A reduction's axes and output shape, for the shape rule and the evaluation alike.
/// - Parameter axes: the axes as stored (negative counts from the end; repeats allowed).
/// - Returns: the reduced axes counted from the front, and the output shape: each reduced axis of
///   extent 1 with `keepDims`, else removed.
private func reduction(
    of input: [Int], axes: [Int], keepDims: Bool, _ fail: ShapeInference.Failure
) throws -> (reduced: Set<Int>, shape: [Int]) {
    let rank = input.count
    let reduced = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
    guard reduced.allSatisfy({ $0 >= 0 && $0 < rank }) else { throw fail("axes \(axes) out of range") }
    if keepDims { return (reduced, input.enumerated().map { reduced.contains($0) ? 1 : $1 }) }
    return (reduced, input.enumerated().filter { !reduced.contains($0.offset) }.map(\.element))
}
