import ArgumentParser
import Foundation
import LiteHost

extension Lite {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model's inputs, outputs, operators and partition plan.")

        @Argument(help: "The .tflite model.")
        var model: String

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        @OptionGroup var selection: DelegateSelection

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(modelPath: model, options: selection.interpreterOptions())
                let inputs = try (0..<interpreter.inputTensorCount).map { try interpreter.input(at: $0) }
                let outputs = try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0) }
                // Preparing shows what each delegate made of its partition (dispatch counts).
                try interpreter.allocateTensors()
                let details = try interpreter.partitionDetails()
                if json {
                    let report = InspectReport(model: model, interpreter: interpreter, inputs: inputs, outputs: outputs, details: details)
                    print(try ReportJSON.text(report, pretty: true))
                    return
                }
                print("Model: \(model)")
                printTensors("Inputs", inputs)
                printTensors("Outputs", outputs)
                printLoading(interpreter)
                printDelegates(interpreter.partitionPlan)
                printPartitions(interpreter.partitionPlan, details: details)
                printDecisions(interpreter.partitionPlan)
            }
        }

        private func printTensors(_ title: String, _ tensors: [Tensor]) {
            print("\(title):")
            for (index, tensor) in tensors.enumerated() {
                print("  \(index): \(tensor.name) \(tensor.dataType) \(shapeText(tensor.shape))")
            }
        }

        /// What loading folded, what each optimiser pass did, and the operators left.
        private func printLoading(_ interpreter: Interpreter) {
            let folding = interpreter.loadFolding
            if !folding.summary.isEmpty {
                print("Model file: \(folding.fileOperatorCount) operators; at load: \(folding.summary) "
                    + "(\(folding.fileOperatorCount - folding.densifyFolded - folding.dequantizeFolded) nodes)")
            }
            let passes = interpreter.optimizationReport.passes
            if let first = passes.first, let last = passes.last {
                print("Optimizer (\(first.nodesBefore) -> \(last.nodesAfter) nodes; node indices below are after it):")
                for pass in passes {
                    let summary = pass.summary.isEmpty ? "no change" : pass.summary
                    print("  \(pass.name): \(pass.nodesBefore) -> \(pass.nodesAfter) nodes (\(summary))")
                }
            }
            print("Operators (\(interpreter.partitionPlan.nodes.count) nodes):")
            for (name, count) in interpreter.operatorCounts { print("  \(name): \(count)") }
        }

        private func printDelegates(_ plan: PartitionPlan) {
            print("Delegates (priority order): \(plan.delegates.joined(separator: ", "))")
            for delegate in plan.delegateDetails {
                let precision = delegate.precision.map { "precision \($0)" }
                    ?? "precision \(selection.precision.rawValue) not offered: runs its own"
                print("  \(delegate.name): \(delegate.libraryPath); \(precision); partition policy: \(delegate.policy.description)")
            }
        }

        private func printPartitions(_ plan: PartitionPlan, details: [PartitionPlan.Details?]) {
            print("Partitions (\(plan.partitions.count)):")
            for (index, partition) in plan.partitions.enumerated() {
                var line = "  \(index): \(partition.delegate), \(partition.nodes.count) nodes \(rangeText(partition.nodes)), "
                    + "\(partition.inputs.count) inputs, \(partition.outputs.count) outputs"
                if let details = details[index] {
                    if let count = details.dispatchCount { line += ", \(count) dispatches" }
                    if !details.summary.isEmpty { line += " (\(details.summary))" }
                }
                print(line)
            }
        }

        /// Partitions passed on, policy decisions not applied, and the nodes a higher-priority
        /// delegate declined.
        private func printDecisions(_ plan: PartitionPlan) {
            if !plan.rejections.isEmpty {
                print("Partitions passed on to the next delegate:")
                for rejection in plan.rejections {
                    print("  \(rejection.delegate): nodes \(rangeText(rejection.nodes)) (\(rejection.reason))")
                }
            }
            if !plan.notes.isEmpty {
                print("Policy decisions not applied:")
                for note in plan.notes { print("  \(note)") }
            }
            let declined = plan.nodes.filter { !$0.declined.isEmpty }
            if !declined.isEmpty {
                print("Declined by higher-priority delegates:")
                for node in declined {
                    let reasons = node.declined.map { "\($0.delegate): \($0.reason)" }.joined(separator: "; ")
                    print("  node \(node.node) \(node.operatorName) -> \(node.delegate) (\(reasons))")
                }
            }
        }

        /// "0-5, 8, 10-12" for a sorted list of node indices.
        private func rangeText(_ nodes: [Int]) -> String {
            var parts: [String] = []
            var start = nodes.first, previous = nodes.first
            for node in nodes.dropFirst() + [Int.min] {
                if let p = previous, node == p + 1 { previous = node; continue }
                if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)-\(p)") }
                start = node; previous = node
            }
            return "[" + parts.joined(separator: ", ") + "]"
        }
    }
}
