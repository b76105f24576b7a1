import Foundation
import Testing
import TestSupport

@testable import LiteHost

/// Models and inputs crafted to break the host (each from a defect an audit found): every one must
/// end in a one-line error, never a trap, before anything is allocated for it.
@Suite("Hardening against crafted models")
struct HardeningTests {
    static func write(_ builder: TFLiteModelBuilder, _ name: String) throws -> String {
        let path = SamplePlugins.folder + "/hardening-\(name).tflite"
        try Data(builder.build()).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// The one-line message of what building and allocating an interpreter for `path` throws, or nil.
    static func failure(_ path: String) -> String? {
        do {
            let interpreter = try Interpreter(modelPath: path, options: .init(delegates: ["cpu"]))
            try interpreter.allocateTensors()
            return nil
        } catch {
            let message = "\(error)"
            #expect(!message.contains("\n"), "one line: \(message)")
            return message
        }
    }

    /// x -> RELU -> y, with one twist applied by `edit`.
    static func reluModel(_ edit: (inout TFLiteModelBuilder, _ x: Int32, _ y: Int32) -> Void) -> TFLiteModelBuilder {
        var builder = TFLiteModelBuilder()
        let x = builder.addTensor(shape: [1, 4], name: "x")
        let y = builder.addTensor(shape: [1, 4], name: "y")
        builder.inputs = [x]
        builder.outputs = [y]
        edit(&builder, x, y)
        return builder
    }

    @Test("graphs out of execution order or with tensors written twice are malformed, naming node and tensor")
    func structure() throws {
        let cases: [(String, TFLiteModelBuilder, String)] = [
            ("own-output", Self.reluModel { b, _, y in b.addOperator(.relu, inputs: [y], outputs: [y]) },
             "node 0 (RELU) reads tensor 1 'y', its own output"),
            ("produced-twice", Self.reluModel { b, x, y in
                b.addOperator(.relu, inputs: [x], outputs: [y])
                b.addOperator(.relu, inputs: [x], outputs: [y])
            }, "tensor 1 'y' is produced by node 0 (RELU) and by node 1 (RELU)"),
            ("input-overwritten", Self.reluModel { b, x, y in
                b.addOperator(.relu, inputs: [y], outputs: [x])
            }, "model input tensor 0 'x' is also produced by node 0 (RELU)"),
            ("never-produced", Self.reluModel { b, _, y in
                let ghost = b.addTensor(shape: [1, 4], name: "ghost")
                b.addOperator(.relu, inputs: [ghost], outputs: [y])
            }, "reads tensor 2 'ghost', which no node produces and which is neither a model input nor a constant"),
            ("later-producer", Self.reluModel { b, x, y in
                let mid = b.addTensor(shape: [1, 4], name: "mid")
                b.addOperator(.relu, inputs: [mid], outputs: [y])
                b.addOperator(.relu, inputs: [x], outputs: [mid])
            }, "node 0 (RELU) reads tensor 2 'mid', the output of node 1 (RELU), which runs after it"),
        ]
        for (name, builder, expected) in cases {
            let message = Self.failure(try Self.write(builder, name)) ?? "no error"
            #expect(message.contains(expected), "\(name): \(message)")
        }
    }

    @Test("a declared size over the limit is refused at load, before input(at:) could allocate it")
    func hugeDeclaredInput() throws {
        var builder = TFLiteModelBuilder()
        let x = builder.addTensor(shape: [1, Int(Int32.max), 192, 3], name: "x")
        let y = builder.addTensor(shape: [1, Int(Int32.max), 192, 3], name: "y")
        builder.addOperator(.relu, inputs: [x], outputs: [y])
        builder.inputs = [x]
        builder.outputs = [y]
        let message = Self.failure(try Self.write(builder, "huge-input")) ?? "no error"
        #expect(message.contains("over the host's limit of 4 GiB per tensor"), "\(message)")
    }

    @Test("shapes that inference makes absurd are errors: RESIZE_BILINEAR to 0 or 2^31-1, RESHAPE to 2^40 x 2^40")
    func absurdInferredShapes() throws {
        for (name, size, expected) in [("resize-zero", [Int32(0), 0], "output size [0, 0] must be positive"),
                                       ("resize-huge", [Int32.max, Int32.max], "over the host's limit")] {
            var builder = TFLiteModelBuilder()
            let x = builder.addTensor(shape: [1, 2, 2, 1], name: "x")
            let sizeTensor = builder.addTensor(shape: [2], int32s: size, name: "size")
            let y = builder.addTensor(shape: [1, 4, 4, 1], name: "y")
            builder.addOperator(.resizeBilinear, inputs: [x, sizeTensor], outputs: [y], options: .resizeBilinear())
            builder.inputs = [x]
            builder.outputs = [y]
            let message = Self.failure(try Self.write(builder, name)) ?? "no error"
            #expect(message.contains(expected), "\(name): \(message)")
        }
        var builder = TFLiteModelBuilder()
        let x = builder.addTensor(shape: [1, 4], name: "x")
        let target: [Int64] = [1 << 40, 1 << 40, -1]
        let shape = builder.addTensor(shape: [3], type: .int64, data: target.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) },
                                      name: "shape")
        let y = builder.addTensor(shape: [4], name: "y")
        builder.addOperator(.reshape, inputs: [x, shape], outputs: [y], options: .reshape(newShape: []))
        builder.inputs = [x]
        builder.outputs = [y]
        let message = Self.failure(try Self.write(builder, "reshape-huge")) ?? "no error"
        #expect(message.contains("invalid new shape") || message.contains("cannot reshape"), "\(message)")
    }

    @Test("a TRANSPOSE_CONV whose output_shape does not fit its input is refused, as TFLite does")
    func transposeConvShape() throws {
        for (name, output, fits) in [("fits", [Int32(1), 4, 4, 1], true), ("misfit", [Int32(1), 100, 100, 1], false)] {
            var builder = TFLiteModelBuilder()
            let outputShape = builder.addTensor(shape: [4], int32s: output, name: "output_shape")
            let weights = builder.addTensor(shape: [1, 3, 3, 1], floats: Array(repeating: 0.5, count: 9), name: "w")
            let x = builder.addTensor(shape: [1, 2, 2, 1], name: "x")
            let y = builder.addTensor(shape: output.map(Int.init), name: "y")
            builder.addOperator(.transposeConv, inputs: [outputShape, weights, x], outputs: [y],
                                options: .transposeConv(padding: .same, strideWidth: 2, strideHeight: 2))
            builder.inputs = [x]
            builder.outputs = [y]
            let message = Self.failure(try Self.write(builder, "transpose-\(name)"))
            if fits {
                #expect(message == nil, "\(message ?? "")")
            } else {
                #expect(message?.contains("output_shape [1, 100, 100, 1] does not fit input [1, 2, 2, 1]") == true, "\(message ?? "")")
            }
        }
    }

    @Test(".npy files whose shape overflows or is over the limit are format errors")
    func hugeNumpyShape() throws {
        for shape in ["(2147483647, 2147483647, 2147483647)", "(65536, 65536, 65536)"] {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
            bytes += Array(header.utf8) + [0, 0, 0, 0]
            #expect(throws: NumpyArray.FormatError.self) { try NumpyArray(npy: Data(bytes)) }
        }
    }

    @Test("plugin folders are absolute: a relative main-executable path never names one")
    func absoluteSearchFolders() {
        for folder in PluginRegistry.searchFolders(environment: ["LITE_DELEGATE_PATH": "relative/plugins:/tmp"]) {
            #expect(folder.hasPrefix("/"), "\(folder)")
        }
    }
}
