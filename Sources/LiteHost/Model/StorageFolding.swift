import DelegateABI
/// Load-time rewrites that turn storage formats into plain dense constants, so backends never
/// see them: sparse constants behind a DENSIFY, then float16 constants behind a DEQUANTIZE.
enum StorageFolding {
    /// Removes every DENSIFY whose input is a sparse constant and makes its output a dense constant.
    /// Afterwards no tensor holds compressed data: sparse tensors lose their `constant` (nothing
    /// reads them any more).
    /// - Throws: `ModelError` when a sparse tensor is read by anything but DENSIFY, a DENSIFY's
    ///   output does not match its input's type and shape, or the sparse data is inconsistent.
    static func foldDensify(
        _ model: inout ModelDefinition, sparseTensors: [Int: SparseLayout], buffer: FlatBuffer
    ) throws(ModelError) {
        guard !sparseTensors.isEmpty else { return }
        var kept: [OperatorDefinition] = []
        kept.reserveCapacity(model.operators.count)
        for (index, op) in model.operators.enumerated() {
            let sparseInput = op.inputs.first { $0 >= 0 && sparseTensors[Int($0)] != nil }
            guard let sparseInput else {
                kept.append(op)
                continue
            }
            let sourceIndex = Int(sparseInput)
            let source = model.tensors[sourceIndex]
            let sourceLabel = "tensor \(sourceIndex) '\(source.name)'"
            guard op.opcode == LITE_BUILTIN_DENSIFY, op.inputs.count == 1, op.outputs.count == 1 else {
                throw buffer.error(.unsupported, "operator \(index) (\(operatorName(code: op.opcode, customName: nil))) reads sparse \(sourceLabel); only DENSIFY can")
            }
            let outputIndex = Int(op.outputs[0])
            let output = model.tensors[outputIndex]
            let label = "operator \(index) (DENSIFY) output tensor \(outputIndex) '\(output.name)'"
            guard output.type == source.type, output.shape == source.shape, output.constant == nil else {
                throw buffer.error(.malformed, "malformed: \(label) must be a non-constant \(source.type) tensor of shape \(source.shape)")
            }
            // Safe to force: the parser refuses sparse tensors without data.
            let dense = try source.constant!.withUnsafeBytes { (values) throws(ModelError) in
                try sparseTensors[sourceIndex]!.densify(
                    values: values, width: source.type.byteWidth, shape: source.shape, buffer: buffer, label: sourceLabel)
            }
            model.tensors[outputIndex].constant = dense
        }
        for sparse in sparseTensors.keys { model.tensors[sparse].constant = nil }
        model.operators = kept
    }

    /// Removes every DEQUANTIZE whose input is a constant float16 tensor and makes its output a
    /// float32 constant holding the converted values. The float16 tensor itself stays in the
    /// tensor list (indices do not move), unused if nothing else reads it.
    /// - Throws: `ModelError` when such a DEQUANTIZE's output is not a float32 tensor of the same
    ///   element count, or is already constant.
    static func foldFloat16Dequantize(_ model: inout ModelDefinition, buffer: FlatBuffer) throws(ModelError) {
        var kept: [OperatorDefinition] = []
        kept.reserveCapacity(model.operators.count)
        var folds: [(output: Int, half: ConstantData)] = []
        for (index, op) in model.operators.enumerated() {
            guard op.opcode == LITE_BUILTIN_DEQUANTIZE, op.inputs.count == 1, op.outputs.count == 1,
                  op.inputs[0] >= 0, case let source = model.tensors[Int(op.inputs[0])],
                  source.type == .float16, let half = source.constant
            else {
                kept.append(op)
                continue
            }
            let outputIndex = Int(op.outputs[0])
            let output = model.tensors[outputIndex]
            let label = "operator \(index) (DEQUANTIZE) output tensor \(outputIndex) '\(output.name)'"
            guard output.type == .float32 else {
                throw buffer.error(.malformed, "malformed: \(label) is \(output.type), expected float32")
            }
            guard output.constant == nil else {
                throw buffer.error(.malformed, "malformed: \(label) is already a constant")
            }
            // Both shapes were validated not to overflow; compare element counts, not shapes, as
            // TFLite does.
            guard output.elementCount == source.elementCount else {
                throw buffer.error(.malformed, "malformed: \(label) has shape \(output.shape), its float16 input has \(source.shape)")
            }
            folds.append((outputIndex, half))
        }
        for (output, widened) in zip(folds.map(\.output), Float16Conversion.widened(folds.map(\.half))) {
            model.tensors[output].constant = widened
        }
        model.operators = kept
    }
}

extension StorageFolding {
    /// Gives every constant that is a slice of `file` (the model file's buffer) the 16-byte
    /// alignment LiteTensor promises: the unaligned ones are copied, all into one storage. When
    /// the aligned ones add up to less than half of the file, they are copied too, so that the
    /// file's buffer is freed once the caller lets it go: after a load that widened float16
    /// weights, most of the file is float16 bytes nothing reads any more.
    static func settle(_ model: inout ModelDefinition, file: ConstantStorage) {
        /// One slice of the file: tensors naming the same bytes share one copy.
        struct Slice: Hashable {
            let start: UnsafeRawPointer
            let byteCount: Int
            var aligned: Bool { Int(bitPattern: start) % 16 == 0 }
        }
        var slices: [Slice: [Int]] = [:]
        for (index, tensor) in model.tensors.enumerated() {
            guard let constant = tensor.constant, constant.storage === file else { continue }
            slices[Slice(start: constant.pointer, byteCount: constant.byteCount), default: []].append(index)
        }
        let aligned = slices.keys.filter(\.aligned).reduce(0) { $0 + $1.byteCount }
        let moveAll = aligned * 2 < file.byteCount
        let moving = slices.filter { moveAll || !$0.key.aligned }
            .sorted { $0.key.start < $1.key.start }  // in file order: the copy reads the file front to back
        guard !moving.isEmpty else { return }
        let (storage, offsets) = ConstantStorage.laidOut(moving.map(\.key.byteCount))
        for ((slice, tensors), offset) in zip(moving, offsets) {
            (storage.pointer + offset).copyMemory(from: slice.start, byteCount: slice.byteCount)
            let moved = ConstantData(storage: storage, offset: offset, byteCount: slice.byteCount)
            for index in tensors { model.tensors[index].constant = moved }
        }
    }

    /// Drops the data of constants that nothing reads any more (the float16 sources of folded
    /// DEQUANTIZE nodes, mostly), so their memory is released after loading.
    static func releaseUnusedConstants(_ model: inout ModelDefinition) {
        var used = Set(model.outputs)
        for op in model.operators { op.inputs.filter { $0 >= 0 }.forEach { used.insert(Int($0)) } }
        for index in model.tensors.indices where model.tensors[index].constant != nil && !used.contains(index) {
            model.tensors[index].constant = nil
        }
    }
}

/// IEEE 754 binary16 → binary32, exact for every input (subnormals, infinities, NaN payloads).
/// Written out rather than using `Float16`, which is unavailable on some platforms (x86_64 macOS).
enum Float16Conversion {
    /// Float16 constants' elements as float32 constants (little-endian, as the file stores them),
    /// in order, all slices of one storage (`ConstantStorage.laidOut`): a model's weights are one
    /// large allocation rather than one each. Each element goes through `widenedBits`, whose
    /// branch-free form the compiler vectorises (a model's float16 weights are millions of
    /// elements: 2.7 million in hand_landmark_full).
    static func widened(_ halves: [ConstantData]) -> [ConstantData] {
        let (storage, offsets) = ConstantStorage.laidOut(halves.map { $0.byteCount / 2 * 4 })
        return zip(halves, offsets).map { half, offset in
            let count = half.byteCount / 2
            let output = (storage.pointer + offset).bindMemory(to: UInt32.self, capacity: count)
            for i in 0..<count {
                output[i] = widenedBits(UInt32(half.pointer.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
            return ConstantData(storage: storage, offset: offset, byteCount: count * 4)
        }
    }

    static func float(fromHalfBits bits: UInt16) -> Float { Float(bitPattern: widenedBits(UInt32(bits))) }

    /// The float32 bits of the binary16 value `half` (its low 16 bits), exactly: every finite
    /// value and infinity converts exactly, and a NaN keeps its payload (not quietened).
    /// Exponent and mantissa move up 13 bits and the exponent is rebased from 15 to 127; an
    /// infinity or NaN (exponent 31) is rebased to 255 instead; a zero or subnormal (exponent 0)
    /// is taken as the normal float 2^-14 * (1 + m / 1024) minus 2^-14, which is m * 2^-24 exactly.
    @inline(__always) static func widenedBits(_ half: UInt32) -> UInt32 {
        let exponentMask: UInt32 = 0x7c00 << 13
        let rebased = ((half & 0x7fff) << 13) &+ ((127 - 15) << 23)
        let exponent = (half << 13) & exponentMask
        let special = rebased &+ ((128 - 16) << 23)
        let small = (Float(bitPattern: rebased &+ (1 << 23)) - Float(bitPattern: 113 << 23)).bitPattern
        let magnitude = exponent == exponentMask ? special : (exponent == 0 ? small : rebased)
        return magnitude | ((half & 0x8000) << 16)
    }
}
