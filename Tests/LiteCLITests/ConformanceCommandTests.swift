import Foundation
import LiteHost
import Testing
import TestSupport

/// `lite conformance PLUGIN` against plugins whose answers are known: the sample plugin (right on
/// what it takes), the sample built with -DSAMPLE_WRONG_ADD (its ADD computes a - b) and the CPU delegate.
@Suite("lite conformance")
struct ConformanceCommandTests {
    static let noFixtures: Comment = "no operator fixtures: run scripts/conformance_kit.sh (or scripts/fixtures/make_op_fixtures.py)"
    static var hasFixtures: Bool { !Fixtures.cases.isEmpty }

    static var goldens: String { Fixtures.cache + "/conformance" }

    /// A goldens folder that does not exist, so that only the operator fixtures run.
    static let noGoldens = LiteCommand.folder + "/no-goldens"

    static var wrongPlugin: String {
        get throws {
            try SamplePlugins.build("liblite_delegate_wrong.so", flags: ["-DSAMPLE_WRONG_ADD", "-DSAMPLE_NAME=\"wrong\""])
        }
    }

    /// The parts of `--json`'s object these tests read.
    struct Report: Decodable {
        struct Node: Decodable {
            let node: Int
            let delegate: String
            let taken: Bool
            let declinedReason: String?
        }
        struct Case: Decodable {
            let name: String
            let operators: [String]
            let result: String
            let taken: Int
            let maxRelativeError: Double?
            let nodes: [Node]
        }
        struct Summary: Decodable {
            let taken, passed, failed, errors, declined: Int
        }
        let delegates: [String]
        let cases: [Case]
        let caseSummary: Summary
        let models: [Case]
        let modelsNote: String?

        func named(_ name: String) throws -> Case { try #require(cases.first { $0.name == name }, "no case \(name)") }
    }

    static func conformance(_ arguments: [String]) throws -> (LiteCommand.Result, Report?) {
        let result = try LiteCommand.run(["conformance"] + arguments)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (result, arguments.contains("--json") ? try decoder.decode(Report.self, from: Data(result.stdout.utf8)) : nil)
    }

    @Test("the sample plugin: RELU and same-shape ADD taken and passed, the rest declined as the Interpreter says",
          .enabled(if: hasFixtures, noFixtures))
    func samplePlugin() throws {
        let sample = try SamplePlugins.sample
        let (result, report) = try Self.conformance([sample, "--json", "--fixtures", Fixtures.directory, "--goldens", Self.noGoldens])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(report)
        #expect(json.delegates == ["sample", "cpu"])
        for name in ["relu", "add_same_shape"] {
            let passed = try json.named(name)
            #expect(passed.result == "passed" && passed.taken == 1, "\(name): \(passed.result)")
            #expect(passed.maxRelativeError == 0, "\(name)")
        }
        let conv = try json.named("conv2d_3x3_same")
        #expect(conv.result == "declined")
        #expect(conv.nodes.first?.declinedReason == "sample plugin runs only RELU and same-shape ADD")
        #expect(json.caseSummary.failed == 0 && json.caseSummary.errors == 0)
        #expect(json.caseSummary.taken >= 3 && json.caseSummary.declined > 0)
        #expect(json.modelsNote?.contains("no real-model goldens") == true)
        // Every case's verdicts are the ones the Interpreter's partition plan gives for the same fixture.
        for report in json.cases {
            let plan = try Interpreter(modelPath: Fixtures.directory + "/\(report.name).tflite",
                                       options: .init(delegates: [sample, "cpu"])).partitionPlan
            #expect(report.nodes.map(\.delegate) == plan.nodes.map(\.delegate), "\(report.name)")
            #expect(report.nodes.map(\.declinedReason) == plan.nodes.map { $0.declined.first?.reason }, "\(report.name)")
        }
    }

    @Test("a plugin whose ADD subtracts: the ADD cases fail, RELU passes, exit 1", .enabled(if: hasFixtures, noFixtures))
    func wrongPlugin() throws {
        let (result, report) = try Self.conformance(
            [try Self.wrongPlugin, "--json", "--fixtures", Fixtures.directory, "--goldens", Self.noGoldens])
        #expect(result.status == 1)
        let json = try #require(report)
        #expect(try json.named("relu").result == "passed")
        #expect(try json.named("add_same_shape").result == "failed")
        let failed = json.cases.filter { $0.result == "failed" }
        #expect(!failed.isEmpty && failed.allSatisfy { $0.operators.contains("ADD") }, "\(failed.map(\.name))")
        #expect(json.caseSummary.errors == 0)

        let (text, _) = try Self.conformance(
            [try Self.wrongPlugin, "--only", "add_same_shape", "--fixtures", Fixtures.directory, "--goldens", Self.noGoldens])
        #expect(text.status == 1)
        #expect(text.stdout.contains("add_same_shape") && text.stdout.contains("failed"), "\(text.stdout)")
        // Every ADD case it takes fails (add_same_shape, and add_same_shape_nonfinite where the
        // fixtures have it).
        #expect(text.stdout.contains(" taken: 0 passed, ") && !text.stdout.contains(" 0 failed"), "\(text.stdout)")
    }

    @Test("the CPU delegate passes the RELU cases", .enabled(if: hasFixtures, noFixtures))
    func cpuRelu() throws {
        let (result, report) = try Self.conformance(
            ["cpu", "--only", "relu", "--json", "--fixtures", Fixtures.directory, "--goldens", Self.noGoldens])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(report)
        #expect(json.delegates == ["cpu"])
        #expect(!json.cases.isEmpty && json.cases.allSatisfy { $0.name.contains("relu") && $0.result == "passed" })
    }

    @Test("the CPU delegate passes a real model's golden", .enabled(if: hasFixtures, noFixtures),
          .enabled(if: FileManager.default.fileExists(atPath: goldens + "/manifest.txt"), "no real-model goldens: run scripts/conformance_kit.sh"))
    func cpuRealModel() throws {
        let (result, report) = try Self.conformance(
            ["cpu", "--only", "face_landmark", "--json", "--fixtures", Fixtures.directory, "--goldens", Self.goldens])
        #expect(result.status == 0, "\(result.stderr)")
        let model = try #require(report?.models.first { $0.name == "face_landmark" })
        #expect(model.result == "passed" && model.taken == model.nodes.count)
    }

    @Test("a plugin path that does not exist is one line on stderr and exit 1")
    func missingPlugin() throws {
        let path = SamplePlugins.folder + "/liblite_delegate_absent.so"
        let (result, _) = try Self.conformance([path])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("lite: error: ") && result.stderr.contains("\(path): no such file"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
