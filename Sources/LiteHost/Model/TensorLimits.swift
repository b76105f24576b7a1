/// The sizes the host accepts for one tensor, and arithmetic on shapes that cannot trap.
///
/// A model declares its shapes, and shape inference derives more from constants the model holds
/// (a RESIZE_BILINEAR size, a TRANSPOSE_CONV output_shape, a RESHAPE target): any of them can be
/// absurd. Every product of extents goes through `elementCount`/`byteCount`, which report overflow
/// instead of trapping, and no tensor may need more than `maximumTensorBytes`, so a crafted model
/// ends in a one-line error before anything is allocated for it.
enum TensorLimits {
    /// 4 GiB: larger than any tensor of a real model of this kind (the largest MediaPipe activation is
    /// a few MB), and the most a 32-bit offset in a GPU plugin can address.
    static let maximumTensorBytes = 1 << 32

    /// The product of `extents`, or nil when one is negative or the product overflows.
    static func elementCount<S: Sequence>(_ extents: S) -> Int? where S.Element == Int {
        var count = 1
        for extent in extents {
            guard extent >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// Bytes of a tensor of `shape` with elements of `width` bytes, or nil when that is not
    /// representable or over `maximumTensorBytes`.
    static func byteCount(_ shape: [Int], width: Int) -> Int? {
        guard let count = elementCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, bytes <= maximumTensorBytes else { return nil }
        return bytes
    }

    /// "4 GiB" for the messages.
    static var limitText: String { "\(maximumTensorBytes >> 30) GiB" }
}
