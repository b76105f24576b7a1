/// Removes nodes whose outputs no model output depends on (what constant folding and the other
/// rewrites leave unread). Nodes that touch variable tensors are kept: they carry state.
enum DeadNodeElimination: GraphPass {
    static let name = "dead-node-elimination"

    static func run(on graph: inout OptimizerGraph) -> String {
        let model = graph.model
        var live = Set(model.outputs)
        var keep = Array(repeating: false, count: model.operators.count)
        for (index, op) in model.operators.enumerated().reversed() {
            let stateful = (op.inputs + op.outputs).contains { $0 >= 0 && model.tensors[Int($0)].isVariable }
            guard stateful || op.outputs.isEmpty || op.outputs.contains(where: { live.contains(Int($0)) }) else { continue }
            keep[index] = true
            for input in op.inputs where input >= 0 { live.insert(Int(input)) }
        }
        let removed = keep.filter { !$0 }.count
        guard removed > 0 else { return "" }
        graph.model.operators = model.operators.indices.filter { keep[$0] }.map { model.operators[$0] }
        return "\(removed) dead node\(removed == 1 ? "" : "s") removed"
    }
}
