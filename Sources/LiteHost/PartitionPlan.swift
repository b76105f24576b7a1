/// Which delegate runs which nodes, and why the others declined: what `lite inspect` prints and what
/// an app can query on `Interpreter.partitionPlan`. Its parts are Encodable in the keys of its JSON
/// form, `PartitionPlan.Report`.
public struct PartitionPlan: Sendable {
    public struct Partition: Sendable, Encodable {
        public let delegate: String
        /// Node indices in execution order. They count the nodes of the graph the load-time
        /// optimiser left (`Interpreter.optimizationReport`), not the model file's operators.
        public let nodes: [Int]
        /// Tensor indices bound at invoke, in the order the delegate receives them.
        public let inputs: [Int]
        public let outputs: [Int]
    }

    /// What a delegate says a prepared partition became (`Interpreter.partitionDetails()`).
    public struct Details: Sendable, Equatable, Encodable {
        /// Kernel launches per invoke, after fusion.
        public let dispatchCount: Int?
        /// Distinct compiled kernels or pipelines.
        public let kernelCount: Int?
        /// Device memory held, in bytes.
        public let deviceBytes: Int?
        public let summary: String

        /// Counts a delegate did not give are left out; the summary is always there.
        enum CodingKeys: String, CodingKey { case summary, dispatchCount = "dispatches", kernelCount = "kernels", deviceBytes }
    }

    public struct Decline: Sendable, Equatable, Encodable {
        public let delegate: String
        public let reason: String
    }

    public struct NodeDecision: Sendable, Encodable {
        public let node: Int
        public let operatorName: String
        /// The delegate that runs the node.
        public let delegate: String
        /// Higher-priority delegates that declined it, with their reasons.
        public let declined: [Decline]

        enum CodingKeys: String, CodingKey { case node, operatorName = "operator", delegate, declined }
    }

    /// A delegate of the plan as the host configured it.
    public struct Delegate: Sendable {
        public let name: String
        public let libraryPath: String
        /// The precision the delegate was asked for, or nil when it does not offer the one requested
        /// (it then computes in its own precision, fp32 for the shipped delegates).
        public let precision: String?
        public let policy: PartitionPolicy
    }

    /// A partition the host formed and then did not run on its delegate.
    public struct Rejection: Sendable, Equatable, Encodable {
        public enum Cause: String, Sendable, Encodable {
            /// The delegate's partition policy (min_partition_nodes, max_partitions).
            case policy
            /// The delegate's create_partition refused it.
            case refused
        }
        public let delegate: String
        public let nodes: [Int]
        public let cause: Cause
        public let reason: String
    }

    /// Delegates in priority order.
    public let delegates: [String]
    /// Partitions in execution order.
    public let partitions: [Partition]
    public let nodes: [NodeDecision]
    /// Per delegate, in priority order: library, precision, partition policy.
    public let delegateDetails: [Delegate]
    /// Partitions passed on to the next delegates, in the order the host decided (their nodes'
    /// `declined` lists carry the same reason).
    public let rejections: [Rejection]
    /// Policy decisions that were not applied, with why (e.g. a small partition kept because one of
    /// its nodes has no other delegate).
    public let notes: [String]
}
