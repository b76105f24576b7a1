import DelegateABI

extension OperatorDescriptor {
    /// CONCATENATION: the axis as stored (possibly negative) in the options, normalised for
    /// plugins against the output's rank; folded at load.
    static let concatenation = OperatorDescriptor(
        name: "CONCATENATION", codes: [LITE_BUILTIN_CONCATENATION], optionsTable: TFLiteSchema.OptionsType.concatenation,
        storedAs: { .concatenation($0) },
        decode: { reader throws(ModelError) in
            LiteConcatenationParams(
                struct_size: MemoryLayout<LiteConcatenationParams>.size, axis: try reader.int32(0), activation: try reader.activation(1))
        },
        shape: { node, p in
            guard !node.inputs.isEmpty else { return nil }
            return [try concatenationShape(node.inputs, axis: p.axis, node.fail).shape]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.concatenation),
        normalise: { params, context in params.axis = context.normalised(params.axis, rank: context.outputRank(0)) })
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// CONCATENATION along the axis (fused activation only on float32).
    static func concatenation(_ node: Node, _ p: LiteConcatenationParams, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let values = try inputs(node, fail)
        let (shape, axis) = try concatenationShape(values.map(\.shape), axis: p.axis, fail)
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
}

/// CONCATENATION's output shape, for the shape rule and the evaluation alike: the inputs' shapes,
/// equal off the axis, summed along it.
/// - Parameter axis: the axis as stored (negative counts from the end).
/// - Returns: the shape, and the axis counted from the front.
private func concatenationShape(
    _ inputs: [[Int]], axis stored: Int32, _ fail: ShapeInference.Failure
) throws -> (shape: [Int], axis: Int) {
    guard let first = inputs.first else { throw fail("no inputs") }
    let axis = try ShapeInference.normalisedAxis(Int(stored), rank: first.count, fail)
    var shape = first
    shape[axis] = 0
    for input in inputs {
        guard input.count == first.count else { throw fail("inputs of different ranks") }
        for dim in input.indices where dim != axis && input[dim] != first[dim] {
            throw fail("input shapes \(first) and \(input) differ off the axis")
        }
        shape[axis] += input[axis]
    }
    return (shape, axis)
}
