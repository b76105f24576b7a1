import DelegateABI

/// Computes every tensor's shape from the model inputs' shapes, operator by operator, the way
/// TFLite's kernels do in Prepare; each operator's rule is in its descriptor (`Operators/`), the
/// shape arithmetic they share is here. Operators without a rule keep the shapes the model declares,
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

    /// The output shapes from the node's descriptor's shape rule (`OperatorRegistry`), or nil when
    /// it has none or it cannot compute them.
    private static func rule(
        for node: OperatorDefinition, model: ModelDefinition, inputs: [[Int]], fail: @escaping Failure
    ) throws -> [[Int]]? {
        guard let rule = OperatorRegistry.descriptor(code: node.opcode, customName: node.customName)?.shape else {
            return nil
        }
        return try rule(ShapeRuleNode(definition: node, model: model, inputs: inputs, fail: fail))
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
}
