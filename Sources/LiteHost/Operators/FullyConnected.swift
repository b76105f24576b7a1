import DelegateABI

extension OperatorDescriptor {
    /// FULLY_CONNECTED: weights [units, depth]; the input flattens to rows of depth.
    static let fullyConnected = OperatorDescriptor(
        name: "FULLY_CONNECTED", codes: [LITE_BUILTIN_FULLY_CONNECTED], optionsTable: TFLiteSchema.OptionsType.fullyConnected,
        storedAs: { .fullyConnected($0) },
        decode: { reader throws(ModelError) in
            let weightsFormat = try reader.table?.scalar(1, default: Int8(0)) ?? 0
            guard weightsFormat == 0 else {
                throw reader.buffer.error(.unsupported, "\(reader.label) has weights_format \(weightsFormat) (only DEFAULT is supported)")
            }
            return LiteFullyConnectedParams(
                struct_size: MemoryLayout<LiteFullyConnectedParams>.size,
                activation: try reader.activation(0), keep_num_dims: try reader.bool(2))
        },
        shape: { node, p in
            try node.need(2)
            guard node.inputs[1].count == 2 else { return nil }
            let (units, depth) = (node.inputs[1][0], node.inputs[1][1])
            // Safe: every shape that reaches a rule is within TensorLimits (checked when stored).
            let total = node.inputs[0].reduce(1, *)
            guard depth > 0, total % depth == 0 else {
                throw node.fail("input \(node.inputs[0]) does not flatten to rows of \(depth)")
            }
            if p.keep_num_dims != 0 { return [Array(node.inputs[0].dropLast()) + [units]] }
            return [[total / depth, units]]
        })
}
