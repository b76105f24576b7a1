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
        shape: { node in
            guard case .stridedSlice(let p) = node.definition.options, p.ellipsis_mask == 0, p.new_axis_mask == 0,
                  let begin = node.constantInts(1), let end = node.constantInts(2), let strides = node.constantInts(3)
            else { return nil }
            return [try ShapeInference.stridedSliceShape(node.inputs[0], begin, end, strides, p, node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.stridedSlice))
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// STRIDED_SLICE with begin/end/shrink masks and offset, following TFLite's reference
    /// (StridedSliceStartForAxis / EndForAxis); ellipsis and new-axis masks are not folded.
    static func stridedSlice(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard case .stridedSlice(let p) = node.options, p.ellipsis_mask == 0, p.new_axis_mask == 0 else {
            throw fail("ellipsis or new-axis masks are not folded")
        }
        let value = try input(node, 0, fail)
        let begin = try integers(node, 1, fail), end = try integers(node, 2, fail), strides = try integers(node, 3, fail)
        let rank = value.shape.count
        guard begin.count == end.count, end.count == strides.count, begin.count <= rank else {
            throw fail("begin/end/strides do not fit rank \(rank)")
        }
        let elementStrides = RowMajor.strides(value.shape)
        var axes: [[Int]] = [], shape: [Int] = []
        for axis in 0..<rank {
            let size = value.shape[axis]
            guard axis < begin.count else {
                axes.append((0..<size).map { $0 * elementStrides[axis] })
                shape.append(size)
                continue
            }
            let bit = 1 << axis, step = strides[axis]
            guard step != 0 else { throw fail("stride 0 on axis \(axis)") }
            func clamp(_ v: Int) -> Int { step > 0 ? Swift.min(Swift.max(v, 0), size) : Swift.min(Swift.max(v, -1), size - 1) }
            var start = begin[axis]
            if start < 0 { start += size }
            start = clamp(start)
            if Int(p.begin_mask) & bit != 0 { start = step > 0 ? 0 : size - 1 }
            let shrink = Int(p.shrink_axis_mask) & bit != 0
            var stop: Int
            if shrink {
                stop = start + 1
            } else {
                stop = end[axis]
                if p.offset != 0 { stop += start }
                if stop < 0 { stop += size }
                stop = clamp(stop)
                if Int(p.end_mask) & bit != 0 { stop = step > 0 ? size : -1 }
            }
            let picked = Array(stride(from: start, to: stop, by: step))
            guard picked.allSatisfy({ $0 >= 0 && $0 < size }) else { throw fail("slice out of range on axis \(axis)") }
            axes.append(picked.map { $0 * elementStrides[axis] })
            if !shrink { shape.append(picked.count) } else if picked.count != 1 { throw fail("empty shrink on axis \(axis)") }
        }
        return [ConstantTensor(shape: shape, elements: value.elements.take(RowMajor.cartesian(axes)))]
    }
}
