// CONCATENATION, one dispatch per input: copies the input into its region of the output, which
// starts at `offset` (batch, height, width, channels). When the channel offset is not a multiple
// of 4, a boundary slice is shared with the neighbouring input: lanes outside this input's
// channels keep what the output holds (the dispatches run one after another), and lanes past the
// output's last channel are zeroed. The fused activation (ACT_CLAMP) clamps copied lanes.
// Grid: x = input column, y = input row, z = input batch * region slices + region slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 offset;    // batch, height, width, channels
    ivec4 region;    // input batch, first output slice, region slices, -
PARAMS_END

layout(std430, binding = 0) buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int region_slices = p.region.z;
    if (gid.x >= p.in_shape.y || gid.y >= p.in_shape.x || gid.z >= p.region.x * region_slices) return;
    int b = gid.z / region_slices;
    int out_slice = p.region.y + (gid.z - b * region_slices);
    int out_index = slice_index(p.out_shape, b + p.offset.x, gid.y + p.offset.y, gid.x + p.offset.z,
                                out_slice);
    int in_base = slice_index(p.in_shape, b, gid.y, gid.x, 0);
    vec4 v;
    if (p.offset.w % 4 == 0 && (out_slice + 1) * 4 <= p.offset.w + p.in_shape.z) {
        v = ACT_CLAMP(LOAD(in_data[in_base + out_slice - p.offset.w / 4]));
    } else {
        v = LOAD(out_data[out_index]);
        for (int lane = 0; lane < 4; lane++) {
            int c = out_slice * 4 + lane;
            int ic = c - p.offset.w;
            if (ic >= 0 && ic < p.in_shape.z)
                v[lane] = ACT_CLAMP(LOAD(in_data[in_base + ic / 4])[ic % 4]);
            else if (c >= p.out_shape.z)
                v[lane] = 0.0;
        }
    }
    out_data[out_index] = PACK(v);
}
