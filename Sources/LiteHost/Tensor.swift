import Foundation

/// A snapshot of one model input or output: its name, element type, current shape and bytes.
public struct Tensor: Sendable, Equatable {
    public let name: String
    public let dataType: ElementType
    public let shape: [Int]
    /// Little-endian element bytes, row-major.
    public let data: Data

    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as floats (float32 tensors only; empty otherwise).
    public var floats: [Float] {
        guard dataType == .float32 else { return [] }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
