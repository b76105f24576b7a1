import Foundation
import LiteHost

/// Where the generated fixtures live and what they contain.
///
/// `scripts/fixtures/make_op_fixtures.py DIR` writes one small model per operator case with inputs and
/// the official TFLite runtime's outputs; `scripts/test.sh` generates them into `LITE_FIXTURES`
/// (default `~/.cache/lite/fixtures`) before `swift test`.
public enum Fixtures {
    /// Where the scripts keep what they download and make (`LITE_CACHE`, default `~/.cache/lite`):
    /// `fixtures/`, `models/` (MediaPipe's), `conformance/` (the real-model goldens).
    public static var cache: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["LITE_CACHE"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? "/tmp") + "/.cache/lite"
    }

    /// The operator fixtures' folder (`LITE_FIXTURES`, default `cache/fixtures`).
    public static var directory: String {
        let path = ProcessInfo.processInfo.environment["LITE_FIXTURES"] ?? ""
        return path.isEmpty ? cache + "/fixtures" : path
    }

    /// The delegates the fixture tests run with (`LITE_TEST_DELEGATES`, default `cpu`).
    public static var delegates: [String] {
        let list = ProcessInfo.processInfo.environment["LITE_TEST_DELEGATES"] ?? "cpu"
        return list.split(separator: ",").map(String.init)
    }

    /// The backend names `delegates` (names, or plugin paths as LITE_TEST_DELEGATES may give them)
    /// have in `plan`: a path stands for the backend loaded from that library.
    public static func backendNames(of delegates: [String], in plan: PartitionPlan) -> Set<String> {
        let libraries = Set(delegates.filter { $0.hasSuffix(".so") }.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        return Set(delegates).union(plan.delegateDetails.filter {
            libraries.contains(URL(fileURLWithPath: $0.libraryPath).standardizedFileURL.path)
        }.map(\.name))
    }

    /// A delegate that takes what the test delegates decline (`LITE_TEST_FALLBACK`, default none);
    /// only operators outside `gpuOperators` may fall back to it.
    public static var fallback: [String] {
        let list = ProcessInfo.processInfo.environment["LITE_TEST_FALLBACK"] ?? ""
        return list.split(separator: ",").map(String.init)
    }

    /// The operators every GPU delegate must run itself: `gpu_operators` in Tests/expectations.json,
    /// the harness's one list of what is expected of which delegate (the file says why).
    public static let gpuOperators: Set<String> = Set(Expectations.shared.gpuOperators.operators)

    /// One operator case: a model, its inputs and the reference outputs.
    public struct Case: Sendable, CustomStringConvertible {
        public let name: String
        public let inputCount: Int
        public let outputCount: Int
        /// Allowed error relative to the largest magnitude of each expected output.
        public let tolerance: Double

        public var description: String { name }
        public var modelPath: String { Fixtures.directory + "/\(name).tflite" }
        public func inputPath(_ index: Int) -> String { Fixtures.directory + "/\(name).input_\(index).npy" }
        public func expectedPath(_ index: Int) -> String { Fixtures.directory + "/\(name).expected_\(index).npy" }
    }

    /// The cases listed in the manifest, or none when fixtures were not generated.
    public static let cases: [Case] = {
        guard let text = try? String(contentsOfFile: directory + "/manifest.txt", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 4, let inputs = Int(fields[1]), let outputs = Int(fields[2]),
                  let tolerance = Double(fields[3])
            else { return nil }
            return Case(name: fields[0], inputCount: inputs, outputCount: outputs, tolerance: tolerance)
        }
    }()

    /// The case called `name`.
    /// - Throws: `MissingFixture` when the manifest has no such case.
    public static func named(_ name: String) throws -> Case {
        guard let found = cases.first(where: { $0.name == name }) else { throw MissingFixture(name: name) }
        return found
    }

    /// A case the tests need is not in the manifest (fixtures not generated, or out of date).
    public struct MissingFixture: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "fixture \(name) missing in \(Fixtures.directory): run scripts/conformance_kit.sh (scripts/test.sh does)"
        }
    }

    /// Largest |actual - expected| over the finite expected values, relative to the largest of
    /// their magnitudes (float32 arrays). Non-finite values must match exactly: NaN where the
    /// expected value is NaN, an infinity of the same sign where it is infinite; anything else is an
    /// infinite error. (Infinities are left out of the scale, which they would make infinite, so
    /// that every finite error vanished next to them.)
    public static func relativeError(_ actual: [Float], _ expected: [Float]) -> Double {
        OutputComparison.relativeError(actual, expected)
    }
}

extension NumpyArray {
    /// The elements as floats (float32 arrays only).
    public var floats: [Float] {
        guard dataType == .float32 else { return [] }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
