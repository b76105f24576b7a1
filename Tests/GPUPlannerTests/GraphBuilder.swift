import DelegateABI
import GPUShared
import Testing

/// Builds a `LiteGraph` in C memory, the way the host hands one to a plugin, for the planner to plan.
/// The builder owns every tensor, node, shape, constant and params block it makes and frees them
/// when it goes away; a `PlannedProgram` it returns keeps it alive.
final class GraphBuilder {
    private var tensors: [UnsafeMutablePointer<LiteTensor>] = []
    private var nodes: [UnsafeMutablePointer<LiteNode>] = []
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for tensor in tensors { tensor.deallocate() }
        for node in nodes { node.deallocate() }
        for block in blocks { block.deallocate() }
    }

    var nodeCount: Int { nodes.count }

    /// Copies `bytes` into a 16-byte aligned block the builder owns (constants must be 16-aligned).
    private func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 16), alignment: 16)
        if let base = bytes.baseAddress { block.copyMemory(from: base, byteCount: bytes.count) }
        blocks.append(block)
        return block
    }

    private func copy<T>(array: [T]) -> UnsafeMutableRawPointer {
        array.withUnsafeBytes { copy($0) }
    }

    /// A tensor of `dims`; constant when `constant` holds its bytes. Returns its graph index.
    @discardableResult
    func tensor(_ dims: [Int32], type: LiteDataType = LITE_DATA_TYPE_FLOAT32, constant: [UInt8]? = nil,
                name: String = "") -> Int32 {
        let tensor = UnsafeMutablePointer<LiteTensor>.allocate(capacity: 1)
        let elementBytes = type == LITE_DATA_TYPE_FLOAT16 ? 2 : 4
        let count = dims.reduce(1) { $0 * Int($1) }
        let nameBlock = copy(array: Array(name.utf8CString))
        tensor.initialize(to: LiteTensor(
            struct_size: MemoryLayout<LiteTensor>.size,
            name: UnsafePointer(nameBlock.assumingMemoryBound(to: CChar.self)),
            type: type, rank: Int32(dims.count),
            dims: UnsafePointer(copy(array: dims).assumingMemoryBound(to: Int32.self)),
            constant_data: constant.map { UnsafeRawPointer(copy(array: $0)) },
            byte_size: count * elementBytes, flags: 0))
        tensors.append(tensor)
        return Int32(tensors.count - 1)
    }

    /// A float32 constant of `dims` holding `values` (row-major).
    func constant(_ dims: [Int32], _ values: [Float]) -> Int32 {
        precondition(values.count == dims.reduce(1) { $0 * Int($1) })
        return tensor(dims, constant: values.withUnsafeBytes { Array($0) })
    }

    /// An int32 constant of `dims` holding `values`.
    func constant(_ dims: [Int32], int32 values: [Int32]) -> Int32 {
        tensor(dims, type: LITE_DATA_TYPE_INT32, constant: values.withUnsafeBytes { Array($0) })
    }

    /// A node of `code`, with its params struct (copied). Returns its graph index.
    @discardableResult
    func node<Params>(_ code: LiteBuiltinOperator, inputs: [Int32], outputs: [Int32], params: Params?)
        -> Int32 {
        let node = UnsafeMutablePointer<LiteNode>.allocate(capacity: 1)
        let paramsBlock: UnsafeRawPointer? = params.map { value in
            withUnsafeBytes(of: value) { UnsafeRawPointer(copy($0)) }
        }
        node.initialize(to: LiteNode(
            struct_size: MemoryLayout<LiteNode>.size, builtin_code: Int32(code.rawValue), custom_name: nil,
            version: 1, input_count: Int32(inputs.count),
            inputs: UnsafePointer(copy(array: inputs).assumingMemoryBound(to: Int32.self)),
            output_count: Int32(outputs.count),
            outputs: UnsafePointer(copy(array: outputs).assumingMemoryBound(to: Int32.self)),
            params: paramsBlock, custom_options: nil, custom_options_size: 0))
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    @discardableResult
    func node(_ code: LiteBuiltinOperator, inputs: [Int32], outputs: [Int32]) -> Int32 {
        node(code, inputs: inputs, outputs: outputs, params: Optional<Int32>.none)
    }

    func dims(of tensor: Int32) -> [Int32] {
        let t = tensors[Int(tensor)].pointee
        return (0..<Int(t.rank)).map { t.dims[$0] }
    }

    /// Plans all nodes as one partition with these partition inputs and outputs.
    func plan(inputs: [Int32], outputs: [Int32], precision: GpuPrecision = GPU_PRECISION_FP32,
              offsetAlignment: Int = 16, maxBindingBytes: Int = 0, fp16AllTensors: Bool = false)
        -> PlannedProgram {
        let tensorList = tensors.map { UnsafePointer($0) as UnsafePointer<LiteTensor>? }
        let nodeList = nodes.map { UnsafePointer($0) as UnsafePointer<LiteNode>? }
        let nodeIndices = (0..<Int32(nodes.count)).map { $0 }
        var options = GpuPlanOptions(precision: precision, offset_alignment: offsetAlignment,
                                     max_binding_bytes: maxBindingBytes, fp16_all_tensors: fp16AllTensors)
        let planned = PlannedProgram(builder: self)
        var error = [CChar](repeating: 0, count: Int(GPU_ERROR_CAPACITY))
        // Safe: every pointer below lives in arrays or builder blocks that outlive the call; the
        // planner keeps pointers into the graph's constants, which the builder (held by `planned`)
        // keeps alive as long as the program.
        let ok = tensorList.withUnsafeBufferPointer { tensorBuffer in
            nodeList.withUnsafeBufferPointer { nodeBuffer in
                var graph = LiteGraph(
                    struct_size: MemoryLayout<LiteGraph>.size, tensor_count: Int32(tensorBuffer.count),
                    tensors: tensorBuffer.baseAddress, node_count: Int32(nodeBuffer.count),
                    nodes: nodeBuffer.baseAddress, input_count: 0, inputs: nil, output_count: 0, outputs: nil)
                return gpu_plan_partition(&graph, nodeIndices, Int32(nodeIndices.count), inputs,
                                          Int32(inputs.count), outputs, Int32(outputs.count), &options,
                                          &planned.program, &error, error.count)
            }
        }
        planned.error = ok ? nil : cString(error)
        return planned
    }
}

extension GraphBuilder {
    /// `plan`, requiring it to succeed (the test fails with the planner's message otherwise).
    func planned(inputs: [Int32], outputs: [Int32], precision: GpuPrecision = GPU_PRECISION_FP32,
                 offsetAlignment: Int = 16, maxBindingBytes: Int = 0, fp16AllTensors: Bool = false,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> PlannedProgram {
        let p = plan(inputs: inputs, outputs: outputs, precision: precision, offsetAlignment: offsetAlignment,
                     maxBindingBytes: maxBindingBytes, fp16AllTensors: fp16AllTensors)
        try #require(p.ok, "\(p.error ?? "")", sourceLocation: sourceLocation)
        return p
    }
}

/// A planned program (or the planner's error), freed with the builder that made its graph.
final class PlannedProgram {
    var program = GpuProgram()
    var error: String?
    private let builder: GraphBuilder

    init(builder: GraphBuilder) { self.builder = builder }
    deinit { gpu_program_free(&program) }

    var ok: Bool { error == nil }

    var tensors: UnsafeBufferPointer<GpuTensor> {
        UnsafeBufferPointer(start: program.tensors, count: Int(program.tensor_count))
    }

    var dispatches: [Dispatch] {
        (0..<Int(program.dispatch_count)).map { Dispatch(program.dispatches[$0]) }
    }

    /// The dispatches that run operators (not the layout conversions).
    var kernelDispatches: [Dispatch] { dispatches.filter { $0.node >= 0 } }

    /// The tensor-table index of graph tensor `graphIndex`.
    func tableIndex(of graphIndex: Int32) -> Int32? {
        tensors.firstIndex { $0.graph_index == graphIndex }.map(Int32.init)
    }

    /// The storage root of graph tensor `graphIndex` in the table.
    func root(of graphIndex: Int32) -> GpuTensor? {
        guard let index = tableIndex(of: graphIndex) else { return nil }
        return tensors[Int(gpu_storage_root(&program, index))]
    }
}

/// One dispatch, with its C arrays turned into Swift values.
struct Dispatch {
    let kernel: String
    let defines: String
    let params: [Int32]
    let bindings: [GpuBinding]
    let node: Int32
    let fusedNodes: Int32

    init(_ d: GpuDispatch) {
        kernel = String(cString: d.kernel)
        var copy = d
        defines = withUnsafeBytes(of: &copy.defines) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        params = withUnsafeBytes(of: &copy.params) { Array($0.bindMemory(to: Int32.self)) }
        bindings = withUnsafeBytes(of: &copy.bindings) { Array($0.bindMemory(to: GpuBinding.self)) }
            .prefix(Int(d.binding_count)).map { $0 }
        node = d.node
        fusedNodes = d.fused_nodes
    }

    /// The integer value a `#define NAME value` line gives, or nil.
    func define(_ name: String) -> String? {
        for line in defines.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 3, parts[0] == "#define", parts[1] == name { return String(parts[2]) }
        }
        return nil
    }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
