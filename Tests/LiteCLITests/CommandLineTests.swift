import Foundation
import LiteHost
import Testing
import TestSupport

/// The `lite` executable built beside the tests: every bad input is one line on stderr and a
/// non-zero exit; good input writes the outputs.
@Suite("lite command line", .enabled(if: Fixtures.shouldRun, "needs the operator fixtures: scripts/test.sh or scripts/conformance_kit.sh makes them"))
struct CommandLineTests {
    @Test("run writes outputs that match TFLite")
    func runWritesOutputs() throws {
        let fixture = try Fixtures.named("multi_input_output")
        let output = LiteCommand.folder + "/out-ok"
        let result = try LiteCommand.run(
            ["run", fixture.modelPath, "--input", fixture.inputPath(0), "--input", fixture.inputPath(1), "--output-dir", output,
             "--delegates", Fixtures.delegates.joined(separator: ",")])
        #expect(result.status == 0, "\(result.stderr)")
        for index in 0..<fixture.outputCount {
            let actual = try NumpyArray(contentsOf: output + "/output_\(index).npy")
            let expected = try NumpyArray(contentsOf: fixture.expectedPath(index))
            #expect(actual.shape == expected.shape)
            #expect(Fixtures.relativeError(actual.floats, expected.floats) <= fixture.tolerance)
        }
    }

    static let badInputs: [(String, String)] = [
        ("missing model", "cannot open"),
        ("not a model", "not a TFLite model"),
        ("missing input file", "cannot read"),
        ("not an npy file", "not a .npy file"),
        ("wrong input count", "model has 1 inputs, got 2 --input files"),
        ("wrong shape", "does not match the model's [1, 5, 7, 3]"),
        ("wrong dtype", "dtype int32, the model expects float32"),
        ("unknown delegate", "unknown delegate"),
        ("bad precision", "is invalid for '--precision"),
        ("directory as input", "is a directory, not a .npy file"),
        ("/dev/null as input", "/dev/null: not a .npy file"),
        ("output directory is a file", "is a file, not a directory"),
        ("output directory not writable", "cannot create output directory"),
    ]

    @Test("bad input gives one line on stderr and a non-zero exit", arguments: 0..<13)
    func badInput(_ index: Int) throws {
        let (label, message) = Self.badInputs[index]
        let relu = try Fixtures.named("relu")
        let good = relu.inputPath(0)
        var model = relu.modelPath
        var inputs = [good]
        var extra: [String] = ["--delegates", "cpu"]
        var output = LiteCommand.folder + "/out-bad"
        switch label {
        case "missing model": model = LiteCommand.folder + "/absent.tflite"
        case "not a model":
            model = LiteCommand.folder + "/text.tflite"
            try Data("hello, this is not a flatbuffer at all".utf8).write(to: URL(fileURLWithPath: model))
        case "missing input file": inputs = [LiteCommand.folder + "/absent.npy"]
        case "not an npy file":
            inputs = [LiteCommand.folder + "/text.npy"]
            try Data("plain text".utf8).write(to: URL(fileURLWithPath: inputs[0]))
        case "wrong input count": inputs = [good, good]
        case "wrong shape":
            inputs = [try LiteCommand.write(.init(dataType: .float32, shape: [1, 7, 5, 3], data: Data(count: 420)), "shape.npy")]
        case "wrong dtype":
            inputs = [try LiteCommand.write(.init(dataType: .int32, shape: [1, 5, 7, 3], data: Data(count: 420)), "int.npy")]
        case "unknown delegate": extra = ["--delegates", "nosuchdelegate"]
        case "bad precision": extra = ["--precision", "fp8"]
        case "directory as input": inputs = [LiteCommand.folder]
        case "/dev/null as input": inputs = ["/dev/null"]
        case "output directory is a file":
            output = LiteCommand.folder + "/a-file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: output))
        case "output directory not writable":
            // Below a regular file nothing can be created, whoever runs the test (root included).
            output = LiteCommand.folder + "/a-file/out"
            try Data("x".utf8).write(to: URL(fileURLWithPath: LiteCommand.folder + "/a-file"))
        default: Issue.record("no case \(label)")
        }
        let result = try LiteCommand.run(
            ["run", model, "--output-dir", output] + inputs.flatMap { ["--input", $0] } + extra)
        #expect(result.status != 0, "\(label)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(label): \(result.stderr)")
        #expect(result.stderr.hasPrefix("lite: error: "), "\(label): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(label): \(result.stderr)")
    }

    @Test("a GPU kernel that does not compile is a one-line error naming the node and operator",
          arguments: ["vulkan", "gles"])
    func brokenKernel(_ delegate: String) throws {
        let relu = try Fixtures.named("relu")
        let arguments = ["run", relu.modelPath, "--input", relu.inputPath(0), "--output-dir", LiteCommand.folder + "/out-kernel",
                         "--delegates", delegate]
        // Without a device (no Mesa drivers on this machine) there is nothing to compile.
        let healthy = try LiteCommand.run(arguments)
        guard !healthy.stderr.contains("device unavailable") else { return }
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let kernels = LiteCommand.folder + "/broken-kernels"
        try FileManager.default.createDirectory(atPath: kernels, withIntermediateDirectories: true)
        try Data("this is not GLSL;\n".utf8).write(to: URL(fileURLWithPath: kernels + "/elementwise.comp"), options: .atomic)
        let broken = try LiteCommand.run(arguments, environment: ["LITE_GPU_KERNEL_DIR": kernels])
        #expect(broken.status == 1)
        #expect(broken.stderr.split(separator: "\n").count == 1, "\(broken.stderr)")
        #expect(broken.stderr.contains("node 0 (RELU)") && broken.stderr.contains("'elementwise'"), "\(broken.stderr)")
    }

    @Test("vulkan's compile_threads option: out-of-range values are a one-line error, 1 builds on the caller alone")
    func vulkanCompileThreads() throws {
        let relu = try Fixtures.named("relu")
        let arguments = ["run", relu.modelPath, "--input", relu.inputPath(0), "--output-dir", LiteCommand.folder + "/out-threads",
                         "--delegates", "vulkan"]
        let healthy = try LiteCommand.run(arguments)
        guard !healthy.stderr.contains("device unavailable") else { return }
        #expect(healthy.status == 0, "\(healthy.stderr)")
        for value in ["0", "17", "two", ""] {
            let result = try LiteCommand.run(arguments + ["--option", "vulkan.compile_threads=\(value)"])
            #expect(result.status != 0, "compile_threads=\(value)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("compile_threads must be 1..16"), "\(result.stderr)")
        }
        let one = try LiteCommand.run(arguments + ["--option", "vulkan.compile_threads=1"])
        #expect(one.status == 0, "\(one.stderr)")
    }

    @Test("boolean options read alike in every plugin: 1/0, true/false, yes/no, on/off; anything else is an error",
          arguments: ["vulkan.validation", "gles.profile"])
    func booleanOptions(_ option: String) throws {
        let relu = try Fixtures.named("relu")
        let delegate = String(option.prefix { $0 != "." })
        let arguments = ["run", relu.modelPath, "--input", relu.inputPath(0), "--output-dir", LiteCommand.folder + "/out-bool-\(delegate)",
                         "--delegates", delegate]
        let healthy = try LiteCommand.run(arguments)
        guard !healthy.stderr.contains("device unavailable") else { return }
        for value in ["1", "off", "YES", "False"] {
            let result = try LiteCommand.run(arguments + ["--option", "\(option)=\(value)"])
            #expect(result.status == 0, "\(option)=\(value): \(result.stderr)")
        }
        let bad = try LiteCommand.run(arguments + ["--option", "\(option)=maybe"])
        #expect(bad.status == 1 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("must be 1/0, true/false, yes/no or on/off, got 'maybe'"), "\(bad.stderr)")
    }

    @Test("bench --json reports the promised fields")
    func benchJSON() throws {
        let result = try LiteCommand.run(["bench", try Fixtures.named("conv2d_3x3_same").modelPath, "--json", "--runs", "3",
                                    "--delegates", "cpu"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        for key in ["init_ms", "first_ms", "median_ms", "min_ms", "p90_ms", "peak_rss_mb"] {
            #expect(object?[key] is Double, "\(key)")
        }
    }

    @Test("inspect and delegates describe the plan and the plugins")
    func inspectAndDelegates() throws {
        let inspect = try LiteCommand.run(["inspect", try Fixtures.named("multi_input_output").modelPath, "--json",
                                     "--delegates", "cpu"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let plan = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        #expect((plan?["partitions"] as? [Any])?.count == 1)
        #expect((plan?["inputs"] as? [Any])?.count == 2)
        let delegate = (plan?["delegates"] as? [[String: Any]])?.first
        #expect(delegate.map { Set($0.keys) } == ["name", "library", "precision", "min_partition_nodes", "max_partitions"])
        #expect(delegate?["max_partitions"] is NSNull, "no limit is null, not left out")
        let partition = (plan?["partitions"] as? [[String: Any]])?.first
        // The CPU delegate does not describe its partitions: no summary, dispatches, kernels or device_bytes.
        #expect(partition.map { Set($0.keys) } == ["delegate", "nodes", "inputs", "outputs"])
        // The C API's lite_interpreter_plan_json is the same report, before preparing: the same keys
        // and values, less what each delegate made of its partition.
        let interpreter = try Interpreter(modelPath: try Fixtures.named("multi_input_output").modelPath,
                                          options: InterpreterOptions(delegates: ["cpu"]))
        let report = try ReportJSON.text(interpreter.partitionPlan.report(warnings: interpreter.warnings), pretty: false)
        var expected = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        var shown = try #require(plan)
        for key in ["model", "inputs", "outputs", "operators", "optimizer", "load_folding"] { shown[key] = nil }
        shown["partitions"] = (shown["partitions"] as? [[String: Any]])?.map {
            $0.filter { !["summary", "dispatches", "kernels", "device_bytes"].contains($0.key) }
        }
        #expect(NSDictionary(dictionary: shown).isEqual(to: expected), "inspect: \(shown)\nplan: \(expected)")
        let delegates = try LiteCommand.run(["delegates", "--json"])
        #expect(delegates.status == 0)
        #expect(delegates.stdout.contains("\"name\" : \"cpu\""))
        #expect(delegates.stdout.contains("CONV_2D"))
    }
}
