// RESHAPE (when the channel count changes, so the layout does) and STRIDED_SLICE: output
// element number f (in row-major order of the output's shape) reads the input at
// start + k * stride, where k is f written in the mixed radix of `space` (the slice's shape over
// the input's 4 dimensions; for a reshape, the input's shape with start 0 and stride 1).
// Grid: x = output column, y = output row, z = batch * output slices + slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 space;     // batch, height, width, channels
    ivec4 start;     // batch, height, width, channels
    ivec4 stride;    // batch, height, width, channels
    ivec4 batches;   // output, -, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.batches.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int pixel = (b * p.out_shape.x + gid.y) * p.out_shape.y + gid.x;
    vec4 v = vec4(0.0);
    for (int lane = 0; lane < 4; lane++) {
        int c = slice * 4 + lane;
        if (c >= p.out_shape.z) break;
        int f = pixel * p.out_shape.z + c;
        ivec4 k;
        k.w = f % p.space.w; f /= p.space.w;
        k.z = f % p.space.z; f /= p.space.z;
        k.y = f % p.space.y; f /= p.space.y;
        k.x = f;
        ivec4 i = p.start + k * p.stride;
        v[lane] = LOAD(in_data[slice_index(p.in_shape, i.x, i.y, i.z, i.w / 4)])[i.w % 4];
    }
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(v, out_index, slice, p.out_shape.z));
}
