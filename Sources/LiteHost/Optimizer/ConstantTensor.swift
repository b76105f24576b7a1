/// A constant tensor's values, typed, for evaluating operators while the graph is optimised.
/// float16 constants are not represented: the loader has already turned float16 weights behind a
/// DEQUANTIZE into float32, and no shape arithmetic is done in float16.
struct ConstantTensor: Equatable {
    enum Elements: Equatable {
        case float32([Float]), int32([Int32]), int64([Int64]), bool([Bool])

        var count: Int {
            switch self {
            case .float32(let v): v.count
            case .int32(let v): v.count
            case .int64(let v): v.count
            case .bool(let v): v.count
            }
        }

        /// The elements at `indices`, in that order. Every index must be in range.
        func take(_ indices: [Int]) -> Elements {
            switch self {
            case .float32(let v): .float32(indices.map { v[$0] })
            case .int32(let v): .int32(indices.map { v[$0] })
            case .int64(let v): .int64(indices.map { v[$0] })
            case .bool(let v): .bool(indices.map { v[$0] })
            }
        }

        /// `parts` one after another, or nil when they are not all of one type.
        static func concatenated(_ parts: [Elements]) -> Elements? {
            /// Every part's values joined, or nil when `values` finds none of its type in a part.
            func joined<Value>(_ values: (Elements) -> [Value]?) -> [Value]? {
                var all: [Value] = []
                for part in parts {
                    guard let next = values(part) else { return nil }
                    all += next
                }
                return all
            }
            switch parts.first {
            case nil: return nil
            case .float32: return joined { if case .float32(let v) = $0 { v } else { nil } }.map(Elements.float32)
            case .int32: return joined { if case .int32(let v) = $0 { v } else { nil } }.map(Elements.int32)
            case .int64: return joined { if case .int64(let v) = $0 { v } else { nil } }.map(Elements.int64)
            case .bool: return joined { if case .bool(let v) = $0 { v } else { nil } }.map(Elements.bool)
            }
        }

        /// `count` copies of the first element.
        func repeated(_ count: Int) -> Elements { take(Array(repeating: 0, count: count)) }
    }

    var shape: [Int]
    var elements: Elements

    var type: ElementType {
        switch elements {
        case .float32: .float32
        case .int32: .int32
        case .int64: .int64
        case .bool: .bool
        }
    }

    init(shape: [Int], elements: Elements) {
        self.shape = shape
        self.elements = elements
    }

    /// The values of a constant tensor, or nil when it is not a constant or is float16.
    init?(_ tensor: TensorDefinition) {
        guard let data = tensor.constant, data.byteCount == tensor.byteCount else { return nil }
        shape = tensor.shape
        switch tensor.type {
        case .float32: elements = .float32(data.floatValues())
        case .int32: elements = .int32(data.int32Values())
        case .int64: elements = .int64(data.int64Values())
        case .bool: elements = .bool(data.values(as: UInt8.self).map { $0 != 0 })
        case .float16: return nil
        }
    }

    /// Integer values (int32 or int64) widened to Int; nil for other types.
    var integers: [Int]? {
        switch elements {
        case .int32(let v): v.map(Int.init)
        case .int64(let v): v.map(Int.init)
        default: nil
        }
    }

    /// The bytes as a model constant stores them (little-endian; bool as one byte 0 or 1).
    func constantData() -> ConstantData {
        switch elements {
        case .float32(let v): v.withUnsafeBytes { ConstantData(copying: $0) }
        case .int32(let v): v.withUnsafeBytes { ConstantData(copying: $0) }
        case .int64(let v): v.withUnsafeBytes { ConstantData(copying: $0) }
        case .bool(let v): v.map { UInt8($0 ? 1 : 0) }.withUnsafeBytes { ConstantData(copying: $0) }
        }
    }
}

/// Index arithmetic over row-major shapes.
enum RowMajor {
    /// Element strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// Every sum of one entry from each list, the first list varying slowest: the flat source
    /// offsets of a row-major walk whose axis `i` contributes `offsets[i][k]` at position `k`.
    static func cartesian(_ offsets: [[Int]]) -> [Int] {
        var result = [0]
        for axis in offsets {
            var next: [Int] = []
            next.reserveCapacity(result.count * axis.count)
            for base in result { for offset in axis { next.append(base + offset) } }
            result = next
        }
        return result
    }
}
