// DEPTH_TO_SPACE (DCR, as TFLite): output (b, y, x, c) = input (b, y / bs, x / bs,
// ((y % bs) * bs + x % bs) * output channels + c).
// Grid: x = output column, y = output row, z = batch * output slices + slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 block;     // block size, batch, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.block.y * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int bs = p.block.x;
    int base = slice_index(p.in_shape, b, gid.y / bs, gid.x / bs, 0);
    int first = ((gid.y % bs) * bs + gid.x % bs) * p.out_shape.z;
    vec4 v = vec4(0.0);
    for (int lane = 0; lane < 4; lane++) {
        int c = slice * 4 + lane;
        if (c >= p.out_shape.z) break;
        int ic = first + c;
        v[lane] = LOAD(in_data[base + ic / 4])[ic % 4];
    }
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(v, out_index, slice, p.out_shape.z));
}
