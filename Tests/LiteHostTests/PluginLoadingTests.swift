import DelegateABI
import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// A small graph: x -> RELU -> a; ADD(a, x) -> b; LOGISTIC(b) -> c; RELU(c) -> y.
/// The sample plugin runs RELU and ADD; LOGISTIC needs the CPU delegate.
func writeMixedModel(logistic: Bool = true) throws -> String {
    var builder = TFLiteModelBuilder()
    let x = builder.addTensor(shape: [1, 2, 3], name: "x")
    let a = builder.addTensor(shape: [1, 2, 3], name: "a")
    let b = builder.addTensor(shape: [1, 2, 3], name: "b")
    builder.addOperator(.relu, inputs: [x], outputs: [a])
    builder.addOperator(.add, inputs: [a, x], outputs: [b], options: .add())
    var y = b
    if logistic {
        let c = builder.addTensor(shape: [1, 2, 3], name: "c")
        y = builder.addTensor(shape: [1, 2, 3], name: "y")
        builder.addOperator(.logistic, inputs: [b], outputs: [c])
        builder.addOperator(.relu, inputs: [c], outputs: [y])
    }
    builder.inputs = [x]
    builder.outputs = [y]
    let path = SamplePlugins.folder + "/mixed-\(logistic).tflite"
    // Atomic: tests running in parallel write and read the same file.
    try Data(builder.build()).write(to: URL(fileURLWithPath: path), options: .atomic)
    return path
}

let mixedInput: [Float] = [-2, -0.5, 0, 0.5, 1, 3]

func floatData(_ values: [Float]) -> Data { values.withUnsafeBufferPointer { Data(buffer: $0) } }

@Suite("Plugin loading")
struct PluginLoadingTests {
    @Test("a plain-C plugin built from the header alone claims and runs nodes")
    func cPluginRunsNodes() throws {
        let interpreter = try Interpreter(
            modelPath: try writeMixedModel(logistic: false), options: .init(delegates: [try SamplePlugins.sample]))
        #expect(interpreter.partitionPlan.partitions.map(\.delegate) == ["sample"])
        #expect(interpreter.partitionPlan.partitions.first?.nodes == [0, 1])
        try interpreter.allocateTensors()
        try interpreter.copy(floatData(mixedInput), toInputAt: 0)
        try interpreter.invoke()
        #expect(try interpreter.output(at: 0).floats == mixedInput.map { max($0, 0) + $0 })
        // A second invoke with other data gives fresh results.
        try interpreter.copy(floatData(mixedInput.map { -$0 }), toInputAt: 0)
        try interpreter.invoke()
        #expect(try interpreter.output(at: 0).floats == mixedInput.map { max(-$0, 0) - $0 })
    }

    @Test("priority order splits the graph into convex partitions across delegates")
    func mixedPartitions() throws {
        let interpreter = try Interpreter(
            modelPath: try writeMixedModel(), options: .init(delegates: [try SamplePlugins.sample, "cpu"]))
        let plan = interpreter.partitionPlan
        #expect(plan.partitions.map(\.delegate) == ["sample", "cpu", "sample"])
        #expect(plan.partitions.map(\.nodes) == [[0, 1], [2], [3]])
        let logistic = plan.nodes[2]
        #expect(logistic.delegate == "cpu")
        #expect(logistic.declined == [.init(delegate: "sample", reason: "sample plugin runs only RELU and same-shape ADD")])
        try interpreter.allocateTensors()
        // The sample plugin describes its partitions (ABI 1.2); the CPU delegate does not.
        let details = try interpreter.partitionDetails()
        #expect(details[0] == .init(dispatchCount: 2, kernelCount: nil, deviceBytes: nil, summary: "2 element-wise loops"))
        #expect(details[2]?.dispatchCount == 1)
        try interpreter.copy(floatData(mixedInput), toInputAt: 0)
        try interpreter.invoke()
        let expected = mixedInput.map { 1 / (1 + exp(-(max($0, 0) + $0))) }
        let actual = try interpreter.output(at: 0).floats
        #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("a node no delegate takes is an error naming the node, operator and every reason")
    func unclaimedNode() throws {
        let error = #expect(throws: InterpreterError.self) {
            try Interpreter(modelPath: try writeMixedModel(), options: .init(delegates: [try SamplePlugins.sample]))
        }
        #expect(error?.kind == .unclaimedNode)
        #expect(error?.description.contains("node 2 (LOGISTIC)") == true)
        #expect(error?.description.contains("sample: sample plugin runs only RELU") == true)
    }

    static let loadFailures: [(String, [String], String)] = [
        ("missing file", [], "no such file"),
        ("not a shared object", [], "cannot load"),
        ("missing entry symbol", [], "missing entry symbol lite_plugin_entry"),
        ("ABI major mismatch", ["-DSAMPLE_ABI_MAJOR=2"],
         "plugin built for 2.\(LITE_ABI_VERSION_MINOR), host speaks 1.\(LITE_ABI_VERSION_MINOR)"),
        ("entry refuses", ["-DSAMPLE_REFUSE"], "sample plugin built to refuse loading"),
        ("device unavailable", ["-DSAMPLE_UNAVAILABLE"], "device unavailable: no sample device"),
        ("struct too small", ["-DSAMPLE_TRUNCATED"], "lacks the required function invoke_partition"),
    ]

    @Test("a plugin asked for by path that cannot load is an error with the reason", arguments: 0..<7)
    func loadFailure(_ index: Int) throws {
        let (label, flags, message) = Self.loadFailures[index]
        let path: String
        switch label {
        case "missing file": path = SamplePlugins.folder + "/liblite_delegate_nothing.so"
        case "not a shared object":
            path = SamplePlugins.folder + "/liblite_delegate_text.so"
            try Data("not an ELF file".utf8).write(to: URL(fileURLWithPath: path))
        case "missing entry symbol":
            let source = SamplePlugins.folder + "/no_entry.c"
            try Data("int lite_something_else(void) { return 1; }\n".utf8).write(to: URL(fileURLWithPath: source))
            path = try SamplePlugins.build("liblite_delegate_noentry.so", source: source)
        default:
            path = try SamplePlugins.build("liblite_delegate_variant\(index).so", flags: flags)
        }
        let error = #expect(throws: InterpreterError.self, "\(label)") {
            try Interpreter(modelPath: try writeMixedModel(logistic: false), options: .init(delegates: [path]))
        }
        #expect(error?.kind == .pluginLoad)
        #expect(error?.description.contains(message) == true, "\(label): \(error?.description ?? "")")
        #expect(error?.description.contains(path) == true, "\(label) names the plugin")
    }

    @Test("a plugin from a later minor version, with larger structs, loads and runs")
    func newerMinorVersion() throws {
        let plugin = try SamplePlugins.build("liblite_delegate_future.so", flags: ["-DSAMPLE_FUTURE"])
        let interpreter = try Interpreter(modelPath: try writeMixedModel(logistic: false), options: .init(delegates: [plugin]))
        try interpreter.allocateTensors()
        try interpreter.copy(floatData(mixedInput), toInputAt: 0)
        try interpreter.invoke()
        #expect(try interpreter.output(at: 0).floats == mixedInput.map { max($0, 0) + $0 })
        let library = try PluginRegistry.library(at: plugin)
        #expect(library.backends.first?.info.abiVersion == "1.99")
    }

    @Test("an unknown delegate name is an error naming it and the folders searched")
    func unknownName() throws {
        let error = #expect(throws: InterpreterError.self) {
            try Interpreter(modelPath: try writeMixedModel(logistic: false), options: .init(delegates: ["warp-drive"]))
        }
        #expect(error?.description.contains("delegate 'warp-drive': unknown delegate") == true)
    }

    @Test("default plugins that cannot be used are skipped with a warning")
    func defaultSkipsUnavailable() throws {
        let folder = SamplePlugins.folder + "/defaults"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let ghost = try SamplePlugins.build("liblite_delegate_ghost.so", flags: ["-DSAMPLE_UNAVAILABLE", "-DSAMPLE_NAME=\"ghost\""])
        try? FileManager.default.copyItem(atPath: ghost, toPath: folder + "/liblite_delegate_ghost.so")
        try? Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/liblite_delegate_junk.so"))
        let (backends, warnings) = try PluginRegistry.resolve(requested: nil, environment: ["LITE_DELEGATE_PATH": folder])
        #expect(!backends.map(\.name).contains("ghost"))
        #expect(backends.map(\.name).last == "cpu")
        #expect(warnings.contains { $0.contains("ghost") && $0.contains("device unavailable") })
        #expect(warnings.contains { $0.contains("liblite_delegate_junk.so") })
    }

    @Test("a GPU emulated on the CPU is passed over by default and used when named")
    func softwareEmulatedGPU() throws {
        let folder = SamplePlugins.folder + "/software"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let built = try SamplePlugins.build(
            "liblite_delegate_swgpu.so", flags: ["-DSAMPLE_SOFTWARE_GPU", "-DSAMPLE_NAME=\"swgpu\""])
        try? FileManager.default.copyItem(atPath: built, toPath: folder + "/liblite_delegate_swgpu.so")
        let (defaults, _) = try PluginRegistry.resolve(requested: nil, environment: ["LITE_DELEGATE_PATH": folder])
        #expect(!defaults.map(\.name).contains("swgpu"))
        #expect(defaults.map(\.name).contains("cpu"))
        let (named, _) = try PluginRegistry.resolve(
            requested: nil, environment: ["LITE_DELEGATES": "swgpu,cpu", "LITE_DELEGATE_PATH": folder])
        #expect(named.map(\.name) == ["swgpu", "cpu"])
    }

    @Test("LITE_DELEGATES selects by name through LITE_DELEGATE_PATH, in order")
    func environmentSelection() throws {
        let folder = (try SamplePlugins.sample as NSString).deletingLastPathComponent
        let (backends, _) = try PluginRegistry.resolve(
            requested: nil, environment: ["LITE_DELEGATES": "sample, cpu", "LITE_DELEGATE_PATH": folder])
        #expect(backends.map(\.name) == ["sample", "cpu"])
    }

    @Test("a backend tied to its creator thread is called only there, whatever thread invokes")
    func creatorThread() throws {
        let plugin = try SamplePlugins.build("liblite_delegate_pinned.so", flags: ["-DSAMPLE_CREATOR_THREAD"])
        let interpreter = try Interpreter(modelPath: try writeMixedModel(logistic: false), options: .init(delegates: [plugin]))
        try interpreter.allocateTensors()
        // Each invoke from another thread: the plugin fails any call off its creator thread.
        nonisolated(unsafe) let shared = interpreter  // used by one thread at a time
        let outputs = Locked<[[Float]]>([])
        for _ in 0..<3 {
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let values = try? { () throws -> [Float] in
                    try shared.copy(floatData(mixedInput), toInputAt: 0)
                    try shared.invoke()
                    return try shared.output(at: 0).floats
                }()
                outputs.withLock { $0.append(values ?? []) }
                done.signal()
            }
            done.wait()
        }
        #expect(outputs.withLock { $0 } == Array(repeating: mixedInput.map { max($0, 0) + $0 }, count: 3))
    }

    @Test("a failing create_delegate reports the plugin's message")
    func createDelegateError() throws {
        var options = InterpreterOptions(delegates: [try SamplePlugins.sample])
        options.delegateOptions["sample.fail"] = "1"
        let error = #expect(throws: InterpreterError.self) {
            try Interpreter(modelPath: try writeMixedModel(logistic: false), options: options)
        }
        #expect(error?.description == "delegate 'sample': create_delegate failed: sample: option 'fail' was given")
    }
}
