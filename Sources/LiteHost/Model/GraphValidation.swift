/// The structural rules a model's graph must follow before anything plans or runs it: nodes in a
/// valid execution order, each tensor written once, and every tensor of a declared size the host
/// accepts (`TensorLimits`). TFLite's interpreter assumes the same (it runs nodes in file order and
/// sizes every tensor at allocation); checking them here turns a crafted model into one error
/// instead of a trap in the partitioner, the arena or a plugin.
enum GraphValidation {
    /// - Throws: `ModelError` (`.malformed`) naming the node and tensor that break a rule, or
    ///   (`.unsupported`) the tensor whose declared size is over the limit.
    static func check(_ model: ModelDefinition, file: String) throws(ModelError) {
        func error(_ kind: ModelError.Kind, _ message: String) -> ModelError { ModelError(kind, file: file, message) }
        func label(_ tensor: Int) -> String { "tensor \(tensor) '\(model.tensors[tensor].name)'" }
        func nodeLabel(_ node: Int) -> String {
            "node \(node) (\(operatorName(code: model.operators[node].opcode, customName: model.operators[node].customName)))"
        }
        for (index, tensor) in model.tensors.enumerated() where tensor.constant == nil {
            guard TensorLimits.byteCount(tensor.shape, width: tensor.type.byteWidth) != nil else {
                throw error(
                    .unsupported,
                    "\(label(index)) declares shape \(tensor.shape) of \(tensor.type), over the host's limit of "
                        + "\(TensorLimits.limitText) per tensor")
            }
        }
        let inputs = Set(model.inputs)
        let producer = model.producers()
        for (node, definition) in model.operators.enumerated() {
            for (slot, output) in definition.outputs.map(Int.init).enumerated() {
                // A second writer: another node, or this node listing the tensor twice.
                if let first = producer[output], first != node || definition.outputs[..<slot].contains(Int32(output)) {
                    throw error(.malformed, "malformed: \(label(output)) is produced by \(nodeLabel(first)) and by \(nodeLabel(node))")
                }
                if inputs.contains(output) {
                    throw error(.malformed, "malformed: model input \(label(output)) is also produced by \(nodeLabel(node))")
                }
                if model.tensors[output].constant != nil {
                    throw error(.malformed, "malformed: constant \(label(output)) is also produced by \(nodeLabel(node))")
                }
            }
        }
        var produced = Set<Int>()
        for (node, definition) in model.operators.enumerated() {
            for input in definition.inputs where input >= 0 {
                let tensor = Int(input)
                guard model.tensors[tensor].constant == nil, !inputs.contains(tensor), !produced.contains(tensor) else { continue }
                if let later = producer[tensor] {
                    let when = later == node ? "its own output" : "the output of \(nodeLabel(later)), which runs after it"
                    throw error(.malformed, "malformed: \(nodeLabel(node)) reads \(label(tensor)), \(when)")
                }
                let kind = model.tensors[tensor].isVariable ? "a variable tensor (stateful operators are not supported)"
                    : "which no node produces and which is neither a model input nor a constant"
                throw error(.malformed, "malformed: \(nodeLabel(node)) reads \(label(tensor)), \(kind)")
            }
            definition.outputs.forEach { produced.insert(Int($0)) }
        }
        for output in model.outputs where model.tensors[output].constant == nil && !inputs.contains(output) && producer[output] == nil {
            throw error(.malformed, "malformed: model output \(label(output)) is never produced")
        }
    }
}
