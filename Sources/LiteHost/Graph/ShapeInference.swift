import DelegateABI

/// Computes every tensor's shape from the model inputs' shapes, operator by operator, the way
/// TFLite's kernels do in Prepare. Operators without a rule keep the shapes the model declares,
/// which is only right when their inputs kept their declared shapes; otherwise inference fails.
enum ShapeInference {
    /// - Parameters:
    ///   - model: the model; operators are in execution order.
    ///   - inputShapes: shapes of the model inputs, by tensor index (others keep their declared shape).
    /// - Returns: one shape per tensor.
    /// - Throws: `.shapeInference` naming the node when a shape cannot be computed.
    static func infer(_ model: ModelDefinition, inputShapes: [Int: [Int]]) throws -> [[Int]] {
        var shapes = model.tensors.map(\.shape)
        for (tensor, shape) in inputShapes { shapes[tensor] = shape }
        for (index, node) in model.operators.enumerated() {
            let name = operatorName(code: node.opcode, customName: node.customName)
            func fail(_ why: String) -> InterpreterError {
                InterpreterError(.shapeInference, "node \(index) (\(name)): \(why)")
            }
            let inputs = node.inputs.map { $0 >= 0 ? shapes[Int($0)] : [] }
            guard let rule = try rule(for: node, model: model, inputs: inputs, fail: fail) else {
                let changed = node.inputs.contains { $0 >= 0 && shapes[Int($0)] != model.tensors[Int($0)].shape }
                if changed { throw fail("cannot compute output shapes after an input resize (no shape rule)") }
                continue
            }
            guard rule.count == node.outputs.count || (rule.count == 1 && node.outputs.count >= 1) else { continue }
            for (slot, output) in node.outputs.enumerated() where slot < rule.count {
                guard rule[slot].allSatisfy({ $0 >= 0 }) else { throw fail("negative output extent \(rule[slot])") }
                guard TensorLimits.byteCount(rule[slot], width: model.tensors[Int(output)].type.byteWidth) != nil else {
                    throw fail("output shape \(rule[slot]) is over the host's limit of \(TensorLimits.limitText) per tensor")
                }
                shapes[Int(output)] = rule[slot]
            }
        }
        return shapes
    }

    private static func rule(
        for node: OperatorDefinition, model: ModelDefinition, inputs: [[Int]], fail: (String) -> InterpreterError
    ) throws -> [[Int]]? {
        func constantInts(_ slot: Int) -> [Int]? {
            guard slot < node.inputs.count, node.inputs[slot] >= 0,
                  let data = model.tensors[Int(node.inputs[slot])].constant
            else { return nil }
            switch model.tensors[Int(node.inputs[slot])].type {
            case .int32: return data.int32Values().map(Int.init)
            case .int64: return data.int64Values().map(Int.init)
            default: return nil
            }
        }
        func need(_ count: Int) throws {
            guard inputs.count >= count else { throw fail("expects \(count) inputs, has \(inputs.count)") }
        }
        switch node.opcode {
        case LITE_OP_LOGISTIC.code, LITE_OP_RELU.code, LITE_OP_RELU_N1_TO_1.code, LITE_OP_RELU6.code,
             LITE_OP_TANH.code, LITE_OP_SOFTMAX.code, LITE_OP_HARD_SWISH.code, LITE_OP_DEQUANTIZE.code,
             LITE_OP_EXP.code, LITE_OP_RSQRT.code, LITE_OP_LEAKY_RELU.code, LITE_BUILTIN_LOG_SOFTMAX:
            try need(1)
            return [inputs[0]]
        case LITE_OP_ADD.code, LITE_OP_SUB.code, LITE_OP_MUL.code, LITE_OP_DIV.code,
             LITE_OP_MAXIMUM.code, LITE_OP_MINIMUM.code, LITE_OP_SQUARED_DIFFERENCE.code,
             LITE_OP_PRELU.code:
            try need(2)
            guard let shape = broadcast(inputs[0], inputs[1]) else {
                throw fail("shapes \(inputs[0]) and \(inputs[1]) do not broadcast")
            }
            return [shape]
        case LITE_OP_CONV_2D.code, LITE_OP_DEPTHWISE_CONV_2D.code:
            try need(2)
            let (input, weights) = (inputs[0], inputs[1])
            guard input.count == 4, weights.count == 4 else { throw fail("expects 4-D input and weights") }
            let (padding, strides, dilations): (LitePadding, (Int, Int), (Int, Int))
            if case .conv2D(let p) = node.options {
                (padding, strides, dilations) = (p.padding, (Int(p.stride_height), Int(p.stride_width)),
                                                 (Int(p.dilation_height), Int(p.dilation_width)))
            } else if case .depthwiseConv2D(let p) = node.options {
                (padding, strides, dilations) = (p.padding, (Int(p.stride_height), Int(p.stride_width)),
                                                 (Int(p.dilation_height), Int(p.dilation_width)))
            } else { return nil }
            let height = try windowOutput(input[1], weights[1], strides.0, dilations.0, padding, fail)
            let width = try windowOutput(input[2], weights[2], strides.1, dilations.1, padding, fail)
            let channels = node.opcode == LITE_OP_CONV_2D.code ? weights[0] : weights[3]
            return [[input[0], height, width, channels]]
        case LITE_OP_AVERAGE_POOL_2D.code, LITE_OP_MAX_POOL_2D.code:
            try need(1)
            guard case .pool2D(let p) = node.options, inputs[0].count == 4 else { return nil }
            let input = inputs[0]
            let height = try windowOutput(input[1], Int(p.filter_height), Int(p.stride_height), 1, p.padding, fail)
            let width = try windowOutput(input[2], Int(p.filter_width), Int(p.stride_width), 1, p.padding, fail)
            return [[input[0], height, width, input[3]]]
        case LITE_OP_CONCATENATION.code:
            guard case .concatenation(let p) = node.options, let first = inputs.first else { return nil }
            let axis = Int(p.axis) < 0 ? Int(p.axis) + first.count : Int(p.axis)
            guard axis >= 0, axis < first.count else { throw fail("axis \(p.axis) out of range for rank \(first.count)") }
            var shape = first
            shape[axis] = 0
            for input in inputs {
                guard input.count == first.count else { throw fail("inputs of different ranks") }
                for dim in input.indices where dim != axis && input[dim] != first[dim] {
                    throw fail("input shapes \(first) and \(input) differ off the axis")
                }
                shape[axis] += input[axis]
            }
            return [shape]
        case LITE_OP_FULLY_CONNECTED.code:
            try need(2)
            guard case .fullyConnected(let p) = node.options, inputs[1].count == 2 else { return nil }
            let (units, depth) = (inputs[1][0], inputs[1][1])
            // Safe: every shape that reaches a rule is within TensorLimits (checked when stored).
            let total = inputs[0].reduce(1, *)
            guard depth > 0, total % depth == 0 else { throw fail("input \(inputs[0]) does not flatten to rows of \(depth)") }
            if p.keep_num_dims != 0 { return [Array(inputs[0].dropLast()) + [units]] }
            return [[total / depth, units]]
        case LITE_OP_PAD.code, 60 /* PADV2 */:
            try need(2)
            guard let pads = constantInts(1), pads.count == 2 * inputs[0].count else { return nil }
            return [inputs[0].enumerated().map { $1 + pads[2 * $0] + pads[2 * $0 + 1] }]
        case LITE_OP_RESHAPE.code:
            var target = constantInts(1)
            if target == nil, case .reshape(let newShape?) = node.options { target = newShape.map(Int.init) }
            guard let target else { return nil }
            return [try resolveReshape(target, count: inputs[0].reduce(1, *), fail)]
        case LITE_OP_RESIZE_BILINEAR.code, LITE_BUILTIN_RESIZE_NEAREST_NEIGHBOR:
            guard let size = constantInts(1), size.count == 2, inputs[0].count == 4 else { return nil }
            guard size.allSatisfy({ $0 > 0 }) else { throw fail("output size \(size) must be positive") }
            return [[inputs[0][0], size[0], size[1], inputs[0][3]]]
        case LITE_OP_STRIDED_SLICE.code:
            guard case .stridedSlice(let p) = node.options, p.ellipsis_mask == 0, p.new_axis_mask == 0,
                  let begin = constantInts(1), let end = constantInts(2), let strides = constantInts(3)
            else { return nil }
            return [try stridedSliceShape(inputs[0], begin, end, strides, p, fail)]
        case LITE_OP_TRANSPOSE_CONV.code:
            guard let shape = constantInts(0) else { return nil }
            try need(3)
            guard case .transposeConv(let p) = node.options else { return nil }
            try checkTransposeConv(output: shape, weights: inputs[1], input: inputs[2], p, fail)
            return [shape]
        case LITE_OP_MEAN.code, LITE_BUILTIN_SUM, LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN, LITE_BUILTIN_REDUCE_PROD:
            guard case .reducer(let p) = node.options, let axes = constantInts(1) else { return nil }
            let rank = inputs[0].count
            let reduced = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            guard reduced.allSatisfy({ $0 >= 0 && $0 < rank }) else { throw fail("axes \(axes) out of range") }
            if p.keep_dims != 0 { return [inputs[0].enumerated().map { reduced.contains($0) ? 1 : $1 }] }
            return [inputs[0].enumerated().filter { !reduced.contains($0.offset) }.map(\.element)]
        case LITE_OP_DEPTH_TO_SPACE.code:
            guard case .depthToSpace(let p) = node.options, inputs[0].count == 4 else { return nil }
            let block = Int(p.block_size), input = inputs[0]
            guard block > 0, input[3] % (block * block) == 0 else { throw fail("depth \(input[3]) not divisible by block²") }
            return [[input[0], input[1] * block, input[2] * block, input[3] / (block * block)]]
        case LITE_OP_GATHER.code:
            try need(2)
            guard case .gather(let p) = node.options else { return nil }
            return [try gatherShape(inputs[0], inputs[1], axis: Int(p.axis), batchDims: Int(p.batch_dims), fail)]
        case LITE_OP_PACK.code:
            guard case .pack(let p) = node.options, let first = inputs.first else { return nil }
            guard inputs.allSatisfy({ $0 == first }) else { throw fail("inputs of different shapes \(inputs)") }
            return [try packShape(first, count: inputs.count, axis: Int(p.axis), fail)]
        case LITE_OP_UNPACK.code:
            try need(1)
            guard case .unpack(let p) = node.options else { return nil }
            let shape = try unpackShape(inputs[0], axis: Int(p.axis), fail)
            return Array(repeating: shape, count: node.outputs.count)
        case LITE_OP_SHAPE.code:
            try need(1)
            return [[inputs[0].count]]
        case LITE_BUILTIN_CAST:
            try need(1)
            return [inputs[0]]
        case LITE_OP_SQUEEZE.code:
            try need(1)
            guard case .squeeze(let p) = node.options else { return nil }
            return [try squeezeShape(inputs[0], dims: squeezeDims(p), fail)]
        case LITE_OP_EXPAND_DIMS.code:
            try need(2)
            guard let axis = constantInts(1), axis.count == 1 else { return nil }
            return [try expandDimsShape(inputs[0], axis: axis[0], fail)]
        case LITE_OP_TRANSPOSE.code:
            try need(2)
            guard let perm = constantInts(1) else { return nil }
            return [try transposeShape(inputs[0], perm: perm, fail)]
        case LITE_OP_SPLIT.code:
            try need(2)
            guard case .split(let p) = node.options, let axis = constantInts(0), axis.count == 1 else { return nil }
            let shape = try splitShape(inputs[1], axis: axis[0], splits: Int(p.num_splits), fail)
            return Array(repeating: shape, count: node.outputs.count)
        case LITE_OP_SPACE_TO_BATCH_ND.code:
            try need(3)
            guard let block = constantInts(1), let paddings = constantInts(2) else { return nil }
            return [try spaceToBatchShape(inputs[0], block: block, paddings: paddings, fail)]
        case LITE_OP_BATCH_TO_SPACE_ND.code:
            try need(3)
            guard let block = constantInts(1), let crops = constantInts(2) else { return nil }
            return [try batchToSpaceShape(inputs[0], block: block, crops: crops, fail)]
        case LITE_BUILTIN_FILL:
            try need(1)
            guard let dims = constantInts(0) else { return nil }
            return [dims]
        case LITE_OP_CUSTOM.code where node.customName == "Convolution2DTransposeBias":
            try need(2)
            guard case .transposeConv(let p) = node.options, inputs[0].count == 4, inputs[1].count == 4 else { return nil }
            let (input, weights) = (inputs[0], inputs[1])
            func extent(_ size: Int, _ kernel: Int, _ stride: Int) -> Int {
                p.padding == LITE_PADDING_SAME ? size * stride : (size - 1) * stride + kernel
            }
            return [[input[0], extent(input[1], weights[1], Int(p.stride_height)),
                     extent(input[2], weights[2], Int(p.stride_width)), weights[0]]]
        default:
            return nil
        }
    }

    /// TRANSPOSE_CONV's output_shape must be the one its input came from: a 4-D shape with the
    /// input's batch and the weights' output channels, which the forward convolution of the window
    /// (weights [O, H, W, I], the node's strides and padding) maps back onto the input's height and
    /// width. TFLite's kernel assumes the same; any other output_shape would make it read outside its
    /// input or leave outputs unwritten.
    static func checkTransposeConv(
        output: [Int], weights: [Int], input: [Int], _ p: LiteTransposeConvParams, _ fail: (String) -> InterpreterError
    ) throws {
        guard output.count == 4, weights.count == 4, input.count == 4 else {
            throw fail("output_shape \(output), weights \(weights) and input \(input) must be 4-D")
        }
        guard output[0] == input[0], output[3] == weights[0], input[3] == weights[3] else {
            throw fail("output_shape \(output) does not fit input \(input) and weights \(weights) (batch, channels)")
        }
        guard output[1] > 0, output[2] > 0,
              try windowOutput(output[1], weights[1], Int(p.stride_height), 1, p.padding, fail) == input[1],
              try windowOutput(output[2], weights[2], Int(p.stride_width), 1, p.padding, fail) == input[2]
        else {
            throw fail("output_shape \(output) does not fit input \(input) with a \(weights[1])x\(weights[2]) window, "
                + "strides \(p.stride_height)x\(p.stride_width)")
        }
    }

    /// numpy broadcasting of two shapes, or nil when they do not broadcast.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let left = Array(repeating: 1, count: rank - a.count) + a
        let right = Array(repeating: 1, count: rank - b.count) + b
        var shape: [Int] = []
        for (x, y) in zip(left, right) {
            guard x == y || x == 1 || y == 1 else { return nil }
            shape.append(x == 1 ? y : x)
        }
        return shape
    }

    /// Output extent of a convolution or pool window along one axis, as TFLite computes it.
    static func windowOutput(
        _ size: Int, _ kernel: Int, _ stride: Int, _ dilation: Int, _ padding: LitePadding, _ fail: (String) -> InterpreterError
    ) throws -> Int {
        guard stride > 0, dilation > 0, kernel > 0 else { throw fail("stride, dilation and window must be positive") }
        let effective = (kernel - 1) * dilation + 1
        if padding == LITE_PADDING_SAME { return (size + stride - 1) / stride }
        guard size >= effective else { throw fail("window \(effective) larger than input \(size) with VALID padding") }
        return (size - effective + stride) / stride
    }

    static func resolveReshape(_ target: [Int], count: Int, _ fail: (String) -> InterpreterError) throws -> [Int] {
        let wildcard = target.firstIndex(of: -1)
        guard target.filter({ $0 == -1 }).count <= 1, target.allSatisfy({ $0 >= -1 }) else {
            throw fail("invalid new shape \(target)")
        }
        guard let known = TensorLimits.elementCount(target.filter { $0 != -1 }) else {
            throw fail("invalid new shape \(target)")
        }
        guard let wildcard else {
            guard known == count else { throw fail("cannot reshape \(count) elements to \(target)") }
            return target
        }
        guard known > 0, count % known == 0 else { throw fail("cannot reshape \(count) elements to \(target)") }
        var shape = target
        shape[wildcard] = count / known
        return shape
    }

    /// TFLite's StridedSlice output shape (begin/end masks, negative indices, shrink axes, offset).
    static func stridedSliceShape(
        _ input: [Int], _ begin: [Int], _ end: [Int], _ strides: [Int], _ p: LiteStridedSliceParams,
        _ fail: (String) -> InterpreterError
    ) throws -> [Int] {
        guard begin.count == end.count, end.count == strides.count, begin.count <= input.count else {
            throw fail("begin/end/strides lengths \(begin.count)/\(end.count)/\(strides.count) do not fit rank \(input.count)")
        }
        var shape: [Int] = []
        for axis in input.indices {
            let dim = input[axis]
            guard axis < begin.count else { shape.append(dim); continue }
            let stride = strides[axis]
            guard stride != 0 else { throw fail("stride 0 on axis \(axis)") }
            let bit = Int32(1) << Int32(axis)
            func clamp(_ value: Int) -> Int { stride > 0 ? min(max(value, 0), dim) : min(max(value, -1), dim - 1) }
            var start = begin[axis]
            if p.begin_mask & bit != 0 { start = stride > 0 ? Int.min / 2 : Int.max / 2 }
            if start < 0 { start += dim }
            start = clamp(start)
            if p.shrink_axis_mask & bit != 0 { continue }  // one element, axis removed
            var stop = end[axis] + (p.offset != 0 ? begin[axis] : 0)
            if p.end_mask & bit != 0 { stop = stride > 0 ? Int.max / 2 : Int.min / 2 }
            if stop < 0 { stop += dim }
            stop = clamp(stop)
            let extent = stride > 0 ? (stop - start + stride - 1) / stride : (start - stop - stride - 1) / -stride
            shape.append(max(extent, 0))
        }
        return shape
    }
}
