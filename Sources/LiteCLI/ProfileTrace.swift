import Foundation
import LiteHost

/// The Chrome trace-event format (JSON object with "traceEvents"), which chrome://tracing and
/// ui.perfetto.dev open: one track for the host's work, one per delegate for its partitions with
/// their kernels nested inside, and one per delegate for events measured on the device.
enum ProfileTrace {
    static func json(_ profiles: [InvokeProfile], starts: [UInt64], model: String) throws -> Data {
        var tracks: [String: Int] = ["host": 1]
        func track(_ name: String) -> Int {
            if let id = tracks[name] { return id }
            let id = tracks.count + 1
            tracks[name] = id
            return id
        }
        var events: [[String: Any]] = []
        let origin = starts.first ?? 0
        for (run, profile) in profiles.enumerated() {
            let base = Double((starts[run] &- origin)) / 1000
            events.append(["name": "invoke \(run)", "cat": "invoke", "ph": "X", "pid": 1, "tid": 1,
                           "ts": base, "dur": Double(profile.durationNanoseconds) / 1000])
            for event in profile.events {
                let name = event.delegate.map { event.onDevice ? "\($0) (device)" : $0 } ?? "host"
                var args: [String: Any] = ["nodes": event.nodes]
                if let partition = event.partition { args["partition"] = partition }
                events.append([
                    "name": event.name, "cat": event.kind.rawValue, "ph": "X", "pid": 1, "tid": track(name),
                    "ts": base + Double(event.startNanoseconds) / 1000, "dur": Double(event.durationNanoseconds) / 1000,
                    "args": args,
                ])
            }
        }
        for (name, id) in tracks {
            events.append(["name": "thread_name", "ph": "M", "pid": 1, "tid": id, "args": ["name": name]])
            events.append(["name": "thread_sort_index", "ph": "M", "pid": 1, "tid": id, "args": ["sort_index": id]])
        }
        events.append(["name": "process_name", "ph": "M", "pid": 1, "tid": 1, "args": ["name": "lite: \(model)"]])
        return try JSONSerialization.data(
            withJSONObject: ["traceEvents": events, "displayTimeUnit": "ms"] as [String: Any], options: [.sortedKeys])
    }
}

/// An SVG bar chart: time per operator type (the slowest twelve, the rest together) and time per
/// delegate, with the host's work and unattributed time as bars of their own.
enum ProfileChart {
    static func svg(_ summary: ProfileSummary, model: String) -> String {
        let operatorRows = summary.operators.filter { !$0.name.hasPrefix("(") }
        var byOperator = operatorRows.prefix(12).map { ("\($0.name) (\($0.delegate))", $0.milliseconds) }
        let rest = operatorRows.dropFirst(12).reduce(0) { $0 + $1.milliseconds }
        if rest > 0 { byOperator.append(("\(operatorRows.count - 12) other operators", rest)) }
        var perDelegate: [String: Double] = [:]
        for row in summary.operators {
            let label = row.name == "(unattributed)" ? "\(row.delegate): unattributed" : row.name == "(host)" ? "host" : "\(row.delegate): kernels"
            perDelegate[label, default: 0] += row.milliseconds
        }
        let byDelegate = perDelegate.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }

        let width = 900.0, labelWidth = 300.0, barHeight = 22.0, gap = 6.0
        var y = 60.0
        var body: [String] = []
        func section(_ title: String, _ rows: [(String, Double)]) {
            body.append(#"<text x="20" y="\#(y)" class="section">\#(escape(title))</text>"#)
            y += 14
            let largest = max(rows.map(\.1).max() ?? 1, 1e-9)
            for (index, (label, ms)) in rows.enumerated() {
                let length = max(1, (width - labelWidth - 140) * ms / largest)
                let percent = summary.meanMilliseconds > 0 ? 100 * ms / summary.meanMilliseconds : 0
                body.append(#"<text x="\#(labelWidth - 8)" y="\#(y + barHeight * 0.7)" class="label">\#(escape(label))</text>"#)
                body.append(#"<rect x="\#(labelWidth)" y="\#(y)" width="\#(format(length))" height="\#(barHeight)" fill="\#(palette[index % palette.count])"/>"#)
                body.append(#"<text x="\#(labelWidth + length + 6)" y="\#(y + barHeight * 0.7)" class="value">\#(String(format: "%.3f ms  %.1f%%", ms, percent))</text>"#)
                y += barHeight + gap
            }
            y += 24
        }
        section("Time by operator (mean per invoke)", byOperator)
        section("Time by delegate", byDelegate)
        let title = String(format: "%@: %.3f ms per invoke (median %.3f ms, %d runs)", (model as NSString).lastPathComponent,
                           summary.meanMilliseconds, summary.medianMilliseconds, summary.runs)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(y))" viewBox="0 0 \(Int(width)) \(Int(y))">
            <style>text{font-family:sans-serif;font-size:13px;fill:#222}.title{font-size:18px;font-weight:bold}.section{font-size:15px;font-weight:bold}.label{text-anchor:end}.value{fill:#444}</style>
            <rect width="100%" height="100%" fill="white"/>
            <text x="20" y="30" class="title">\(escape(title))</text>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }

    private static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
