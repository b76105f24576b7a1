import DelegateABI

extension OperatorOptions {
    /// Decodes the options of one operator.
    /// - Parameters:
    ///   - opcode: The operator's BuiltinOperator value; it selects which options table is expected.
    ///   - customName: The custom code for CUSTOM operators.
    ///   - operatorTable: The Operator table (its builtin_options union is read from it).
    ///   - customOptions: The operator's custom_options bytes.
    ///   - label: Names the operator in error messages, e.g. "operator 5 (CONV_2D)".
    /// - Throws: `ModelError` when the options table has another type than the opcode needs, an
    ///   enum field is out of range, or custom options cannot be decoded.
    static func decode(
        opcode: Int32, customName: String?, operatorTable: FlatTable, customOptions: [UInt8], label: String
    ) throws(ModelError) -> OperatorOptions {
        let buffer = operatorTable.buffer
        typealias Type_ = TFLiteSchema.OptionsType

        if opcode == LITE_BUILTIN_CUSTOM {
            if customName == TFLiteSchema.convolution2DTransposeBias {
                return try decodeConvolution2DTransposeBias(customOptions, label: label, buffer: buffer)
            }
            return .none
        }

        let expected: UInt8
        switch opcode {
        case LITE_BUILTIN_CONV_2D: expected = Type_.conv2D
        case LITE_BUILTIN_DEPTHWISE_CONV_2D: expected = Type_.depthwiseConv2D
        case LITE_BUILTIN_AVERAGE_POOL_2D, LITE_BUILTIN_MAX_POOL_2D, LITE_BUILTIN_L2_POOL_2D: expected = Type_.pool2D
        case LITE_BUILTIN_ADD: expected = Type_.add
        case LITE_BUILTIN_SUB: expected = Type_.sub
        case LITE_BUILTIN_MUL: expected = Type_.mul
        case LITE_BUILTIN_DIV: expected = Type_.div
        case LITE_BUILTIN_CONCATENATION: expected = Type_.concatenation
        case LITE_BUILTIN_FULLY_CONNECTED: expected = Type_.fullyConnected
        case LITE_BUILTIN_SOFTMAX: expected = Type_.softmax
        case LITE_BUILTIN_RESHAPE: expected = Type_.reshape
        case LITE_BUILTIN_RESIZE_BILINEAR: expected = Type_.resizeBilinear
        case LITE_BUILTIN_STRIDED_SLICE: expected = Type_.stridedSlice
        case LITE_BUILTIN_TRANSPOSE_CONV: expected = Type_.transposeConv
        case LITE_BUILTIN_MEAN, LITE_BUILTIN_SUM, LITE_BUILTIN_REDUCE_PROD, LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN, LITE_BUILTIN_REDUCE_ANY: expected = Type_.reducer
        case LITE_BUILTIN_DEPTH_TO_SPACE: expected = Type_.depthToSpace
        case LITE_BUILTIN_LEAKY_RELU: expected = Type_.leakyRelu
        case LITE_BUILTIN_GATHER: expected = Type_.gather
        case LITE_BUILTIN_PACK: expected = Type_.pack
        case LITE_BUILTIN_UNPACK: expected = Type_.unpack
        case LITE_BUILTIN_SQUEEZE: expected = Type_.squeeze
        case LITE_BUILTIN_SPLIT: expected = Type_.split
        case LITE_BUILTIN_CAST: expected = Type_.cast
        case LITE_BUILTIN_SHAPE: expected = Type_.shape
        default: return .none  // Options of operators without params in the ABI are not read.
        }

        let slots = TFLiteSchema.Operator.self
        let storedType = try operatorTable.scalar(slots.builtinOptionsType, default: UInt8(0))
        var table: FlatTable?
        if storedType != Type_.none {
            guard storedType == expected else {
                throw buffer.error(.malformed, "malformed: \(label) has builtin options of union type \(storedType), expected \(expected)")
            }
            table = try operatorTable.table(slots.builtinOptions, "builtin options of \(label)")
        }
        // A missing table reads as all defaults: the same as a table with every field absent.
        let reader = OptionsReader(table: table, label: label, buffer: buffer)

        switch expected {
        case Type_.conv2D:
            return .conv2D(LiteConv2DParams(
                struct_size: MemoryLayout<LiteConv2DParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                dilation_width: try reader.int32(4, default: 1), dilation_height: try reader.int32(5, default: 1),
                activation: try reader.activation(3)))
        case Type_.depthwiseConv2D:
            return .depthwiseConv2D(LiteDepthwiseConv2DParams(
                struct_size: MemoryLayout<LiteDepthwiseConv2DParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                dilation_width: try reader.int32(5, default: 1), dilation_height: try reader.int32(6, default: 1),
                depth_multiplier: try reader.int32(3), activation: try reader.activation(4)))
        case Type_.pool2D:
            return .pool2D(LitePool2DParams(
                struct_size: MemoryLayout<LitePool2DParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                filter_width: try reader.int32(3), filter_height: try reader.int32(4),
                activation: try reader.activation(5)))
        case Type_.add, Type_.sub, Type_.mul, Type_.div:
            return .elementwise(LiteElementwiseParams(
                struct_size: MemoryLayout<LiteElementwiseParams>.size, activation: try reader.activation(0)))
        case Type_.concatenation:
            return .concatenation(LiteConcatenationParams(
                struct_size: MemoryLayout<LiteConcatenationParams>.size,
                axis: try reader.int32(0), activation: try reader.activation(1)))
        case Type_.fullyConnected:
            let weightsFormat = try table?.scalar(1, default: Int8(0)) ?? 0
            guard weightsFormat == 0 else {
                throw buffer.error(.unsupported, "\(label) has weights_format \(weightsFormat) (only DEFAULT is supported)")
            }
            return .fullyConnected(LiteFullyConnectedParams(
                struct_size: MemoryLayout<LiteFullyConnectedParams>.size,
                activation: try reader.activation(0), keep_num_dims: try reader.bool(2)))
        case Type_.softmax:
            return .softmax(LiteSoftmaxParams(
                struct_size: MemoryLayout<LiteSoftmaxParams>.size, beta: try reader.float(0)))
        case Type_.reshape:
            let newShape = try table?.vector(0, elementSize: 4, "new_shape of \(label)")?.scalars(as: Int32.self)
            return .reshape(newShape: newShape)
        case Type_.resizeBilinear:
            // Slots 0 and 1 are the deprecated new_height/new_width.
            return .resizeBilinear(LiteResizeBilinearParams(
                struct_size: MemoryLayout<LiteResizeBilinearParams>.size,
                align_corners: try reader.bool(2), half_pixel_centers: try reader.bool(3)))
        case Type_.stridedSlice:
            return .stridedSlice(LiteStridedSliceParams(
                struct_size: MemoryLayout<LiteStridedSliceParams>.size,
                begin_mask: try reader.int32(0), end_mask: try reader.int32(1), ellipsis_mask: try reader.int32(2),
                new_axis_mask: try reader.int32(3), shrink_axis_mask: try reader.int32(4), offset: try reader.bool(5)))
        case Type_.transposeConv:
            return .transposeConv(LiteTransposeConvParams(
                struct_size: MemoryLayout<LiteTransposeConvParams>.size,
                padding: try reader.padding(0), stride_width: try reader.int32(1), stride_height: try reader.int32(2),
                activation: try reader.activation(3)))
        case Type_.reducer:
            return .reducer(LiteReducerParams(
                struct_size: MemoryLayout<LiteReducerParams>.size, keep_dims: try reader.bool(0)))
        case Type_.depthToSpace:
            return .depthToSpace(LiteDepthToSpaceParams(
                struct_size: MemoryLayout<LiteDepthToSpaceParams>.size, block_size: try reader.int32(0)))
        case Type_.leakyRelu:
            return .leakyRelu(LiteLeakyReluParams(
                struct_size: MemoryLayout<LiteLeakyReluParams>.size, alpha: try reader.float(0)))
        case Type_.gather:
            return .gather(LiteGatherParams(
                struct_size: MemoryLayout<LiteGatherParams>.size, axis: try reader.int32(0), batch_dims: try reader.int32(1)))
        case Type_.pack:
            return .pack(LitePackParams(
                struct_size: MemoryLayout<LitePackParams>.size, values_count: try reader.int32(0), axis: try reader.int32(1)))
        case Type_.unpack:
            return .unpack(LiteUnpackParams(
                struct_size: MemoryLayout<LiteUnpackParams>.size, num: try reader.int32(0), axis: try reader.int32(1)))
        case Type_.squeeze:
            let dims = try table?.vector(0, elementSize: 4, "squeeze_dims of \(label)")?.scalars(as: Int32.self) ?? []
            guard dims.count <= Int(LITE_SQUEEZE_MAX_DIMS) else {
                throw buffer.error(.unsupported, "\(label) has \(dims.count) squeeze_dims (at most \(LITE_SQUEEZE_MAX_DIMS))")
            }
            var params = LiteSqueezeParams()
            params.struct_size = MemoryLayout<LiteSqueezeParams>.size
            params.squeeze_dims_count = Int32(dims.count)
            withUnsafeMutableBytes(of: &params.squeeze_dims) { raw in
                for (slot, dim) in dims.enumerated() { raw.storeBytes(of: dim, toByteOffset: slot * 4, as: Int32.self) }
            }
            return .squeeze(params)
        case Type_.split:
            return .split(LiteSplitParams(struct_size: MemoryLayout<LiteSplitParams>.size, num_splits: try reader.int32(0)))
        case Type_.cast:
            return .cast(inType: try table?.scalar(0, default: Int8(0)) ?? 0, outType: try table?.scalar(1, default: Int8(0)) ?? 0)
        case Type_.shape:
            return .shape(outType: try table?.scalar(0, default: TFLiteSchema.TensorType.int32) ?? TFLiteSchema.TensorType.int32)
        default:
            return .none
        }
    }

    /// MediaPipe's Convolution2DTransposeBias: custom_options hold the raw C struct
    /// TfLiteTransposeConvParams { int32 padding (1 = SAME, 2 = VALID); int32 stride_width; int32 stride_height }.
    private static func decodeConvolution2DTransposeBias(
        _ options: [UInt8], label: String, buffer: FlatBuffer
    ) throws(ModelError) -> OperatorOptions {
        guard options.count >= 12 else {
            throw buffer.error(.malformed, "malformed: \(label) has \(options.count) bytes of custom options, Convolution2DTransposeBias needs 12")
        }
        func int32(at offset: Int) -> Int32 {
            Int32(bitPattern: UInt32(options[offset]) | UInt32(options[offset + 1]) << 8
                | UInt32(options[offset + 2]) << 16 | UInt32(options[offset + 3]) << 24)
        }
        let padding: LitePadding
        switch int32(at: 0) {
        case 1: padding = LITE_PADDING_SAME
        case 2: padding = LITE_PADDING_VALID
        case let other:
            throw buffer.error(.malformed, "malformed: \(label) has padding \(other) in its custom options (expected 1 = SAME or 2 = VALID)")
        }
        return .transposeConv(LiteTransposeConvParams(
            struct_size: MemoryLayout<LiteTransposeConvParams>.size, padding: padding,
            stride_width: int32(at: 4), stride_height: int32(at: 8), activation: LITE_ACTIVATION_NONE))
    }
}

/// Reads fields of an options table that may be absent (all defaults), validating enum values.
private struct OptionsReader {
    let table: FlatTable?
    let label: String
    let buffer: FlatBuffer

    func int32(_ slot: Int, default value: Int32 = 0) throws(ModelError) -> Int32 {
        try table?.scalar(slot, default: value) ?? value
    }

    func bool(_ slot: Int) throws(ModelError) -> Int32 {
        try table?.bool(slot, default: false) ?? false ? 1 : 0
    }

    func float(_ slot: Int) throws(ModelError) -> Float {
        try table?.float32(slot, default: 0) ?? 0
    }

    func padding(_ slot: Int) throws(ModelError) -> LitePadding {
        let value = try table?.scalar(slot, default: Int8(0)) ?? 0
        // The schema's Padding values equal the ABI's.
        guard value == 0 || value == 1 else {
            throw buffer.error(.malformed, "malformed: \(label) has padding \(value) (expected 0 = SAME or 1 = VALID)")
        }
        return LitePadding(rawValue: UInt32(value))
    }

    func activation(_ slot: Int) throws(ModelError) -> LiteActivation {
        let value = try table?.scalar(slot, default: Int8(0)) ?? 0
        // The schema's ActivationFunctionType values equal the ABI's.
        guard (0...5).contains(value) else {
            throw buffer.error(.malformed, "malformed: \(label) has fused activation \(value) (expected 0...5)")
        }
        return LiteActivation(rawValue: UInt32(value))
    }
}
