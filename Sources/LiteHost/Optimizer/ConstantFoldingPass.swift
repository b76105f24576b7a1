import DelegateABI

/// Evaluates at load every node whose inputs are all constants (or, for SHAPE, whose input has a
/// static shape) and makes its outputs constants: the shape arithmetic that TensorFlow's converter
/// leaves behind a Keras `Reshape((-1, C))` or `Conv2DTranspose` (SHAPE, STRIDED_SLICE, PACK, MUL,
/// ...) disappears, and RESHAPE's new shape and TRANSPOSE_CONV's output_shape become constants.
/// Nodes are visited in execution order, so chains fold in one walk.
enum ConstantFoldingPass: GraphPass {
    static let name = "constant-folding"

    static func run(on graph: inout OptimizerGraph) -> String {
        var kept: [OperatorDefinition] = []
        var folded = 0
        for op in graph.model.operators {
            if fold(op, after: kept, in: &graph) {
                folded += 1
            } else {
                kept.append(op)
            }
        }
        graph.model.operators = kept
        guard folded > 0 else { return "" }
        // Shapes that hung on folded values (RESHAPE's new shape, TRANSPOSE_CONV's output_shape)
        // are known now: declare them, since the converter often declared placeholders ([1, 1]).
        if let shapes = try? ShapeInference.infer(graph.model, inputShapes: [:]) {
            for index in graph.model.tensors.indices where graph.model.tensors[index].constant == nil {
                graph.model.tensors[index].shape = shapes[index]
            }
        }
        return "\(folded) node\(folded == 1 ? "" : "s") folded"
    }

    /// Evaluates `op` and stores its outputs as constants; false (graph unchanged) when it cannot.
    /// `earlier` are the nodes before it that stay in the graph.
    private static func fold(_ op: OperatorDefinition, after earlier: [OperatorDefinition], in graph: inout OptimizerGraph) -> Bool {
        guard op.customName == nil, ConstantEvaluator.canEvaluate(op.opcode), !op.outputs.isEmpty else { return false }
        let model = graph.model
        let inputSet = Set(model.inputs)
        for output in op.outputs {
            guard output >= 0, case let tensor = model.tensors[Int(output)], tensor.constant == nil, !tensor.isVariable,
                  !inputSet.contains(Int(output))
            else { return false }
        }
        let present = op.inputs.map { $0 >= 0 }
        var constants: [ConstantTensor?] = []
        for input in op.inputs {
            constants.append(input >= 0 ? ConstantTensor(model.tensors[Int(input)]) : nil)
        }
        var shapes = op.inputs.map { $0 >= 0 ? model.tensors[Int($0)].shape : [] }
        if ConstantEvaluator.needsOnlyShapes(op.opcode) {
            // The shape a delegate would see at the declared input shapes, which is what the
            // converter meant; only the nodes before this one decide it. A model whose shapes
            // cannot be inferred keeps its SHAPE nodes.
            var prefix = model
            prefix.operators = earlier
            guard present.first == true, let inferred = try? ShapeInference.infer(prefix, inputShapes: [:]) else { return false }
            shapes[0] = inferred[Int(op.inputs[0])]
        } else {
            guard zip(present, constants).allSatisfy({ !$0 || $1 != nil }) else { return false }
        }
        let node = ConstantEvaluator.Node(
            opcode: op.opcode, options: op.options, constants: constants, shapes: shapes, present: present,
            outputTypes: op.outputs.map { model.tensors[Int($0)].type })
        guard let results = try? ConstantEvaluator.evaluate(node), results.count == op.outputs.count else { return false }
        for (output, result) in zip(op.outputs, results) where result.type != model.tensors[Int(output)].type {
            return false
        }
        for (output, result) in zip(op.outputs, results) {
            graph.model.tensors[Int(output)].shape = result.shape
            graph.model.tensors[Int(output)].constant = result.constantData()
        }
        if ConstantEvaluator.needsOnlyShapes(op.opcode), constants[0] == nil {
            graph.frozenShapes[Int(op.inputs[0])] = shapes[0]
        }
        return true
    }
}
