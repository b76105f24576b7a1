/// How a sparse constant is compressed: TFLite's SparsityParameters, read and bounds-checked.
///
/// The compressed values are visited in traversal order: level `i` walks dimension
/// `traversalOrder[i]`, either densely (`denseSize` positions) or as CSR (positions
/// `segments[parent] ..< segments[parent + 1]` of `indices`). Dimensions `rank...` of the traversal
/// are blocks of the dimensions listed in `blockMap`.
struct SparseLayout {
    enum Level {
        case dense(size: Int)
        case compressed(segments: [Int], indices: [Int])
    }

    var traversalOrder: [Int]
    var blockMap: [Int]
    var levels: [Level]

    /// Traversal depth allowed: the densifier recurses once per level.
    static let maximumLevels = 16

    /// Reads a SparsityParameters table for a tensor of rank `rank`.
    init(table: FlatTable, rank: Int, label: String) throws(ModelError) {
        let buffer = table.buffer
        func malformed(_ what: String) -> ModelError {
            buffer.error(.malformed, "malformed: \(label) has sparsity parameters with \(what)")
        }
        traversalOrder = try table.vector(0, elementSize: 4, "traversal order of \(label)")?
            .scalars(as: Int32.self).map(Int.init) ?? []
        blockMap = try table.vector(1, elementSize: 4, "block map of \(label)")?.scalars(as: Int32.self).map(Int.init) ?? []
        let depth = traversalOrder.count
        guard depth <= Self.maximumLevels, depth == rank + blockMap.count,
              traversalOrder.sorted() == Array(0..<depth)
        else { throw malformed("traversal order \(traversalOrder) for rank \(rank) and \(blockMap.count) blocks") }
        guard blockMap.allSatisfy({ (0..<rank).contains($0) }), Set(blockMap).count == blockMap.count else {
            throw malformed("block map \(blockMap)")
        }
        guard let metadata = try table.vector(2, elementSize: 4, "dimension metadata of \(label)"),
              metadata.count == depth
        else { throw malformed("dimension metadata that does not match the traversal order") }

        levels = []
        for level in 0..<depth {
            let dimension = try metadata.table(at: level, "dimension metadata \(level) of \(label)")
            switch try dimension.scalar(0, default: Int8(0)) {
            case 0:
                let size = try dimension.scalar(1, default: Int32(0))
                guard size >= 0 else { throw malformed("dense size \(size)") }
                levels.append(.dense(size: Int(size)))
            case 1:
                let segments = try Self.indexVector(dimension, typeSlot: 2, valueSlot: 3, "array segments of \(label)")
                let indices = try Self.indexVector(dimension, typeSlot: 4, valueSlot: 5, "array indices of \(label)")
                levels.append(.compressed(segments: segments, indices: indices))
            case let format:
                throw malformed("dimension format \(format)")
            }
        }
    }

    /// A SparseIndexVector union: Int32Vector (1), Uint16Vector (2) or Uint8Vector (3), each a
    /// table whose field 0 is the values.
    private static func indexVector(
        _ table: FlatTable, typeSlot: Int, valueSlot: Int, _ what: @escaping @autoclosure () -> String
    ) throws(ModelError) -> [Int] {
        let type = try table.scalar(typeSlot, default: UInt8(0))
        guard let holder = try table.table(valueSlot, what()) else {
            throw table.buffer.error(.malformed, "malformed: \(what()) are missing")
        }
        switch type {
        case 1: return try holder.vector(0, elementSize: 4, what())?.scalars(as: Int32.self).map(Int.init) ?? []
        case 2: return try holder.vector(0, elementSize: 2, what())?.scalars(as: UInt16.self).map(Int.init) ?? []
        case 3: return try holder.vector(0, elementSize: 1, what())?.scalars(as: UInt8.self).map(Int.init) ?? []
        default: throw table.buffer.error(.malformed, "malformed: \(what()) have index vector type \(type)")
        }
    }

    /// Expands `values` (the compressed elements, `width` bytes each) into a dense tensor of `shape`.
    /// Positions no element lands on are zero. Every index, segment and count is checked; the walk
    /// is capped so overlapping segments cannot make it run away.
    /// - Throws: `ModelError` when the layout does not describe `shape` or reads outside `values`.
    func densify(
        values: UnsafeRawBufferPointer, width: Int, shape: [Int], buffer: FlatBuffer, label: String
    ) throws(ModelError) -> ConstantData {
        func malformed(_ what: String) -> ModelError {
            buffer.error(.malformed, "malformed: sparse \(label): \(what)")
        }
        let rank = shape.count
        let elementCount = shape.reduce(1, *)  // Validated by the tensor parser not to overflow.
        let byteCount = elementCount * width
        guard values.count % width == 0 else { throw malformed("\(values.count) bytes of values is not a whole number of elements") }
        // A bomb guard: a few bytes of sparse data must not turn into gigabytes.
        guard byteCount <= 64 * buffer.count + (1 << 20) else {
            throw malformed("dense size of \(byteCount) bytes is out of proportion to the file")
        }

        // Block sizes come from the dense sizes of the block levels.
        var blockSize = [Int](repeating: 1, count: rank)
        for (block, dimension) in blockMap.enumerated() {
            guard let level = traversalOrder.firstIndex(of: rank + block), case .dense(let size) = levels[level], size > 0,
                  shape[dimension] % size == 0
            else { throw malformed("block \(block) is not a dense level dividing dimension \(dimension)") }
            blockSize[dimension] = size
        }
        var strides = [Int](repeating: 1, count: rank)
        for dimension in stride(from: rank - 2, through: 0, by: -1) {
            strides[dimension] = strides[dimension + 1] * shape[dimension + 1]
        }

        let storage = ConstantStorage(byteCount: byteCount)
        storage.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        var walker = Walker(layout: self, values: values, width: width, shape: shape, blockSize: blockSize,
                            strides: strides, destination: storage.pointer,
                            stepLimit: 4 * (elementCount + values.count) + 1024)
        guard walker.walk(level: 0, parent: 0) else { throw malformed(walker.failure) }
        guard walker.consumed * width == values.count else {
            throw malformed("\(values.count / width) values stored, the index arrays place \(walker.consumed)")
        }
        return ConstantData(storage: storage, byteCount: byteCount)
    }

    /// The traversal. Recursion depth is the number of levels (at most `maximumLevels`).
    private struct Walker {
        let layout: SparseLayout
        let values: UnsafeRawBufferPointer
        let width: Int
        let shape: [Int]
        let blockSize: [Int]
        let strides: [Int]
        let destination: UnsafeMutableRawPointer
        let stepLimit: Int
        /// The level walking each dimension, and the level walking its block (if blocked).
        let levelOfDimension: [Int]
        let blockLevelOfDimension: [Int?]
        var position: [Int] = []
        var consumed = 0
        var steps = 0
        var failure = ""

        init(layout: SparseLayout, values: UnsafeRawBufferPointer, width: Int, shape: [Int], blockSize: [Int],
             strides: [Int], destination: UnsafeMutableRawPointer, stepLimit: Int) {
            self.layout = layout
            self.values = values
            self.width = width
            self.shape = shape
            self.blockSize = blockSize
            self.strides = strides
            self.destination = destination
            self.stepLimit = stepLimit
            position = [Int](repeating: 0, count: layout.levels.count)
            // traversalOrder is a validated permutation of 0..<(rank + blocks).
            var levelOfDimension = [Int](repeating: 0, count: layout.traversalOrder.count)
            for (level, dimension) in layout.traversalOrder.enumerated() { levelOfDimension[dimension] = level }
            self.levelOfDimension = levelOfDimension
            var blockLevels = [Int?](repeating: nil, count: shape.count)
            for (block, dimension) in layout.blockMap.enumerated() { blockLevels[dimension] = levelOfDimension[shape.count + block] }
            blockLevelOfDimension = blockLevels
        }

        /// Returns false with `failure` set on the first problem.
        mutating func walk(level: Int, parent: Int) -> Bool {
            steps += 1
            guard steps <= stepLimit else { failure = "index arrays revisit elements"; return false }
            if level == layout.levels.count { return store() }
            switch layout.levels[level] {
            case .dense(let size):
                for index in 0..<size {
                    position[level] = index
                    // Huge dense sizes are harmless: store() checks every index and stepLimit bounds the walk.
                    let (scaled, overflow) = parent.multipliedReportingOverflow(by: size)
                    guard !overflow, walk(level: level + 1, parent: scaled + index) else {
                        if failure.isEmpty { failure = "dense sizes overflow" }
                        return false
                    }
                }
            case .compressed(let segments, let indices):
                guard parent >= 0, parent + 1 < segments.count else {
                    failure = "segment \(parent) missing at level \(level)"; return false
                }
                let start = segments[parent], end = segments[parent + 1]
                guard start >= 0, start <= end, end <= indices.count else {
                    failure = "segment \(start)..<\(end) at level \(level) outside \(indices.count) indices"; return false
                }
                for entry in start..<end {
                    position[level] = indices[entry]
                    guard walk(level: level + 1, parent: entry) else { return false }
                }
            }
            return true
        }

        /// Copies the next value to the dense position the traversal reached.
        private mutating func store() -> Bool {
            let rank = shape.count
            var offset = 0
            for dimension in 0..<rank {
                var index = position[levelOfDimension[dimension]]
                if let blockLevel = blockLevelOfDimension[dimension] {
                    index = index * blockSize[dimension] + position[blockLevel]
                }
                guard index >= 0, index < shape[dimension] else {
                    failure = "index \(index) outside dimension \(dimension) of size \(shape[dimension])"
                    return false
                }
                offset += index * strides[dimension]
            }
            guard (consumed + 1) * width <= values.count else {
                failure = "index arrays place more than the \(values.count / width) stored values"
                return false
            }
            // Safe: offset < elementCount (each index is below its dimension) and the source range
            // was checked just above.
            (destination + offset * width).copyMemory(from: values.baseAddress! + consumed * width, byteCount: width)
            consumed += 1
            return true
        }
    }
}
