import DelegateABI

/// PACK and UNPACK: their axes as stored, normalised for plugins; both fold at load.
extension OperatorDescriptor {
    static let pack = OperatorDescriptor(
        name: "PACK", codes: [LITE_BUILTIN_PACK],
        options: .builtin(TFLiteSchema.OptionsType.pack, codes: [LITE_BUILTIN_PACK]) { reader throws(ModelError) in
            .pack(LitePackParams(
                struct_size: MemoryLayout<LitePackParams>.size, values_count: try reader.int32(0), axis: try reader.int32(1)))
        },
        shape: { node in
            guard case .pack(let p) = node.definition.options, let first = node.inputs.first else { return nil }
            guard node.inputs.allSatisfy({ $0 == first }) else { throw node.fail("inputs of different shapes \(node.inputs)") }
            return [try ShapeInference.packShape(first, count: node.inputs.count, axis: Int(p.axis), node.fail)]
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.pack),
        params: { options, context in
            guard case .pack(var params) = options else { return nil }
            params.axis = context.normalised(params.axis, rank: context.outputRank(0))
            return ABIParams(params)
        })

    static let unpack = OperatorDescriptor(
        name: "UNPACK", codes: [LITE_BUILTIN_UNPACK],
        options: .builtin(TFLiteSchema.OptionsType.unpack, codes: [LITE_BUILTIN_UNPACK]) { reader throws(ModelError) in
            .unpack(LiteUnpackParams(
                struct_size: MemoryLayout<LiteUnpackParams>.size, num: try reader.int32(0), axis: try reader.int32(1)))
        },
        shape: { node in
            try node.need(1)
            guard case .unpack(let p) = node.definition.options else { return nil }
            let shape = try ShapeInference.unpackShape(node.inputs[0], axis: Int(p.axis), node.fail)
            return Array(repeating: shape, count: node.definition.outputs.count)
        },
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.unpack),
        params: { options, context in
            guard case .unpack(var params) = options else { return nil }
            params.axis = context.normalised(params.axis, rank: context.inputRank(0))
            return ABIParams(params)
        })
}
