import DelegateABI

extension OperatorOptions {
    /// Decodes the options of one operator with its descriptor's decoder (`OperatorRegistry`).
    /// - Parameters:
    ///   - opcode: The operator's BuiltinOperator value; it selects which options table is expected.
    ///   - customName: The custom code for CUSTOM operators.
    ///   - operatorTable: The Operator table (its builtin_options union is read from it).
    ///   - customOptions: The operator's custom_options bytes.
    ///   - label: Names the operator in error messages, e.g. "operator 5 (CONV_2D)".
    /// - Throws: `ModelError` when the options table has another type than the opcode needs, an
    ///   enum field is out of range, or custom options cannot be decoded.
    static func decode(
        opcode: Int32, customName: String?, operatorTable: FlatTable, customOptions: [UInt8], label: String
    ) throws(ModelError) -> OperatorOptions {
        let buffer = operatorTable.buffer
        typealias Type_ = TFLiteSchema.OptionsType

        let descriptor = OperatorRegistry.descriptor(code: opcode, customName: customName)
        if opcode == LITE_BUILTIN_CUSTOM {
            guard case .custom(let decode) = descriptor?.options else { return .none }
            return try decode(customOptions, label, buffer)
        }
        // Options of operators without params in the ABI are not read.
        guard case .builtin(let tables, let decode) = descriptor?.options, let expected = tables[opcode] else { return .none }

        let slots = TFLiteSchema.Operator.self
        let storedType = try operatorTable.scalar(slots.builtinOptionsType, default: UInt8(0))
        var table: FlatTable?
        if storedType != Type_.none {
            guard storedType == expected else {
                throw buffer.error(.malformed, "malformed: \(label) has builtin options of union type \(storedType), expected \(expected)")
            }
            table = try operatorTable.table(slots.builtinOptions, "builtin options of \(label)")
        }
        // A missing table reads as all defaults: the same as a table with every field absent.
        return try decode(OptionsReader(table: table, label: label, buffer: buffer))
    }
}

/// Reads fields of an options table that may be absent (all defaults), validating enum values.
/// Operator descriptors decode their options with it.
struct OptionsReader {
    /// The options table; nil when the operator has none (every field reads as its default).
    let table: FlatTable?
    /// Names the operator in error messages, e.g. "operator 5 (CONV_2D)".
    let label: String
    /// The model file, for errors.
    let buffer: FlatBuffer

    func int32(_ slot: Int, default value: Int32 = 0) throws(ModelError) -> Int32 {
        try table?.scalar(slot, default: value) ?? value
    }

    func bool(_ slot: Int) throws(ModelError) -> Int32 {
        try table?.bool(slot, default: false) ?? false ? 1 : 0
    }

    func float(_ slot: Int) throws(ModelError) -> Float {
        try table?.float32(slot, default: 0) ?? 0
    }

    func padding(_ slot: Int) throws(ModelError) -> LitePadding {
        let value = try table?.scalar(slot, default: Int8(0)) ?? 0
        // The schema's Padding values equal the ABI's.
        guard value == 0 || value == 1 else {
            throw buffer.error(.malformed, "malformed: \(label) has padding \(value) (expected 0 = SAME or 1 = VALID)")
        }
        return LitePadding(rawValue: UInt32(value))
    }

    func activation(_ slot: Int) throws(ModelError) -> LiteActivation {
        let value = try table?.scalar(slot, default: Int8(0)) ?? 0
        // The schema's ActivationFunctionType values equal the ABI's.
        guard (0...5).contains(value) else {
            throw buffer.error(.malformed, "malformed: \(label) has fused activation \(value) (expected 0...5)")
        }
        return LiteActivation(rawValue: UInt32(value))
    }
}
