/// A created partition with its buffer bindings into the arena, rebuilt at each allocation.
final class PartitionRuntime {
    let delegate: DelegateInstance
    let handle: OpaquePointer
    let inputs: [Int]
    let outputs: [Int]
    private var inputPointers: [UnsafeRawPointer?] = []
    private var inputSizes: [Int] = []
    private var outputPointers: [UnsafeMutableRawPointer?] = []
    private var outputSizes: [Int] = []

    init(_ partition: PartitionPlanner.Created) {
        delegate = partition.delegate
        handle = partition.handle
        inputs = partition.inputs
        outputs = partition.outputs
    }

    /// Points the partition's buffers at their tensors in `arena`, which holds every one of them.
    func bind(arena: HostArena, graph: GraphView) {
        inputPointers = inputs.map { UnsafeRawPointer(arena.pointer(to: $0)!) }
        inputSizes = inputs.map(graph.byteSize)
        outputPointers = outputs.map { arena.pointer(to: $0)! }
        outputSizes = outputs.map(graph.byteSize)
        // Never empty, so every array has a base address to pass.
        inputPointers.append(nil); inputSizes.append(0); outputPointers.append(nil); outputSizes.append(0)
    }

    /// Runs the partition on the buffers bound last.
    func invoke() throws {
        _ = try invoke(profiledNodeCount: nil)
    }

    /// Invokes; with `profiledNodeCount` (the graph's node count) also collects the plugin's events.
    func invoke(profiledNodeCount: Int?) throws -> [ProfileCollector.Event] {
        try inputPointers.withUnsafeBufferPointer { inputs in
            try inputSizes.withUnsafeBufferPointer { inputSizes in
                try outputPointers.withUnsafeBufferPointer { outputs in
                    try outputSizes.withUnsafeBufferPointer { outputSizes in
                        guard let nodeCount = profiledNodeCount else {
                            try delegate.invoke(
                                handle, inputs: inputs.baseAddress!, inputSizes: inputSizes.baseAddress!,
                                outputs: outputs.baseAddress!, outputSizes: outputSizes.baseAddress!)
                            return []
                        }
                        return try delegate.invokeProfiled(
                            handle, nodeCount: nodeCount, inputs: inputs.baseAddress!, inputSizes: inputSizes.baseAddress!,
                            outputs: outputs.baseAddress!, outputSizes: outputSizes.baseAddress!)
                    }
                }
            }
        }
    }
}
