import Foundation

/// Makes nodes that read constants with the same type, shape and bytes read one tensor, so
/// delegates pack and upload each distinct constant once. The duplicates become unread and their
/// data is released after the optimiser runs.
enum ConstantDeduplication: GraphPass {
    static let name = "constant-deduplication"

    private struct Key: Hashable {
        let type: ElementType
        let shape: [Int]
        let digest: Int
    }

    static func run(on graph: inout OptimizerGraph) -> String {
        let model = graph.model
        var read = Set<Int>()
        for op in model.operators { for input in op.inputs where input >= 0 { read.insert(Int(input)) } }
        var firstByKey: [Key: [Int]] = [:]
        var replacement: [Int32: Int32] = [:]
        var savedBytes = 0
        for index in read.sorted() {
            guard let data = model.tensors[index].constant else { continue }
            let tensor = model.tensors[index]
            let key = Key(type: tensor.type, shape: tensor.shape, digest: Self.sampleDigest(data))
            let twin = firstByKey[key, default: []].first { candidate in
                let other = model.tensors[candidate].constant!
                return other.byteCount == data.byteCount && (data.byteCount == 0 || memcmp(other.pointer, data.pointer, data.byteCount) == 0)
            }
            if let twin {
                replacement[Int32(index)] = Int32(twin)
                savedBytes += data.byteCount
            } else {
                firstByKey[key, default: []].append(index)
            }
        }
        guard !replacement.isEmpty else { return "" }
        for op in graph.model.operators.indices {
            graph.model.operators[op].inputs = graph.model.operators[op].inputs.map { replacement[$0] ?? $0 }
        }
        return "\(replacement.count) duplicate constant\(replacement.count == 1 ? "" : "s") shared (\(savedBytes) bytes)"
    }

    /// A hash of the size and up to 64 evenly spaced 8-byte words: equal constants hash alike, and
    /// candidates that collide are compared in full (memcmp), so hashing stays cheap on models with
    /// megabytes of weights.
    private static func sampleDigest(_ data: ConstantData) -> Int {
        var hasher = Hasher()
        hasher.combine(data.byteCount)
        let words = data.byteCount / 8
        let step = max(1, words / 64)
        for word in stride(from: 0, to: words, by: step) {
            hasher.combine(data.pointer.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self))
        }
        for byte in (words * 8)..<data.byteCount { hasher.combine(data.pointer.load(fromByteOffset: byte, as: UInt8.self)) }
        return hasher.finalize()
    }
}
