import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// The Interpreter API beyond single runs: threads, resizing, misuse, shape inference.
@Suite("Interpreter", .enabled(if: Fixtures.shouldRun, "needs the operator fixtures: scripts/test.sh or scripts/conformance_kit.sh makes them"))
struct InterpreterTests {
    /// Runs fixture `name` and returns the relative error of each output.
    static func run(_ interpreter: Interpreter, _ fixture: Fixtures.Case) throws -> [Double] {
        for index in 0..<fixture.inputCount {
            try interpreter.copy(try NumpyArray(contentsOf: fixture.inputPath(index)).data, toInputAt: index)
        }
        try interpreter.invoke()
        return try (0..<fixture.outputCount).map { index in
            Fixtures.relativeError(
                try interpreter.output(at: index).floats, try NumpyArray(contentsOf: fixture.expectedPath(index)).floats)
        }
    }

    static func fixture(_ name: String) throws -> Fixtures.Case { try Fixtures.named(name) }

    @Test("separate interpreters run on separate threads at once")
    func concurrentInterpreters() throws {
        let fixture = try Self.fixture("conv2d_32x32x16_to_32")
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                let interpreter = try Interpreter(modelPath: fixture.modelPath, options: .init(delegates: Fixtures.delegates))
                try interpreter.allocateTensors()
                for _ in 0..<10 where try Self.run(interpreter, fixture).contains(where: { $0 > fixture.tolerance }) {
                    failures.withLock { $0 += 1 }
                }
            } catch {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    @Test("the threads option gives the same results", arguments: [1, 2, 3])
    func threads(_ count: Int) throws {
        for name in ["conv2d_32x32x16_to_32", "depthwise_3x3_same", "transpose_conv_k4_s2_same_bias"] {
            let fixture = try Self.fixture(name)
            let interpreter = try Interpreter(
                modelPath: fixture.modelPath, options: .init(delegates: Fixtures.delegates, threadCount: count))
            try interpreter.allocateTensors()
            #expect(try Self.run(interpreter, fixture).allSatisfy { $0 <= fixture.tolerance }, "\(name) at \(count) threads")
        }
    }

    @Test("resizing an input recomputes shapes and results")
    func resize() throws {
        let interpreter = try Interpreter(modelPath: try Self.fixture("relu").modelPath, options: .init(delegates: Fixtures.delegates))
        try interpreter.resizeInput(at: 0, to: [2, 3, 4, 3])
        try interpreter.allocateTensors()
        let values = (0..<72).map { Float($0 % 7) - 3 }
        try interpreter.copy(floatData(values), toInputAt: 0)
        try interpreter.invoke()
        let output = try interpreter.output(at: 0)
        #expect(output.shape == [2, 3, 4, 3])
        #expect(output.floats == values.map { max($0, 0) })

        let conv = try Interpreter(
            modelPath: try Self.fixture("conv2d_3x3_stride2_same").modelPath, options: .init(delegates: Fixtures.delegates))
        let declared = try conv.input(at: 0).shape
        try conv.resizeInput(at: 0, to: [declared[0], declared[1] * 2 + 1, declared[2] * 2 + 1, declared[3]])
        try conv.allocateTensors()
        try conv.invoke()
        let outputShape = try conv.output(at: 0).shape
        #expect(outputShape[1] == (declared[1] * 2 + 1 + 1) / 2 && outputShape[2] == (declared[2] * 2 + 1 + 1) / 2)
    }

    @Test("misuse is reported, not crashed on")
    func misuse() throws {
        let interpreter = try Interpreter(modelPath: try Self.fixture("relu").modelPath, options: .init(delegates: Fixtures.delegates))
        #expect(throws: InterpreterError.self) { try interpreter.invoke() }
        #expect(throws: InterpreterError.self) { try interpreter.copy(Data(count: 4), toInputAt: 0) }
        try interpreter.allocateTensors()
        let wrongSize = #expect(throws: InterpreterError.self) { try interpreter.copy(Data(count: 4), toInputAt: 0) }
        #expect(wrongSize?.description.contains("got 4 bytes, expected 420") == true)
        #expect(throws: InterpreterError.self) { try interpreter.input(at: 1) }
        #expect(throws: InterpreterError.self) { try interpreter.output(at: -1) }
        #expect(throws: InterpreterError.self) { try interpreter.resizeInput(at: 0, to: [1, 0, 3]) }
        #expect(throws: ModelError.self) { try Interpreter(modelPath: "/nonexistent/model.tflite") }
    }

    @Test("shape inference reproduces every fixture model's declared shapes")
    func shapeInference() throws {
        #expect(!Fixtures.cases.isEmpty)
        for fixture in Fixtures.cases {
            let model = try ModelLoader.load(path: fixture.modelPath)
            let shapes = try ShapeInference.infer(model, inputShapes: [:])
            for (index, tensor) in model.tensors.enumerated() where tensor.constant == nil {
                #expect(shapes[index] == tensor.shape, "\(fixture.name): tensor \(index) '\(tensor.name)'")
            }
        }
    }

    @Test("the arena reuses the space of dead tensors and aligns every tensor")
    func arenaPlan() {
        let requests = [
            ArenaPlanner.Request(tensor: 0, size: 100, firstStep: 0, lastStep: 1),
            ArenaPlanner.Request(tensor: 1, size: 100, firstStep: 1, lastStep: 2),
            ArenaPlanner.Request(tensor: 2, size: 100, firstStep: 2, lastStep: 3),
        ]
        let (offsets, size) = ArenaPlanner.plan(requests)
        #expect(offsets.values.allSatisfy { $0 % 64 == 0 })
        #expect(offsets[0] == offsets[2])  // 0 is dead when 2 is born
        #expect(offsets[0] != offsets[1])
        #expect(size == 256)
    }

    @Test("partitions stay convex when a foreign node sits between two nodes of one delegate")
    func convexPartitions() {
        // 0(a) -> 1(b) -> 2(a), and 0 -> 2 directly: 2 cannot join 0's partition.
        let groups = Partitioner.partition(assignment: [0, 1, 0, 0], producers: [[], [0], [0, 1], [0]])
        #expect(groups.map(\.nodes) == [[0, 3], [1], [2]])
    }
}

/// A value guarded by a lock, for tests that count across threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
