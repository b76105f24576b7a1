import DelegateABI

extension OperatorDescriptor {
    /// CONCATENATION: the axis as stored (possibly negative) in the options, normalised for
    /// plugins against the output's rank; folded at load.
    static let concatenation = OperatorDescriptor(
        name: "CONCATENATION", codes: [LITE_BUILTIN_CONCATENATION],
        options: .builtin(TFLiteSchema.OptionsType.concatenation, codes: [LITE_BUILTIN_CONCATENATION]) { reader throws(ModelError) in
            .concatenation(LiteConcatenationParams(
                struct_size: MemoryLayout<LiteConcatenationParams>.size,
                axis: try reader.int32(0), activation: try reader.activation(1)))
        },
        shape: { node in
            guard case .concatenation(let p) = node.definition.options, let first = node.inputs.first else { return nil }
            let axis = Int(p.axis) < 0 ? Int(p.axis) + first.count : Int(p.axis)
            guard axis >= 0, axis < first.count else { throw node.fail("axis \(p.axis) out of range for rank \(first.count)") }
            var shape = first
            shape[axis] = 0
            for input in node.inputs {
                guard input.count == first.count else { throw node.fail("inputs of different ranks") }
                for dim in input.indices where dim != axis && input[dim] != first[dim] {
                    throw node.fail("input shapes \(first) and \(input) differ off the axis")
                }
                shape[axis] += input[axis]
            }
            return [shape]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.concatenation),
        params: { options, context in
            guard case .concatenation(var params) = options else { return nil }
            params.axis = context.normalised(params.axis, rank: context.outputRank(0))
            return ABIParams(params)
        })
}
