// A libFuzzer target over the host's whole load path: bytes -> ModelLoader.parse -> Interpreter
// (load-time folding, the graph optimiser, the graph view, claims and partitioning with the CPU
// delegate) -> allocateTensors (shape inference, the arena, prepare) -> inputs, invoke and outputs
// when the tensors are small -> one resize and a second allocation.
//
// Not a SwiftPM target: scripts/test/fuzz.sh compiles this file together with every source of
// Sources/LiteHost into one module with swiftc -sanitize=fuzzer,address, so the internal
// ModelLoader.parse(bytes:name:) and Interpreter.graph are visible without @testable (which needs a
// debug test build) and without any change to the host. See docs/fuzzing.md.

import Foundation

/// libFuzzer's entry point. Every outcome other than a trap, a sanitizer report, a leak or a hang
/// is fine: a `ModelError` or `InterpreterError` is the host doing its job.
@_cdecl("LLVMFuzzerTestOneInput")
public func liteFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    // Safe: libFuzzer owns `data` for the duration of the call and we only read it inside it.
    ModelFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

enum ModelFuzzer {
    /// Invoke only when every tensor of the graph together is at most this many bytes
    /// (`LITE_FUZZ_INVOKE_LIMIT`), so one input cannot spend seconds in a kernel.
    static let invokeByteLimit: Int = {
        ProcessInfo.processInfo.environment["LITE_FUZZ_INVOKE_LIMIT"].flatMap { Int($0) } ?? 16 << 20
    }()

    /// `Interpreter(modelPath:)` reads a file, so inputs that parse are written here first (on tmpfs
    /// when the machine has one) and removed again once the interpreter is made.
    static let modelPath: String = {
        let folder = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        removeFilesOfDeadProcesses(in: folder)
        return (folder as NSString).appendingPathComponent("lite-fuzz-\(getpid()).tflite")
    }()

    /// An input that crashes ends its process before the file is removed: the next process removes
    /// the files of processes that no longer exist.
    private static func removeFilesOfDeadProcesses(in folder: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            guard name.hasPrefix("lite-fuzz-"), name.hasSuffix(".tflite"),
                  let pid = Int32(name.dropFirst("lite-fuzz-".count).dropLast(".tflite".count)),
                  kill(pid, 0) == -1, errno == ESRCH else { continue }
            unlink((folder as NSString).appendingPathComponent(name))
        }
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        // Most mutated inputs stop here; parsing in memory first keeps them off the file system.
        guard (try? ModelLoader.parse(bytes: bytes, name: "fuzz.tflite")) != nil else { return }
        guard FileManager.default.createFile(atPath: modelPath, contents: Data(bytes)) else {
            fatalError("lite-fuzz: cannot write \(modelPath)")
        }
        var options = InterpreterOptions(delegates: ["cpu"], threadCount: 1)
        // Half the inputs (by length, so a reproducer keeps its half) skip the optimiser: then shape
        // inference, the planner and the CPU delegate meet SHAPE arithmetic and patterns as written.
        options.optimizesGraph = bytes.count % 2 == 0
        // The interpreter reads the file only while it is created.
        let created = try? Interpreter(modelPath: modelPath, options: options)
        unlink(modelPath)
        guard let interpreter = created else { return }
        // A model may declare, or make shape inference derive, tensors of up to 4 GiB each
        // (TensorLimits): legal, and allocating them is what a host does, but under libFuzzer's
        // memory limit that reads as an out-of-memory finding. Graphs whose tensors need more than
        // allocateByteLimit together, at the shapes allocation will infer, are not allocated.
        guard fitsTheLimit(interpreter) else { return }
        guard (try? interpreter.allocateTensors()) != nil else { return }
        exercise(interpreter)

        // A resize: one extent of input 0 grows by one, as a caller changing batch or resolution.
        guard interpreter.inputTensorCount > 0, let shape = try? interpreter.input(at: 0).shape, !shape.isEmpty
        else { return }
        var resized = shape
        let axis = bytes.count % shape.count
        guard resized[axis] < Int(Int32.max) else { return }
        resized[axis] += 1
        guard (try? interpreter.resizeInput(at: 0, to: resized)) != nil, fitsTheLimit(interpreter),
              (try? interpreter.allocateTensors()) != nil else { return }
        exercise(interpreter)
    }

    /// Bytes a graph's tensors may be allocated with together (`LITE_FUZZ_ALLOCATE_LIMIT`, default
    /// 256 MiB): the host's arena and a CPU delegate's intermediates stay well under the fuzzer's
    /// RSS limit.
    static let allocateByteLimit: Int = {
        ProcessInfo.processInfo.environment["LITE_FUZZ_ALLOCATE_LIMIT"].flatMap { Int($0) } ?? 256 << 20
    }()

    /// True when the tensors the next allocation places fit allocateByteLimit; an inference that
    /// fails passes, so that allocateTensors() reports it.
    private static func fitsTheLimit(_ interpreter: Interpreter) -> Bool {
        guard let bytes = try? interpreter.inferredTensorBytes() else { return true }
        return bytes <= allocateByteLimit
    }

    /// After a successful allocation: the partitions' details, then, when the graph is small,
    /// inputs, an invoke and the outputs.
    private static func exercise(_ interpreter: Interpreter) {
        _ = try? interpreter.partitionDetails()
        let graph = interpreter.graph
        var total = 0
        for tensor in 0..<graph.model.tensors.count {
            let (sum, overflow) = total.addingReportingOverflow(graph.byteSize(tensor))
            guard !overflow else { return }
            total = sum
        }
        guard total <= invokeByteLimit else { return }
        for index in 0..<interpreter.inputTensorCount {
            guard let input = try? interpreter.input(at: index) else { return }
            guard (try? interpreter.copy(pattern(for: input), toInputAt: index)) != nil else { return }
        }
        guard (try? interpreter.invoke()) != nil else { return }
        for index in 0..<interpreter.outputTensorCount { _ = try? interpreter.output(at: index) }
    }

    /// Input bytes: float32 values in [-1, 1] that are never all equal; zeros for integer tensors,
    /// which are always valid indices (GATHER) and shapes are checked at load, not from data.
    private static func pattern(for tensor: Tensor) -> Data {
        var data = Data(count: tensor.data.count)
        guard tensor.dataType == .float32 else { return data }
        data.withUnsafeMutableBytes { raw in
            // Safe: bound to Float for this closure only; the count is the buffer's size in Floats.
            let floats = raw.bindMemory(to: Float.self)
            for index in floats.indices { floats[index] = Float((index * 7919) % 2001 - 1000) / 1000 }
        }
        return data
    }
}
