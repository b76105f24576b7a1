import DelegateABI

/// Rewrites SPACE_TO_BATCH_ND -> CONV_2D | DEPTHWISE_CONV_2D -> BATCH_TO_SPACE_ND, the way
/// TensorFlow writes an atrous convolution, into one convolution with dilation.
///
/// With block d, paddings (pt, pb) and crops (ct, cb) on an axis, and a stride-1 VALID convolution of
/// kernel k inside, the three nodes compute a VALID convolution of dilation d over the input padded
/// by (pt - ct, pb - cb) zeros. TFLite's padding modes express exactly two such paddings: (0, 0) is
/// VALID, and ((k-1)d / 2, (k-1)d - (k-1)d / 2) is SAME. The rewrite happens only when both spatial
/// axes fit one of them, the blocks of both ends agree, and nothing else reads the intermediate
/// tensors; anything else is left alone and runs as it is.
enum DilatedConvolutionPass: GraphPass {
    static let name = "dilated-convolution"

    static func run(on graph: inout OptimizerGraph) -> String {
        var rewritten = 0
        // Each rewrite removes two nodes; start over on the new graph until none is left.
        while let match = findMatch(in: graph.model) {
            apply(match, to: &graph.model)
            rewritten += 1
        }
        return rewritten == 0 ? "" : "\(rewritten) convolution\(rewritten == 1 ? "" : "s") given dilation"
    }

    struct Match {
        let spaceToBatch: Int
        let convolution: Int
        let batchToSpace: Int
        /// The rewritten convolution.
        let replacement: OperatorDefinition
    }

    static func findMatch(in model: ModelDefinition) -> Match? {
        let producers = model.producers(), consumers = model.consumers()
        let outputs = Set(model.outputs)
        for (index, op) in model.operators.enumerated() where op.opcode == LITE_OP_BATCH_TO_SPACE_ND.code {
            if let match = match(batchToSpace: index, op, model, producers, consumers, outputs) { return match }
        }
        return nil
    }

    // swiftlint:disable:next function_parameter_count
    private static func match(
        batchToSpace index: Int, _ bts: OperatorDefinition, _ model: ModelDefinition, _ producers: [Int?],
        _ consumers: [[Int]], _ modelOutputs: Set<Int>
    ) -> Match? {
        func constantInts(_ tensor: Int32) -> [Int]? {
            guard tensor >= 0 else { return nil }
            return model.tensors[Int(tensor)].constant.flatMap { _ in ConstantTensor(model.tensors[Int(tensor)])?.integers }
        }
        /// Read only by `reader` and not a model output.
        func private_(_ tensor: Int32, to reader: Int) -> Bool {
            tensor >= 0 && consumers[Int(tensor)] == [reader] && !modelOutputs.contains(Int(tensor))
        }
        guard bts.inputs.count == 3, bts.outputs.count == 1,
              let convIndex = producers[Int(bts.inputs[0])], private_(bts.inputs[0], to: index) else { return nil }
        let conv = model.operators[convIndex]
        guard conv.opcode == LITE_OP_CONV_2D.code || conv.opcode == LITE_OP_DEPTHWISE_CONV_2D.code,
              conv.inputs.count >= 2, conv.outputs == [bts.inputs[0]],
              conv.inputs[0] >= 0, let stbIndex = producers[Int(conv.inputs[0])], private_(conv.inputs[0], to: convIndex)
        else { return nil }
        let stb = model.operators[stbIndex]
        guard stb.opcode == LITE_OP_SPACE_TO_BATCH_ND.code, stb.inputs.count == 3, stb.outputs.count == 1,
              stb.inputs[0] >= 0, model.tensors[Int(stb.inputs[0])].shape.count == 4,
              let block = constantInts(stb.inputs[1]), let paddings = constantInts(stb.inputs[2]),
              let btsBlock = constantInts(bts.inputs[1]), let crops = constantInts(bts.inputs[2]),
              block.count == 2, block == btsBlock, block.allSatisfy({ $0 >= 1 }),
              paddings.count == 4, crops.count == 4, conv.inputs[1] >= 0
        else { return nil }
        let weights = model.tensors[Int(conv.inputs[1])].shape
        guard weights.count == 4 else { return nil }
        let kernel = [weights[1], weights[2]]

        // The convolution inside must be a plain stride-1 window over each sub-image.
        guard let window = conv.options.convolutionWindow else { return nil }
        // SAME with a 1x1 window pads nothing, like VALID.
        guard window.strides == [1, 1], window.dilations == [1, 1],
              window.padding == LITE_PADDING_VALID || kernel == [1, 1] else { return nil }

        let before = [paddings[0] - crops[0], paddings[2] - crops[2]]
        let after = [paddings[1] - crops[1], paddings[3] - crops[3]]
        guard let padding = tflitePadding(before: before, after: after, kernel: kernel, dilation: block) else { return nil }

        var replacement = conv
        replacement.inputs[0] = stb.inputs[0]
        replacement.outputs = bts.outputs
        guard let dilated = conv.options.withConvolutionWindow(padding: padding, dilations: block) else { return nil }
        replacement.options = dilated
        // The declared output must be what the dilated convolution computes.
        let input = model.tensors[Int(stb.inputs[0])].shape
        let output = model.tensors[Int(bts.outputs[0])].shape
        let fail: ShapeInference.Failure = { InterpreterError(.shapeInference, $0) }
        guard let height = try? ShapeInference.windowOutput(input[1], kernel[0], 1, block[0], padding, fail),
              let width = try? ShapeInference.windowOutput(input[2], kernel[1], 1, block[1], padding, fail),
              output.count == 4, output[0] == input[0], output[1] == height, output[2] == width
        else { return nil }
        return Match(spaceToBatch: stbIndex, convolution: convIndex, batchToSpace: index, replacement: replacement)
    }

    /// The padding mode whose padding is (before, after) on both axes for a stride-1 window, if any.
    static func tflitePadding(before: [Int], after: [Int], kernel: [Int], dilation: [Int]) -> LitePadding? {
        func fits(_ mode: LitePadding, _ axis: Int) -> Bool {
            if mode == LITE_PADDING_VALID { return before[axis] == 0 && after[axis] == 0 }
            // TFLite's SAME for stride 1: total (k-1)d, the smaller half before.
            let total = (kernel[axis] - 1) * dilation[axis]
            return before[axis] == total / 2 && after[axis] == total - total / 2
        }
        for mode in [LITE_PADDING_VALID, LITE_PADDING_SAME] where fits(mode, 0) && fits(mode, 1) { return mode }
        return nil
    }

    private static func apply(_ match: Match, to model: inout ModelDefinition) {
        model.operators[match.convolution] = match.replacement
        model.operators = model.operators.indices
            .filter { $0 != match.spaceToBatch && $0 != match.batchToSpace }
            .map { model.operators[$0] }
    }
}
