import DelegateABI
/// Walks a TFLite flatbuffer (schema v3) into a `ModelDefinition`, validating as it goes.
///
/// The walk follows the schema's fixed depth (Model → SubGraph → Tensor/Operator → options), so
/// nothing in the file can make it recurse. Only subgraph 0 is read.
struct ModelParser {
    let buffer: FlatBuffer
    /// Operator codes, resolved once.
    var operatorCodes: [OperatorCodeEntry] = []
    /// The model's Buffer tables (nil when the model has none).
    var buffers: FlatVector?
    /// Constant bytes per buffer index, so tensors sharing a buffer share one copy.
    var constantsByBuffer: [Int: BufferContents] = [:]
    /// Sparse constants by tensor index: their `constant` holds the compressed values until
    /// `StorageFolding.foldDensify` expands them.
    var sparseTensors: [Int: SparseLayout] = [:]

    struct OperatorCodeEntry {
        var opcode: Int32
        var customName: String?
        var version: Int32
    }

    /// What a Buffer table holds: nil data for buffers without bytes.
    struct BufferContents {
        var data: ConstantData?
    }

    init(buffer: FlatBuffer) {
        self.buffer = buffer
    }

    mutating func parseModel() throws(ModelError) -> ModelDefinition {
        let slots = TFLiteSchema.Model.self
        let model = try buffer.rootTable()

        let version = try model.scalar(slots.version, default: UInt32(0))
        guard version == TFLiteSchema.version else {
            throw buffer.error(.unsupported, "unsupported schema version \(version) (expected \(TFLiteSchema.version))")
        }
        let description = try model.string(slots.description, "model description") ?? ""
        operatorCodes = try parseOperatorCodes(model)
        buffers = try model.vector(slots.buffers, elementSize: 4, "buffers")

        guard let subgraphs = try model.vector(slots.subgraphs, elementSize: 4, "subgraphs"), subgraphs.count > 0 else {
            throw buffer.error(.malformed, "malformed: model has no subgraphs")
        }
        let subgraph = try subgraphs.table(at: 0, "subgraph 0")
        let graphSlots = TFLiteSchema.SubGraph.self

        var tensors: [TensorDefinition] = []
        if let tensorTables = try subgraph.vector(graphSlots.tensors, elementSize: 4, "tensors of subgraph 0") {
            tensors.reserveCapacity(tensorTables.count)
            for index in 0..<tensorTables.count {
                tensors.append(try parseTensor(index, table: try tensorTables.table(at: index, "tensor \(index)")))
            }
        }

        let inputs = try parseGraphEnds(subgraph, slot: graphSlots.inputs, what: "input", tensorCount: tensors.count)
        let outputs = try parseGraphEnds(subgraph, slot: graphSlots.outputs, what: "output", tensorCount: tensors.count)

        var operators: [OperatorDefinition] = []
        if let operatorTables = try subgraph.vector(graphSlots.operators, elementSize: 4, "operators of subgraph 0") {
            operators.reserveCapacity(operatorTables.count)
            for index in 0..<operatorTables.count {
                let table = try operatorTables.table(at: index, "operator \(index)")
                operators.append(try parseOperator(index, table: table, tensorCount: tensors.count))
            }
        }

        return ModelDefinition(
            tensors: tensors, operators: operators, inputs: inputs, outputs: outputs,
            description: description, schemaVersion: version)
    }

    private func parseOperatorCodes(_ model: FlatTable) throws(ModelError) -> [OperatorCodeEntry] {
        guard let tables = try model.vector(TFLiteSchema.Model.operatorCodes, elementSize: 4, "operator codes") else {
            return []
        }
        let slots = TFLiteSchema.OperatorCode.self
        var entries: [OperatorCodeEntry] = []
        entries.reserveCapacity(tables.count)
        for index in 0..<tables.count {
            let table = try tables.table(at: index, "operator code \(index)")
            // Codes above 127 live in builtin_code; deprecated_builtin_code holds 127 for them.
            let deprecated = Int32(try table.scalar(slots.deprecatedBuiltinCode, default: Int8(0)))
            let builtin = try table.scalar(slots.builtinCode, default: Int32(0))
            let opcode = max(deprecated, builtin)
            guard opcode >= 0 else {
                throw buffer.error(.malformed, "malformed: operator code \(index) has builtin code \(opcode)")
            }
            let customName = try table.string(slots.customCode, "custom code of operator code \(index)")
            if opcode == LITE_BUILTIN_CUSTOM && customName == nil {
                throw buffer.error(.malformed, "malformed: operator code \(index) is CUSTOM but has no custom_code")
            }
            let version = try table.scalar(slots.version, default: Int32(1))
            entries.append(OperatorCodeEntry(opcode: opcode, customName: customName, version: version))
        }
        return entries
    }

    /// Subgraph inputs or outputs: every index must name a tensor.
    private func parseGraphEnds(
        _ subgraph: FlatTable, slot: Int, what: String, tensorCount: Int
    ) throws(ModelError) -> [Int] {
        guard let vector = try subgraph.vector(slot, elementSize: 4, "\(what)s of subgraph 0") else { return [] }
        let indices = try vector.scalars(as: Int32.self)
        var result: [Int] = []
        result.reserveCapacity(indices.count)
        for (position, index) in indices.enumerated() {
            guard index >= 0, Int(index) < tensorCount else {
                throw buffer.error(.indexOutOfRange, "model \(what) \(position): tensor index \(index) out of range (model has \(tensorCount) tensors)")
            }
            result.append(Int(index))
        }
        return result
    }
}
