import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Profiling (ABI 1.3): the host's partition and host events account for the whole invoke, the CPU
/// delegate's kernel events name every node (fused ones inside the kernel that computes them) and
/// lie inside their partition's call, and with profiling off nothing is recorded.
@Suite("Profiling")
struct ProfilingTests {
    /// x -> CONV_2D(3x3, 8 channels) -> RELU -> ADD(+x') -> y, where the RELU fuses into the convolution.
    static func model() throws -> Model {
        var builder = TFLiteModelBuilder()
        let x = builder.addTensor(shape: [1, 16, 16, 4], name: "x")
        let weights = builder.addTensor(shape: [8, 3, 3, 4], floats: (0..<288).map { Float($0 % 7) * 0.1 - 0.3 }, name: "w")
        let bias = builder.addTensor(shape: [8], floats: Array(repeating: 0.5, count: 8), name: "b")
        let conv = builder.addTensor(shape: [1, 16, 16, 8], name: "conv")
        let relu = builder.addTensor(shape: [1, 16, 16, 8], name: "relu")
        let other = builder.addTensor(shape: [1, 16, 16, 8], name: "other")
        let y = builder.addTensor(shape: [1, 16, 16, 8], name: "y")
        builder.inputs = [x, other]
        builder.outputs = [y]
        builder.addOperator(.conv2D, inputs: [x, weights, bias], outputs: [conv], options: .conv2D())
        builder.addOperator(.relu, inputs: [conv], outputs: [relu])
        builder.addOperator(.add, inputs: [relu, other], outputs: [y], options: .add())
        return try builder.build().withUnsafeBytes { try Model(bytes: $0, name: "profiled") }
    }

    static func interpreter(profiling: Bool) throws -> Interpreter {
        var options = InterpreterOptions(delegates: ["cpu"])
        options.profiling = profiling
        options.optimizesGraph = false
        let interpreter = try Interpreter(model: try model(), options: options)
        try interpreter.allocateTensors()
        return interpreter
    }

    @Test("off: no profile is kept")
    func off() throws {
        let interpreter = try Self.interpreter(profiling: false)
        try interpreter.invoke()
        #expect(interpreter.lastProfile == nil)
    }

    @Test("on: events account for the invoke and name every node, each kernel inside its partition")
    func on() throws {
        let interpreter = try Self.interpreter(profiling: true)
        for _ in 0..<3 {
            try interpreter.invoke()
            let profile = try #require(interpreter.lastProfile)
            let partitions = profile.events.filter { $0.kind == .partition }
            let hosts = profile.events.filter { $0.kind == .host }
            let kernels = profile.events.filter { $0.kind == .kernel }
            #expect(partitions.count == interpreter.partitionPlan.partitions.count)
            let accounted = (partitions + hosts).reduce(0) { $0 + $1.durationNanoseconds }
            #expect(accounted <= profile.durationNanoseconds && profile.durationNanoseconds - accounted < 1000)
            #expect(Set(kernels.flatMap(\.nodes)) == Set(0..<interpreter.nodeCount), "every node in a kernel event")
            #expect(kernels.flatMap(\.nodes).count == interpreter.nodeCount, "no node in two events")
            for kernel in kernels {
                let span = try #require(partitions.first { $0.partition == kernel.partition })
                #expect(kernel.startNanoseconds >= span.startNanoseconds)
                #expect(kernel.startNanoseconds + kernel.durationNanoseconds <= span.startNanoseconds + span.durationNanoseconds)
                #expect(kernel.delegate == "cpu" && !kernel.onDevice)
            }
            // The convolution's kernel computes the RELU too (the CPU delegate fuses it).
            let conv = try #require(kernels.first { $0.nodes.first == 0 })
            #expect(conv.name == "CONV_2D" && conv.nodes.contains(1))
            #expect(profile.rejectedEventCount == 0)
        }
        let summary = ProfileSummary([interpreter.lastProfile!], interpreter: interpreter)
        #expect(summary.nodesWithoutEvents.isEmpty)
        #expect(summary.operators.contains { $0.name == "CONV_2D" && $0.count == 1 })
        #expect(abs(summary.kernelPercent + summary.unattributedPercent + summary.hostPercent - 100) < 0.5)
        #expect(summary.nodes.first { $0.node == 0 }?.outputShape == [1, 16, 16, 8])
    }

    @Test("profiled and unprofiled invokes give the same outputs")
    func sameOutputs() throws {
        var outputs: [[Float]] = []
        for profiling in [false, true] {
            let interpreter = try Self.interpreter(profiling: profiling)
            let x = (0..<1024).map { Float($0 % 13) * 0.05 }
            let other = (0..<2048).map { Float($0 % 5) * -0.1 }
            try interpreter.copy(x.withUnsafeBytes { Data($0) }, toInputAt: 0)
            try interpreter.copy(other.withUnsafeBytes { Data($0) }, toInputAt: 1)
            try interpreter.invoke()
            outputs.append(try interpreter.output(at: 0).floats)
        }
        #expect(outputs[0] == outputs[1])
    }
}
