import DelegateABI
import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Tests/expectations.json is read by the Swift suites and by scripts/test/conformance.py; a name in it
/// that means nothing would silently check nothing.
@Suite("The harness's expectations file")
struct ExpectationsTests {
    /// Every builtin operator name of the schema table.
    static let builtinNames = Set((0..<Int32(LITE_BUILTIN_OPERATOR_COUNT)).map { operatorName(code: $0, customName: nil) })

    @Test("every GPU operator is a builtin of the operator table or a MediaPipe custom operator")
    func gpuOperatorsAreOperators() {
        let operators = Expectations.shared.gpuOperators.operators
        #expect(Set(operators).count == operators.count, "an operator is listed twice")
        let unknown = operators.filter { !Self.builtinNames.contains($0) && $0 != "Convolution2DTransposeBias" }
        #expect(unknown.isEmpty, "not operators: \(unknown)")
        #expect(!Expectations.shared.gpuOperators.why.isEmpty)
    }

    @Test("the GPU models are MediaPipe models")
    func gpuModelsAreKnown() throws {
        let sets = Expectations.shared.modelSets
        let mediapipe = try #require(sets["mediapipe"])
        let gpu = try #require(sets["gpu"])
        #expect(!gpu.isEmpty && Set(gpu).isSubset(of: mediapipe))
    }
}
