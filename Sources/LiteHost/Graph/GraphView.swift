import DelegateABI
import Foundation

/// The model as plugins see it: C structs (LiteGraph, LiteTensor, LiteNode, typed params) built once
/// from a `ModelDefinition`, with shapes updated in place when inputs are resized.
///
/// Owns every allocation it hands out; pointers into it stay valid until it is deinitialised.
/// Constant data pointers point into the model's `ConstantStorage`, which the view keeps alive.
final class GraphView {
    let model: ModelDefinition
    let pointer: UnsafeMutablePointer<LiteGraph>
    var nodeCount: Int { model.operators.count }
    /// Current shape of every tensor.
    private(set) var shapes: [[Int]]

    private let tensors: UnsafeMutablePointer<LiteTensor>
    private let tensorPointers: UnsafeMutablePointer<UnsafePointer<LiteTensor>?>
    private let nodes: UnsafeMutablePointer<LiteNode>
    private let nodePointers: UnsafeMutablePointer<UnsafePointer<LiteNode>?>
    private var dims: [UnsafeMutablePointer<Int32>?]
    private var allocations: [UnsafeMutableRawPointer] = []

    init(model: ModelDefinition) {
        self.model = model
        shapes = model.tensors.map(\.shape)
        let tensorCount = model.tensors.count, nodeCount = model.operators.count
        tensors = .allocate(capacity: max(tensorCount, 1))
        tensorPointers = .allocate(capacity: max(tensorCount, 1))
        nodes = .allocate(capacity: max(nodeCount, 1))
        nodePointers = .allocate(capacity: max(nodeCount, 1))
        dims = Array(repeating: nil, count: tensorCount)
        pointer = .allocate(capacity: 1)

        let inputSet = Set(model.inputs), outputSet = Set(model.outputs)
        for (index, tensor) in model.tensors.enumerated() {
            var flags: UInt32 = 0
            if inputSet.contains(index) { flags |= LITE_TENSOR_FLAG_GRAPH_INPUT }
            if outputSet.contains(index) { flags |= LITE_TENSOR_FLAG_GRAPH_OUTPUT }
            if tensor.constant != nil { flags |= LITE_TENSOR_FLAG_CONSTANT }
            (tensors + index).initialize(to: LiteTensor(
                struct_size: MemoryLayout<LiteTensor>.size,
                name: UnsafePointer(keep(strdup(tensor.name))),
                type: tensor.type.liteType,
                rank: 0, dims: nil,
                constant_data: tensor.constant?.pointer,
                byte_size: 0, flags: flags))
            tensorPointers[index] = UnsafePointer(tensors + index)
        }
        for (index, node) in model.operators.enumerated() {
            let inputs = keepArray(node.inputs), outputs = keepArray(node.outputs)
            let custom: UnsafeRawPointer? = node.customOptions.isEmpty ? nil : UnsafeRawPointer(keepArray(node.customOptions))
            (nodes + index).initialize(to: LiteNode(
                struct_size: MemoryLayout<LiteNode>.size,
                builtin_code: node.opcode,
                custom_name: node.customName.map { UnsafePointer(keep(strdup($0))) },
                version: node.version,
                input_count: Int32(node.inputs.count), inputs: inputs,
                output_count: Int32(node.outputs.count), outputs: outputs,
                params: paramsPointer(for: node),
                custom_options: custom, custom_options_size: node.customOptions.count))
            nodePointers[index] = UnsafePointer(nodes + index)
        }
        pointer.initialize(to: LiteGraph(
            struct_size: MemoryLayout<LiteGraph>.size,
            tensor_count: Int32(tensorCount), tensors: UnsafePointer(tensorPointers),
            node_count: Int32(nodeCount), nodes: UnsafePointer(nodePointers),
            input_count: Int32(model.inputs.count), inputs: keepArray(model.inputs.map { Int32($0) }),
            output_count: Int32(model.outputs.count), outputs: keepArray(model.outputs.map { Int32($0) })))
        for index in 0..<tensorCount { setShape(index, shapes[index]) }
    }

    deinit {
        dims.forEach { $0?.deallocate() }
        allocations.forEach { free($0) }
        tensors.deinitialize(count: model.tensors.count).deallocate()
        tensorPointers.deallocate()
        nodes.deinitialize(count: model.operators.count).deallocate()
        nodePointers.deallocate()
        pointer.deinitialize(count: 1).deallocate()
    }

    /// Byte size of tensor `index` at its current shape.
    func byteSize(_ index: Int) -> Int { tensors[index].byte_size }

    /// Replaces every tensor's shape (after shape inference).
    func updateShapes(_ newShapes: [[Int]]) {
        for index in newShapes.indices where newShapes[index] != shapes[index] { setShape(index, newShapes[index]) }
    }

    private func setShape(_ index: Int, _ shape: [Int]) {
        shapes[index] = shape
        dims[index]?.deallocate()
        let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: max(shape.count, 1))
        for (axis, extent) in shape.enumerated() { buffer[axis] = Int32(clamping: extent) }
        dims[index] = buffer
        tensors[index].rank = Int32(shape.count)
        tensors[index].dims = UnsafePointer(buffer)
        tensors[index].byte_size = shape.reduce(1, *) * model.tensors[index].type.byteWidth
    }

    // MARK: Allocation helpers: everything is freed in deinit.

    private func keep(_ pointer: UnsafeMutablePointer<CChar>?) -> UnsafeMutablePointer<CChar> {
        let pointer = pointer!  // strdup only fails when out of memory.
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    private func keepArray<T>(_ values: [T]) -> UnsafePointer<T> {
        let raw = malloc(max(values.count, 1) * MemoryLayout<T>.stride)!
        allocations.append(raw)
        let typed = raw.bindMemory(to: T.self, capacity: max(values.count, 1))
        for (offset, value) in values.enumerated() { (typed + offset).initialize(to: value) }
        return UnsafePointer(typed)
    }

    /// A copy of the node's params struct (its descriptor's `params`, `OperatorRegistry`), with
    /// axes normalised where the ABI promises it; nil when the operator hands none.
    private func paramsPointer(for node: OperatorDefinition) -> UnsafeRawPointer? {
        guard let rule = OperatorRegistry.descriptor(code: node.opcode, customName: node.customName)?.params,
              let params = rule(node.options, ParamsContext(node: node, model: model))
        else { return nil }
        return UnsafeRawPointer(keepArray(params.bytes))
    }
}
