/// Which delegate runs which nodes, and why the others declined: what `lite inspect` prints and what
/// an app can query on `Interpreter.partitionPlan`.
public struct PartitionPlan: Sendable {
    public struct Partition: Sendable {
        public let delegate: String
        /// Node indices in execution order. They count the nodes of the graph the load-time
        /// optimiser left (`Interpreter.optimizationReport`), not the model file's operators.
        public let nodes: [Int]
        /// Tensor indices bound at invoke, in the order the delegate receives them.
        public let inputs: [Int]
        public let outputs: [Int]
    }

    /// What a delegate says a prepared partition became (`Interpreter.partitionDetails()`).
    public struct Details: Sendable, Equatable {
        /// Kernel launches per invoke, after fusion.
        public let dispatchCount: Int?
        /// Distinct compiled kernels or pipelines.
        public let kernelCount: Int?
        /// Device memory held, in bytes.
        public let deviceBytes: Int?
        public let summary: String
    }

    public struct Decline: Sendable, Equatable {
        public let delegate: String
        public let reason: String
    }

    public struct NodeDecision: Sendable {
        public let node: Int
        public let operatorName: String
        /// The delegate that runs the node.
        public let delegate: String
        /// Higher-priority delegates that declined it, with their reasons.
        public let declined: [Decline]
    }

    /// Delegates in priority order.
    public let delegates: [String]
    /// Partitions in execution order.
    public let partitions: [Partition]
    public let nodes: [NodeDecision]
}
