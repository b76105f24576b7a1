/// Plans one host arena for the tensors that cross partitions, from their lifetimes.
///
/// A tensor lives from the step that writes it to the last step that reads it; tensors whose
/// lifetimes do not overlap may share space. Placement is greedy best-fit in decreasing size order
/// (as TFLite's arena planner does), every offset 64-byte aligned.
enum ArenaPlanner {
    static let alignment = 64

    struct Request {
        let tensor: Int
        let size: Int
        /// First and last step (inclusive) during which the bytes must be kept.
        let firstStep: Int
        let lastStep: Int
    }

    /// - Returns: the byte offset of each requested tensor, and the arena size.
    static func plan(_ requests: [Request]) -> (offsets: [Int: Int], size: Int) {
        var placed: [(offset: Int, end: Int, request: Request)] = []
        var offsets: [Int: Int] = [:]
        var arenaSize = 0
        let order = requests.sorted { ($0.size, -$0.firstStep, -$0.tensor) > ($1.size, -$1.firstStep, -$1.tensor) }
        for request in order {
            let size = align(max(request.size, 1))
            let live = placed
                .filter { $0.request.firstStep <= request.lastStep && request.firstStep <= $0.request.lastStep }
                .sorted { $0.offset < $1.offset }
            // Smallest gap between live allocations that fits; else after the last one.
            var best: (offset: Int, gap: Int)?
            var cursor = 0
            for other in live {
                if other.offset >= cursor + size {
                    let gap = other.offset - cursor
                    if best == nil || gap < best!.gap { best = (cursor, gap) }
                }
                cursor = max(cursor, other.end)
            }
            let offset = best?.offset ?? cursor
            placed.append((offset, offset + size, request))
            offsets[request.tensor] = offset
            arenaSize = max(arenaSize, offset + size)
        }
        return (offsets, arenaSize)
    }

    static func align(_ value: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}

extension ArenaPlanner {
    /// The arena for the model's inputs and outputs and the tensors that cross partitions: each
    /// tensor's lifetime in partition steps (model inputs from step 0, model outputs to the end, a
    /// partition's outputs from their partition to the last partition that reads them), then
    /// `plan`.
    /// - Parameters:
    ///   - partitions: each partition's boundary tensors, in run order.
    ///   - byteSize: a tensor's current size in bytes.
    /// - Returns: the byte offset of each tensor and the arena size.
    /// - Throws: `.invalidArgument` when the arena would be over `TensorLimits.maximumTensorBytes`.
    static func layout(
        model: ModelDefinition, partitions: [(inputs: [Int], outputs: [Int])], byteSize: (Int) -> Int
    ) throws -> (offsets: [Int: Int], size: Int) {
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
            Request(tensor: $0, size: byteSize($0), firstStep: first[$0]!, lastStep: lastUse[$0] ?? last)
        }
        let (offsets, size) = plan(requests)
        guard size <= TensorLimits.maximumTensorBytes else {
            throw InterpreterError.invalidArgument(
                "the model's inputs, outputs and tensors between partitions need a \(size)-byte host arena, over the "
                    + "host's limit of \(TensorLimits.limitText)")
        }
        return (offsets, size)
    }
}
