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
