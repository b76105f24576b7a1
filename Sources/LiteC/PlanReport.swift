import Foundation
import LiteHost

/// The partition plan as the JSON object `lite_interpreter_plan_json` returns (keys in lite.h).
enum PlanReport {
    static func json(_ plan: PartitionPlan, warnings: [String]) -> String {
        let object: [String: Any] = [
            "delegates": plan.delegateDetails.map { delegate -> [String: Any] in
                var entry: [String: Any] = [
                    "name": delegate.name, "library": delegate.libraryPath,
                    "min_partition_nodes": delegate.policy.minimumNodes,
                ]
                entry["precision"] = delegate.precision ?? NSNull()
                entry["max_partitions"] = delegate.policy.maximumPartitions ?? NSNull()
                return entry
            },
            "partitions": plan.partitions.map {
                ["delegate": $0.delegate, "nodes": $0.nodes, "inputs": $0.inputs, "outputs": $0.outputs] as [String: Any]
            },
            "nodes": plan.nodes.map { node -> [String: Any] in
                [
                    "node": node.node, "operator": node.operatorName, "delegate": node.delegate,
                    "declined": node.declined.map { ["delegate": $0.delegate, "reason": $0.reason] },
                ]
            },
            "rejections": plan.rejections.map {
                ["delegate": $0.delegate, "nodes": $0.nodes, "cause": $0.cause.rawValue, "reason": $0.reason] as [String: Any]
            },
            "notes": plan.notes,
            "warnings": warnings,
        ]
        return jsonText(object)
    }

    /// An invoke's profile as `lite_interpreter_profile_json` returns it (keys in lite.h).
    static func profileJSON(_ profile: InvokeProfile) -> String {
        jsonText([
            "duration_ns": profile.durationNanoseconds,
            "rejected_events": profile.rejectedEventCount,
            "events": profile.events.map { event -> [String: Any] in
                [
                    "kind": event.kind.rawValue, "name": event.name, "delegate": event.delegate ?? NSNull(),
                    "partition": event.partition ?? NSNull(), "nodes": event.nodes, "on_device": event.onDevice,
                    "start_ns": event.startNanoseconds, "duration_ns": event.durationNanoseconds,
                ]
            },
        ] as [String: Any])
    }

    static func jsonText(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
