import DelegateABI
import GPUShared
import Testing

/// Each graph rewrite of the GPU planner (Plugins/GPUShared/transformations/), on small graphs: where
/// it applies and where it must not.
@Suite struct FoldPadsTests {
    @Test func padIsFoldedIntoTheConvolutionThatReadsIt() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let padded = g.pad(input, [0, 0, 1, 2, 2, 1, 0, 0])
        let out = g.conv(padded, outChannels: 8, padding: LITE_PADDING_VALID)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.kernelDispatches.map(\.kernel) == ["conv2d"])
        let conv = try #require(p.kernelDispatches.first)
        #expect(conv.fusedNodes == 2)
        // The convolution reads the PAD's input, not its output.
        let inputIndex = try #require(p.tableIndex(of: input))
        #expect(conv.bindings.contains { $0.kind == GPU_RESOURCE_TENSOR && $0.index == inputIndex && !$0.writes })
        #expect(p.tableIndex(of: padded).map { p.tensors[Int($0)].first_use } == -1)
    }

    @Test func padIsFoldedIntoADepthwiseConvolution() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 6, 6, 8])
        let out = g.depthwise(g.pad(input, [0, 0, 1, 1, 1, 1, 0, 0]), padding: LITE_PADDING_VALID)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.kernelDispatches.map(\.kernel) == ["depthwise_conv2d"])
        #expect(p.kernelDispatches.first?.fusedNodes == 2)
    }

    @Test func padReadByASecondNodeStays() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let padded = g.pad(input, [0, 0, 1, 1, 1, 1, 0, 0])
        let out = g.conv(padded, outChannels: 4, padding: LITE_PADDING_VALID)
        let other = g.unary(LITE_OP_TANH, padded)
        let p = try g.planned(inputs: [input], outputs: [out, other])
        #expect(p.kernelDispatches.map(\.kernel).contains("pad"))
        #expect(p.kernelDispatches.allSatisfy { $0.fusedNodes <= 2 })
        #expect(p.kernelDispatches.first { $0.kernel == "conv2d" }?.fusedNodes == 1)
    }

    @Test(arguments: [
        [0, 0, 1, 1, 1, 1, 1, 0],  // pads channels
        [1, 0, 1, 1, 1, 1, 0, 0],  // pads the batch
    ] as [[Int32]])
    func padOutsideHeightAndWidthStays(paddings: [Int32]) throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.conv(g.pad(input, paddings), outChannels: 4, padding: LITE_PADDING_VALID)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.kernelDispatches.map(\.kernel) == ["pad", "conv2d"])
    }

    /// A max pool ignores its padding, a PAD's zeros it does not: folding would change the result.
    @Test func padBeforeAPoolStays() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.pool(g.pad(input, [0, 0, 1, 1, 1, 1, 0, 0]), filter: 3, padding: LITE_PADDING_VALID)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.kernelDispatches.map(\.kernel) == ["pad", "pool2d"])
    }

    @Test func padThatIsAPartitionOutputStays() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let padded = g.pad(input, [0, 0, 1, 1, 1, 1, 0, 0])
        let out = g.conv(padded, outChannels: 4, padding: LITE_PADDING_VALID)
        let p = try g.planned(inputs: [input], outputs: [padded, out])
        #expect(p.kernelDispatches.map(\.kernel) == ["pad", "conv2d"])
    }
}

@Suite struct FuseElementwiseTests {
    @Test func activationIsFusedIntoTheConvolution() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.unary(LITE_OP_RELU, g.conv(input, outChannels: 8))
        let p = try g.planned(inputs: [input], outputs: [out])
        let conv = try #require(p.kernelDispatches.first)
        #expect(p.kernelDispatches.count == 1)
        #expect(conv.fusedNodes == 2)
        #expect(conv.define("EPI_0") == "\(GPU_EPI_RELU.rawValue)")
        #expect(conv.define("EPI_1") == nil)
        // The fused dispatch writes the RELU's output; the convolution's own output is never stored.
        let outIndex = try #require(p.tableIndex(of: out))
        #expect(conv.bindings.contains { $0.kind == GPU_RESOURCE_TENSOR && $0.index == outIndex && $0.writes })
    }

    @Test func residualAddIsFusedWithItsOperandBound() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.binary(LITE_OP_ADD, g.conv(input, outChannels: 4), input, activation: LITE_ACTIVATION_RELU6)
        let p = try g.planned(inputs: [input], outputs: [out])
        let conv = try #require(p.kernelDispatches.first)
        #expect(p.kernelDispatches.count == 1)
        #expect(conv.define("EPI_0") == "\(GPU_EPI_ADD.rawValue)")
        #expect(conv.define("EPI_0_MODE") == "\(GPU_OPERAND_FULL.rawValue)")
        #expect(conv.define("EPI_1") == "\(GPU_EPI_RELU6.rawValue)")
        let binding = try #require(conv.define("EPI_0_BINDING").flatMap { Int($0) })
        let inputIndex = try #require(p.tableIndex(of: input))
        #expect(conv.bindings[binding].index == inputIndex && !conv.bindings[binding].writes)
    }

    @Test func subtractingTheProducedTensorBecomesAReversedSub() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 4, 4, 4])
        let bias = g.constant([4], [1, 2, 3, 4])
        let out = g.binary(LITE_OP_SUB, bias, g.conv(input, outChannels: 4))
        let p = try g.planned(inputs: [input], outputs: [out])
        let conv = try #require(p.kernelDispatches.first)
        #expect(p.kernelDispatches.count == 1)
        #expect(conv.define("EPI_0") == "\(GPU_EPI_RSUB.rawValue)")
        #expect(conv.define("EPI_0_MODE") == "\(GPU_OPERAND_CHANNEL.rawValue)")
    }

    @Test func tensorWithASecondConsumerIsNotFused() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let conv = g.conv(input, outChannels: 4)
        let a = g.unary(LITE_OP_RELU, conv)
        let b = g.unary(LITE_OP_TANH, conv)
        let p = try g.planned(inputs: [input], outputs: [a, b])
        #expect(p.kernelDispatches.map(\.kernel) == ["conv2d", "elementwise", "elementwise"])
        #expect(p.kernelDispatches[0].define("EPI_0") == nil)
        #expect(p.kernelDispatches.allSatisfy { $0.fusedNodes == 1 })
    }

    @Test func partitionOutputIsNotFusedAway() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let conv = g.conv(input, outChannels: 4)
        let out = g.unary(LITE_OP_RELU, conv)
        let p = try g.planned(inputs: [input], outputs: [conv, out])
        #expect(p.kernelDispatches.map(\.kernel) == ["conv2d", "elementwise"])
    }

    @Test func operandThatDoesNotBroadcastAsAWholeIsNotFused() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 4, 4, 4])
        let row = g.constant([1, 1, 4, 4], [Float](repeating: 0.5, count: 16))  // per column: no operand mode
        let out = g.binary(LITE_OP_MUL, g.conv(input, outChannels: 4), row)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.kernelDispatches.map(\.kernel) == ["conv2d", "elementwise"])
    }

    @Test func stepsBeyondTheEpilogueCapacityStartANewDispatch() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 4, 4, 4])
        var t = g.conv(input, outChannels: 4)
        let chain = [LITE_OP_RELU, LITE_OP_TANH, LITE_OP_RELU6, LITE_OP_LOGISTIC, LITE_OP_TANH]
        for code in chain { t = g.unary(code, t) }
        let p = try g.planned(inputs: [input], outputs: [t])
        #expect(p.kernelDispatches.map(\.kernel) == ["conv2d", "elementwise"])
        #expect(p.kernelDispatches.map(\.fusedNodes) == [1 + Int32(GPU_MAX_EPILOGUE), 1])
        #expect(p.kernelDispatches[0].define("EPI_\(GPU_MAX_EPILOGUE - 1)") != nil)
        #expect(p.kernelDispatches[0].define("EPI_\(GPU_MAX_EPILOGUE)") == nil)
    }
}

@Suite struct ChooseStorageTests {
    /// conv (+ `activation`) -> conv, planned in fp16: the intermediate tensor's storage.
    private func intermediateKeepsFloat32(activation: LiteActivation) throws -> Bool {
        let (g, input, middle, out) = GraphBuilder.convChain(activation: activation)
        let p = try g.planned(inputs: [input], outputs: [out], precision: GPU_PRECISION_FP16)
        #expect(p.root(of: input)?.keep_fp32 == true)
        #expect(p.root(of: out)?.keep_fp32 == true)
        return try #require(p.root(of: middle)).keep_fp32
    }

    @Test func saturatingActivationIsStoredAsHalves() throws {
        #expect(try intermediateKeepsFloat32(activation: LITE_ACTIVATION_RELU6) == false)
        #expect(try intermediateKeepsFloat32(activation: LITE_ACTIVATION_TANH) == false)
    }

    @Test func unboundedTensorStaysFloat32() throws {
        #expect(try intermediateKeepsFloat32(activation: LITE_ACTIVATION_NONE) == true)
        #expect(try intermediateKeepsFloat32(activation: LITE_ACTIVATION_RELU) == true)
    }

    @Test func boundsPassThroughAPoolButNotAFusedAdd() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let bounded = g.conv(input, outChannels: 4, activation: LITE_ACTIVATION_RELU6)
        let pooled = g.pool(bounded)
        let a = g.conv(pooled, outChannels: 4)
        // A pool with an ADD fused into it: the sum may leave the inputs' range.
        let sum = g.binary(LITE_OP_ADD, g.pool(bounded), bounded)
        let b = g.conv(sum, outChannels: 4)
        let p = try g.planned(inputs: [input], outputs: [a, b], precision: GPU_PRECISION_FP16)
        #expect(p.root(of: bounded)?.keep_fp32 == false)
        #expect(p.root(of: pooled)?.keep_fp32 == false)
        #expect(p.root(of: sum)?.keep_fp32 == true)
        #expect(p.program.half_tensors == 2)
        // Kernels are told which bindings hold float32: the conv reading the sum, at binding 1.
        let last = try #require(p.kernelDispatches.last)
        #expect(last.kernel == "conv2d" && last.define("BINDING_1_FP32") == "1")
        #expect(p.kernelDispatches.first?.define("BINDING_1_FP32") == "1")  // reads the partition input
    }

    @Test func everyTensorIsHalvesWithTheAllOption() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.conv(g.conv(input, outChannels: 8), outChannels: 4)
        let p = try g.planned(inputs: [input], outputs: [out], precision: GPU_PRECISION_FP16, fp16AllTensors: true)
        #expect(p.program.stored_tensors == 3)
        #expect(p.program.half_tensors == 3)
        #expect(p.dispatches.allSatisfy { !$0.defines.contains("_FP32 1") })
    }

    @Test func fp32ProgramStoresNoHalves() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 8, 8, 4])
        let out = g.conv(g.conv(input, outChannels: 8, activation: LITE_ACTIVATION_RELU6), outChannels: 4)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.program.half_tensors == 0)
        #expect(p.program.element_bytes == 16)
    }
}

@Suite struct FoldDequantizeAndReshapeTests {
    @Test func dequantizedWeightsBecomeAConstant() throws {
        let g = GraphBuilder()
        let input = g.tensor([1, 4, 4, 4])
        let halves: [UInt16] = (0..<(4 * 3 * 3 * 4)).map { _ in 0x3C00 }  // 1.0
        let packed = g.tensor([4, 3, 3, 4], type: LITE_DATA_TYPE_FLOAT16,
                              constant: halves.withUnsafeBytes { Array($0) })
        let weights = g.tensor([4, 3, 3, 4])
        g.node(LITE_OP_DEQUANTIZE, inputs: [packed], outputs: [weights])
        let out = g.tensor([1, 4, 4, 4])
        let params = LiteConv2DParams(struct_size: MemoryLayout<LiteConv2DParams>.size, padding: LITE_PADDING_SAME,
                                      stride_width: 1, stride_height: 1, dilation_width: 1, dilation_height: 1,
                                      activation: LITE_ACTIVATION_NONE)
        g.node(LITE_OP_CONV_2D, inputs: [input, weights, -1], outputs: [out], params: params)
        let p = try g.planned(inputs: [input], outputs: [out])
        #expect(p.kernelDispatches.map(\.kernel) == ["conv2d"])
        #expect(p.root(of: weights)?.kind == GPU_TENSOR_CONSTANT)
    }
}
