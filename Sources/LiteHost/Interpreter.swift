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
    /// `InterpreterOptions.profiling`: every invoke records `lastProfile`.
    let profiling: Bool
    /// What the last invoke spent where, when the interpreter profiles (`InterpreterOptions.profiling`).
    public internal(set) var lastProfile: InvokeProfile?
    /// The plan: which delegate runs which nodes.
    public let partitionPlan: PartitionPlan
    /// Warnings from choosing and using delegates: default plugins that were skipped and why, name
    /// collisions, partitions a delegate failed to create, plugins that broke the ABI's rules.
    public let warnings: [String]
    /// What the load-time graph optimiser did, per pass. Node indices everywhere else (the
    /// partition plan, error messages) refer to the optimised graph.
    public let optimizationReport: OptimizationReport
    /// What loading folded before the optimiser (float16 DEQUANTIZE, DENSIFY): the graph plugins see
    /// has `loadFolding.fileOperatorCount` minus these nodes, before the optimiser's passes.
    public var loadFolding: LoadFolding { model.loadFolding }

    private var inputShapes: [Int: [Int]] = [:]
    private(set) var arena: HostArena?
    /// Bytes of the host arena (tensors between partitions, model inputs and outputs).
    public var arenaByteCount: Int { arena?.byteCount ?? 0 }
    private(set) var allocated = false

    /// Loads the model, opens the delegates and plans partitions.
    ///
    /// - Parameters:
    ///   - modelPath: a .tflite file.
    ///   - options: delegate selection and configuration.
    /// - Throws: `ModelError` for a bad model file; `InterpreterError` for plugin problems or a node
    ///   that no delegate takes.
    public convenience init(modelPath: String, options: InterpreterOptions = InterpreterOptions()) throws {
        try self.init(model: Model(path: modelPath), options: options)
    }

    /// Plans `loaded` (shared: the interpreter works on its own copy of the graph) with `options`.
    /// - Throws: `InterpreterError` for plugin problems or a node that no delegate takes.
    public init(model loaded: Model, options: InterpreterOptions = InterpreterOptions()) throws {
        var model = loaded.definition
        profiling = options.profiling
        optimizationReport = options.optimizesGraph
            ? GraphOptimizer.optimize(&model) : GraphOptimizer.optimize(&model, passes: [])
        // The float16 sources of folded weights, and constants the optimiser made unread, are read
        // by nothing now: free their memory.
        StorageFolding.releaseUnusedConstants(&model)
        self.model = model
        let (delegates, choiceWarnings) = try Self.openDelegates(for: model, modelToken: loaded.token, options: options)
        self.delegates = delegates
        let graph = GraphView(model: model)
        self.graph = graph
        delegates.forEach { $0.graphKeepAlive = graph }

        let verdicts = try delegates.map { try $0.claim(graph, model: model) }
        let policies = try delegates.map { try options.partitionPolicy(for: $0.backend.info) }
        let planner = PartitionPlanner(model: model, graph: graph, delegates: delegates, policies: policies)
        let (created, decisions) = try planner.plan(verdicts: verdicts)
        decisions.warnings.forEach(HostLog.warning)
        let conductWarnings = try Self.checkConduct(of: delegates)
        warnings = choiceWarnings + decisions.warnings + conductWarnings
        partitions = created.map(PartitionRuntime.init)
        partitionPlan = planner.record(created, decisions, precision: options.precision(for:))
    }

    /// Opens the delegates `options` asks for (`PluginRegistry`), each instance with the options
    /// meant for it.
    /// - Returns: the instances in priority order, and the warnings from choosing them.
    /// - Throws: `.pluginLoad` when there is no plugin for a model that has nodes.
    private static func openDelegates(
        for model: ModelDefinition, modelToken token: String, options: InterpreterOptions
    ) throws -> ([DelegateInstance], [String]) {
        let (backends, warnings) = try PluginRegistry.resolve(requested: options.delegates)
        warnings.forEach(HostLog.warning)
        guard !backends.isEmpty || model.operators.isEmpty else {
            throw InterpreterError.pluginLoad(
                "no delegate plugins found (searched \(PluginRegistry.searchFolders().joined(separator: ", ")); "
                    + "set LITE_DELEGATE_PATH or LITE_DELEGATES)")
        }
        let delegates = try backends.map {
            try DelegateInstance(backend: $0, options: options.pluginOptions(for: $0.info, modelToken: token))
        }
        return (delegates, warnings)
    }

    /// Reports what the plugins did against the ABI's rules while the interpreter was built: one
    /// warning per delegate, or, with `LITE_VALIDATE=1`, an error naming every rule broken.
    private static func checkConduct(of delegates: [DelegateInstance]) throws -> [String] {
        let strict = PluginValidation.isStrict
        var warnings: [String] = []
        var violations: [String] = []
        for delegate in delegates {
            guard let summary = delegate.conduct.summary(strict: strict) else { continue }
            if strict {
                violations.append("'\(delegate.name)' (\(delegate.backend.info.libraryPath)): \(summary)")
            } else {
                let warning = "delegate '\(delegate.name)' broke the delegate ABI's rules: \(summary)"
                HostLog.warning(warning)
                warnings.append(warning)
            }
        }
        guard violations.isEmpty else {
            throw InterpreterError(.pluginMisbehaved, "LITE_VALIDATE: plugin rules broken: " + violations.joined(separator: "; "))
        }
        return warnings
    }

    deinit {
        // Partitions go before the arena their buffers point into.
        partitions.removeAll()
        arena = nil
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
        guard TensorLimits.byteCount(shape, width: model.tensors[tensor].type.byteWidth) != nil else {
            throw InterpreterError.invalidArgument(
                "input \(index): shape \(shape) is over the host's limit of \(TensorLimits.limitText) per tensor")
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
            partition.bind(arena: arena!, graph: graph)
        }
        allocated = true
    }

    /// Copies `data` into input `index`; its byte count must match the input's current size.
    public func copy(_ data: Data, toInputAt index: Int) throws {
        let tensor = try tensorIndex(model.inputs, index, label: "input")
        guard allocated, let destination = arena?.pointer(to: tensor) else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before copying inputs")
        }
        let expected = graph.byteSize(tensor)
        guard data.count == expected else {
            throw InterpreterError.invalidArgument(
                "input \(index) '\(model.tensors[tensor].name)': got \(data.count) bytes, expected \(expected) "
                    + "(shape \(graph.shapes[tensor]), \(model.tensors[tensor].type))")
        }
        data.copyBytes(to: destination.assumingMemoryBound(to: UInt8.self), count: expected)
    }

    /// Runs the partitions in order.
    public func invoke() throws {
        guard allocated else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before invoke()")
        }
        if profiling {
            lastProfile = try invokeProfiled(partitions)
            return
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

    func tensorIndex(_ list: [Int], _ index: Int, label: String) throws -> Int {
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
        } else if allocated, let source = arena?.pointer(to: tensor) {
            data = Data(bytes: source, count: graph.byteSize(tensor))
        } else {
            data = Data(count: graph.byteSize(tensor))
        }
        return Tensor(name: definition.name, dataType: definition.type, shape: graph.shapes[tensor], data: data)
    }

    /// Places model inputs, outputs and tensors between partitions in one arena by lifetime
    /// (`ArenaPlanner.layout`), replacing the previous arena.
    private func planArena() throws {
        let (offsets, size) = try ArenaPlanner.layout(
            model: model, partitions: partitions.map { ($0.inputs, $0.outputs) }, byteSize: graph.byteSize)
        // The old block goes before the new one is allocated.
        arena = nil
        arena = try HostArena(offsets: offsets, size: size)
    }
}

extension Interpreter {
    /// The bytes of every non-constant tensor at the shapes the next `allocateTensors()` will infer
    /// (Int.max when a sum overflows or a tensor is over the host's limit): what a caller with a
    /// memory budget checks before allocating. The fuzz harness does, since a model's declared
    /// shapes say nothing of what inference derives from its constants.
    /// - Throws: what shape inference throws (as `allocateTensors()` would).
    func inferredTensorBytes() throws -> Int {
        let shapes = try ShapeInference.infer(model, inputShapes: inputShapes)
        var total = 0
        for (index, tensor) in model.tensors.enumerated() where tensor.constant == nil {
            guard let bytes = TensorLimits.byteCount(shapes[index], width: tensor.type.byteWidth) else { return .max }
            let (sum, overflow) = total.addingReportingOverflow(bytes)
            if overflow { return .max }
            total = sum
        }
        return total
    }
}
