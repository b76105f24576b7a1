import Foundation

/// Profiles of several invokes, summarised as benchmark_model's op profiling does: time per
/// operator type and per node, with what the delegates' events do not cover shown as such.
public struct ProfileSummary: Sendable {
    public struct OperatorRow: Sendable {
        public let name: String
        public let delegate: String
        /// Kernel runs per invoke.
        public let count: Int
        public let milliseconds: Double
        public let percent: Double
    }

    public struct NodeRow: Sendable {
        /// The first node the kernel computes (its own); `fused` lists the others.
        public let node: Int
        public let name: String
        public let fused: [Int]
        public let outputShape: [Int]
        public let delegate: String
        public let milliseconds: Double
        public let percent: Double
    }

    public let runs: Int
    /// Invoke latency on the host's clock: median and mean.
    public let medianMilliseconds: Double
    public let meanMilliseconds: Double
    /// Per operator type and delegate, slowest first; time no kernel event covers follows as
    /// "(unattributed)" per delegate and "(host)".
    public let operators: [OperatorRow]
    /// Per kernel (a node, or a fused group), slowest first.
    public let nodes: [NodeRow]
    /// Shares of the mean invoke: delegates' kernel events, partitions' unattributed time, the host's work.
    public let kernelPercent: Double
    public let unattributedPercent: Double
    public let hostPercent: Double
    /// Graph nodes no kernel event names (their partition's time is then "(unattributed)").
    public let nodesWithoutEvents: [Int]

    /// Summarises `profiles` (one per invoke) of `interpreter`.
    public init(_ profiles: [InvokeProfile], interpreter: Interpreter) {
        runs = profiles.count
        let durations = profiles.map { Double($0.durationNanoseconds) * 1e-6 }.sorted()
        medianMilliseconds = durations.isEmpty ? 0 : durations[durations.count / 2]
        let total = durations.reduce(0, +)
        meanMilliseconds = durations.isEmpty ? 0 : total / Double(durations.count)
        let perRun = 1e-6 / Double(max(profiles.count, 1))
        let share = { (ns: Double) in total > 0 ? 100 * ns * 1e-6 / total : 0 }

        var byOperator: [String: (name: String, delegate: String, count: Int, ns: Double)] = [:]
        var byKernel: [String: (node: Int, name: String, fused: [Int], delegate: String, ns: Double)] = [:]
        var partitionNs: [String: Double] = [:], kernelNsByDelegate: [String: Double] = [:]
        var hostNs = 0.0, kernelNs = 0.0
        var named = Set<Int>()
        for profile in profiles {
            for event in profile.events {
                let ns = Double(event.durationNanoseconds)
                switch event.kind {
                case .host: hostNs += ns
                case .partition: partitionNs[event.delegate ?? "", default: 0] += ns
                case .kernel:
                    let delegate = event.delegate ?? ""
                    kernelNs += ns
                    kernelNsByDelegate[delegate, default: 0] += ns
                    named.formUnion(event.nodes)
                    byOperator["\(delegate)|\(event.name)", default: (event.name, delegate, 0, 0)].count += 1
                    byOperator["\(delegate)|\(event.name)"]!.ns += ns
                    guard let first = event.nodes.first else { continue }
                    let key = "\(event.partition ?? -1)|\(first)|\(event.name)"
                    byKernel[key, default: (first, event.name, Array(event.nodes.dropFirst()), delegate, 0)].ns += ns
                }
            }
        }
        var operators = byOperator.values.map {
            OperatorRow(name: $0.name, delegate: $0.delegate, count: $0.count / max(profiles.count, 1),
                        milliseconds: $0.ns * perRun, percent: share($0.ns))
        }.sorted { ($0.milliseconds, $1.name) > ($1.milliseconds, $0.name) }
        var unattributedNs = 0.0
        for (delegate, ns) in partitionNs.sorted(by: { $0.key < $1.key }) {
            let rest = max(0, ns - (kernelNsByDelegate[delegate] ?? 0))
            unattributedNs += rest
            operators.append(OperatorRow(name: "(unattributed)", delegate: delegate, count: 0,
                                         milliseconds: rest * perRun, percent: share(rest)))
        }
        operators.append(OperatorRow(name: "(host)", delegate: "host", count: 0, milliseconds: hostNs * perRun,
                                     percent: share(hostNs)))
        self.operators = operators
        nodes = byKernel.values.map {
            NodeRow(node: $0.node, name: $0.name, fused: $0.fused, outputShape: interpreter.outputShape(ofNode: $0.node),
                    delegate: $0.delegate, milliseconds: $0.ns * perRun, percent: share($0.ns))
        }.sorted { ($0.milliseconds, $1.node) > ($1.milliseconds, $0.node) }
        kernelPercent = share(kernelNs)
        unattributedPercent = share(unattributedNs)
        hostPercent = share(hostNs)
        nodesWithoutEvents = (0..<interpreter.nodeCount).filter { !named.contains($0) }
    }
}

extension Interpreter {
    /// Nodes of the graph the partitions run (after load-time optimisation).
    public var nodeCount: Int { graph.nodeCount }

    /// The shape of node `node`'s first output at the current allocation ([] if it has none).
    public func outputShape(ofNode node: Int) -> [Int] {
        guard model.operators.indices.contains(node), let output = model.operators[node].outputs.first, output >= 0 else { return [] }
        return graph.shapes[Int(output)]
    }
}
