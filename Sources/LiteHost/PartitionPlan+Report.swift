extension PartitionPlan {
    /// The plan as one JSON object (`ReportJSON`): what the C API's `lite_interpreter_plan_json`
    /// returns and what `lite inspect --json` holds beside the model's facts. Its keys are listed in
    /// lite.h and docs/multi-delegate.md; both readers see the same ones.
    public struct Report: Encodable, Sendable {
        struct Delegate: Encodable, Sendable {
            let name: String
            let library: String
            /// nil (JSON null): the delegate does not offer the requested precision and runs its own.
            let precision: String?
            let minPartitionNodes: Int
            /// nil (JSON null): no limit.
            let maxPartitions: Int?

            enum CodingKeys: CodingKey { case name, library, precision, minPartitionNodes, maxPartitions }

            /// Written out by hand so that the keys with no value stand as null rather than being left out.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(library, forKey: .library)
                try container.encode(precision, forKey: .precision)
                try container.encode(minPartitionNodes, forKey: .minPartitionNodes)
                try container.encode(maxPartitions, forKey: .maxPartitions)
            }
        }
        struct Partition: Encodable, Sendable {
            let delegate: String
            let nodes: [Int]
            let inputs: [Int]
            let outputs: [Int]
            // What the delegate said the prepared partition became; left out where it was not asked
            // (`report(warnings:details:)` without details) or did not say.
            let summary: String?
            let dispatches: Int?
            let kernels: Int?
            let deviceBytes: Int?
        }
        struct Decline: Encodable, Sendable {
            let delegate: String
            let reason: String
        }
        struct Node: Encodable, Sendable {
            let node: Int
            let `operator`: String
            let delegate: String
            let declined: [Decline]
        }
        struct Rejection: Encodable, Sendable {
            let delegate: String
            let nodes: [Int]
            let cause: String
            let reason: String
        }

        let delegates: [Delegate]
        let partitions: [Partition]
        let nodes: [Node]
        let rejections: [Rejection]
        let notes: [String]
        let warnings: [String]
    }

    /// - Parameters:
    ///   - warnings: the interpreter's warnings (`Interpreter.warnings`), reported beside the plan.
    ///   - details: per partition, what its delegate said it became (`Interpreter.partitionDetails()`),
    ///     or nil to leave those keys out.
    /// - Returns: the plan's report.
    public func report(warnings: [String], details: [Details?]? = nil) -> Report {
        Report(
            delegates: delegateDetails.map {
                .init(name: $0.name, library: $0.libraryPath, precision: $0.precision,
                      minPartitionNodes: $0.policy.minimumNodes, maxPartitions: $0.policy.maximumPartitions)
            },
            partitions: partitions.indices.map { index in
                let partition = partitions[index]
                let described = details.flatMap { $0.indices.contains(index) ? $0[index] : nil }
                return .init(delegate: partition.delegate, nodes: partition.nodes, inputs: partition.inputs,
                             outputs: partition.outputs, summary: described?.summary, dispatches: described?.dispatchCount,
                             kernels: described?.kernelCount, deviceBytes: described?.deviceBytes)
            },
            nodes: nodes.map {
                .init(node: $0.node, operator: $0.operatorName, delegate: $0.delegate,
                      declined: $0.declined.map { .init(delegate: $0.delegate, reason: $0.reason) })
            },
            rejections: rejections.map { .init(delegate: $0.delegate, nodes: $0.nodes, cause: $0.cause.rawValue, reason: $0.reason) },
            notes: notes, warnings: warnings)
    }
}
