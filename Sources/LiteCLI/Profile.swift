import ArgumentParser
import Foundation
import LiteHost

extension Lite {
    struct Profile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where an invoke's time goes: per operator type and per node, on each delegate.",
            discussion: """
                Inputs are filled with a fixed pseudo-random pattern in [0, 1). Delegates of ABI 1.3 or \
                later report their kernels (GPU delegates on the device's clock); the host times each \
                partition and its own work, so time no event covers shows as "(unattributed)".
                """)

        @Argument(help: "The .tflite model.")
        var model: String

        @Option(name: .long, help: "Nodes listed, slowest first.")
        var top = 10

        /// Fewer runs than bench's: each records every kernel's events.
        enum Counts: RepeatedRunDefaults { static let runs = 20, warmup = 3, measured = "profiled" }
        @OptionGroup var counts: RepeatedRuns<Counts>

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        @Option(name: .long, help: ArgumentHelp("Write the runs as a Chrome trace-event file (ui.perfetto.dev, chrome://tracing).", valueName: "file"))
        var trace: String?

        @Option(name: .long, help: ArgumentHelp("Write an SVG bar chart of time by operator and by delegate.", valueName: "file"))
        var chart: String?

        @OptionGroup var selection: DelegateSelection

        func validate() throws {
            guard top >= 0 else { throw ValidationError("--top must not be negative") }
        }

        func run() throws {
            try reportingErrors {
                var options = try selection.interpreterOptions()
                options.profiling = true
                let interpreter = try Interpreter(modelPath: model, options: options)
                try interpreter.allocateTensors()
                try fillInputsWithPattern(interpreter)
                try interpreter.invoke()
                for _ in 0..<counts.warmup { try interpreter.invoke() }
                var profiles: [InvokeProfile] = []
                var starts: [UInt64] = []
                for _ in 0..<counts.runs {
                    starts.append(DispatchTime.now().uptimeNanoseconds)
                    try interpreter.invoke()
                    if let profile = interpreter.lastProfile { profiles.append(profile) }
                }
                let summary = ProfileSummary(profiles, interpreter: interpreter)
                if let trace {
                    try OutputFolder.write(ProfileTrace.json(profiles, starts: starts, model: model), to: trace)
                }
                if let chart {
                    try OutputFolder.write(Data(ProfileChart.svg(summary, model: model).utf8), to: chart)
                }
                if json {
                    try printJSON(ProfileReport.object(summary, interpreter: interpreter, model: model, top: top))
                } else {
                    print(ProfileReport.text(summary, interpreter: interpreter, model: model, top: top,
                                             rejected: profiles.last?.rejectedEventCount ?? 0))
                }
            }
        }
    }
}

/// `lite profile`'s table and JSON.
enum ProfileReport {
    static func text(_ summary: ProfileSummary, interpreter: Interpreter, model: String, top: Int, rejected: Int) -> String {
        var lines: [String] = []
        let plan = interpreter.partitionPlan
        lines.append("model: \(model)")
        lines.append("delegates: \(plan.delegates.joined(separator: ", ")); \(plan.partitions.count) partition(s); \(summary.runs) profiled runs")
        lines.append(String(format: "invoke: %.3f ms median, %.3f ms mean; events cover %.1f%% (kernels %.1f%%, host %.1f%%), unattributed %.1f%%",
                            summary.medianMilliseconds, summary.meanMilliseconds, summary.kernelPercent + summary.hostPercent,
                            summary.kernelPercent, summary.hostPercent, summary.unattributedPercent))
        lines.append("")
        lines.append("By operator:")
        lines.append(pad("operator", 28) + pad("delegate", 10) + lpad("count", 6) + lpad("avg ms", 10) + lpad("%", 8) + lpad("cum %", 8))
        var cumulative = 0.0
        for row in summary.operators where row.milliseconds > 0 || row.count > 0 {
            cumulative += row.percent
            lines.append(pad(row.name, 28) + pad(row.delegate, 10) + lpad(row.count > 0 ? "\(row.count)" : "", 6)
                + lpad(String(format: "%.3f", row.milliseconds), 10) + lpad(String(format: "%.1f", row.percent), 8)
                + lpad(String(format: "%.1f", cumulative), 8))
        }
        lines.append("")
        lines.append("Top \(min(top, summary.nodes.count)) nodes:")
        lines.append(lpad("node", 6) + "  " + pad("operator", 24) + pad("output shape", 20) + pad("delegate", 10) + lpad("avg ms", 9)
            + lpad("%", 7) + "  fused")
        for row in summary.nodes.prefix(top) {
            lines.append(lpad("\(row.node)", 6) + "  " + pad(row.name, 24) + pad(shapeText(row.outputShape), 20) + pad(row.delegate, 10)
                + lpad(String(format: "%.3f", row.milliseconds), 9) + lpad(String(format: "%.1f", row.percent), 7)
                + "  " + row.fused.map(String.init).joined(separator: ","))
        }
        if !summary.nodesWithoutEvents.isEmpty {
            lines.append("")
            lines.append("\(summary.nodesWithoutEvents.count) node(s) have no kernel events (their delegate does not report them): "
                + "their time is in (unattributed)")
        }
        if rejected > 0 { lines.append("\(rejected) event(s) from delegates were malformed and ignored") }
        return lines.joined(separator: "\n")
    }

    static func object(_ summary: ProfileSummary, interpreter: Interpreter, model: String, top: Int) -> [String: Any] {
        [
            "model": model, "delegates": interpreter.partitionPlan.delegates, "runs": summary.runs,
            "median_ms": summary.medianMilliseconds, "mean_ms": summary.meanMilliseconds,
            "kernel_percent": summary.kernelPercent, "host_percent": summary.hostPercent,
            "unattributed_percent": summary.unattributedPercent, "nodes_without_events": summary.nodesWithoutEvents,
            "operators": summary.operators.map {
                ["operator": $0.name, "delegate": $0.delegate, "count": $0.count, "ms": $0.milliseconds, "percent": $0.percent] as [String: Any]
            },
            "nodes": summary.nodes.prefix(top).map {
                ["node": $0.node, "operator": $0.name, "fused": $0.fused, "output_shape": $0.outputShape, "delegate": $0.delegate,
                 "ms": $0.milliseconds, "percent": $0.percent] as [String: Any]
            },
        ]
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
