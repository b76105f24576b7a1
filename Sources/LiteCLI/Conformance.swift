import ArgumentParser
import Foundation
import LiteHost

#if canImport(Glibc)
import Glibc
#endif

extension Lite {
    /// `lite conformance PLUGIN`: for delegate authors, what their plugin takes of the operator
    /// fixtures and of real models, and whether it computes it as the official TFLite runtime does.
    struct Conformance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a delegate plugin: what it takes, and whether it computes it as TFLite does.",
            discussion: """
                Runs every operator fixture, then every real-model golden, with the delegates PLUGIN then \
                cpu (cpu alone when PLUGIN is cpu), and compares each output with the official TFLite \
                runtime's: max|actual - expected| / max(max|expected|, 1e-6) against the case's tolerance \
                (at least 1e-3 on a GPU backend; --tolerance overrides). A case PLUGIN declines entirely is \
                reported as declined, not as a failure. scripts/conformance_kit.sh makes the fixtures and \
                the goldens. Exit status 0 when nothing PLUGIN took failed or errored, 1 otherwise.
                """)

        @Argument(help: "The delegate to check: a name (cpu, vulkan, gles) or a path to a .so.")
        var plugin: String

        @Option(name: .long, help: "Operator fixtures (default: $LITE_FIXTURES, else $LITE_CACHE/fixtures, else ~/.cache/lite/fixtures).")
        var fixtures: String?

        @Option(name: .long, help: "Real-model goldens (default: $LITE_CACHE/conformance, else ~/.cache/lite/conformance).")
        var goldens: String?

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        @Option(name: .long, help: "Allowed relative error for every output, instead of each case's own (e.g. 2e-2 with fp16).")
        var tolerance: Double?

        @Option(name: .long, help: "Precision: fp32 or fp16 (GPU delegates).")
        var precision = "fp32"

        @Option(name: .customLong("option"), help: "Extra delegate option KEY=VALUE (NAME.KEY for one delegate). Repeatable.")
        var extraOptions: [String] = []

        @Option(name: .long, help: "Only the cases and models whose name contains SUBSTRING.")
        var only: String?

        func validate() throws {
            if let tolerance, !(tolerance >= 0) { throw ValidationError("--tolerance must not be negative") }
        }

        func run() throws {
            try reportingErrors {
                let target = try Target(plugin)
                let checker = Checker(target: target, options: try interpreterOptions(for: target), toleranceOverride: tolerance)
                let cases = try Trial.fixtures(in: fixturesFolder).filter(isSelected)
                let models = try Trial.goldens(in: goldensFolder)?.filter(isSelected)
                let report = Report(
                    plugin: plugin, target: target, toleranceNote: checker.toleranceNote,
                    fixtures: fixturesFolder, cases: cases.map(checker.check),
                    goldens: goldensFolder, models: models.map { $0.map(checker.check) })
                print(json ? try ReportJSON.text(report, pretty: true) : report.text)
                if !report.succeeded { throw ExitCode(1) }
            }
        }

        private func isSelected(_ trial: Trial) -> Bool { only.map { trial.name.contains($0) } ?? true }

        /// --precision and --option read as every other command reads them, with the delegates PLUGIN, cpu.
        private func interpreterOptions(for target: Target) throws -> InterpreterOptions {
            // Parsed through DelegateSelection so that one set of rules and messages serves every command;
            // the `--name=value` form keeps a value that starts with "-" a value.
            let selection = try DelegateSelection.parse(["--precision=\(precision)"] + extraOptions.map { "--option=\($0)" })
            var options = try selection.interpreterOptions()
            options.delegates = target.delegates
            return options
        }

        private static var cacheFolder: String {
            let environment = ProcessInfo.processInfo.environment
            if let cache = environment["LITE_CACHE"], !cache.isEmpty { return cache }
            return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/lite"
        }

        /// Where the tests' fixtures are too (Tests/TestSupport/Fixtures.swift).
        private var fixturesFolder: String {
            if let fixtures { return fixtures }
            if let path = ProcessInfo.processInfo.environment["LITE_FIXTURES"], !path.isEmpty { return path }
            return Self.cacheFolder + "/fixtures"
        }

        private var goldensFolder: String { goldens ?? Self.cacheFolder + "/conformance" }
    }
}

// MARK: - The plugin under test

extension Lite.Conformance {
    /// The plugin being checked: its backends as it describes them, and how the interpreters name it.
    struct Target {
        /// What the interpreters are given: the delegate name, or the plugin file's path.
        let entry: String
        let backends: [BackendDescription]

        var names: [String] { backends.map(\.name) }
        var isGPU: Bool { backends.contains { $0.kind == "gpu" } }
        /// PLUGIN, then the CPU delegate for what it declines.
        var delegates: [String] { names.contains("cpu") ? [entry] : [entry, "cpu"] }
        var delegateNames: [String] { names.contains("cpu") ? names : names + ["cpu"] }

        /// Finds the plugin by name (in the registry's search folders) or by path, loads it and checks
        /// its device.
        /// - Throws: `CLIError` saying why the plugin cannot be used.
        init(_ argument: String) throws {
            if argument.contains("/") || argument.hasSuffix(".so") {
                try self.init(path: argument)
            } else {
                try self.init(name: argument)
            }
        }

        private init(name: String) throws {
            let file = "liblite_delegate_\(name).so"
            guard let found = PluginRegistry.survey().first(where: { ($0.path as NSString).lastPathComponent == file }) else {
                throw CLIError(
                    "delegate '\(name)': unknown delegate: no \(file) in \(PluginRegistry.searchFolders().joined(separator: ", ")) "
                        + "(set LITE_DELEGATE_PATH or give a path to the .so)")
            }
            if let error = found.error { throw CLIError("delegate '\(name)': \(error.message)") }
            let matching = found.backends.filter { $0.info.name == name }
            guard !matching.isEmpty else {
                let provided = found.backends.map(\.info.name).joined(separator: ", ")
                throw CLIError("delegate '\(name)': \(found.path) provides \(provided), not '\(name)'")
            }
            entry = name
            backends = try Self.usable(matching)
        }

        private init(path: String) throws {
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such file") }
            let found = PluginRegistry.describe(path: path)
            if let error = found.error { throw CLIError(error.message) }
            backends = try Self.usable(found.backends)
            entry = path
        }

        /// The backends' descriptions, when each has a device.
        private static func usable(
            _ backends: [(info: BackendDescription, device: Result<String, InterpreterError>)]
        ) throws -> [BackendDescription] {
            try backends.map { backend in
                if case .failure(let error) = backend.device { throw CLIError(error.message) }
                return backend.info
            }
        }

        /// One line for an error of a call on the plugin.
        func describe(_ error: Error) -> String { "\(error)".replacingOccurrences(of: "\n", with: " ") }
    }
}

// MARK: - Cases

extension Lite.Conformance {
    /// One model with inputs and reference outputs: an operator fixture or a real-model golden.
    struct Trial {
        let name: String
        let modelPath: String
        let inputPaths: [String]
        let expectedPaths: [String]
        /// The allowed relative error of each output.
        let tolerances: [Double]

        /// The cases of scripts/fixtures/make_op_fixtures.py's manifest: `NAME<TAB>inputs<TAB>outputs<TAB>tolerance`,
        /// with NAME.tflite, NAME.input_I.npy and NAME.expected_I.npy beside it.
        /// - Throws: `CLIError` when the folder has no manifest or a line is malformed.
        static func fixtures(in folder: String) throws -> [Trial] {
            let manifest = (folder as NSString).appendingPathComponent("manifest.txt")
            guard let text = try? String(contentsOfFile: manifest, encoding: .utf8) else {
                throw CLIError("no operator fixtures in \(folder) (no manifest.txt): run scripts/conformance_kit.sh or pass --fixtures")
            }
            let trials = try rows(of: text, in: manifest, columns: 4).map { fields in
                guard let inputs = Int(fields[1]), let outputs = Int(fields[2]), let tolerance = Double(fields[3]) else {
                    throw CLIError("\(manifest): bad line '\(fields.joined(separator: "\t"))'")
                }
                return Trial(folder: folder, name: fields[0], model: fields[0] + ".tflite", inputs: inputs,
                             tolerances: Array(repeating: tolerance, count: outputs))
            }
            guard !trials.isEmpty else { throw CLIError("no operator fixtures in \(folder) (manifest.txt is empty)") }
            return trials
        }

        /// The models of scripts/fixtures/make_model_goldens.py's manifest:
        /// `NAME<TAB>model<TAB>inputs<TAB>outputs<TAB>tolerance,tolerance,...` (one tolerance per output),
        /// with NAME.input_I.npy and NAME.expected_I.npy beside it; nil when the folder has no manifest.
        /// - Throws: `CLIError` when a line is malformed.
        static func goldens(in folder: String) throws -> [Trial]? {
            let manifest = (folder as NSString).appendingPathComponent("manifest.txt")
            guard let text = try? String(contentsOfFile: manifest, encoding: .utf8) else { return nil }
            return try rows(of: text, in: manifest, columns: 5).map { fields in
                let tolerances = fields[4].split(separator: ",").compactMap { Double($0) }
                guard let inputs = Int(fields[2]), let outputs = Int(fields[3]), tolerances.count == outputs else {
                    throw CLIError("\(manifest): bad line '\(fields.joined(separator: "\t"))'")
                }
                return Trial(folder: folder, name: fields[0], model: fields[1], inputs: inputs, tolerances: tolerances)
            }
        }

        private init(folder: String, name: String, model: String, inputs: Int, tolerances: [Double]) {
            let base = (folder as NSString).appendingPathComponent(name)
            self.name = name
            modelPath = model.hasPrefix("/") ? model : (folder as NSString).appendingPathComponent(model)
            inputPaths = (0..<inputs).map { base + ".input_\($0).npy" }
            expectedPaths = tolerances.indices.map { base + ".expected_\($0).npy" }
            self.tolerances = tolerances
        }

        /// The tab-separated fields of each non-empty line.
        private static func rows(of text: String, in manifest: String, columns: Int) throws -> [[String]] {
            try text.split(separator: "\n").map { line in
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= columns, !fields[0].isEmpty else { throw CLIError("\(manifest): bad line '\(line)'") }
                return fields
            }
        }
    }
}

// MARK: - Running a case

extension Lite.Conformance {
    /// Runs cases through the delegates under test and compares their outputs with the references.
    struct Checker {
        let target: Target
        let options: InterpreterOptions
        let toleranceOverride: Double?

        /// GPU kernels accumulate in other orders and use hardware transcendentals: the least tolerance
        /// on a GPU backend (what scripts/test.sh allows the GPU delegates on real models).
        static let gpuTolerance = 1e-3

        /// The tolerance for an output whose case allows `tolerance`.
        func tolerance(_ tolerance: Double) -> Double {
            if let toleranceOverride { return toleranceOverride }
            return target.isGPU ? max(tolerance, Self.gpuTolerance) : tolerance
        }

        var toleranceNote: String? {
            if let toleranceOverride { return "--tolerance \(toleranceOverride) for every output" }
            if target.isGPU { return "\(target.names.joined(separator: ", ")) is a GPU backend: every tolerance is at least 1e-3" }
            return nil
        }

        /// What the plugin took of the case's nodes and, when it took any, how its outputs compare.
        func check(_ trial: Trial) -> CaseReport {
            let interpreter: Interpreter
            do {
                interpreter = try Interpreter(modelPath: trial.modelPath, options: options)
            } catch {
                return CaseReport(trial, nodes: [], partitions: 0, result: .error, message: target.describe(error))
            }
            let plan = interpreter.partitionPlan
            let nodes = plan.nodes.map(nodeReport)
            guard nodes.contains(where: \.taken) else {
                return CaseReport(trial, nodes: nodes, partitions: plan.partitions.count, result: .declined)
            }
            do {
                let outputs = try run(interpreter, trial)
                return CaseReport(trial, nodes: nodes, partitions: plan.partitions.count,
                                  result: outputs.allSatisfy(\.passed) ? .passed : .failed, outputs: outputs)
            } catch {
                return CaseReport(trial, nodes: nodes, partitions: plan.partitions.count, result: .error,
                                  message: target.describe(error))
            }
        }

        private func nodeReport(_ decision: PartitionPlan.NodeDecision) -> NodeReport {
            let reasons = decision.declined.filter { target.names.contains($0.delegate) }.map(\.reason)
            return NodeReport(
                node: decision.node, operator: decision.operatorName, delegate: decision.delegate,
                taken: target.names.contains(decision.delegate),
                declinedReason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
        }

        /// Allocates, copies the inputs in, invokes and compares every output.
        private func run(_ interpreter: Interpreter, _ trial: Trial) throws -> [OutputReport] {
            guard interpreter.inputTensorCount == trial.inputPaths.count,
                  interpreter.outputTensorCount == trial.expectedPaths.count
            else {
                throw CLIError("the model has \(interpreter.inputTensorCount) inputs and \(interpreter.outputTensorCount) "
                    + "outputs, the case \(trial.inputPaths.count) and \(trial.expectedPaths.count)")
            }
            let inputs = try trial.inputPaths.map { try NumpyArray(contentsOf: $0) }
            try interpreter.allocateTensors()
            for (index, array) in inputs.enumerated() {
                let tensor = try interpreter.input(at: index)
                guard array.dataType == tensor.dataType, array.shape == tensor.shape else {
                    throw CLIError("input \(index): the case has \(array.dataType) \(shapeText(array.shape)), "
                        + "the model takes \(tensor.dataType) \(shapeText(tensor.shape))")
                }
                try interpreter.copy(array.data, toInputAt: index)
            }
            try interpreter.invoke()
            return try trial.expectedPaths.enumerated().map { index, path in
                let expected = try NumpyArray(contentsOf: path)
                let actual = try interpreter.output(at: index)
                let error = Self.relativeError(NumpyArray(tensor: actual), expected)
                let allowed = tolerance(trial.tolerances[index])
                let note = actual.shape == expected.shape
                    ? nil : "shape \(shapeText(actual.shape)), expected \(shapeText(expected.shape))"
                return OutputReport(index: index, name: actual.name, maxRelativeError: error, tolerance: allowed,
                                    passed: error <= allowed, note: note)
            }
        }

        /// OutputComparison's rule (the tests' own); infinite when the shapes differ.
        static func relativeError(_ actual: NumpyArray, _ expected: NumpyArray) -> Double {
            guard actual.shape == expected.shape else { return .infinity }
            return OutputComparison.relativeError(values(of: actual), values(of: expected))
        }

        /// The elements of `array` as doubles.
        private static func values(of array: NumpyArray) -> [Double] {
            array.data.withUnsafeBytes { raw in
                // Safe: every offset lies below raw.count, which is a whole number of elements
                // (NumpyArray and Tensor hold exactly shape-many); loads are unaligned-tolerant.
                func load<T>(_: T.Type, _ convert: (T) -> Double) -> [Double] {
                    stride(from: 0, to: raw.count - MemoryLayout<T>.size + 1, by: MemoryLayout<T>.size).map {
                        convert(raw.loadUnaligned(fromByteOffset: $0, as: T.self))
                    }
                }
                switch array.dataType {
                case .float32: return load(Float.self) { Double($0) }
                case .float16: return load(UInt16.self) { Double(Float(Float16(bitPattern: $0))) }
                case .int32: return load(Int32.self) { Double($0) }
                case .int64: return load(Int64.self) { Double($0) }
                case .bool: return load(UInt8.self) { $0 == 0 ? 0 : 1 }
                }
            }
        }
    }
}
