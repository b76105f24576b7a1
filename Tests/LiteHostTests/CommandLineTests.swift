import Foundation
import LiteHost
import Testing
import TestSupport

/// The `lite` executable built beside the tests: every bad input is one line on stderr and a
/// non-zero exit; good input writes the outputs.
@Suite("lite command line", .enabled(if: Fixtures.shouldRun, "needs the operator fixtures: scripts/test.sh or scripts/conformance_kit.sh makes them"))
struct CommandLineTests {
    static let folder: String = {
        let path = NSTemporaryDirectory() + "lite-cli-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// The `lite` binary in the build folder holding this test bundle.
    static var lite: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent("lite")
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func lite(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: lite)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func write(_ array: NumpyArray, _ name: String) throws -> String {
        let path = folder + "/" + name
        try array.npyData.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("run writes outputs that match TFLite")
    func runWritesOutputs() throws {
        let fixture = try InterpreterTests.fixture("multi_input_output")
        let output = Self.folder + "/out-ok"
        let result = try Self.lite(
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
        let relu = try InterpreterTests.fixture("relu")
        let good = relu.inputPath(0)
        var model = relu.modelPath
        var inputs = [good]
        var extra: [String] = ["--delegates", "cpu"]
        var output = Self.folder + "/out-bad"
        switch label {
        case "missing model": model = Self.folder + "/absent.tflite"
        case "not a model":
            model = Self.folder + "/text.tflite"
            try Data("hello, this is not a flatbuffer at all".utf8).write(to: URL(fileURLWithPath: model))
        case "missing input file": inputs = [Self.folder + "/absent.npy"]
        case "not an npy file":
            inputs = [Self.folder + "/text.npy"]
            try Data("plain text".utf8).write(to: URL(fileURLWithPath: inputs[0]))
        case "wrong input count": inputs = [good, good]
        case "wrong shape":
            inputs = [try Self.write(.init(dataType: .float32, shape: [1, 7, 5, 3], data: Data(count: 420)), "shape.npy")]
        case "wrong dtype":
            inputs = [try Self.write(.init(dataType: .int32, shape: [1, 5, 7, 3], data: Data(count: 420)), "int.npy")]
        case "unknown delegate": extra = ["--delegates", "nosuchdelegate"]
        case "bad precision": extra = ["--precision", "fp8"]
        case "directory as input": inputs = [Self.folder]
        case "/dev/null as input": inputs = ["/dev/null"]
        case "output directory is a file":
            output = Self.folder + "/a-file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: output))
        case "output directory not writable":
            // Below a regular file nothing can be created, whoever runs the test (root included).
            output = Self.folder + "/a-file/out"
            try Data("x".utf8).write(to: URL(fileURLWithPath: Self.folder + "/a-file"))
        default: Issue.record("no case \(label)")
        }
        let result = try Self.lite(
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
        let relu = try InterpreterTests.fixture("relu")
        let arguments = ["run", relu.modelPath, "--input", relu.inputPath(0), "--output-dir", Self.folder + "/out-kernel",
                         "--delegates", delegate]
        // Without a device (no Mesa drivers on this machine) there is nothing to compile.
        let healthy = try Self.lite(arguments)
        guard !healthy.stderr.contains("device unavailable") else { return }
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let kernels = Self.folder + "/broken-kernels"
        try FileManager.default.createDirectory(atPath: kernels, withIntermediateDirectories: true)
        try Data("this is not GLSL;\n".utf8).write(to: URL(fileURLWithPath: kernels + "/elementwise.comp"), options: .atomic)
        let broken = try Self.lite(arguments, environment: ["LITE_GPU_KERNEL_DIR": kernels])
        #expect(broken.status == 1)
        #expect(broken.stderr.split(separator: "\n").count == 1, "\(broken.stderr)")
        #expect(broken.stderr.contains("node 0 (RELU)") && broken.stderr.contains("'elementwise'"), "\(broken.stderr)")
    }

    @Test("vulkan's compile_threads option: out-of-range values are a one-line error, 1 builds on the caller alone")
    func vulkanCompileThreads() throws {
        let relu = try InterpreterTests.fixture("relu")
        let arguments = ["run", relu.modelPath, "--input", relu.inputPath(0), "--output-dir", Self.folder + "/out-threads",
                         "--delegates", "vulkan"]
        let healthy = try Self.lite(arguments)
        guard !healthy.stderr.contains("device unavailable") else { return }
        #expect(healthy.status == 0, "\(healthy.stderr)")
        for value in ["0", "17", "two", ""] {
            let result = try Self.lite(arguments + ["--option", "vulkan.compile_threads=\(value)"])
            #expect(result.status != 0, "compile_threads=\(value)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("compile_threads must be 1..16"), "\(result.stderr)")
        }
        let one = try Self.lite(arguments + ["--option", "vulkan.compile_threads=1"])
        #expect(one.status == 0, "\(one.stderr)")
    }

    @Test("boolean options read alike in every plugin: 1/0, true/false, yes/no, on/off; anything else is an error",
          arguments: ["vulkan.validation", "gles.profile"])
    func booleanOptions(_ option: String) throws {
        let relu = try InterpreterTests.fixture("relu")
        let delegate = String(option.prefix { $0 != "." })
        let arguments = ["run", relu.modelPath, "--input", relu.inputPath(0), "--output-dir", Self.folder + "/out-bool-\(delegate)",
                         "--delegates", delegate]
        let healthy = try Self.lite(arguments)
        guard !healthy.stderr.contains("device unavailable") else { return }
        for value in ["1", "off", "YES", "False"] {
            let result = try Self.lite(arguments + ["--option", "\(option)=\(value)"])
            #expect(result.status == 0, "\(option)=\(value): \(result.stderr)")
        }
        let bad = try Self.lite(arguments + ["--option", "\(option)=maybe"])
        #expect(bad.status == 1 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("must be 1/0, true/false, yes/no or on/off, got 'maybe'"), "\(bad.stderr)")
    }

    @Test("bench --json reports the promised fields")
    func benchJSON() throws {
        let result = try Self.lite(["bench", try InterpreterTests.fixture("conv2d_3x3_same").modelPath, "--json", "--runs", "3",
                                    "--delegates", "cpu"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        for key in ["init_ms", "first_ms", "median_ms", "min_ms", "p90_ms", "peak_rss_mb"] {
            #expect(object?[key] is Double, "\(key)")
        }
    }

    @Test("inspect and delegates describe the plan and the plugins")
    func inspectAndDelegates() throws {
        let inspect = try Self.lite(["inspect", try InterpreterTests.fixture("multi_input_output").modelPath, "--json",
                                     "--delegates", "cpu"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let plan = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        #expect((plan?["partitions"] as? [Any])?.count == 1)
        #expect((plan?["inputs"] as? [Any])?.count == 2)
        let delegates = try Self.lite(["delegates", "--json"])
        #expect(delegates.status == 0)
        #expect(delegates.stdout.contains("\"name\" : \"cpu\""))
        #expect(delegates.stdout.contains("CONV_2D"))
    }
}
