import DelegateABI
extension ModelParser {
    /// Parses operator `index` of subgraph 0.
    /// - Throws: `ModelError` for a bad opcode index, a tensor index out of range (-1 is allowed only
    ///   as an input), or options that cannot be decoded.
    func parseOperator(_ index: Int, table: FlatTable, tensorCount: Int) throws(ModelError) -> OperatorDefinition {
        let slots = TFLiteSchema.Operator.self
        let opcodeIndex = Int(try table.scalar(slots.opcodeIndex, default: UInt32(0)))
        guard opcodeIndex < operatorCodes.count else {
            throw buffer.error(.indexOutOfRange, "operator \(index): opcode index \(opcodeIndex) out of range (model has \(operatorCodes.count) operator codes)")
        }
        let code = operatorCodes[opcodeIndex]
        let label = "operator \(index) (\(code.customName.map { "CUSTOM '\($0)'" } ?? operatorName(code: code.opcode, customName: nil)))"

        let inputs = try tensorIndices(table, slot: slots.inputs, operatorIndex: index, role: "input",
                                       allowsAbsent: true, tensorCount: tensorCount, label: label)
        let outputs = try tensorIndices(table, slot: slots.outputs, operatorIndex: index, role: "output",
                                        allowsAbsent: false, tensorCount: tensorCount, label: label)
        let customOptions = try readCustomOptions(table, label: label)
        let options = try OperatorOptions.decode(
            opcode: code.opcode, customName: code.customName, operatorTable: table,
            customOptions: customOptions, label: label)

        return OperatorDefinition(
            opcode: code.opcode, customName: code.customName, version: code.version,
            inputs: inputs, outputs: outputs, options: options, customOptions: customOptions)
    }

    private func tensorIndices(
        _ table: FlatTable, slot: Int, operatorIndex: Int, role: String, allowsAbsent: Bool,
        tensorCount: Int, label: String
    ) throws(ModelError) -> [Int32] {
        guard let vector = try table.vector(slot, elementSize: 4, "\(role)s of \(label)") else { return [] }
        let indices = try vector.scalars(as: Int32.self)
        for (position, tensor) in indices.enumerated() {
            if allowsAbsent && tensor == -1 { continue }
            guard tensor >= 0, Int(tensor) < tensorCount else {
                throw buffer.error(.indexOutOfRange, "operator \(operatorIndex) \(role) \(position): tensor index \(tensor) out of range (model has \(tensorCount) tensors)")
            }
        }
        return indices
    }

    /// custom_options, or for models over 2 GB the file region large_custom_options_offset/size.
    private func readCustomOptions(_ table: FlatTable, label: String) throws(ModelError) -> [UInt8] {
        let slots = TFLiteSchema.Operator.self
        if let vector = try table.vector(slots.customOptions, elementSize: 1, "custom options of \(label)") {
            return try vector.withBytes { (bytes) throws(ModelError) in [UInt8](bytes) }
        }
        let offset = try table.scalar(slots.largeCustomOptionsOffset, default: UInt64(0))
        let size = try table.scalar(slots.largeCustomOptionsSize, default: UInt64(0))
        guard offset > 1, size > 0 else { return [] }
        return try buffer.externalRegion(offset: offset, size: size, "large custom options of \(label)") { [UInt8]($0) }
    }
}
