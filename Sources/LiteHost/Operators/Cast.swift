import DelegateABI

extension OperatorDescriptor {
    /// CAST: in/out types decoded from the options (0 when absent) but plugins get no params: the
    /// tensors' own types are authoritative. Folded at load.
    static let cast = OperatorDescriptor(
        name: "CAST", codes: [LITE_BUILTIN_CAST],
        options: .builtin(TFLiteSchema.OptionsType.cast, codes: [LITE_BUILTIN_CAST]) { reader throws(ModelError) in
            .cast(inType: try reader.table?.scalar(0, default: Int8(0)) ?? 0,
                  outType: try reader.table?.scalar(1, default: Int8(0)) ?? 0)
        },
        shape: sameShapeAsInput,
        evaluation: ConstantEvaluation(evaluate: ConstantEvaluator.cast))
}

/// Evaluation at load.
extension ConstantEvaluator {
    /// CAST between float32, int32, int64 and bool (float to integer truncates, as C does).
    static func cast(_ node: Node, _ fail: ShapeInference.Failure) throws -> [ConstantTensor] {
        let value = try input(node, 0, fail)
        guard let outputType = node.outputTypes.first else { throw fail("no output") }
        let doubles: [Double]
        switch value.elements {
        case .float32(let v): doubles = v.map(Double.init)
        case .int32(let v): doubles = v.map(Double.init)
        case .int64(let v):
            guard v.allSatisfy({ abs($0) < 1 << 53 }) else { throw fail("int64 values beyond 2^53") }
            doubles = v.map(Double.init)
        case .bool(let v): doubles = v.map { $0 ? 1 : 0 }
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            try doubles.map {
                guard let exact = T(exactly: $0.rounded(.towardZero)) else { throw fail("value \($0) out of range for \(outputType)") }
                return exact
            }
        }
        let elements: ConstantTensor.Elements
        switch outputType {
        case .float32: elements = .float32(doubles.map { Float($0) })
        case .int32: elements = .int32(try integer(Int32.self))
        case .int64: elements = .int64(try integer(Int64.self))
        case .bool: elements = .bool(doubles.map { $0 != 0 })
        case .float16: throw fail("cast to float16 is not evaluated at load")
        }
        return [ConstantTensor(shape: value.shape, elements: elements)]
    }
}
