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
                let plan = interpreter.partitionPlan
                // Preparing shows what each delegate made of its partition (dispatch counts).
                try interpreter.allocateTensors()
                let details = try interpreter.partitionDetails()
                let passes = interpreter.optimizationReport.passes
                if json {
                    func tensorJSON(_ tensor: Tensor) -> [String: Any] {
                        ["name": tensor.name, "shape": tensor.shape, "type": tensor.dataType.description]
                    }
                    try printJSON([
                        "model": model,
                        "inputs": inputs.map(tensorJSON),
                        "outputs": outputs.map(tensorJSON),
                        "operators": interpreter.operatorCounts.map { ["name": $0.name, "count": $0.count] },
                        "optimizer": passes.map {
                            ["pass": $0.name, "nodes_before": $0.nodesBefore, "nodes_after": $0.nodesAfter,
                             "summary": $0.summary] as [String: Any]
                        },
                        "delegates": plan.delegates,
                        "load_folding": [
                            "file_operators": interpreter.loadFolding.fileOperatorCount,
                            "dequantize_folded": interpreter.loadFolding.dequantizeFolded,
                            "densify_folded": interpreter.loadFolding.densifyFolded,
                        ],
                        "delegate_details": plan.delegateDetails.map {
                            [
                                "name": $0.name, "library": $0.libraryPath, "precision": $0.precision ?? NSNull(),
                                "min_partition_nodes": $0.policy.minimumNodes,
                                "max_partitions": $0.policy.maximumPartitions ?? NSNull(),
                            ] as [String: Any]
                        },
                        "rejections": plan.rejections.map {
                            ["delegate": $0.delegate, "nodes": $0.nodes, "cause": $0.cause.rawValue, "reason": $0.reason] as [String: Any]
                        },
                        "notes": plan.notes,
                        "warnings": interpreter.warnings,
                        "partitions": zip(plan.partitions, details).map { partition, details in
                            var object: [String: Any] = [
                                "delegate": partition.delegate, "nodes": partition.nodes, "inputs": partition.inputs,
                                "outputs": partition.outputs,
                            ]
                            if let details {
                                object["summary"] = details.summary
                                if let count = details.dispatchCount { object["dispatches"] = count }
                                if let count = details.kernelCount { object["kernels"] = count }
                                if let bytes = details.deviceBytes { object["device_bytes"] = bytes }
                            }
                            return object
                        },
                        "nodes": plan.nodes.map {
                            [
                                "node": $0.node, "operator": $0.operatorName, "delegate": $0.delegate,
                                "declined": $0.declined.map { ["delegate": $0.delegate, "reason": $0.reason] },
                            ] as [String: Any]
                        },
                    ] as [String: Any])
                    return
                }
                print("Model: \(model)")
                print("Inputs:")
                for (index, tensor) in inputs.enumerated() {
                    print("  \(index): \(tensor.name) \(tensor.dataType) \(shapeText(tensor.shape))")
                }
                print("Outputs:")
                for (index, tensor) in outputs.enumerated() {
                    print("  \(index): \(tensor.name) \(tensor.dataType) \(shapeText(tensor.shape))")
                }
                let folding = interpreter.loadFolding
                if !folding.summary.isEmpty {
                    print("Model file: \(folding.fileOperatorCount) operators; at load: \(folding.summary) "
                        + "(\(folding.fileOperatorCount - folding.densifyFolded - folding.dequantizeFolded) nodes)")
                }
                if let first = passes.first, let last = passes.last {
                    print("Optimizer (\(first.nodesBefore) -> \(last.nodesAfter) nodes; node indices below are after it):")
                    for pass in passes {
                        let summary = pass.summary.isEmpty ? "no change" : pass.summary
                        print("  \(pass.name): \(pass.nodesBefore) -> \(pass.nodesAfter) nodes (\(summary))")
                    }
                }
                print("Operators (\(plan.nodes.count) nodes):")
                for (name, count) in interpreter.operatorCounts { print("  \(name): \(count)") }
                print("Delegates (priority order): \(plan.delegates.joined(separator: ", "))")
                for delegate in plan.delegateDetails {
                    let precision = delegate.precision.map { "precision \($0)" }
                        ?? "precision \(selection.precision) not offered: runs its own"
                    print("  \(delegate.name): \(delegate.libraryPath); \(precision); partition policy: \(delegate.policy.description)")
                }
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
