/// Field slots and enum values of the TFLite flatbuffer schema (version 3) that the loader reads.
/// Slot n is vtable entry 4 + 2n; the values were checked against the `tflite` package's generated
/// code (e.g. Conv2DOptions.py: padding at vtable offset 4 = slot 0).
enum TFLiteSchema {
    static let fileIdentifier: [UInt8] = Array("TFL3".utf8)
    static let version: UInt32 = 3

    enum Model {
        static let version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4
    }
    enum OperatorCode {
        static let deprecatedBuiltinCode = 0, customCode = 1, version = 2, builtinCode = 3
    }
    enum SubGraph {
        static let tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4
    }
    enum Tensor {
        static let shape = 0, type = 1, buffer = 2, name = 3, quantization = 4, isVariable = 5, sparsity = 6
    }
    enum Quantization {
        static let min = 0, max = 1, scale = 2, zeroPoint = 3
    }
    enum Operator {
        static let opcodeIndex = 0, inputs = 1, outputs = 2, builtinOptionsType = 3, builtinOptions = 4,
            customOptions = 5, customOptionsFormat = 6, largeCustomOptionsOffset = 9, largeCustomOptionsSize = 10
    }
    enum Buffer {
        static let data = 0, offset = 1, size = 2
    }

    /// TensorType values.
    enum TensorType {
        static let float32: Int8 = 0, float16: Int8 = 1, int32: Int8 = 2, uint8: Int8 = 3, int64: Int8 = 4
        static let string: Int8 = 5, bool: Int8 = 6, int16: Int8 = 7, complex64: Int8 = 8, int8: Int8 = 9
        static let float64: Int8 = 10, complex128: Int8 = 11, uint64: Int8 = 12, resource: Int8 = 13
        static let variant: Int8 = 14, uint32: Int8 = 15, uint16: Int8 = 16, int4: Int8 = 17, bfloat16: Int8 = 18

        static func name(_ value: Int8) -> String {
            let names = ["FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
                         "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16",
                         "INT4", "BFLOAT16"]
            return value >= 0 && Int(value) < names.count ? names[Int(value)] : "type \(value)"
        }
    }

    /// BuiltinOperator values the loader treats specially.
    enum Opcode {
        static let add: Int32 = 0, averagePool2D: Int32 = 1, concatenation: Int32 = 2, conv2D: Int32 = 3
        static let depthwiseConv2D: Int32 = 4, depthToSpace: Int32 = 5, dequantize: Int32 = 6
        static let fullyConnected: Int32 = 9, l2Pool2D: Int32 = 12, maxPool2D: Int32 = 17, mul: Int32 = 18
        static let reshape: Int32 = 22, resizeBilinear: Int32 = 23, softmax: Int32 = 25, custom: Int32 = 32
        static let mean: Int32 = 40, sub: Int32 = 41, div: Int32 = 42, stridedSlice: Int32 = 45
        static let transposeConv: Int32 = 67, sum: Int32 = 74, reduceProd: Int32 = 81, reduceMax: Int32 = 82
        static let reduceMin: Int32 = 89, reduceAny: Int32 = 91, leakyRelu: Int32 = 98, densify: Int32 = 124
        static let gather: Int32 = 36, squeeze: Int32 = 43, split: Int32 = 49, cast: Int32 = 53
        static let shape: Int32 = 77, pack: Int32 = 83, unpack: Int32 = 88

        /// A readable name for messages.
        static func name(_ code: Int32) -> String {
            let names: [Int32: String] = [
                add: "ADD", averagePool2D: "AVERAGE_POOL_2D", concatenation: "CONCATENATION", conv2D: "CONV_2D",
                depthwiseConv2D: "DEPTHWISE_CONV_2D", depthToSpace: "DEPTH_TO_SPACE", dequantize: "DEQUANTIZE",
                fullyConnected: "FULLY_CONNECTED", l2Pool2D: "L2_POOL_2D", maxPool2D: "MAX_POOL_2D", mul: "MUL",
                reshape: "RESHAPE", resizeBilinear: "RESIZE_BILINEAR", softmax: "SOFTMAX", custom: "CUSTOM",
                mean: "MEAN", sub: "SUB", div: "DIV", stridedSlice: "STRIDED_SLICE", transposeConv: "TRANSPOSE_CONV",
                sum: "SUM", reduceProd: "REDUCE_PROD", reduceMax: "REDUCE_MAX", reduceMin: "REDUCE_MIN",
                reduceAny: "REDUCE_ANY", leakyRelu: "LEAKY_RELU", densify: "DENSIFY",
                gather: "GATHER", squeeze: "SQUEEZE", split: "SPLIT", cast: "CAST", shape: "SHAPE", pack: "PACK",
                unpack: "UNPACK",
            ]
            return names[code] ?? "opcode \(code)"
        }
    }

    /// BuiltinOptions union type values (BuiltinOptions.py).
    enum OptionsType {
        static let none: UInt8 = 0, conv2D: UInt8 = 1, depthwiseConv2D: UInt8 = 2, pool2D: UInt8 = 5
        static let fullyConnected: UInt8 = 8, softmax: UInt8 = 9, concatenation: UInt8 = 10, add: UInt8 = 11
        static let resizeBilinear: UInt8 = 15, reshape: UInt8 = 17, mul: UInt8 = 21, reducer: UInt8 = 27
        static let sub: UInt8 = 28, div: UInt8 = 29, stridedSlice: UInt8 = 32, transposeConv: UInt8 = 49
        static let leakyRelu: UInt8 = 75, depthToSpace: UInt8 = 94
        static let gather: UInt8 = 23, squeeze: UInt8 = 30, split: UInt8 = 35, cast: UInt8 = 37
        static let shape: UInt8 = 55, pack: UInt8 = 59, unpack: UInt8 = 64
    }

    /// MediaPipe's transposed convolution with bias, whose custom_options are a raw C struct.
    static let convolution2DTransposeBias = "Convolution2DTransposeBias"
}
