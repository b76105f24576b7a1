import DelegateABI
import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// The forwarding test plugin (Tests/Plugins/forwarding_delegate.c), built with `cc` from the ABI
/// header alone: it takes a random or given subset of the nodes a real delegate takes, forwards the
/// arithmetic to that delegate, and misbehaves on request.
enum ForwardingPlugins {
    static let source = SamplePlugins.repository + "/Tests/Plugins/forwarding_delegate.c"

    /// The shipped plugin `name` as built beside the test bundle.
    static func shipped(_ name: String) -> String? {
        PluginRegistry.discoverPluginFiles().first { $0.hasSuffix("/liblite_delegate_\(name).so") }
    }

    /// A forwarding plugin to the shipped delegate `inner`, built with extra `flags` into `file`.
    static func build(_ file: String, to inner: String = "cpu", flags: [String] = []) throws -> String {
        guard let target = shipped(inner) else { throw MissingPlugin(name: inner) }
        return try SamplePlugins.build(file, flags: ["-DFORWARD_TO=\"\(target)\"", "-ldl"] + flags, source: source)
    }

    struct MissingPlugin: Error { let name: String }
}

/// The MediaPipe models in the cache (scripts/fixtures/fetch_models.sh), when present.
enum CachedModels {
    static var folder: String { Fixtures.cache + "/models" }

    static func path(_ name: String) -> String? {
        let path = folder + "/\(name).tflite"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// Runs `modelPath` once with `options` on seeded random inputs in [0, 1]; returns the outputs and
/// the plan.
func runModel(_ modelPath: String, options: InterpreterOptions, seed: UInt64 = 7) throws -> (outputs: [[Float]], plan: PartitionPlan) {
    let interpreter = try Interpreter(modelPath: modelPath, options: options)
    try interpreter.allocateTensors()
    var generator = SeededGenerator(seed: seed)
    for index in 0..<interpreter.inputTensorCount {
        let count = try interpreter.input(at: index).shape.reduce(1, *)
        try interpreter.copy(floatData((0..<count).map { _ in Float.random(in: 0...1, using: &generator) }), toInputAt: index)
    }
    try interpreter.invoke()
    let outputs = try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).floats }
    return (outputs, interpreter.partitionPlan)
}

@Suite("Several delegates on one graph")
struct MultiDelegateTests {
    /// The mixed model with the forwarding plugin to cpu ahead of cpu, given the forwarding plugin's
    /// `options` (its misbehaviours on request).
    static func forwardingInterpreter(_ options: [String: String]) throws -> Interpreter {
        var interpreterOptions = InterpreterOptions(delegates: [try ForwardingPlugins.build("liblite_forward_cpu.so"), "cpu"])
        interpreterOptions.delegateOptions = options
        return try Interpreter(modelPath: try writeMixedModel(), options: interpreterOptions)
    }

    /// Real models whose every node the CPU delegate runs.
    static let models = ["face_landmark", "iris_landmark", "pose_detection", "selfie_segmentation", "hand_landmark_full"]

    @Test("random subsets taken ahead of cpu and forwarded to it: no crash, outputs as on cpu alone", arguments: models)
    func randomSubsets(_ name: String) throws {
        guard let model = CachedModels.path(name) else {
            print("skipped: \(name) not in \(CachedModels.folder) (scripts/fixtures/fetch_models.sh)")
            return
        }
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        let reference = try runModel(model, options: .init(delegates: ["cpu"])).outputs
        for seed in 1...12 {
            var options = InterpreterOptions(delegates: [forward, "cpu"])
            options.delegateOptions = [
                "forward.seed": "\(seed)", "forward.fraction": seed % 3 == 0 ? "0.9" : "0.5",
                // Every partition kept, however small, to reach every shape of claim.
                "forward.min_partition_nodes": "1",
            ]
            let (outputs, plan) = try runModel(model, options: options)
            #expect(plan.partitions.contains { $0.delegate == "forward" }, "\(name) seed \(seed)")
            for (index, output) in outputs.enumerated() {
                let error = Fixtures.relativeError(output, reference[index])
                #expect(error <= 1e-4, "\(name) seed \(seed) output \(index): relative error \(error)")
            }
        }
    }

    @Test("three delegates on one graph: two forwarding plugins with their own random subsets ahead of cpu")
    func threeDelegates() throws {
        let first = try ForwardingPlugins.build("liblite_forward_first.so", flags: ["-DFORWARD_NAME=\"first\""])
        let second = try ForwardingPlugins.build("liblite_forward_second.so", flags: ["-DFORWARD_NAME=\"second\""])
        for name in ["face_landmark", "pose_detection", "hand_landmark_full"] {
            guard let model = CachedModels.path(name) else { continue }
            let reference = try runModel(model, options: .init(delegates: ["cpu"])).outputs
            for seed in 1...4 {
                var options = InterpreterOptions(delegates: [first, second, "cpu"])
                options.delegateOptions = [
                    "first.seed": "\(seed)", "first.fraction": "0.4", "second.seed": "\(seed + 100)", "second.fraction": "0.5",
                    "min_partition_nodes": "1",
                ]
                let (outputs, plan) = try runModel(model, options: options)
                #expect(Set(plan.partitions.map(\.delegate)) == ["first", "second", "cpu"], "\(name) seed \(seed)")
                for (index, output) in outputs.enumerated() {
                    #expect(Fixtures.relativeError(output, reference[index]) <= 1e-4, "\(name) seed \(seed) output \(index)")
                }
            }
        }
    }

    @Test("the smallest known case of the old dependency cycle: face_landmark nodes {67, 77, 81, 87}")
    func parallelBranchesOnFaceLandmark() throws {
        guard let model = CachedModels.path("face_landmark") else { return }
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        var options = InterpreterOptions(delegates: [forward, "cpu"])
        options.delegateOptions = ["forward.take": "67,77,81,87", "forward.min_partition_nodes": "1"]
        let (outputs, plan) = try runModel(model, options: options)
        let reference = try runModel(model, options: .init(delegates: ["cpu"])).outputs
        #expect(plan.partitions.filter { $0.delegate == "forward" }.flatMap(\.nodes).sorted() == [67, 77, 81, 87])
        for (index, output) in outputs.enumerated() { #expect(Fixtures.relativeError(output, reference[index]) <= 1e-4) }
    }

    @Test("a refused partition falls back to the next delegate, and the plan says why")
    func refusalFallsBack() throws {
        let interpreter = try Self.forwardingInterpreter(["forward.fraction": "1", "forward.refuse_below": "1000"])
        let plan = interpreter.partitionPlan
        #expect(plan.partitions.map(\.delegate) == ["cpu"])
        #expect(plan.rejections.first?.cause == .refused)
        #expect(plan.rejections.first?.reason.contains("refused: partition of 4 nodes") == true, "\(plan.rejections)")
        #expect(plan.nodes.allSatisfy { $0.declined.first?.reason.hasPrefix("create_partition refused") == true })
        // UNSUPPORTED is the ABI's refusal: no warning for it.
        #expect(!interpreter.warnings.contains { $0.contains("failed to create a partition") })
        try interpreter.allocateTensors()
        try interpreter.copy(floatData(mixedInput), toInputAt: 0)
        try interpreter.invoke()
        let expected = mixedInput.map { max(1 / (1 + exp(-(max($0, 0) + $0))), 0) }
        #expect(zip(try interpreter.output(at: 0).floats, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("a refusal of one partition: its nodes go on, the delegate's other partitions stay")
    func partialRefusal() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        var options = InterpreterOptions(delegates: [forward, "cpu"])
        // forward takes 0, 1 and 3 (partitions [0, 1] and [3] around cpu's node 2) and refuses the
        // partition holding node 3: the whole refused partition goes to cpu, [0, 1] stays.
        options.delegateOptions = ["forward.take": "0,1,3", "forward.refuse_nodes": "3", "forward.min_partition_nodes": "1"]
        let interpreter = try Interpreter(modelPath: try writeMixedModel(), options: options)
        let plan = interpreter.partitionPlan
        #expect(plan.partitions.map(\.delegate) == ["forward", "cpu"])
        #expect(plan.partitions.map(\.nodes) == [[0, 1], [2, 3]])
        #expect(plan.rejections.map(\.nodes) == [[3]])
        #expect(plan.nodes[3].declined == [.init(delegate: "forward", reason: "create_partition refused: refused: partition contains node 3")],
                "\(plan.nodes[3].declined)")
    }

    @Test("any other failing status falls back too, with a warning")
    func failureFallsBackWithWarning() throws {
        let interpreter = try Self.forwardingInterpreter(["forward.fraction": "1", "forward.refuse_below": "1000", "forward.refuse_status": "1"])
        #expect(interpreter.partitionPlan.partitions.map(\.delegate) == ["cpu"])
        #expect(interpreter.warnings.contains { $0.contains("delegate 'forward' failed to create a partition") })
    }

    @Test("a refused node no other delegate takes is the unsupported-node error, quoting the refusal")
    func refusalWithoutFallback() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        var options = InterpreterOptions(delegates: [forward])
        options.delegateOptions = ["forward.fraction": "1", "forward.refuse_below": "1000"]
        let error = #expect(throws: InterpreterError.self) { try Interpreter(modelPath: try writeMixedModel(), options: options) }
        #expect(error?.kind == .unclaimedNode)
        #expect(error?.description.contains("forward: create_partition refused") == true, "\(error?.description ?? "")")
    }

    @Test("min_partition_nodes passes small partitions on; max_partitions keeps the largest")
    func policies() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        // forward takes nodes 0, 1 and 3: partitions [0, 1] and [3] around cpu's node 2.
        var options = InterpreterOptions(delegates: [forward, "cpu"])
        options.delegateOptions = ["forward.take": "0,1,3", "forward.min_partition_nodes": "2"]
        var plan = try Interpreter(modelPath: try writeMixedModel(), options: options).partitionPlan
        #expect(plan.partitions.map(\.nodes) == [[0, 1], [2, 3]])
        #expect(plan.rejections == [.init(delegate: "forward", nodes: [3], cause: .policy,
                                          reason: "partition policy min_partition_nodes=2: the partition has 1 node(s)")])
        options.delegateOptions = ["forward.take": "0,1,3", "forward.min_partition_nodes": "1", "forward.max_partitions": "1"]
        plan = try Interpreter(modelPath: try writeMixedModel(), options: options).partitionPlan
        #expect(plan.partitions.map(\.nodes) == [[0, 1], [2, 3]])
        #expect(plan.rejections.first?.reason.hasPrefix("partition policy max_partitions=1") == true)
        // The default for an accelerator backend is two nodes; the CPU keeps everything.
        options.delegateOptions = ["forward.take": "0,1,3"]
        plan = try Interpreter(modelPath: try writeMixedModel(), options: options).partitionPlan
        #expect(plan.delegateDetails.map(\.policy) == [PartitionPolicy(minimumNodes: 2), PartitionPolicy()])
        #expect(plan.partitions.map(\.nodes) == [[0, 1], [2, 3]])
    }

    @Test("a policy never makes a model fail: a partition whose node has no other taker stays, with a note")
    func policyKeepsStrandedPartition() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        var options = InterpreterOptions(delegates: [forward])
        options.delegateOptions = ["forward.fraction": "1", "forward.max_partitions": "1"]
        options.partitionPolicies["forward"] = PartitionPolicy(minimumNodes: 10)
        let plan = try Interpreter(modelPath: try writeMixedModel(logistic: false), options: options).partitionPlan
        #expect(plan.partitions.map(\.nodes) == [[0, 1]])
        #expect(plan.rejections.isEmpty)
        // The whole graph is exempt from min_partition_nodes, so there is nothing to note either.
        #expect(plan.notes.isEmpty)
        let bad = #expect(throws: InterpreterError.self) {
            var invalid = options
            invalid.delegateOptions["forward.max_partitions"] = "0"
            _ = try Interpreter(modelPath: try writeMixedModel(logistic: false), options: invalid)
        }
        #expect(bad?.description.contains("max_partitions") == true)
    }

    @Test("two plugins with one backend name: an error naming both files when asked for by name, else a warning")
    func nameCollisions() throws {
        let impostor = try ForwardingPlugins.build("liblite_forward_named_cpu.so", flags: ["-DFORWARD_NAME=\"cpu\""])
        let error = #expect(throws: InterpreterError.self) {
            try Interpreter(modelPath: try writeMixedModel(), options: .init(delegates: [impostor, "cpu"]))
        }
        #expect(error?.kind == .pluginLoad)
        #expect(error?.description.contains(impostor) == true && error?.description.contains("liblite_delegate_cpu.so") == true,
                "\(error?.description ?? "")")
        // Both by path: the first is used, with a warning naming both.
        let twin = try ForwardingPlugins.build("liblite_forward_twin.so")
        let first = try ForwardingPlugins.build("liblite_forward_cpu.so")
        let (backends, warnings) = try PluginRegistry.resolve(requested: [first, twin, "cpu"])
        #expect(backends.map(\.library.path) == [first, twin, ForwardingPlugins.shipped("cpu")!].enumerated().filter { $0.offset != 1 }.map(\.element))
        #expect(warnings.contains { $0.contains(first) && $0.contains(twin) })
        // The same backend listed twice is simply used once.
        let (once, quiet) = try PluginRegistry.resolve(requested: ["cpu", ForwardingPlugins.shipped("cpu")!])
        #expect(once.map(\.name) == ["cpu"] && quiet.isEmpty)
    }

    @Test("precision reaches a backend only in a form it declares")
    func precisionByMask() throws {
        let fp32Only = try ForwardingPlugins.build("liblite_forward_fp32.so", flags: ["-DFORWARD_PRECISION_MASK=1"])
        let both = try ForwardingPlugins.build("liblite_forward_both.so", flags: ["-DFORWARD_PRECISION_MASK=3"])
        for (plugin, expected) in [(fp32Only, "precision=none"), (both, "precision=fp16")] {
            var options = InterpreterOptions(delegates: [plugin, "cpu"])
            options.precision = .fp16
            options.delegateOptions = ["forward.fraction": "1"]
            let interpreter = try Interpreter(modelPath: try writeMixedModel(), options: options)
            try interpreter.allocateTensors()
            let summary = try interpreter.partitionDetails().first??.summary ?? ""
            #expect(summary.hasPrefix(expected), "\(plugin): \(summary)")
            #expect(interpreter.partitionPlan.delegateDetails[0].precision == (plugin == both ? "fp16" : nil))
        }
    }

    @Test("a node taken whose operator the plugin did not declare is refused, with a warning")
    func undeclaredOperator() throws {
        // Declares only CONV_2D (3), yet takes RELU, ADD and LOGISTIC.
        let liar = try ForwardingPlugins.build("liblite_forward_conv_only.so", flags: ["-DFORWARD_DECLARE_ONLY=3"])
        var options = InterpreterOptions(delegates: [liar, "cpu"])
        options.delegateOptions = ["forward.fraction": "1"]
        let interpreter = try Interpreter(modelPath: try writeMixedModel(), options: options)
        #expect(interpreter.partitionPlan.partitions.map(\.delegate) == ["cpu"])
        #expect(interpreter.partitionPlan.nodes[0].declined.first?.reason.contains("took RELU v1, which its capability report does not declare") == true)
        #expect(interpreter.warnings.contains { $0.contains("4 nodes taken whose operator the capability report does not declare") },
                "\(interpreter.warnings)")
    }

    @Test("out-of-range, duplicate and late verdicts are counted and reported, never a crash")
    func badVerdicts() throws {
        let interpreter = try Self.forwardingInterpreter(["forward.fraction": "1", "forward.bad_verdicts": "1", "forward.late_verdict": "1"])
        // The first verdict for node 0 (TAKEN) stands; the plan is the one without the bad verdicts.
        #expect(interpreter.partitionPlan.partitions.map(\.delegate) == ["forward"])
        let warning = interpreter.warnings.first { $0.contains("broke the delegate ABI's rules") } ?? ""
        #expect(warning.contains("3 verdicts for nodes outside the graph"), "\(warning)")
        #expect(warning.contains("1 second verdicts for one node"), "\(warning)")
        #expect(warning.contains("1 verdicts after claim_nodes returned"), "\(warning)")
    }

    @Test("plugin messages are cut to 512 characters and stripped of control characters")
    func messagesAreCleaned() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        for mode in ["long_message", "control_chars"] {
            var options = InterpreterOptions(delegates: [forward, "cpu"])
            options.delegateOptions = ["forward.fraction": "0", "forward.\(mode)": "1"]
            let plan = try Interpreter(modelPath: try writeMixedModel(), options: options).partitionPlan
            let reason = plan.nodes[0].declined.first?.reason ?? ""
            #expect(reason.count <= PluginText.maximumLength + 6, "\(mode): \(reason.count) characters")
            #expect(!reason.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(mode): \(reason.debugDescription)")
            options.delegateOptions["forward.fail_claim"] = "1"
            let error = #expect(throws: InterpreterError.self) { try Interpreter(modelPath: try writeMixedModel(), options: options) }
            let message = error?.description ?? ""
            #expect(!message.unicodeScalars.contains { $0.value < 0x20 }, "\(mode): \(message.debugDescription)")
            #expect(message.count < 700, "\(mode): \(message.count) characters")
        }
        #expect(PluginText.clean("a\u{1B}[31mred\u{1B}[0m\r\nb\u{07}\tc").text == "ared  b  c")
        #expect(PluginText.clean(String(repeating: "x", count: 600)).text == String(repeating: "x", count: 512) + " [cut]")
    }

    @Test("LITE_VALIDATE=1 turns rule breaches into one error naming each rule; without it, one warning line")
    func strictValidation() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_cpu.so")
        let arguments = ["inspect", try writeMixedModel(), "--delegates", "\(forward),cpu", "--option", "forward.bad_verdicts=1",
                         "--option", "forward.fraction=1"]
        let strict = try LiteCommand.run(arguments, environment: ["LITE_VALIDATE": "1"])
        #expect(strict.status == 1)
        #expect(strict.stderr.split(separator: "\n").count == 1, "\(strict.stderr)")
        #expect(strict.stderr.contains("LITE_VALIDATE: plugin rules broken: 'forward'"), "\(strict.stderr)")
        #expect(strict.stderr.contains("3 verdicts for nodes outside the graph"), "\(strict.stderr)")
        let lenient = try LiteCommand.run(arguments)
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.split(separator: "\n").count == 1 && lenient.stderr.contains("broke the delegate ABI's rules"),
                "\(lenient.stderr)")
        // A well-behaved plugin passes the strict mode.
        let clean = try LiteCommand.run(["inspect", try writeMixedModel(), "--delegates", "cpu"], environment: ["LITE_VALIDATE": "1"])
        #expect(clean.status == 0, "\(clean.stderr)")
    }

    @Test("inspect shows each delegate's precision and policy, and the partitions passed on")
    func inspectShowsDecisions() throws {
        let forward = try ForwardingPlugins.build("liblite_forward_fp32.so", flags: ["-DFORWARD_PRECISION_MASK=1"])
        let result = try LiteCommand.run([
            "inspect", try writeMixedModel(), "--delegates", "\(forward),cpu", "--precision", "fp16",
            "--option", "forward.take=0,1,3", "--option", "forward.refuse_nodes=3", "--option", "forward.min_partition_nodes=1",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("forward: \(forward); precision fp16 not offered: runs its own; partition policy: keep every partition"),
                "\(result.stdout)")
        #expect(result.stdout.contains("Partitions passed on to the next delegate:\n  forward: nodes [3] (create_partition refused: "),
                "\(result.stdout)")
        let json = try LiteCommand.run([
            "inspect", try writeMixedModel(), "--delegates", "\(forward),cpu", "--json",
            "--option", "forward.take=0,1,3", "--option", "forward.refuse_nodes=3", "--option", "forward.min_partition_nodes=1",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let rejections = object?["rejections"] as? [[String: Any]]
        #expect(rejections?.first?["cause"] as? String == "refused")
        #expect(rejections?.first?["nodes"] as? [Int] == [3])
        let described = (object?["partitions"] as? [[String: Any]])?.first { $0["delegate"] as? String == "forward" }
        #expect((described?["summary"] as? String)?.hasPrefix("precision=") == true, "\(json.stdout)")
    }

    @Test("plugins built for older minor versions (1.0, 1.1: no describe_partition, no query_device_info) load, take and run")
    func olderMinorVersions() throws {
        for minor in [0, 1] {
            let old = try ForwardingPlugins.build("liblite_forward_abi1\(minor).so", flags: ["-DFORWARD_ABI_MINOR=\(minor)"])
            var options = InterpreterOptions(delegates: [old, "cpu"])
            options.delegateOptions = ["forward.fraction": "1"]
            let interpreter = try Interpreter(modelPath: try writeMixedModel(), options: options)
            #expect(interpreter.partitionPlan.partitions.map(\.delegate) == ["forward"])
            #expect(try PluginRegistry.library(at: old).backends.first?.info.abiVersion == "1.\(minor)")
            try interpreter.allocateTensors()
            #expect(try interpreter.partitionDetails() == [nil], "1.\(minor) has no describe_partition")
            try interpreter.copy(floatData(mixedInput), toInputAt: 0)
            try interpreter.invoke()
            let expected = mixedInput.map { max(1 / (1 + exp(-(max($0, 0) + $0))), 0) }
            #expect(zip(try interpreter.output(at: 0).floats, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }
}
