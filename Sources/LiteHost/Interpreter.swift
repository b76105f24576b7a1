import DelegateABI
import Foundation

/// Runs a TensorFlow Lite model through delegate plugins.
///
/// Usage mirrors TFLite's Swift API: create, `allocateTensors()`, `copy(_:toInputAt:)`, `invoke()`,
/// `output(at:)`. One interpreter is not thread-safe; separate interpreters may run on separate
/// threads at once.
public final class Interpreter {
    let model: ModelDefinition
    let graph: GraphView
    private let delegates: [DelegateInstance]
    private var partitions: [PartitionRuntime] = []
    /// The plan: which delegate runs which nodes.
    public let partitionPlan: PartitionPlan
    /// Warnings from choosing delegates (default plugins that were skipped, and why).
    public let warnings: [String]
    /// What the load-time graph optimiser did, per pass. Node indices everywhere else (the
    /// partition plan, error messages) refer to the optimised graph.
    public let optimizationReport: OptimizationReport

    private var inputShapes: [Int: [Int]] = [:]
    private var arena: UnsafeMutableRawPointer?
    private var arenaOffsets: [Int: Int] = [:]
    /// Bytes of the host arena (tensors between partitions, model inputs and outputs).
    public private(set) var arenaByteCount = 0
    private var allocated = false

    /// Loads the model, opens the delegates and plans partitions.
    ///
    /// - Parameters:
    ///   - modelPath: a .tflite file.
    ///   - options: delegate selection and configuration.
    /// - Throws: `ModelError` for a bad model file; `InterpreterError` for plugin problems or a node
    ///   that no delegate takes.
    public init(modelPath: String, options: InterpreterOptions = InterpreterOptions()) throws {
        var model = try ModelLoader.load(path: modelPath)
        optimizationReport = options.optimizesGraph
            ? GraphOptimizer.optimize(&model) : GraphOptimizer.optimize(&model, passes: [])
        // The float16 sources of folded weights, and constants the optimiser made unread, are read
        // by nothing now: free their memory.
        ConstantFolding.releaseUnusedConstants(&model)
        self.model = model
        let (backends, warnings) = try PluginRegistry.resolve(requested: options.delegates)
        self.warnings = warnings
        warnings.forEach(HostLog.warning)
        guard !backends.isEmpty || model.operators.isEmpty else {
            throw InterpreterError.pluginLoad(
                "no delegate plugins found (searched \(PluginRegistry.searchFolders().joined(separator: ", ")); "
                    + "set LITE_DELEGATE_PATH or LITE_DELEGATES)")
        }
        let token = Self.modelToken(path: modelPath)
        let delegates = try backends.map {
            try DelegateInstance(backend: $0, options: options.pluginOptions(for: $0.name, modelToken: token))
        }
        self.delegates = delegates
        let graph = GraphView(model: model)
        self.graph = graph
        delegates.forEach { $0.graphKeepAlive = graph }

        let verdicts = try delegates.map { try $0.claim(graph) }
        var assignment: [Int] = []
        var decisions: [PartitionPlan.NodeDecision] = []
        var unclaimed: [(node: Int, name: String, reasons: String)] = []
        for (node, definition) in model.operators.enumerated() {
            let name = operatorName(code: definition.opcode, customName: definition.customName)
            let taker = verdicts.indices.first { verdicts[$0][node] == nil }
            let declined = verdicts.indices.prefix(taker ?? verdicts.count).map {
                PartitionPlan.Decline(delegate: delegates[$0].name, reason: verdicts[$0][node] ?? "")
            }
            guard let taker else {
                let reasons = declined.map { "\($0.delegate): \($0.reason)" }.joined(separator: "; ")
                unclaimed.append((node, name, reasons.isEmpty ? "no delegates" : reasons))
                continue
            }
            assignment.append(taker)
            decisions.append(.init(node: node, operatorName: name, delegate: delegates[taker].name, declined: declined))
        }
        if let first = unclaimed.first {
            var message = "node \(first.node) (\(first.name)) is not supported by any delegate (\(first.reasons))"
            if unclaimed.count > 1 {
                var others: [String] = []
                for entry in unclaimed.dropFirst() where entry.name != first.name && !others.contains(entry.name) {
                    others.append(entry.name)
                }
                message += "; \(unclaimed.count - 1) more unsupported nodes"
                if !others.isEmpty { message += " (\(others.joined(separator: ", ")))" }
            }
            throw InterpreterError(.unclaimedNode, message)
        }

        let producers = Self.producers(of: model)
        let groups = Partitioner.partition(assignment: assignment, producers: producers.byNode)
        var planned: [PartitionPlan.Partition] = []
        var runtimes: [PartitionRuntime] = []
        for group in groups {
            let (inputs, outputs) = Self.boundary(of: group.nodes, model: model)
            let delegate = delegates[group.delegate]
            let handle = try delegate.createPartition(
                graph, nodes: group.nodes.map { Int32($0) }, inputs: inputs.map { Int32($0) }, outputs: outputs.map { Int32($0) })
            runtimes.append(PartitionRuntime(delegate: delegate, handle: handle, inputs: inputs, outputs: outputs))
            planned.append(.init(delegate: delegate.name, nodes: group.nodes, inputs: inputs, outputs: outputs))
        }
        for output in model.outputs where model.tensors[output].constant == nil && producers.byTensor[output] == nil
            && !model.inputs.contains(output)
        {
            throw InterpreterError(.invalidArgument, "model output tensor \(output) is never produced")
        }
        partitions = runtimes
        partitionPlan = PartitionPlan(delegates: delegates.map(\.name), partitions: planned, nodes: decisions)
    }

    deinit {
        partitions.removeAll()
        free(arena)
    }

    // MARK: - Inputs and outputs

    public var inputTensorCount: Int { model.inputs.count }
    public var outputTensorCount: Int { model.outputs.count }

    /// Model input `index`: name, type, current shape and its bytes (zeros before any copy).
    public func input(at index: Int) throws -> Tensor {
        try tensor(model.inputs, index, label: "input")
    }

    /// Model output `index` as of the last `invoke()`.
    public func output(at index: Int) throws -> Tensor {
        try tensor(model.outputs, index, label: "output")
    }

    /// Changes the shape of input `index`; call `allocateTensors()` before the next invoke.
    public func resizeInput(at index: Int, to shape: [Int]) throws {
        let tensor = try tensorIndex(model.inputs, index, label: "input")
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw InterpreterError.invalidArgument("input \(index): invalid shape \(shape) (extents must be positive)")
        }
        guard shape != graph.shapes[tensor] else { return }
        inputShapes[tensor] = shape
        allocated = false
    }

    /// Computes shapes, plans and allocates the host arena and prepares every partition.
    public func allocateTensors() throws {
        let shapes = try ShapeInference.infer(model, inputShapes: inputShapes)
        for (tensor, shape) in optimizationReport.frozenShapes where shapes[tensor] != shape {
            throw InterpreterError.invalidArgument(
                "the model's SHAPE operators were folded at load for tensor \(tensor) '\(model.tensors[tensor].name)' "
                    + "of shape \(shape); this resize would make it \(shapes[tensor]), which the folded shapes do not follow")
        }
        graph.updateShapes(shapes)
        try planArena()
        for partition in partitions {
            try partition.delegate.prepare(partition.handle, graph: graph)
            partition.bind(arena: arena!, offsets: arenaOffsets, graph: graph)
        }
        allocated = true
    }

    /// Copies `data` into input `index`; its byte count must match the input's current size.
    public func copy(_ data: Data, toInputAt index: Int) throws {
        let tensor = try tensorIndex(model.inputs, index, label: "input")
        guard allocated, let offset = arenaOffsets[tensor], let arena else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before copying inputs")
        }
        let expected = graph.byteSize(tensor)
        guard data.count == expected else {
            throw InterpreterError.invalidArgument(
                "input \(index) '\(model.tensors[tensor].name)': got \(data.count) bytes, expected \(expected) "
                    + "(shape \(graph.shapes[tensor]), \(model.tensors[tensor].type))")
        }
        data.copyBytes(to: arena.advanced(by: offset).assumingMemoryBound(to: UInt8.self), count: expected)
    }

    /// Runs the partitions in order.
    public func invoke() throws {
        guard allocated else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before invoke()")
        }
        for partition in partitions { try partition.invoke() }
    }

    /// What each partition became after `allocateTensors()`, as its delegate describes it (nil for
    /// delegates that do not report it), in `partitionPlan.partitions` order.
    /// - Throws: `.notAllocated` before `allocateTensors()`; a plugin error.
    public func partitionDetails() throws -> [PartitionPlan.Details?] {
        guard allocated else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before partitionDetails()")
        }
        return try partitions.map { try $0.delegate.describe($0.handle) }
    }

    /// How many nodes of each operator the model has (after load-time folding), by name.
    public var operatorCounts: [(name: String, count: Int)] {
        var counts: [String: Int] = [:]
        for node in model.operators { counts[operatorName(code: node.opcode, customName: node.customName), default: 0] += 1 }
        return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }

    // MARK: - Internals

    private func tensorIndex(_ list: [Int], _ index: Int, label: String) throws -> Int {
        guard list.indices.contains(index) else {
            throw InterpreterError.invalidArgument("\(label) index \(index) out of range (model has \(list.count) \(label)s)")
        }
        return list[index]
    }

    private func tensor(_ list: [Int], _ index: Int, label: String) throws -> Tensor {
        let tensor = try tensorIndex(list, index, label: label)
        let definition = model.tensors[tensor]
        let data: Data
        if let constant = definition.constant {
            data = constant.withUnsafeBytes { Data($0) }
        } else if allocated, let offset = arenaOffsets[tensor], let arena {
            data = Data(bytes: arena.advanced(by: offset), count: graph.byteSize(tensor))
        } else {
            data = Data(count: graph.byteSize(tensor))
        }
        return Tensor(name: definition.name, dataType: definition.type, shape: graph.shapes[tensor], data: data)
    }

    /// Places model inputs, outputs and tensors between partitions in one arena by lifetime.
    private func planArena() throws {
        let last = partitions.count
        var first: [Int: Int] = [:], lastUse: [Int: Int] = [:]
        for tensor in model.inputs { first[tensor] = 0; lastUse[tensor] = last }
        for (step, partition) in partitions.enumerated() {
            for tensor in partition.outputs where first[tensor] == nil { first[tensor] = step }
            for tensor in partition.inputs + partition.outputs { lastUse[tensor] = max(lastUse[tensor] ?? step, step) }
        }
        for tensor in model.outputs where model.tensors[tensor].constant == nil {
            first[tensor] = first[tensor] ?? 0
            lastUse[tensor] = last
        }
        let requests = first.keys.sorted().map {
            ArenaPlanner.Request(tensor: $0, size: graph.byteSize($0), firstStep: first[$0]!, lastStep: lastUse[$0] ?? last)
        }
        let (offsets, size) = ArenaPlanner.plan(requests)
        free(arena)
        arena = nil
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, ArenaPlanner.alignment, max(size, ArenaPlanner.alignment)) == 0, let memory else {
            throw InterpreterError(.invalidArgument, "cannot allocate a \(size)-byte tensor arena")
        }
        memset(memory, 0, max(size, ArenaPlanner.alignment))
        arena = memory
        arenaOffsets = offsets
        arenaByteCount = size
    }

    private static func producers(of model: ModelDefinition) -> (byNode: [[Int]], byTensor: [Int: Int]) {
        var producerOf: [Int: Int] = [:]
        var byNode: [[Int]] = []
        for (node, definition) in model.operators.enumerated() {
            var list: [Int] = []
            for input in definition.inputs where input >= 0 {
                if let producer = producerOf[Int(input)], !list.contains(producer) { list.append(producer) }
            }
            byNode.append(list)
            for output in definition.outputs { producerOf[Int(output)] = node }
        }
        return (byNode, producerOf)
    }

    /// A partition's inputs (read inside, produced outside, not constant) and outputs (produced
    /// inside, read outside or a model output), in first-use order.
    private static func boundary(of nodes: [Int], model: ModelDefinition) -> (inputs: [Int], outputs: [Int]) {
        let inside = Set(nodes)
        var produced = Set<Int>()
        for node in nodes { model.operators[node].outputs.forEach { produced.insert(Int($0)) } }
        var readOutside = Set(model.outputs)
        for (node, definition) in model.operators.enumerated() where !inside.contains(node) {
            definition.inputs.filter { $0 >= 0 }.forEach { readOutside.insert(Int($0)) }
        }
        var inputs: [Int] = [], outputs: [Int] = []
        for node in nodes {
            for input in model.operators[node].inputs where input >= 0 {
                let tensor = Int(input)
                if !produced.contains(tensor), model.tensors[tensor].constant == nil, !inputs.contains(tensor) {
                    inputs.append(tensor)
                }
            }
            for output in model.operators[node].outputs {
                let tensor = Int(output)
                if readOutside.contains(tensor), !outputs.contains(tensor) { outputs.append(tensor) }
            }
        }
        return (inputs, outputs)
    }

    /// A fingerprint of the model file for delegate caches: path, size and modification time.
    private static func modelToken(path: String) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\((path as NSString).standardizingPath)|\(size)|\(modified)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// A created partition with its buffer bindings into the arena, rebuilt at each allocation.
private final class PartitionRuntime {
    let delegate: DelegateInstance
    let handle: OpaquePointer
    let inputs: [Int]
    let outputs: [Int]
    private var inputPointers: [UnsafeRawPointer?] = []
    private var inputSizes: [Int] = []
    private var outputPointers: [UnsafeMutableRawPointer?] = []
    private var outputSizes: [Int] = []

    init(delegate: DelegateInstance, handle: OpaquePointer, inputs: [Int], outputs: [Int]) {
        self.delegate = delegate
        self.handle = handle
        self.inputs = inputs
        self.outputs = outputs
    }

    func bind(arena: UnsafeMutableRawPointer, offsets: [Int: Int], graph: GraphView) {
        inputPointers = inputs.map { UnsafeRawPointer(arena.advanced(by: offsets[$0]!)) }
        inputSizes = inputs.map(graph.byteSize)
        outputPointers = outputs.map { arena.advanced(by: offsets[$0]!) }
        outputSizes = outputs.map(graph.byteSize)
        // Never empty, so every array has a base address to pass.
        inputPointers.append(nil); inputSizes.append(0); outputPointers.append(nil); outputSizes.append(0)
    }

    func invoke() throws {
        try inputPointers.withUnsafeBufferPointer { inputs in
            try inputSizes.withUnsafeBufferPointer { inputSizes in
                try outputPointers.withUnsafeBufferPointer { outputs in
                    try outputSizes.withUnsafeBufferPointer { outputSizes in
                        try delegate.invoke(
                            handle, inputs: inputs.baseAddress!, inputSizes: inputSizes.baseAddress!,
                            outputs: outputs.baseAddress!, outputSizes: outputSizes.baseAddress!)
                    }
                }
            }
        }
    }
}
