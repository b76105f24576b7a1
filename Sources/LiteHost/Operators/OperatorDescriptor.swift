import DelegateABI

/// Everything the host knows of one operator, or of a family that shares its code paths (the
/// elementwise binaries, the unary activations, the reductions): how its options are decoded at
/// load, how its output shapes follow from its inputs, whether and how it is evaluated at load, and
/// which params struct plugins see in `LiteNode.params`. `OperatorRegistry` finds the descriptor
/// of a node; a capability left nil means the host does not have it for this operator (options not
/// read, no shape rule, never folded, no params). An operator whose options become one ABI params
/// struct uses the `init(name:codes:optionsTable:storedAs:decode:...)` form, which derives the
/// options decoding and the params from them; docs/operators.md ("Adding an operator") says which
/// form fits which operator.
///
/// The plugins have the same design (Plugins/CPUDelegate's `CpuOp`, Plugins/GPUShared's `GpuOp`).
struct OperatorDescriptor: Sendable {
    /// Computes the output shapes, or returns nil when it cannot (a value not constant, an option it
    /// does not handle): the outputs then keep their declared shapes.
    typealias ShapeRule = @Sendable (ShapeRuleNode) throws -> [[Int]]?
    /// A shape rule that also reads the node's decoded params.
    typealias ParamsShapeRule<Params> = @Sendable (ShapeRuleNode, Params) throws -> [[Int]]?
    /// The ABI params struct for a node with these options, or nil when it hands none.
    typealias ParamsRule = @Sendable (OperatorOptions, ParamsContext) -> ABIParams?

    /// The operator's schema name, or the family's (for messages and tests only).
    let name: String
    /// The BuiltinOperator values it describes (`LITE_BUILTIN_*`); [LITE_BUILTIN_CUSTOM] for a
    /// custom operator.
    let codes: [Int32]
    /// The custom code (custom_code) of a CUSTOM operator; nil for builtins.
    var customName: String? = nil
    var options: OptionsDecoding? = nil
    var shape: ShapeRule? = nil
    var evaluation: ConstantEvaluation? = nil
    var params: ParamsRule? = nil
}

extension OperatorDescriptor {
    /// The common form: an operator whose builtin options table decodes into one ABI params struct,
    /// which plugins see in `LiteNode.params` as decoded (after `normalise`, when given). The
    /// descriptor says only what is particular to the operator.
    /// - Parameters:
    ///   - codes: The builtin codes; each stores an options table of type `optionsTable`.
    ///   - storedAs: The `OperatorOptions` case that holds the struct (shape rules and passes read it).
    ///   - decode: Reads the struct from the table (absent fields read as the schema's defaults).
    ///   - normalise: Adjusts the struct for plugins (negative axes counted from the end).
    init<Params: Sendable>(
        name: String, codes: [Int32], optionsTable: UInt8,
        storedAs embed: @escaping @Sendable (Params) -> OperatorOptions,
        decode: @escaping @Sendable (OptionsReader) throws(ModelError) -> Params,
        shape: ShapeRule? = nil, evaluation: ConstantEvaluation? = nil,
        normalise: (@Sendable (inout Params, ParamsContext) -> Void)? = nil
    ) {
        self.init(
            name: name, codes: codes,
            options: .builtin(optionsTable, codes: codes) { reader throws(ModelError) in embed(try decode(reader)) },
            shape: shape, evaluation: evaluation, params: Self.decodedParams(Params.self, normalise: normalise))
    }

    /// The common form with a shape rule that is given the node's params as decoded, so that it
    /// does not look them up in the node's options itself.
    init<Params: Sendable>(
        name: String, codes: [Int32], optionsTable: UInt8,
        storedAs embed: @escaping @Sendable (Params) -> OperatorOptions,
        decode: @escaping @Sendable (OptionsReader) throws(ModelError) -> Params,
        shape: @escaping ParamsShapeRule<Params>, evaluation: ConstantEvaluation? = nil,
        normalise: (@Sendable (inout Params, ParamsContext) -> Void)? = nil
    ) {
        self.init(name: name, codes: codes, optionsTable: optionsTable, storedAs: embed, decode: decode,
                  shape: Self.readingParams(shape), evaluation: evaluation, normalise: normalise)
    }

    /// A shape rule that reads the node's params (`OperatorOptions.payload(as:)`); it is not
    /// called, and gives nil, when the node's options hold no `Params`.
    static func readingParams<Params>(_ rule: @escaping ParamsShapeRule<Params>) -> ShapeRule {
        { node in
            guard let params = node.definition.options.payload(as: Params.self) else { return nil }
            return try rule(node, params)
        }
    }

    /// The params rule of an operator whose options case holds a `Params`: that struct as decoded,
    /// after `normalise` when given; nil for options of any other case.
    static func decodedParams<Params: Sendable>(
        _: Params.Type, normalise: (@Sendable (inout Params, ParamsContext) -> Void)? = nil
    ) -> ParamsRule {
        { options, context in
            guard var params = options.payload(as: Params.self) else { return nil }
            normalise?(&params, context)
            return ABIParams(params)
        }
    }
}

/// How an operator's options become an `OperatorOptions`.
enum OptionsDecoding: Sendable {
    /// From the builtin options table; `tables` gives the union type each code must store (a
    /// family such as ADD/SUB/MUL/DIV shares one decoder over several table types).
    case builtin(tables: [Int32: UInt8], decode: @Sendable (OptionsReader) throws(ModelError) -> OperatorOptions)
    /// From the raw custom_options bytes (operator label and file for error messages).
    case custom(@Sendable (_ bytes: [UInt8], _ label: String, _ buffer: FlatBuffer) throws(ModelError) -> OperatorOptions)

    /// One options table type for every code of the descriptor.
    static func builtin(
        _ table: UInt8, codes: [Int32], decode: @escaping @Sendable (OptionsReader) throws(ModelError) -> OperatorOptions
    ) -> OptionsDecoding {
        .builtin(tables: Dictionary(uniqueKeysWithValues: codes.map { ($0, table) }), decode: decode)
    }
}

/// How an operator is evaluated at load (`ConstantEvaluator`, `ConstantFoldingPass`).
struct ConstantEvaluation: Sendable {
    let evaluate: @Sendable (ConstantEvaluator.Node, ShapeInference.Failure) throws -> [ConstantTensor]
    /// True when the input's static shape is enough (SHAPE), not its values.
    var needsOnlyShapes = false
}

extension ConstantEvaluation {
    /// An evaluation that is given the node's params as decoded; a node whose options hold no
    /// `Params` is not evaluated.
    init<Params>(evaluate: @escaping @Sendable (ConstantEvaluator.Node, Params, ShapeInference.Failure) throws -> [ConstantTensor]) {
        self.init(evaluate: { node, fail in
            guard let params = node.options.payload(as: Params.self) else { throw fail("missing options") }
            return try evaluate(node, params, fail)
        })
    }
}

/// What a shape rule sees of a node.
struct ShapeRuleNode {
    let definition: OperatorDefinition
    let model: ModelDefinition
    /// The current shape of each input slot ([] when absent).
    let inputs: [[Int]]
    /// Makes the error that names the node.
    let fail: ShapeInference.Failure

    /// The integer values of input `slot` when it is an int32 or int64 constant.
    func constantInts(_ slot: Int) -> [Int]? {
        guard slot < definition.inputs.count, definition.inputs[slot] >= 0,
              let data = model.tensors[Int(definition.inputs[slot])].constant
        else { return nil }
        switch model.tensors[Int(definition.inputs[slot])].type {
        case .int32: return data.int32Values().map(Int.init)
        case .int64: return data.int64Values().map(Int.init)
        default: return nil
        }
    }

    /// Throws unless the node has at least `count` inputs.
    func need(_ count: Int) throws {
        guard inputs.count >= count else { throw fail("expects \(count) inputs, has \(inputs.count)") }
    }
}

/// What a params rule sees of a node besides its options: the declared ranks of its tensors, which
/// negative axes are normalised against.
struct ParamsContext {
    let node: OperatorDefinition
    let model: ModelDefinition

    /// The declared rank of input `slot` (0 when absent).
    func inputRank(_ slot: Int) -> Int { rank(node.inputs, slot) }

    /// The declared rank of output `slot` (0 when absent).
    func outputRank(_ slot: Int) -> Int { rank(node.outputs, slot) }

    /// A negative axis counted from the end; others as they are (plugins check the range).
    func normalised(_ axis: Int32, rank: Int) -> Int32 { axis < 0 ? Int32(Int(axis) + rank) : axis }

    private func rank(_ tensors: [Int32], _ slot: Int) -> Int {
        guard slot < tensors.count, tensors[slot] >= 0 else { return 0 }
        return model.tensors[Int(tensors[slot])].shape.count
    }
}

/// The bytes of one ABI params struct (LiteConv2DParams, ...), copied out of the value so that no
/// pointer to it outlives this initialiser; `GraphView` copies them into memory it owns.
struct ABIParams: Sendable {
    let bytes: [UInt8]

    init<Params>(_ value: Params) {
        // Safe: the buffer is only read inside this scope, and the params structs are plain C data.
        bytes = withUnsafeBytes(of: value) { Array($0) }
    }
}
