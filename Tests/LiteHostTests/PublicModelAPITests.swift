import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// The public API the C API and Python package stand on: `Model` from a file or from memory,
/// interpreters sharing one model, tensor info and in-place buffers.
@Suite("Model and buffers")
struct PublicModelAPITests {
    /// x -> RELU -> y, and a constant output c, as file bytes.
    static func reluBytes() -> [UInt8] {
        var builder = TFLiteModelBuilder()
        let x = builder.addTensor(shape: [1, 4], name: "x")
        let y = builder.addTensor(shape: [1, 4], name: "y")
        let c = builder.addTensor(shape: [2], floats: [7, -7], name: "c")
        builder.inputs = [x]
        builder.outputs = [y, c]
        builder.addOperator(.relu, inputs: [x], outputs: [y])
        return builder.build()
    }

    @Test("a model from memory runs as the same model from a file; the bytes may go away at once")
    func memoryAndFile() throws {
        let bytes = Self.reluBytes()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("relu-\(UUID()).tflite").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var copy = bytes
        let fromMemory = try copy.withUnsafeBytes { try Model(bytes: $0, name: "relu") }
        _ = copy.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0xAB) }
        let fromFile = try Model(path: path)
        var results: [[Float]] = []
        for model in [fromMemory, fromFile, fromMemory] {
            let interpreter = try Interpreter(model: model, options: .init(delegates: ["cpu"]))
            try interpreter.allocateTensors()
            let input = try interpreter.inputBuffer(at: 0)
            ([-1, 2, -3, 4] as [Float]).withUnsafeBytes { input.copyMemory(from: $0) }
            try interpreter.invoke()
            results.append(try interpreter.output(at: 0).floats)
            let constant = try interpreter.outputBuffer(at: 1)
            #expect(Array(constant.bindMemory(to: Float.self)) == [7, -7])
        }
        #expect(results.allSatisfy { $0 == [0, 2, 0, 4] })
        #expect(fromMemory.token != fromFile.token)
    }

    @Test("tensor info has the model's tensor index, name, type and current shape")
    func info() throws {
        let model = try Self.reluBytes().withUnsafeBytes { try Model(bytes: $0) }
        let interpreter = try Interpreter(model: model, options: .init(delegates: ["cpu"]))
        #expect(try interpreter.inputInfo(at: 0) == TensorInfo(tensorIndex: 0, name: "x", dataType: .float32, shape: [1, 4], byteCount: 16))
        #expect(try interpreter.outputInfo(at: 1).tensorIndex == 2)
        #expect(throws: InterpreterError.self) { try interpreter.inputBuffer(at: 0) }
        try interpreter.resizeInput(at: 0, to: [3, 4])
        try interpreter.allocateTensors()
        #expect(try interpreter.inputInfo(at: 0).shape == [3, 4])
        #expect(try interpreter.inputBuffer(at: 0).count == 48)
        #expect(throws: InterpreterError.self) { try interpreter.outputInfo(at: 2) }
    }

    @Test("malformed bytes are a ModelError, never a trap", arguments: [0, 1, 8, 64])
    func malformed(_ length: Int) throws {
        var bytes = Self.reluBytes()
        bytes = Array(bytes.prefix(length)) + (length == 64 ? [UInt8](repeating: 0xFF, count: 64) : [])
        #expect(throws: ModelError.self) { try bytes.withUnsafeBytes { try Model(bytes: $0) } }
    }
}
