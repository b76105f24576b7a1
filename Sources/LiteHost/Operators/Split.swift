import DelegateABI

extension OperatorDescriptor {
    /// SPLIT: inputs axis (constant) and value; num_splits equal outputs. Not folded.
    static let split = OperatorDescriptor(
        name: "SPLIT", codes: [LITE_BUILTIN_SPLIT], optionsTable: TFLiteSchema.OptionsType.split,
        storedAs: { .split($0) },
        decode: { reader throws(ModelError) in
            LiteSplitParams(struct_size: MemoryLayout<LiteSplitParams>.size, num_splits: try reader.int32(0))
        },
        shape: { node, p in
            try node.need(2)
            guard let axis = node.constantInts(0), axis.count == 1 else { return nil }
            let shape = try ShapeInference.splitShape(node.inputs[1], axis: axis[0], splits: Int(p.num_splits), node.fail)
            return Array(repeating: shape, count: node.definition.outputs.count)
        })
}
