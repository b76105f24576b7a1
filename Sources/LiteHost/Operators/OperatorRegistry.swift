import DelegateABI

/// Every operator the host knows, by builtin code and by custom name. Model loading (options),
/// shape inference, constant folding and `GraphView` (params) look a node's descriptor up here;
/// an operator without one is still loaded and handed to plugins, with no options, no shape rule
/// and no params. Adding an operator to the host is one descriptor, listed in `all`.
enum OperatorRegistry {
    /// One entry per descriptor; each builtin code and custom name appears once.
    static let all: [OperatorDescriptor] = [
        // Activations.swift
        .unaryActivation, .softmax, .leakyRelu,
        // ElementwiseBinary.swift
        .arithmetic, .minMax, .prelu, .floorDiv,
        // Convolution.swift
        .conv2D, .depthwiseConv2D, .transposeConv, .convolution2DTransposeBias,
        // Pooling.swift
        .pool2D, .l2Pool2D,
        // FullyConnected.swift
        .fullyConnected,
        // Reductions.swift
        .mean, .foldableReduction, .reduceAny,
        // Reshape.swift
        .reshape, .squeeze, .expandDims,
        // Concatenation.swift, StridedSlice.swift, Gather.swift, Pack.swift, Split.swift, Transpose.swift
        .concatenation, .stridedSlice, .gather, .pack, .unpack, .split, .transpose,
        // Padding.swift, SpaceToBatch.swift, DepthToSpace.swift, Resize.swift
        .pad, .spaceToBatch, .batchToSpace, .depthToSpace, .resizeBilinear, .resizeNearestNeighbor,
        // Shape.swift, Cast.swift, Fill.swift
        .shape, .cast, .fill,
    ]

    /// The descriptors of builtin operators, by code.
    static let builtins: [Int32: OperatorDescriptor] = {
        var table: [Int32: OperatorDescriptor] = [:]
        for descriptor in all where descriptor.customName == nil {
            for code in descriptor.codes {
                precondition(table[code] == nil, "two descriptors for builtin code \(code)")
                table[code] = descriptor
            }
        }
        return table
    }()

    /// The descriptors of custom operators, by custom code.
    static let customs: [String: OperatorDescriptor] = {
        var table: [String: OperatorDescriptor] = [:]
        for descriptor in all {
            guard let name = descriptor.customName else { continue }
            precondition(table[name] == nil, "two descriptors for custom operator \(name)")
            table[name] = descriptor
        }
        return table
    }()

    /// The descriptor of a node's operator, or nil when the host knows nothing of it.
    /// - Parameters:
    ///   - code: The BuiltinOperator value.
    ///   - customName: The custom code of a CUSTOM operator (ignored for builtins).
    static func descriptor(code: Int32, customName: String?) -> OperatorDescriptor? {
        guard code == LITE_BUILTIN_CUSTOM else { return builtins[code] }
        return customName.flatMap { customs[$0] }
    }
}
