// PAD with zeros (4-D): output element (b, y, x, c) is input (b, y, x, c) - before, or zero.
// Grid: x = output column, y = output row, z = batch * output slices + slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 before;    // batch, height, width, channels
    ivec4 batches;   // output, input, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.batches.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int ib = b - p.before.x, iy = gid.y - p.before.y, ix = gid.x - p.before.z;
    vec4 v = vec4(0.0);
    if (ib >= 0 && ib < p.batches.y && iy >= 0 && iy < p.in_shape.x && ix >= 0 && ix < p.in_shape.y) {
        int base = slice_index(p.in_shape, ib, iy, ix, 0);
        if (p.before.w % 4 == 0) {
            int s = slice - p.before.w / 4;
            if (s >= 0 && s < p.in_shape.w) v = LOAD(in_data[base + s]);
        } else {
            for (int lane = 0; lane < 4; lane++) {
                int c = slice * 4 + lane - p.before.w;
                if (c >= 0 && c < p.in_shape.z) v[lane] = LOAD(in_data[base + c / 4])[c % 4];
            }
        }
    }
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(v, out_index, slice, p.out_shape.z));
}
