/// What the load-time graph optimiser did: for each pass in order, the node count before and after
/// and a few words on what changed. `lite inspect` prints it; `Interpreter.optimizationReport`
/// returns it.
public struct OptimizationReport: Sendable {
    /// Encodable as `lite inspect --json` shows it (its name as "pass").
    public struct Pass: Sendable, Equatable, Encodable {
        /// The pass's name: "constant-folding", "dilated-convolution", "dead-node-elimination",
        /// "constant-deduplication".
        public let name: String
        public let nodesBefore: Int
        public let nodesAfter: Int
        /// What the pass changed, e.g. "12 nodes folded" ("" when nothing changed).
        public let summary: String

        enum CodingKeys: String, CodingKey { case name = "pass", nodesBefore, nodesAfter, summary }
    }

    /// The passes in the order they ran (empty when the optimiser was switched off).
    public let passes: [Pass]
    /// Shapes that folded SHAPE operators read, by tensor index: an input resize that changes one of
    /// them would make the folded constants stale, so `allocateTensors()` refuses it.
    let frozenShapes: [Int: [Int]]
}

/// The graph as the passes rewrite it: the model and what they record on the way.
struct OptimizerGraph {
    var model: ModelDefinition
    var frozenShapes: [Int: [Int]] = [:]
}

/// One load-time rewrite of the graph. Passes never fail: what a pass cannot rewrite exactly, it
/// leaves as it is, and the delegates run it.
protocol GraphPass: Sendable {
    /// The name the optimisation report shows.
    static var name: String { get }
    /// Rewrites `graph` in place.
    /// - Returns: what changed, in a few words ("" when nothing did).
    static func run(on graph: inout OptimizerGraph) -> String
}

/// The host's load-time graph optimiser: runs after the model is loaded and before any delegate
/// sees the graph, so node indices in the partition plan refer to the optimised graph.
enum GraphOptimizer {
    /// The passes, in the order they run. Folding comes first so the dilated-convolution rewrite sees
    /// constant block shapes; dead nodes go before constants are shared so only live ones are.
    static let passes: [any GraphPass.Type] = [
        ConstantFoldingPass.self,
        DilatedConvolutionPass.self,
        DeadNodeElimination.self,
        ConstantDeduplication.self,
    ]

    /// Runs every pass over `model`.
    /// - Parameter model: the loaded model; rewritten in place.
    /// - Returns: per pass, the node counts before and after.
    static func optimize(_ model: inout ModelDefinition, passes: [any GraphPass.Type] = passes) -> OptimizationReport {
        var graph = OptimizerGraph(model: model)
        var report: [OptimizationReport.Pass] = []
        for pass in passes {
            let before = graph.model.operators.count
            let summary = pass.run(on: &graph)
            report.append(.init(name: pass.name, nodesBefore: before, nodesAfter: graph.model.operators.count, summary: summary))
        }
        model = graph.model
        return OptimizationReport(passes: report, frozenShapes: graph.frozenShapes)
    }
}
