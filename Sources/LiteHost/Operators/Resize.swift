import DelegateABI

/// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR (NHWC): the output size is the constant input 1.
extension OperatorDescriptor {
    static let resizeBilinear = OperatorDescriptor(
        name: "RESIZE_BILINEAR", codes: [LITE_BUILTIN_RESIZE_BILINEAR], optionsTable: TFLiteSchema.OptionsType.resizeBilinear,
        storedAs: { .resizeBilinear($0) },
        decode: { reader throws(ModelError) in
            // Slots 0 and 1 are the deprecated new_height/new_width.
            LiteResizeBilinearParams(
                struct_size: MemoryLayout<LiteResizeBilinearParams>.size,
                align_corners: try reader.bool(2), half_pixel_centers: try reader.bool(3))
        },
        shape: resizeShape)

    /// RESIZE_NEAREST_NEIGHBOR: its shape rule only (its options are not read).
    static let resizeNearestNeighbor = OperatorDescriptor(
        name: "RESIZE_NEAREST_NEIGHBOR", codes: [LITE_BUILTIN_RESIZE_NEAREST_NEIGHBOR], shape: resizeShape)

    private static let resizeShape: ShapeRule = { node in
        guard let size = node.constantInts(1), size.count == 2, node.inputs[0].count == 4 else { return nil }
        guard size.allSatisfy({ $0 > 0 }) else { throw node.fail("output size \(size) must be positive") }
        return [[node.inputs[0][0], size[0], size[1], node.inputs[0][3]]]
    }
}
