extension PartitionPlan {
    /// The plan as one JSON object (`ReportJSON`): what the C API's `lite_interpreter_plan_json`
    /// returns and what `lite inspect --json` holds beside the model's facts. Its keys are listed in
    /// lite.h; both readers see the same ones. Nodes, declines and rejections are encoded as the
    /// plan holds them.
    public struct Report: Encodable, Sendable {
        struct Delegate: Encodable, Sendable {
            let name: String
            let library: String
            /// Null: the delegate does not offer the requested precision and runs its own.
            let precision: Nullable<String>
            let minPartitionNodes: Int
            /// Null: no limit.
            let maxPartitions: Nullable<Int>
        }

        /// A partition's keys, then what its delegate said it became, in the same object.
        struct Partition: Encodable, Sendable {
            let partition: PartitionPlan.Partition
            let details: Details?

            func encode(to encoder: any Encoder) throws {
                try partition.encode(to: encoder)
                try details?.encode(to: encoder)
            }
        }

        let delegates: [Delegate]
        let partitions: [Partition]
        let nodes: [NodeDecision]
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
                .init(name: $0.name, library: $0.libraryPath, precision: Nullable($0.precision),
                      minPartitionNodes: $0.policy.minimumNodes, maxPartitions: Nullable($0.policy.maximumPartitions))
            },
            partitions: partitions.enumerated().map { index, partition in
                .init(partition: partition, details: details.flatMap { $0.indices.contains(index) ? $0[index] : nil })
            },
            nodes: nodes, rejections: rejections, notes: notes, warnings: warnings)
    }
}

/// An optional that a report writes as JSON null, where synthesized encoding would leave the key out.
struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    let value: Value?
    init(_ value: Value?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
