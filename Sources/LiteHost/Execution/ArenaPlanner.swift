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
