import Foundation
import LiteHost

/// What `lite inspect --json` prints: one object, the same facts as the text form. Beside the
/// model's own keys it holds the partition plan's (`PartitionPlan.Report`: "delegates",
/// "partitions", "nodes", "rejections", "notes", "warnings"), the same object the C API's
/// `lite_interpreter_plan_json` returns, with what each delegate made of its partition.
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

    let model: String
    let inputs: [TensorEntry]
    let outputs: [TensorEntry]
    let operators: [OperatorCount]
    let optimizer: [OptimizationReport.Pass]
    let loadFolding: LoadFolding
    let plan: PartitionPlan.Report

    init(model: String, interpreter: Interpreter, inputs: [Tensor], outputs: [Tensor], details: [PartitionPlan.Details?]) {
        let tensor = { (tensor: Tensor) in TensorEntry(name: tensor.name, shape: tensor.shape, type: tensor.dataType.description) }
        self.model = model
        self.inputs = inputs.map(tensor)
        self.outputs = outputs.map(tensor)
        operators = interpreter.operatorCounts.map { OperatorCount(name: $0.name, count: $0.count) }
        optimizer = interpreter.optimizationReport.passes
        loadFolding = interpreter.loadFolding
        plan = interpreter.partitionPlan.report(warnings: interpreter.warnings, details: details)
    }

    enum CodingKeys: CodingKey { case model, inputs, outputs, operators, optimizer, loadFolding }

    /// The model's keys, then the plan's into the same object (a keyed container on one encoder
    /// adds to the object already begun).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(operators, forKey: .operators)
        try container.encode(optimizer, forKey: .optimizer)
        try container.encode(loadFolding, forKey: .loadFolding)
        try plan.encode(to: encoder)
    }
}
