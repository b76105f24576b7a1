import Foundation
import LiteHost

/// The C API's JSON texts that are not Codable reports: the profile and the plugin survey
/// (`PluginRegistry.surveyReport`). The partition plan is `PartitionPlan.Report` through `ReportJSON`.
enum JSONText {
    /// An invoke's profile as `lite_interpreter_profile_json` returns it (keys in lite.h).
    static func profile(_ profile: InvokeProfile) -> String {
        object([
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

    static func object(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
