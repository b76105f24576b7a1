import DelegateABI

/// Output shapes of the layout operators (GATHER, PACK, UNPACK, SQUEEZE, ...), as TFLite's kernels
/// compute them in Prepare. Shared by shape inference and the optimiser's constant folding, so both
/// agree on every shape.
extension ShapeInference {
    typealias Failure = (String) -> InterpreterError

    /// `axis` counted from the end when negative, checked against [0, rank).
    static func normalisedAxis(_ axis: Int, rank: Int, _ fail: Failure) throws -> Int {
        let normalised = axis < 0 ? axis + rank : axis
        guard normalised >= 0, normalised < rank else { throw fail("axis \(axis) out of range for rank \(rank)") }
        return normalised
    }

    /// GATHER: params[:axis] + indices[batch_dims:] + params[axis+1:].
    static func gatherShape(_ params: [Int], _ indices: [Int], axis: Int, batchDims: Int, _ fail: Failure) throws -> [Int] {
        let axis = try normalisedAxis(axis, rank: params.count, fail)
        let batchDims = batchDims < 0 ? batchDims + indices.count : batchDims
        guard batchDims >= 0, batchDims <= indices.count, batchDims <= axis else {
            throw fail("batch_dims \(batchDims) out of range")
        }
        guard params.prefix(batchDims) == indices.prefix(batchDims) else {
            throw fail("params \(params) and indices \(indices) differ in their batch dimensions")
        }
        return Array(params[..<axis]) + Array(indices[batchDims...]) + Array(params[(axis + 1)...])
    }

    /// PACK of `count` tensors of shape `input` along `axis` (in [-(rank+1), rank]).
    static func packShape(_ input: [Int], count: Int, axis: Int, _ fail: Failure) throws -> [Int] {
        let axis = try normalisedAxis(axis, rank: input.count + 1, fail)
        var shape = input
        shape.insert(count, at: axis)
        return shape
    }

    /// The shape of each output of UNPACK along `axis`.
    static func unpackShape(_ input: [Int], axis: Int, _ fail: Failure) throws -> [Int] {
        let axis = try normalisedAxis(axis, rank: input.count, fail)
        var shape = input
        shape.remove(at: axis)
        return shape
    }

    /// The squeeze_dims of SQUEEZE's params.
    static func squeezeDims(_ params: LiteSqueezeParams) -> [Int] {
        withUnsafeBytes(of: params.squeeze_dims) { raw in
            (0..<Int(params.squeeze_dims_count)).map { Int(raw.load(fromByteOffset: $0 * 4, as: Int32.self)) }
        }
    }

    /// SQUEEZE: the listed axes (each of extent 1) removed, or every extent-1 axis when none are.
    static func squeezeShape(_ input: [Int], dims: [Int], _ fail: Failure) throws -> [Int] {
        guard !dims.isEmpty else { return input.filter { $0 != 1 } }
        let removed = Set(try dims.map { try normalisedAxis($0, rank: input.count, fail) })
        for axis in removed where input[axis] != 1 {
            throw fail("cannot squeeze axis \(axis) of extent \(input[axis])")
        }
        return input.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// EXPAND_DIMS: a 1 inserted at `axis` (in [-(rank+1), rank]).
    static func expandDimsShape(_ input: [Int], axis: Int, _ fail: Failure) throws -> [Int] {
        let axis = try normalisedAxis(axis, rank: input.count + 1, fail)
        var shape = input
        shape.insert(1, at: axis)
        return shape
    }

    /// TRANSPOSE: output[i] = input[perm[i]].
    static func transposeShape(_ input: [Int], perm: [Int], _ fail: Failure) throws -> [Int] {
        guard perm.count == input.count, Set(perm) == Set(0..<input.count) else {
            throw fail("perm \(perm) is not a permutation of rank \(input.count)")
        }
        return perm.map { input[$0] }
    }

    /// The shape of each output of SPLIT into `splits` equal parts along `axis`.
    static func splitShape(_ input: [Int], axis: Int, splits: Int, _ fail: Failure) throws -> [Int] {
        let axis = try normalisedAxis(axis, rank: input.count, fail)
        guard splits > 0, input[axis] % splits == 0 else {
            throw fail("extent \(input[axis]) of axis \(axis) does not split into \(splits)")
        }
        var shape = input
        shape[axis] /= splits
        return shape
    }

    /// SPACE_TO_BATCH_ND over the spatial axes 1...block.count.
    /// The largest block size, padding or crop accepted (2^24: far above any real model), so that
    /// extents (each within TensorLimits) times blocks cannot overflow.
    static let blockLimit = 1 << 24

    static func spaceToBatchShape(_ input: [Int], block: [Int], paddings: [Int], _ fail: Failure) throws -> [Int] {
        guard !block.isEmpty, input.count >= block.count + 1, paddings.count == 2 * block.count,
              block.allSatisfy({ $0 > 0 && $0 <= blockLimit }), paddings.allSatisfy({ $0 >= 0 && $0 <= blockLimit }),
              let product = TensorLimits.elementCount(block)
        else { throw fail("block shape \(block) and paddings \(paddings) do not fit input \(input)") }
        var shape = input
        for (axis, size) in block.enumerated() {
            let padded = input[axis + 1] + paddings[2 * axis] + paddings[2 * axis + 1]
            guard padded % size == 0 else { throw fail("padded extent \(padded) not divisible by block \(size)") }
            shape[axis + 1] = padded / size
        }
        shape[0] = input[0] * product
        return shape
    }

    /// BATCH_TO_SPACE_ND over the spatial axes 1...block.count.
    static func batchToSpaceShape(_ input: [Int], block: [Int], crops: [Int], _ fail: Failure) throws -> [Int] {
        guard !block.isEmpty, input.count >= block.count + 1, crops.count == 2 * block.count,
              block.allSatisfy({ $0 > 0 && $0 <= blockLimit }), crops.allSatisfy({ $0 >= 0 && $0 <= blockLimit }),
              let product = TensorLimits.elementCount(block), input[0] % product == 0
        else { throw fail("block shape \(block) and crops \(crops) do not fit input \(input)") }
        var shape = input
        for (axis, size) in block.enumerated() {
            let extent = input[axis + 1] * size - crops[2 * axis] - crops[2 * axis + 1]
            guard extent >= 0 else { throw fail("crops \(crops) larger than the output") }
            shape[axis + 1] = extent
        }
        shape[0] = input[0] / product
        return shape
    }
}
