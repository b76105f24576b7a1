import DelegateABI
import Testing

@testable import LiteHost

/// The params plugins see come from the options case each descriptor stores its struct in: every
/// descriptor that hands params finds its own struct in options decoded with every field absent
/// (the schema defaults), hands nothing for another operator's options, and normalises axes.
@Suite("Operator params")
struct OperatorParamsTests {
    /// Decodes `code`'s options as if its options table were absent, and builds its params for a
    /// node whose input and output tensors have the given ranks.
    static func defaultParams(code: Int32, ranks: Int = 4) throws -> (OperatorOptions, ABIParams?) {
        guard let descriptor = OperatorRegistry.descriptor(code: code, customName: nil),
              case .builtin(_, let decode) = descriptor.options, let rule = descriptor.params
        else { throw TestFailure("\(operatorName(code: code, customName: nil)) has no options or no params") }
        let empty: [UInt8] = [0]
        let options = try empty.withUnsafeBytes { bytes in
            try decode(OptionsReader(table: nil, label: "operator 0", buffer: FlatBuffer(bytes: bytes, name: "test")))
        }
        var model = ModelDefinition(tensors: [], operators: [], inputs: [], outputs: [], description: "", schemaVersion: 3)
        model.tensors = (0..<2).map { _ in
            TensorDefinition(name: "t", type: .float32, shape: Array(repeating: 2, count: ranks), constant: nil, isVariable: false)
        }
        let node = OperatorDefinition(
            opcode: code, customName: nil, version: 1, inputs: [0, 0], outputs: [1], options: options, customOptions: [])
        return (options, rule(options, ParamsContext(node: node, model: model)))
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static var codesWithParams: [Int32] {
        OperatorRegistry.builtins.filter { $0.value.params != nil }.keys.sorted()
    }

    @Test("each descriptor with params hands its own struct, struct_size first, for default options")
    func defaultsReachPlugins() throws {
        #expect(Self.codesWithParams.count >= 28)
        for code in Self.codesWithParams {
            let (_, params) = try Self.defaultParams(code: code)
            let bytes = params?.bytes ?? []
            let structSize = bytes.count >= MemoryLayout<Int>.size ? bytes.withUnsafeBytes { $0.loadUnaligned(as: Int.self) } : -1
            #expect(structSize == bytes.count && !bytes.isEmpty, "\(operatorName(code: code, customName: nil)): \(bytes.count) bytes")
        }
    }

    @Test("a params rule hands nothing for options of another case")
    func otherOptionsGiveNoParams() throws {
        let (softmaxOptions, _) = try Self.defaultParams(code: LITE_BUILTIN_SOFTMAX)
        let conv = try #require(OperatorRegistry.descriptor(code: LITE_BUILTIN_CONV_2D, customName: nil)?.params)
        let model = ModelDefinition(tensors: [], operators: [], inputs: [], outputs: [], description: "", schemaVersion: 3)
        let node = OperatorDefinition(
            opcode: LITE_BUILTIN_CONV_2D, customName: nil, version: 1, inputs: [], outputs: [], options: softmaxOptions,
            customOptions: [])
        #expect(conv(softmaxOptions, ParamsContext(node: node, model: model)) == nil)
        #expect(conv(.none, ParamsContext(node: node, model: model)) == nil)
    }

    @Test("normalised axes: a negative axis is counted from the end of the rank it refers to")
    func axesAreNormalised() throws {
        let descriptor = try #require(OperatorRegistry.descriptor(code: LITE_BUILTIN_GATHER, customName: nil)?.params)
        var model = ModelDefinition(tensors: [], operators: [], inputs: [], outputs: [], description: "", schemaVersion: 3)
        model.tensors = [[2, 3, 4], [5, 6]].map {
            TensorDefinition(name: "t", type: .float32, shape: $0, constant: nil, isVariable: false)
        }
        let options = OperatorOptions.gather(LiteGatherParams(struct_size: MemoryLayout<LiteGatherParams>.size, axis: -1, batch_dims: -1))
        let node = OperatorDefinition(
            opcode: LITE_BUILTIN_GATHER, customName: nil, version: 1, inputs: [0, 1], outputs: [1], options: options, customOptions: [])
        let bytes = try #require(descriptor(options, ParamsContext(node: node, model: model))).bytes
        let params = bytes.withUnsafeBytes { $0.loadUnaligned(as: LiteGatherParams.self) }
        #expect(params.axis == 2 && params.batch_dims == 1)
    }
}
