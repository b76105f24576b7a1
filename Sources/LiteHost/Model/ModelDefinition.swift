/// A parsed, validated model: subgraph 0 of a TFLite file, with every index checked and every
/// constant copied into storage the definition owns (the file can be closed).
struct ModelDefinition: Sendable {
    var tensors: [TensorDefinition]
    /// The operators of subgraph 0 in model order (folded DEQUANTIZEs removed).
    var operators: [OperatorDefinition]
    /// Model input tensor indices.
    var inputs: [Int]
    /// Model output tensor indices.
    var outputs: [Int]
    /// The model's description string ("" when absent).
    var description: String
    /// The schema version the file declares (always 3 after a successful parse).
    var schemaVersion: UInt32
    /// What loading folded before any pass or plugin sees the graph.
    var loadFolding = LoadFolding()
}

/// The storage-format nodes the loader folds into plain constants (`StorageFolding`). Encodable as
/// `lite inspect --json` shows it ("file_operators", "densify_folded", "dequantize_folded").
public struct LoadFolding: Sendable, Equatable, Encodable {
    /// Operators in the file's subgraph 0.
    public var fileOperatorCount = 0
    /// DENSIFY nodes whose sparse constants became dense constants.
    public var densifyFolded = 0
    /// DEQUANTIZE nodes whose float16 constants became float32 constants.
    public var dequantizeFolded = 0

    /// "113 float16 DEQUANTIZE folded into float32 constants" ("" when nothing was folded).
    public var summary: String {
        var parts: [String] = []
        if dequantizeFolded > 0 { parts.append("\(dequantizeFolded) float16 DEQUANTIZE folded into float32 constants") }
        if densifyFolded > 0 { parts.append("\(densifyFolded) DENSIFY of sparse constants folded into dense constants") }
        return parts.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey { case fileOperatorCount = "fileOperators", densifyFolded, dequantizeFolded }
}

struct TensorDefinition: Sendable {
    var name: String
    var type: ElementType
    /// Dimensions, each >= 0; [] for a scalar.
    var shape: [Int]
    /// The bytes of a constant tensor (exactly elementCount * byteWidth), or nil.
    var constant: ConstantData?
    var isVariable: Bool

    /// Product of the dimensions (1 for a scalar). Validated at load not to overflow with byteWidth.
    var elementCount: Int { shape.reduce(1, *) }
    var byteCount: Int { elementCount * type.byteWidth }
}

struct OperatorDefinition: Sendable {
    /// TFLite BuiltinOperator value: the larger of deprecated_builtin_code and builtin_code.
    var opcode: Int32
    /// The custom code of a CUSTOM operator; nil for builtins.
    var customName: String?
    /// The operator version from the operator code (default 1).
    var version: Int32
    /// Tensor indices; -1 marks an absent optional input.
    var inputs: [Int32]
    var outputs: [Int32]
    var options: OperatorOptions
    /// Raw custom_options bytes ([] when absent).
    var customOptions: [UInt8]
}
