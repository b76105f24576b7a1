import Foundation
import LiteHost

/// What `lite inspect --json` prints: one object, the same facts as the text form.
struct InspectReport: Encodable {
    struct TensorEntry: Encodable {
        let name: String
        let shape: [Int]
        let type: String
    }
    struct OperatorCount: Encodable {
        let name: String
        let count: Int
    }
    struct Pass: Encodable {
        let pass: String
        let nodesBefore: Int
        let nodesAfter: Int
        let summary: String
    }
    struct Folding: Encodable {
        let fileOperators: Int
        let dequantizeFolded: Int
        let densifyFolded: Int
    }
    struct DelegateEntry: Encodable {
        let name: String
        let library: String
        /// nil: the delegate does not offer the requested precision and runs its own.
        let precision: String?
        let minPartitionNodes: Int
        let maxPartitions: Int?
    }
    struct Rejection: Encodable {
        let delegate: String
        let nodes: [Int]
        let cause: String
        let reason: String
    }
    struct PartitionEntry: Encodable {
        let delegate: String
        let nodes: [Int]
        let inputs: [Int]
        let outputs: [Int]
        let summary: String?
        let dispatches: Int?
        let kernels: Int?
        let deviceBytes: Int?
    }
    struct Decline: Encodable {
        let delegate: String
        let reason: String
    }
    struct NodeEntry: Encodable {
        let node: Int
        let `operator`: String
        let delegate: String
        let declined: [Decline]
    }

    let model: String
    let inputs: [TensorEntry]
    let outputs: [TensorEntry]
    let operators: [OperatorCount]
    let optimizer: [Pass]
    let loadFolding: Folding
    let delegates: [String]
    let delegateDetails: [DelegateEntry]
    let partitions: [PartitionEntry]
    let rejections: [Rejection]
    let notes: [String]
    let warnings: [String]
    let nodes: [NodeEntry]

    init(model: String, interpreter: Interpreter, inputs: [Tensor], outputs: [Tensor], details: [PartitionPlan.Details?]) {
        let plan = interpreter.partitionPlan
        let tensor = { (tensor: Tensor) in TensorEntry(name: tensor.name, shape: tensor.shape, type: tensor.dataType.description) }
        self.model = model
        self.inputs = inputs.map(tensor)
        self.outputs = outputs.map(tensor)
        operators = interpreter.operatorCounts.map { OperatorCount(name: $0.name, count: $0.count) }
        optimizer = interpreter.optimizationReport.passes.map {
            Pass(pass: $0.name, nodesBefore: $0.nodesBefore, nodesAfter: $0.nodesAfter, summary: $0.summary)
        }
        let folding = interpreter.loadFolding
        loadFolding = Folding(
            fileOperators: folding.fileOperatorCount, dequantizeFolded: folding.dequantizeFolded, densifyFolded: folding.densifyFolded)
        delegates = plan.delegates
        delegateDetails = plan.delegateDetails.map {
            DelegateEntry(name: $0.name, library: $0.libraryPath, precision: $0.precision,
                          minPartitionNodes: $0.policy.minimumNodes, maxPartitions: $0.policy.maximumPartitions)
        }
        partitions = zip(plan.partitions, details).map { partition, details in
            PartitionEntry(
                delegate: partition.delegate, nodes: partition.nodes, inputs: partition.inputs, outputs: partition.outputs,
                summary: details?.summary, dispatches: details?.dispatchCount, kernels: details?.kernelCount,
                deviceBytes: details?.deviceBytes)
        }
        rejections = plan.rejections.map { Rejection(delegate: $0.delegate, nodes: $0.nodes, cause: $0.cause.rawValue, reason: $0.reason) }
        notes = plan.notes
        warnings = interpreter.warnings
        nodes = plan.nodes.map {
            NodeEntry(node: $0.node, operator: $0.operatorName, delegate: $0.delegate,
                      declined: $0.declined.map { Decline(delegate: $0.delegate, reason: $0.reason) })
        }
    }

    /// Pretty-printed JSON with snake_case keys, sorted.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
