import DelegateABI

/// Operators that only move elements: evaluated as a list of source offsets and a `take`.
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

    /// PACK: the inputs stacked along a new axis.
    static func pack(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard case .pack(let p) = node.options, !node.constants.isEmpty else { throw fail("missing options or inputs") }
        let values = try node.constants.indices.map { try input(node, $0, fail) }
        let shape = values[0].shape
        guard values.allSatisfy({ $0.shape == shape }) else { throw fail("inputs of different shapes") }
        let output = try ShapeInference.packShape(shape, count: values.count, axis: Int(p.axis), fail)
        let axis = Int(p.axis) < 0 ? Int(p.axis) + shape.count + 1 : Int(p.axis)
        let outer = shape[..<axis].reduce(1, *), inner = shape[axis...].reduce(1, *)
        guard let all = ConstantTensor.Elements.concatenated(values.map(\.elements)) else { throw fail("inputs of different types") }
        // Output order: outer, input k, inner; input k starts at k * outer * inner in `all`.
        let offsets = RowMajor.cartesian([
            (0..<outer).map { $0 * inner }, (0..<values.count).map { $0 * outer * inner }, Array(0..<inner),
        ])
        return [ConstantTensor(shape: output, elements: all.take(offsets))]
    }

    /// UNPACK: one output per index along the axis.
    static func unpack(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard case .unpack(let p) = node.options else { throw fail("missing options") }
        let value = try input(node, 0, fail)
        let output = try ShapeInference.unpackShape(value.shape, axis: Int(p.axis), fail)
        let axis = try ShapeInference.normalisedAxis(Int(p.axis), rank: value.shape.count, fail)
        let count = value.shape[axis]
        guard count == node.outputTypes.count else { throw fail("\(node.outputTypes.count) outputs for extent \(count)") }
        let outer = value.shape[..<axis].reduce(1, *), inner = value.shape[(axis + 1)...].reduce(1, *)
        return (0..<count).map { slice in
            let offsets = RowMajor.cartesian([(0..<outer).map { $0 * count * inner + slice * inner }, Array(0..<inner)])
            return ConstantTensor(shape: output, elements: value.elements.take(offsets))
        }
    }

    /// GATHER with axis and batch_dims; an index out of range is not folded (TFLite fails on it).
    static func gather(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard case .gather(let p) = node.options else { throw fail("missing options") }
        let params = try input(node, 0, fail)
        let indexTensor = try input(node, 1, fail)
        let indices = try integers(node, 1, fail)
        let output = try ShapeInference.gatherShape(
            params.shape, indexTensor.shape, axis: Int(p.axis), batchDims: Int(p.batch_dims), fail)
        let axis = try ShapeInference.normalisedAxis(Int(p.axis), rank: params.shape.count, fail)
        let batchDims = Int(p.batch_dims) < 0 ? Int(p.batch_dims) + indexTensor.shape.count : Int(p.batch_dims)
        let batch = params.shape[..<batchDims].reduce(1, *)
        let outer = params.shape[batchDims..<axis].reduce(1, *)
        let extent = params.shape[axis], inner = params.shape[(axis + 1)...].reduce(1, *)
        let perBatch = indexTensor.shape[batchDims...].reduce(1, *)
        guard indices.allSatisfy({ $0 >= 0 && $0 < extent }) else { throw fail("an index is out of range [0, \(extent))") }
        var offsets: [Int] = []
        offsets.reserveCapacity(output.reduce(1, *))
        for b in 0..<batch {
            for o in 0..<outer {
                for i in 0..<perBatch {
                    let base = ((b * outer + o) * extent + indices[b * perBatch + i]) * inner
                    offsets.append(contentsOf: base..<(base + inner))
                }
            }
        }
        return [ConstantTensor(shape: output, elements: params.elements.take(offsets))]
    }

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

    /// CONCATENATION along the axis (fused activation only on float32).
    static func concatenation(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard case .concatenation(let p) = node.options, !node.constants.isEmpty else { throw fail("missing options or inputs") }
        let values = try node.constants.indices.map { try input(node, $0, fail) }
        let rank = values[0].shape.count
        let axis = try ShapeInference.normalisedAxis(Int(p.axis), rank: rank, fail)
        var shape = values[0].shape
        shape[axis] = 0
        for value in values {
            guard value.shape.count == rank, value.shape.indices.allSatisfy({ $0 == axis || value.shape[$0] == values[0].shape[$0] }) else {
                throw fail("input shapes differ off the axis")
            }
            shape[axis] += value.shape[axis]
        }
        guard var all = ConstantTensor.Elements.concatenated(values.map(\.elements)) else { throw fail("inputs of different types") }
        let outer = shape[..<axis].reduce(1, *)
        var offsets: [Int] = [], start = 0
        var rows: [(start: Int, width: Int)] = []
        for value in values {
            let width = value.shape[axis...].reduce(1, *)
            rows.append((start, width))
            start += value.elements.count
        }
        for o in 0..<outer { for row in rows { offsets.append(contentsOf: (row.start + o * row.width)..<(row.start + (o + 1) * row.width)) } }
        all = all.take(offsets)
        if p.activation != LITE_ACTIVATION_NONE {
            guard case .float32(let v) = all else { throw fail("fused activation on \(values[0].type)") }
            let (low, high) = try activationRange(p.activation, fail)
            all = .float32(v.map { Swift.min(Swift.max($0, low), high) })
        }
        return [ConstantTensor(shape: shape, elements: all)]
    }

    /// RESHAPE: the shape from input 1 (or the new_shape option), one -1 resolved.
    static func reshape(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        var target: [Int]?
        if node.present.count > 1, node.present[1] { target = try integers(node, 1, fail) }
        if target == nil, case .reshape(let newShape?) = node.options { target = newShape.map(Int.init) }
        guard let target else { throw fail("no new shape") }
        let shape = try ShapeInference.resolveReshape(target, count: value.elements.count, fail)
        return [ConstantTensor(shape: shape, elements: value.elements)]
    }

    static func expandDims(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let axis = try integers(node, 1, fail)
        guard axis.count == 1 else { throw fail("axis must be one value") }
        return [ConstantTensor(shape: try ShapeInference.expandDimsShape(value.shape, axis: axis[0], fail), elements: value.elements)]
    }

    static func squeeze(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        guard case .squeeze(let p) = node.options else { throw fail("missing options") }
        let value = try input(node, 0, fail)
        let shape = try ShapeInference.squeezeShape(value.shape, dims: ShapeInference.squeezeDims(p), fail)
        return [ConstantTensor(shape: shape, elements: value.elements)]
    }

    static func transpose(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        let perm = try integers(node, 1, fail)
        let shape = try ShapeInference.transposeShape(value.shape, perm: perm, fail)
        let strides = RowMajor.strides(value.shape)
        let offsets = RowMajor.cartesian(perm.map { axis in (0..<value.shape[axis]).map { $0 * strides[axis] } })
        return [ConstantTensor(shape: shape, elements: value.elements.take(offsets))]
    }
}
