import DelegateABI
import Testing

@testable import LiteHost

/// The registry holds exactly what the host's per-operator switches held before the descriptors
/// (issue 12): for each operator, which options table it decodes, whether it has a shape rule,
/// whether it folds at load (and from shapes alone), and whether plugins get a params struct.
@Suite("Operator registry")
struct OperatorRegistryTests {
    struct Capabilities: Equatable, CustomStringConvertible {
        var optionsTable: UInt8? = nil
        var shapeRule = false
        var folds = false
        var foldsFromShapes = false
        var params = false

        var description: String {
            "options \(optionsTable.map(String.init) ?? "-"), shape \(shapeRule), folds \(folds)"
                + "\(foldsFromShapes ? " (shapes)" : ""), params \(params)"
        }
    }

    /// The builtin codes of the switches in OperatorOptions.decode, ShapeInference.rule,
    /// ConstantEvaluator.evaluator and GraphView.paramsPointer as they were.
    static let expected: [Int32: Capabilities] = {
        typealias T = TFLiteSchema.OptionsType
        var table: [Int32: Capabilities] = [:]
        func set(_ codes: [Int32], _ change: (inout Capabilities) -> Void) {
            for code in codes { change(&table[code, default: Capabilities()]) }
        }
        let withParams: [(Int32, UInt8)] = [
            (LITE_BUILTIN_CONV_2D, T.conv2D), (LITE_BUILTIN_DEPTHWISE_CONV_2D, T.depthwiseConv2D),
            (LITE_BUILTIN_AVERAGE_POOL_2D, T.pool2D), (LITE_BUILTIN_MAX_POOL_2D, T.pool2D), (LITE_BUILTIN_L2_POOL_2D, T.pool2D),
            (LITE_BUILTIN_ADD, T.add), (LITE_BUILTIN_SUB, T.sub), (LITE_BUILTIN_MUL, T.mul), (LITE_BUILTIN_DIV, T.div),
            (LITE_BUILTIN_CONCATENATION, T.concatenation), (LITE_BUILTIN_FULLY_CONNECTED, T.fullyConnected),
            (LITE_BUILTIN_SOFTMAX, T.softmax), (LITE_BUILTIN_RESIZE_BILINEAR, T.resizeBilinear),
            (LITE_BUILTIN_STRIDED_SLICE, T.stridedSlice), (LITE_BUILTIN_TRANSPOSE_CONV, T.transposeConv),
            (LITE_BUILTIN_MEAN, T.reducer), (LITE_BUILTIN_SUM, T.reducer), (LITE_BUILTIN_REDUCE_PROD, T.reducer),
            (LITE_BUILTIN_REDUCE_MAX, T.reducer), (LITE_BUILTIN_REDUCE_MIN, T.reducer), (LITE_BUILTIN_REDUCE_ANY, T.reducer),
            (LITE_BUILTIN_DEPTH_TO_SPACE, T.depthToSpace), (LITE_BUILTIN_LEAKY_RELU, T.leakyRelu),
            (LITE_BUILTIN_GATHER, T.gather), (LITE_BUILTIN_PACK, T.pack), (LITE_BUILTIN_UNPACK, T.unpack),
            (LITE_BUILTIN_SQUEEZE, T.squeeze), (LITE_BUILTIN_SPLIT, T.split),
        ]
        for (code, options) in withParams { set([code]) { $0.optionsTable = options; $0.params = true } }
        for (code, options) in [(LITE_BUILTIN_RESHAPE, T.reshape), (LITE_BUILTIN_CAST, T.cast), (LITE_BUILTIN_SHAPE, T.shape)] {
            set([code]) { $0.optionsTable = options }
        }
        set([LITE_BUILTIN_LOGISTIC, LITE_BUILTIN_RELU, LITE_BUILTIN_RELU_N1_TO_1, LITE_BUILTIN_RELU6, LITE_BUILTIN_TANH,
             LITE_BUILTIN_SOFTMAX, LITE_BUILTIN_HARD_SWISH, LITE_BUILTIN_DEQUANTIZE, LITE_BUILTIN_EXP, LITE_BUILTIN_RSQRT,
             LITE_BUILTIN_LEAKY_RELU, LITE_BUILTIN_LOG_SOFTMAX, LITE_BUILTIN_ADD, LITE_BUILTIN_SUB, LITE_BUILTIN_MUL,
             LITE_BUILTIN_DIV, LITE_BUILTIN_MAXIMUM, LITE_BUILTIN_MINIMUM, LITE_BUILTIN_SQUARED_DIFFERENCE, LITE_BUILTIN_PRELU,
             LITE_BUILTIN_CONV_2D, LITE_BUILTIN_DEPTHWISE_CONV_2D, LITE_BUILTIN_AVERAGE_POOL_2D, LITE_BUILTIN_MAX_POOL_2D,
             LITE_BUILTIN_CONCATENATION, LITE_BUILTIN_FULLY_CONNECTED, LITE_BUILTIN_PAD, LITE_BUILTIN_PADV2,
             LITE_BUILTIN_RESHAPE, LITE_BUILTIN_RESIZE_BILINEAR, LITE_BUILTIN_RESIZE_NEAREST_NEIGHBOR,
             LITE_BUILTIN_STRIDED_SLICE, LITE_BUILTIN_TRANSPOSE_CONV, LITE_BUILTIN_MEAN, LITE_BUILTIN_SUM,
             LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN, LITE_BUILTIN_REDUCE_PROD, LITE_BUILTIN_DEPTH_TO_SPACE,
             LITE_BUILTIN_GATHER, LITE_BUILTIN_PACK, LITE_BUILTIN_UNPACK, LITE_BUILTIN_SHAPE, LITE_BUILTIN_CAST,
             LITE_BUILTIN_SQUEEZE, LITE_BUILTIN_EXPAND_DIMS, LITE_BUILTIN_TRANSPOSE, LITE_BUILTIN_SPLIT,
             LITE_BUILTIN_SPACE_TO_BATCH_ND, LITE_BUILTIN_BATCH_TO_SPACE_ND, LITE_BUILTIN_FILL]) { $0.shapeRule = true }
        set([LITE_BUILTIN_SHAPE, LITE_BUILTIN_PACK, LITE_BUILTIN_UNPACK, LITE_BUILTIN_GATHER, LITE_BUILTIN_STRIDED_SLICE,
             LITE_BUILTIN_CONCATENATION, LITE_BUILTIN_RESHAPE, LITE_BUILTIN_EXPAND_DIMS, LITE_BUILTIN_SQUEEZE,
             LITE_BUILTIN_TRANSPOSE, LITE_BUILTIN_CAST, LITE_BUILTIN_FILL, LITE_BUILTIN_REDUCE_PROD, LITE_BUILTIN_SUM,
             LITE_BUILTIN_REDUCE_MAX, LITE_BUILTIN_REDUCE_MIN, LITE_BUILTIN_ADD, LITE_BUILTIN_SUB, LITE_BUILTIN_MUL,
             LITE_BUILTIN_DIV, LITE_BUILTIN_MAXIMUM, LITE_BUILTIN_MINIMUM, LITE_BUILTIN_SQUARED_DIFFERENCE,
             LITE_BUILTIN_FLOOR_DIV]) { $0.folds = true }
        set([LITE_BUILTIN_SHAPE]) { $0.foldsFromShapes = true }
        return table
    }()

    static func capabilities(_ descriptor: OperatorDescriptor?, code: Int32) -> Capabilities? {
        guard let descriptor else { return nil }
        var found = Capabilities()
        if case .builtin(let tables, _) = descriptor.options { found.optionsTable = tables[code] }
        found.shapeRule = descriptor.shape != nil
        found.folds = descriptor.evaluation != nil
        found.foldsFromShapes = descriptor.evaluation?.needsOnlyShapes ?? false
        found.params = descriptor.params != nil
        return found
    }

    @Test("each builtin the switches handled has a descriptor with the same capabilities")
    func builtinsMatchTheSwitches() {
        for (code, expected) in Self.expected {
            let found = Self.capabilities(OperatorRegistry.descriptor(code: code, customName: nil), code: code)
            #expect(found == expected, "\(operatorName(code: code, customName: nil))")
        }
        let extra = Set(OperatorRegistry.builtins.keys).subtracting(Self.expected.keys)
        #expect(extra.isEmpty, "descriptors the switches did not have: \(extra.map { operatorName(code: $0, customName: nil) })")
    }

    @Test("Convolution2DTransposeBias: custom options, a shape rule and LiteTransposeConvParams; other custom ops nothing")
    func customOperators() {
        let descriptor = OperatorRegistry.descriptor(code: LITE_BUILTIN_CUSTOM, customName: "Convolution2DTransposeBias")
        guard case .custom = descriptor?.options else {
            Issue.record("no custom options decoder for Convolution2DTransposeBias")
            return
        }
        #expect(descriptor?.shape != nil && descriptor?.params != nil && descriptor?.evaluation == nil)
        #expect(Array(OperatorRegistry.customs.keys) == ["Convolution2DTransposeBias"])
        #expect(OperatorRegistry.descriptor(code: LITE_BUILTIN_CUSTOM, customName: "Landmarks2TransformMatrix") == nil)
        #expect(OperatorRegistry.descriptor(code: LITE_BUILTIN_CUSTOM, customName: nil) == nil)
    }

    @Test("every descriptor's codes are unique across the registry and it decodes options only for its own codes")
    func descriptorsAreConsistent() {
        let builtinCodes = OperatorRegistry.all.filter { $0.customName == nil }.flatMap(\.codes)
        #expect(builtinCodes.count == Set(builtinCodes).count)
        for descriptor in OperatorRegistry.all {
            if case .builtin(let tables, _) = descriptor.options {
                #expect(Set(tables.keys) == Set(descriptor.codes), "\(descriptor.name)")
            }
        }
    }
}
