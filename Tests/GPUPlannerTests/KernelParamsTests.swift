import DelegateABI
import GPUShared
import Testing

/// The kernels' parameter blocks, declared once in each kernel (PARAMS_BEGIN ... PARAMS_END) and
/// generated into gpu_kernel_params_table: the setters find parameters by name, and every planner
/// entry sets exactly what its kernel declares.
@Suite struct KernelParamsTests {
    static var table: [GpuKernelParams] {
        var count = 0
        let entries = gpu_kernel_params_all(&count)
        return (0..<count).map { entries![$0] }
    }

    static func names(_ kernel: GpuKernelParams) -> [String] {
        (0..<Int(kernel.count)).map { String(cString: kernel.params[$0].name) }
    }

    /// One graph per planner entry, together using every kernel.
    static func everyPlannerEntry() -> [(name: String, builder: GraphBuilder, inputs: [Int32], outputs: [Int32])] {
        var graphs: [(String, GraphBuilder, [Int32], [Int32])] = []
        func add(_ name: String, _ build: (GraphBuilder, Int32) -> Int32, input dims: [Int32] = [1, 4, 4, 8]) {
            let g = GraphBuilder()
            let input = g.tensor(dims)
            let out = build(g, input)
            graphs.append((name, g, [input], [out]))
        }
        add("CONV_2D") { g, x in g.conv(x, outChannels: 8) }
        add("CONV_2D 1x1") { g, x in g.conv(x, outChannels: 8, kernel: 1) }
        add("DEPTHWISE_CONV_2D") { g, x in g.depthwise(x) }
        add("MAX_POOL_2D") { g, x in g.pool(x) }
        add("RELU") { g, x in g.unary(LITE_OP_RELU, x) }
        add("ADD") { g, x in g.binary(LITE_OP_ADD, x, g.constant([8], [Float](repeating: 1, count: 8))) }
        add("PAD") { g, x in g.pad(x, [0, 0, 1, 1, 0, 0, 0, 0]) }
        add("CONCATENATION") { g, x in
            let out = g.tensor([1, 4, 4, 16])
            g.node(LITE_OP_CONCATENATION, inputs: [x, x], outputs: [out],
                   params: LiteConcatenationParams(struct_size: MemoryLayout<LiteConcatenationParams>.size,
                                                   axis: 3, activation: LITE_ACTIVATION_NONE))
            return out
        }
        add("RESHAPE") { g, x in
            let out = g.tensor([1, 4, 32, 1])
            g.node(LITE_OP_RESHAPE, inputs: [x], outputs: [out])
            return out
        }
        add("DEPTH_TO_SPACE") { g, x in
            let out = g.tensor([1, 8, 8, 2])
            g.node(LITE_OP_DEPTH_TO_SPACE, inputs: [x], outputs: [out],
                   params: LiteDepthToSpaceParams(struct_size: MemoryLayout<LiteDepthToSpaceParams>.size, block_size: 2))
            return out
        }
        add("SOFTMAX") { g, x in
            let out = g.tensor(g.dims(of: x))
            g.node(LITE_OP_SOFTMAX, inputs: [x], outputs: [out],
                   params: LiteSoftmaxParams(struct_size: MemoryLayout<LiteSoftmaxParams>.size, beta: 1))
            return out
        }
        add("MEAN") { g, x in
            let out = g.tensor([1, 1, 1, 8])
            g.node(LITE_OP_MEAN, inputs: [x, g.constant([2], int32: [1, 2])], outputs: [out],
                   params: LiteReducerParams(struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: 1))
            return out
        }
        add("RESIZE_BILINEAR") { g, x in
            let out = g.tensor([1, 8, 8, 8])
            g.node(LITE_OP_RESIZE_BILINEAR, inputs: [x, g.constant([2], int32: [8, 8])], outputs: [out],
                   params: LiteResizeBilinearParams(struct_size: MemoryLayout<LiteResizeBilinearParams>.size,
                                                    align_corners: 0, half_pixel_centers: 1))
            return out
        }
        add("TRANSPOSE_CONV") { g, x in
            let out = g.tensor([1, 9, 9, 4])
            let weights = g.constant([4, 3, 3, 8], [Float](repeating: 0.25, count: 4 * 3 * 3 * 8))
            g.node(LITE_OP_TRANSPOSE_CONV, inputs: [g.constant([4], int32: [1, 9, 9, 4]), weights, x], outputs: [out],
                   params: LiteTransposeConvParams(struct_size: MemoryLayout<LiteTransposeConvParams>.size,
                                                   padding: LITE_PADDING_VALID, stride_width: 2, stride_height: 2,
                                                   activation: LITE_ACTIVATION_NONE))
            return out
        }
        return graphs
    }

    @Test func everyKernelIsEmittedWithExactlyItsDeclaredParameters() throws {
        var emitted = Set<String>()
        for (name, g, inputs, outputs) in Self.everyPlannerEntry() {
            let p = g.plan(inputs: inputs, outputs: outputs)
            try #require(p.ok, "\(name): \(p.error ?? "")")
            for index in 0..<Int(p.program.dispatch_count) {
                var message = [CChar](repeating: 0, count: 256)
                #expect(gpu_dispatch_params_problem(&p.program.dispatches[index], &message, message.count) == nil,
                        "\(name): \(cString(message))")
                emitted.insert(String(cString: p.program.dispatches[index].kernel))
            }
        }
        let declared = Set(Self.table.map { String(cString: $0.kernel) })
        #expect(emitted == declared, "kernels no planner entry emits: \(declared.subtracting(emitted))")
    }

    /// The table says what the kernel text declares, slot by slot (the generator's parse, checked
    /// against the embedded source).
    @Test func tableMatchesTheKernelsParameterBlocks() throws {
        for kernel in Self.table {
            let name = String(cString: kernel.kernel)
            let text = try #require(gpu_shader_text(kernel.kernel).map { String(cString: $0) }, "\(name)")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let begin = try #require(lines.firstIndex(of: "PARAMS_BEGIN"), "\(name) has no parameter block")
            let end = try #require(lines[begin...].firstIndex(of: "PARAMS_END"), "\(name)'s block has no end")
            let members = lines[(begin + 1)..<end].compactMap { line -> String? in
                let words = (line.split(separator: "/").first ?? "").split(separator: " ")
                return words.count == 2 ? "\(words[0]) \(words[1].dropLast())" : nil
            }
            let declared = (0..<Int(kernel.count)).map { i in
                (kernel.params[i].type == GPU_PARAM_VEC4 ? "vec4 " : "ivec4 ") + String(cString: kernel.params[i].name)
            }
            #expect(members == declared, "\(name)")
            #expect(Int(kernel.count) * 4 <= Int(GPU_PARAM_WORDS))
        }
    }

    @Test func settingByNameFillsTheDeclaredSlot() throws {
        var d = GpuDispatch()
        d.param_table = gpu_kernel_params("pool2d")
        gpu_param_ivec4(&d, "window", 3, 3, 2, 2)
        let params = withUnsafeBytes(of: &d.params) { Array($0.bindMemory(to: Int32.self)) }
        let slot = try #require(Self.names(d.param_table.pointee).firstIndex(of: "window"))
        #expect(Array(params[(slot * 4)..<(slot * 4 + 4)]) == [3, 3, 2, 2])
        #expect(d.param_error.0 == 0)
    }

    @Test(arguments: [
        ("unknown", "has no parameter 'windw'"),
        ("wrong type", "has no parameter 'window'"),
        ("missing", "parameter 'geometry' not set"),
    ])
    func aParameterTheKernelDoesNotDeclareOrLacksIsReported(kind: String, message expected: String) throws {
        var d = GpuDispatch()
        d.param_table = gpu_kernel_params("pool2d")
        for name in Self.names(d.param_table.pointee) where name != "geometry" {
            gpu_param_ivec4(&d, name, 1, 1, 1, 1)
        }
        switch kind {
        case "unknown": gpu_param_ivec4(&d, "windw", 1, 1, 1, 1)
        case "wrong type": gpu_param_vec4(&d, "window", 1, 1, 1, 1)
        default: break
        }
        if kind != "missing" { gpu_param_ivec4(&d, "geometry", 1, 1, 1, 1) }
        var message = [CChar](repeating: 0, count: 256)
        let problem = gpu_dispatch_params_problem(&d, &message, message.count)
        #expect(problem != nil)
        #expect(cString(message).contains(expected), "\(cString(message))")
    }

    @Test func unknownKernelHasNoTable() {
        #expect(gpu_kernel_params("no_such_kernel") == nil)
        var d = GpuDispatch()
        var message = [CChar](repeating: 0, count: 256)
        #expect(gpu_dispatch_params_problem(&d, &message, message.count) != nil)
    }
}
