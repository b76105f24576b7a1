import Foundation

/// Tests/expectations.json, the test harness's one statement of what is expected of which delegate
/// and why. scripts/test/conformance.py reads its real-model checks; the Swift suites read the parts they
/// need. Read from the source tree (beside this file's folder), which every `swift test` has.
public struct Expectations: Decodable, Sendable {
    public struct OperatorList: Decodable, Sendable {
        public let why: String
        public let operators: [String]
    }

    /// Named lists of models (`mediapipe`, `converter`, `gpu`).
    public let modelSets: [String: [String]]
    public let gpuOperators: OperatorList

    enum CodingKeys: String, CodingKey {
        case modelSets = "model_sets"
        case gpuOperators = "gpu_operators"
    }

    /// The file's path: Tests/expectations.json, found from this source file's own path.
    public static let path: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("expectations.json").path

    /// The file, decoded once. A missing or malformed file stops the tests with the reason: every
    /// suite that reads it would otherwise fail on its own with a less useful message.
    public static let shared: Expectations = {
        do {
            return try JSONDecoder().decode(Expectations.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            fatalError("cannot read \(path): \(error)")
        }
    }()
}
