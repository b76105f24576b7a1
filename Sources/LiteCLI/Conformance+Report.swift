import Foundation
import LiteHost

// What `lite conformance` reports: the Codable types of `--json` and the text form.

// MARK: - Reports

extension Lite.Conformance {
    enum Verdict: String, Codable {
        /// The plugin took nodes and every output is within its tolerance.
        case passed
        case failed
        /// Creating, allocating or invoking the interpreter failed.
        case error
        /// The plugin took none of the nodes; nothing was run.
        case declined
    }

    struct NodeReport: Codable {
        let node: Int
        let `operator`: String
        /// The delegate that runs the node.
        let delegate: String
        /// Whether the plugin under test took it.
        let taken: Bool
        /// Why the plugin declined it.
        let declinedReason: String?
    }

    struct OutputReport: Codable {
        let index: Int
        let name: String
        let maxRelativeError: Double
        let tolerance: Double
        let passed: Bool
        let note: String?
    }

    /// One operator fixture or real model: what the plugin took and how the outputs compare.
    struct CaseReport: Codable {
        let name: String
        let model: String
        /// The operators of the case's nodes, each once, in node order.
        let operators: [String]
        let taken: Int
        let nodeCount: Int
        let partitions: Int
        let result: Verdict
        /// The largest relative error of the outputs, when they were compared.
        let maxRelativeError: Double?
        let outputs: [OutputReport]
        /// Why the case is an error.
        let message: String?
        let nodes: [NodeReport]

        init(_ trial: Trial, nodes: [NodeReport], partitions: Int, result: Verdict, outputs: [OutputReport] = [],
             message: String? = nil) {
            name = trial.name
            model = trial.modelPath
            var seen = Set<String>()
            operators = nodes.map(\.operator).filter { seen.insert($0).inserted }
            taken = nodes.filter(\.taken).count
            nodeCount = nodes.count
            self.partitions = partitions
            self.result = result
            maxRelativeError = outputs.map(\.maxRelativeError).max()
            self.outputs = outputs
            self.message = message
            self.nodes = nodes
        }
    }

    /// "N taken: P passed, F failed, E errors; D declined".
    struct Summary: Codable, CustomStringConvertible {
        let taken, passed, failed, errors, declined: Int

        init(_ cases: [CaseReport]) {
            func count(_ verdict: Verdict) -> Int { cases.filter { $0.result == verdict }.count }
            passed = count(.passed)
            failed = count(.failed)
            errors = count(.error)
            declined = count(.declined)
            taken = passed + failed + errors
        }

        var description: String { "\(taken) taken: \(passed) passed, \(failed) failed, \(errors) errors; \(declined) declined" }
    }

    /// Everything `lite conformance` found: printed as a table, or as one JSON object.
    struct Report: Codable {
        struct Backend: Codable {
            let name: String
            let kind: String
        }

        let plugin: String
        let backends: [Backend]
        let delegates: [String]
        let toleranceNote: String?
        let succeeded: Bool
        let fixtures: String
        let cases: [CaseReport]
        let caseSummary: Summary
        let goldens: String
        let models: [CaseReport]
        let modelSummary: Summary
        /// Why the real models were skipped.
        let modelsNote: String?

        init(plugin: String, target: Target, toleranceNote: String?, fixtures: String, cases: [CaseReport],
             goldens: String, models: [CaseReport]?) {
            self.plugin = plugin
            backends = target.backends.map { Backend(name: $0.name, kind: $0.kind) }
            delegates = target.delegateNames
            self.toleranceNote = toleranceNote
            self.fixtures = fixtures
            self.cases = cases
            caseSummary = Summary(cases)
            self.goldens = goldens
            self.models = models ?? []
            modelSummary = Summary(self.models)
            modelsNote = models == nil
                ? "no real-model goldens in \(goldens) (scripts/conformance_kit.sh makes them): skipped" : nil
            succeeded = [caseSummary, modelSummary].allSatisfy { $0.failed == 0 && $0.errors == 0 }
        }
    }
}

// MARK: - The text report

extension Lite.Conformance.Report {
    typealias CaseReport = Lite.Conformance.CaseReport

    var text: String {
        let kinds = backends.map { "\($0.name) [\($0.kind)]" }.joined(separator: ", ")
        var lines = ["Plugin: \(plugin): \(kinds); delegates \(delegates.joined(separator: ", "))"]
        if let toleranceNote { lines.append("Tolerance: \(toleranceNote)") }
        lines.append("")
        lines.append("Operator fixtures (\(fixtures), \(cases.count) cases):")
        var rows = [["CASE", "OPERATORS", "TAKEN", "RESULT", "ERROR"]]
        var notes: [Int: [String]] = [:]
        for report in cases {
            rows.append([report.name, report.operators.joined(separator: ","), "\(report.taken)/\(report.nodeCount)",
                         report.result.rawValue, Self.detail(report)])
            notes[rows.count - 1] = Self.declinedLines(report.result == .declined ? [] : report.nodes)
        }
        lines += Self.table(rows, notes: notes)
        lines.append("")
        if let modelsNote {
            lines.append("Real models: \(modelsNote)")
        } else {
            lines.append("Real models (\(goldens), \(models.count) models):")
            lines += modelTable
        }
        lines.append("")
        lines.append("operator fixtures: \(caseSummary)")
        if modelsNote == nil { lines.append("real models: \(modelSummary)") }
        return lines.joined(separator: "\n")
    }

    private var modelTable: [String] {
        var rows = [["MODEL", "TAKEN", "PARTITIONS", "RESULT", "ERROR"]]
        var notes: [Int: [String]] = [:]
        for report in models {
            rows.append([report.name, "\(report.taken)/\(report.nodeCount)", "\(report.partitions)",
                         report.result.rawValue, Self.detail(report)])
            let outputs = report.outputs.map { output in
                "output \(output.index) (\(output.name)): \(Self.comparison(output))" + (output.note.map { "; \($0)" } ?? "")
            }
            notes[rows.count - 1] = outputs + Self.declinedLines(report.nodes)
        }
        return Self.table(rows, notes: notes)
    }

    /// The last column: the worst output against its tolerance, the error, or why it was declined.
    private static func detail(_ report: CaseReport) -> String {
        switch report.result {
        case .passed, .failed:
            let worst = report.outputs.max { $0.maxRelativeError / max($0.tolerance, 1e-30) < $1.maxRelativeError / max($1.tolerance, 1e-30) }
            guard let worst else { return "" }
            let which = report.outputs.count > 1 ? " (output \(worst.index))" : ""
            return comparison(worst) + which + (worst.note.map { "; \($0)" } ?? "")
        case .error:
            return report.message ?? ""
        case .declined:
            guard report.nodeCount > 0 else { return "no nodes after the load-time optimiser" }
            var seen = Set<String>()
            return report.nodes.compactMap(\.declinedReason).filter { seen.insert($0).inserted }.joined(separator: "; ")
        }
    }

    private static func comparison(_ output: Lite.Conformance.OutputReport) -> String {
        "\(number(output.maxRelativeError)) \(output.passed ? "<=" : ">") \(number(output.tolerance))"
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1e", value) : "\(value)"
    }

    /// Indented lines for the nodes the plugin declined, grouped by operator and reason.
    private static func declinedLines(_ nodes: [Lite.Conformance.NodeReport]) -> [String] {
        var groups: [(key: String, nodes: [Int])] = []
        for node in nodes where !node.taken {
            let key = "\(node.operator): \(node.declinedReason ?? "no reason given")"
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].nodes.append(node.node)
            } else {
                groups.append((key, [node.node]))
            }
        }
        return groups.map { group in
            let which = group.nodes.count == 1 ? "node \(group.nodes[0])" : "\(group.nodes.count) nodes"
            return "declined \(which) \(group.key)"
        }
    }

    /// Rows padded into columns (the last one unpadded), each followed by its indented notes.
    private static func table(_ rows: [[String]], notes: [Int: [String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.enumerated().flatMap { index, row in
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }
            return [cells.joined()] + (notes[index] ?? []).map { "    " + $0 }
        }
    }
}
