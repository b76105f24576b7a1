import Foundation
import LiteHost
import TestSupport
import Testing

/// Every operator case of the fixture set, run through the interpreter with the test delegates and
/// compared with the official TFLite runtime's outputs.
@Suite("Operators against TFLite", .enabled(if: Fixtures.shouldRun, "needs the operator fixtures: scripts/test.sh or scripts/conformance_kit.sh makes them"))
struct OperatorTests {
    @Test("fixtures are generated")
    func fixturesArePresent() {
        #expect(
            Fixtures.cases.count >= 100,
            "no operator fixtures in \(Fixtures.directory): run scripts/test.sh (or scripts/fixtures/make_op_fixtures.py)")
    }

    @Test(arguments: Fixtures.cases)
    func matchesReference(_ fixture: Fixtures.Case) throws {
        let interpreter = try Interpreter(
            modelPath: fixture.modelPath, options: InterpreterOptions(delegates: Fixtures.delegates + Fixtures.fallback))
        // Every node runs on the delegates under test, except operators outside the GPU list that a
        // fallback (LITE_TEST_FALLBACK) may take when a GPU delegate is under test.
        let underTest = Fixtures.backendNames(of: Fixtures.delegates, in: interpreter.partitionPlan)
        for node in interpreter.partitionPlan.nodes where !underTest.contains(node.delegate) {
            #expect(
                !Fixtures.gpuOperators.contains(node.operatorName),
                "node \(node.node) (\(node.operatorName)) fell back to \(node.delegate): \(node.declined.map(\.reason))")
        }
        try interpreter.allocateTensors()
        for index in 0..<fixture.inputCount {
            let input = try NumpyArray(contentsOf: fixture.inputPath(index))
            #expect(try interpreter.input(at: index).shape == input.shape)
            try interpreter.copy(input.data, toInputAt: index)
        }
        try interpreter.invoke()
        for index in 0..<fixture.outputCount {
            let expected = try NumpyArray(contentsOf: fixture.expectedPath(index))
            let actual = try interpreter.output(at: index)
            #expect(actual.shape == expected.shape, "output \(index) shape")
            let error = Fixtures.relativeError(actual.floats, expected.floats)
            #expect(error <= fixture.tolerance, "output \(index): relative error \(error) > \(fixture.tolerance)")
        }
    }
}
