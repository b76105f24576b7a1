import LiteHost
import LiteImage

/// Why an image could not fill an input: one line naming the input and the reason.
public struct ImageInputError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension Interpreter {
    /// Fills float32 input `index` (shape [1, height, width, 1 or 3]) from the PNG or JPEG file at
    /// `path`: decoded, resized bilinearly to the input's height and width, (pixel - mean) / std
    /// (Sources/LiteImage). What `lite run --image` and the C API's lite_tensor_set_image do.
    /// - Throws: `InterpreterError` (index, not allocated) or `ImageInputError` (not an image
    ///   input, an unreadable file).
    public func fillInput(at index: Int, fromImage path: String, mean: Float, std: Float) throws {
        let info = try inputInfo(at: index)
        guard info.dataType == .float32 else {
            throw ImageInputError(description: "input \(index) '\(info.name)': an image fills a float32 input, not \(info.dataType)")
        }
        let buffer = try inputBuffer(at: index)
        var error = [CChar](repeating: 0, count: 512)
        let dims = info.shape.map(Int64.init)
        guard lite_image_fill(path, dims, Int32(dims.count), mean, std, buffer.baseAddress!.assumingMemoryBound(to: Float.self),
                              &error, error.count) == 0 else {
            throw ImageInputError(
                description: "input \(index) '\(info.name)': " + error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
    }
}
