import DelegateABI

extension OperatorDescriptor {
    /// STRIDED_SLICE: begin, end and strides are inputs 1-3; ellipsis and new-axis masks get no
    /// shape rule and are not folded.
    static let stridedSlice = OperatorDescriptor(
        name: "STRIDED_SLICE", codes: [LITE_BUILTIN_STRIDED_SLICE], optionsTable: TFLiteSchema.OptionsType.stridedSlice,
        storedAs: { .stridedSlice($0) },
        decode: { reader throws(ModelError) in
            LiteStridedSliceParams(
                struct_size: MemoryLayout<LiteStridedSliceParams>.size,
                begin_mask: try reader.int32(0), end_mask: try reader.int32(1), ellipsis_mask: try reader.int32(2),
                new_axis_mask: try reader.int32(3), shrink_axis_mask: try reader.int32(4), offset: try reader.bool(5))
        },
        shape: { node, p in
            guard p.ellipsis_mask == 0, p.new_axis_mask == 0,
                  let begin = node.constantInts(1), let end = node.constantInts(2), let strides = node.constantInts(3)
            else { return nil }
            let axes = try StridedSliceAxis.resolve(node.inputs[0], begin, end, strides, p, node.fail)
            return [axes.filter { !$0.shrinks }.map(\.count)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.stridedSlice))
}

/// One axis of a STRIDED_SLICE resolved as TFLite resolves it (kernels/internal/strided_slice_logic.h,
/// `StridedSliceStartForAxis` and `StridedSliceEndForAxis`; the extent as strided_slice.cc's
/// `ResizeOutputTensor` computes it): negative indices count from the end, then are clamped, the
/// masks override them, and `offset` adds the resolved start to the end. The shape rule and the
/// evaluation at load both use it, so they agree on every begin, end, mask and offset. PluginSupport's
/// `lps_slice_axis` is the same rule for the plugins.
struct StridedSliceAxis: Equatable {
    /// The first index read: in [0, size] for a positive stride, [-1, size - 1] for a negative one.
    let start: Int
    /// Where reading stops (not read): in the same ranges as `start`.
    let stop: Int
    let stride: Int
    /// The axis is in shrink_axis_mask: one element is read and the output drops the axis.
    let shrinks: Bool

    /// - Parameters:
    ///   - axis: the axis, for the masks' bits.
    ///   - size: the input's extent on it.
    ///   - begin, end, stride: the node's values for it; `stride` is not 0.
    init(axis: Int, size: Int, begin: Int, end: Int, stride: Int, _ p: LiteStridedSliceParams) {
        let bit = Int32(1) << Int32(axis)
        func clamp(_ index: Int) -> Int { stride > 0 ? min(max(index, 0), size) : min(max(index, -1), size - 1) }
        func resolve(_ index: Int) -> Int { clamp(index < 0 ? index + size : index) }
        var start = resolve(begin)
        if p.begin_mask & bit != 0 { start = stride > 0 ? 0 : size - 1 }
        shrinks = p.shrink_axis_mask & bit != 0
        if shrinks {
            stop = start + 1
        } else if p.end_mask & bit != 0 {
            stop = stride > 0 ? size : -1
        } else {
            stop = resolve(p.offset != 0 ? end + start : end)
        }
        self.start = start
        self.stride = stride
    }

    /// The output's extent on the axis, as TFLite computes it in Prepare (a shrunk axis is dropped
    /// from the output whatever its count).
    var count: Int { max(stride > 0 ? (stop - start + stride - 1) / stride : (start - stop - stride - 1) / -stride, 0) }

    /// The input indices read, in output order.
    var indices: StrideTo<Int> { Swift.stride(from: start, to: stop, by: stride) }

    /// Every axis of `input`: those past the lengths of begin/end/strides are read whole.
    /// - Throws: `fail`'s error when the lengths differ or exceed the rank, or a stride is 0.
    static func resolve(
        _ input: [Int], _ begin: [Int], _ end: [Int], _ strides: [Int], _ p: LiteStridedSliceParams,
        _ fail: ShapeInference.Failure
    ) throws -> [StridedSliceAxis] {
        guard begin.count == end.count, end.count == strides.count, begin.count <= input.count else {
            throw fail("begin/end/strides lengths \(begin.count)/\(end.count)/\(strides.count) do not fit rank \(input.count)")
        }
        return try input.indices.map { axis in
            guard axis < begin.count else {
                return StridedSliceAxis(axis: axis, size: input[axis], begin: 0, end: input[axis], stride: 1, .init())
            }
            guard strides[axis] != 0 else { throw fail("stride 0 on axis \(axis)") }
            return StridedSliceAxis(axis: axis, size: input[axis], begin: begin[axis], end: end[axis], stride: strides[axis], p)
        }
    }
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// STRIDED_SLICE with begin/end/shrink masks and offset (`StridedSliceAxis`); ellipsis and
    /// new-axis masks are not folded.
    static func stridedSlice(_ node: Node, _ p: LiteStridedSliceParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard p.ellipsis_mask == 0, p.new_axis_mask == 0 else {
            throw fail("ellipsis or new-axis masks are not folded")
        }
        let value = try input(node, 0, fail)
        let begin = try integers(node, 1, fail), end = try integers(node, 2, fail), strides = try integers(node, 3, fail)
        let slice = try StridedSliceAxis.resolve(value.shape, begin, end, strides, p, fail)
        let elementStrides = RowMajor.strides(value.shape)
        var axes: [[Int]] = [], shape: [Int] = []
        for (axis, resolved) in slice.enumerated() {
            let picked = Array(resolved.indices)
            guard picked.allSatisfy({ $0 >= 0 && $0 < value.shape[axis] }) else { throw fail("slice out of range on axis \(axis)") }
            axes.append(picked.map { $0 * elementStrides[axis] })
            if !resolved.shrinks { shape.append(picked.count) } else if picked.count != 1 { throw fail("empty shrink on axis \(axis)") }
        }
        return [ConstantTensor(shape: shape, elements: value.elements.take(RowMajor.cartesian(axes)))]
    }
}
