import Foundation

/// A model input's or output's name, type and current shape, without its bytes.
public struct TensorInfo: Sendable, Equatable {
    /// The tensor's index in the model's tensor table (TFLite's tensor index).
    public let tensorIndex: Int
    public let name: String
    public let dataType: ElementType
    public let shape: [Int]
    public let byteCount: Int
}

extension Interpreter {
    /// Input `index`'s name, type and shape (the new shape after a resize and `allocateTensors()`).
    public func inputInfo(at index: Int) throws -> TensorInfo {
        info(of: try tensorIndex(model.inputs, index, label: "input"))
    }

    /// Output `index`'s name, type and shape.
    public func outputInfo(at index: Int) throws -> TensorInfo {
        info(of: try tensorIndex(model.outputs, index, label: "output"))
    }

    /// Input `index`'s bytes in place, to write before `invoke()`. Valid until the next
    /// `allocateTensors()` or the interpreter's end; the caller must not use it from another thread
    /// while the interpreter runs.
    /// - Throws: `.notAllocated` before `allocateTensors()`.
    public func inputBuffer(at index: Int) throws -> UnsafeMutableRawBufferPointer {
        let tensor = try tensorIndex(model.inputs, index, label: "input")
        guard allocated, let start = arena?.pointer(to: tensor) else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before using input buffers")
        }
        return UnsafeMutableRawBufferPointer(start: start, count: graph.byteSize(tensor))
    }

    /// Output `index`'s bytes in place, as of the last `invoke()` (a constant output: the model's own
    /// read-only data). Valid as `inputBuffer(at:)`'s.
    /// - Throws: `.notAllocated` before `allocateTensors()`.
    public func outputBuffer(at index: Int) throws -> UnsafeRawBufferPointer {
        let tensor = try tensorIndex(model.outputs, index, label: "output")
        guard allocated, let arena else {
            throw InterpreterError(.notAllocated, "allocateTensors() must be called before using output buffers")
        }
        if let start = arena.pointer(to: tensor) {
            return UnsafeRawBufferPointer(start: start, count: graph.byteSize(tensor))
        }
        guard let constant = model.tensors[tensor].constant else {
            throw InterpreterError(.notAllocated, "output \(index) has no storage")
        }
        // The interpreter's model holds the constant's storage, which never moves.
        return UnsafeRawBufferPointer(start: constant.pointer, count: constant.byteCount)
    }

    private func info(of tensor: Int) -> TensorInfo {
        let definition = model.tensors[tensor]
        return TensorInfo(tensorIndex: tensor, name: definition.name, dataType: definition.type, shape: graph.shapes[tensor],
                          byteCount: graph.byteSize(tensor))
    }
}
