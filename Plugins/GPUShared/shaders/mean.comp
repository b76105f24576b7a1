// MEAN over any of the 4 axes. `reduced` is the input's shape with the reduced axes set to 1;
// output element number f (row-major in the output's shape) is the element of that shape whose
// reduced axes are then summed over. With CHANNELS_KEPT (the channel axis is not reduced, so
// output lanes are input lanes) one invocation sums whole slices; otherwise lane by lane.
// Grid: x = output column, y = output row, z = batch * output slices + slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 reduced;   // batch, height, width, channels
    ivec4 batches;   // output, input, -, -
    ivec4 loops;     // extent of each axis summed over (1 for kept axes)
    vec4 count;      // number of reduced elements, -, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

ivec4 reduced_coordinates(int f) {
    ivec4 k;
    k.w = f % p.reduced.w; f /= p.reduced.w;
    k.z = f % p.reduced.z; f /= p.reduced.z;
    k.y = f % p.reduced.y; f /= p.reduced.y;
    k.x = f;
    return k;
}

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.batches.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int pixel = (b * p.out_shape.x + gid.y) * p.out_shape.y + gid.x;
    ivec4 loops = p.loops;
    vec4 sum = vec4(0.0);
#if CHANNELS_KEPT
    ivec4 k = reduced_coordinates(pixel * p.reduced.w);
    for (int ib = 0; ib < loops.x; ib++)
        for (int iy = 0; iy < loops.y; iy++)
            for (int ix = 0; ix < loops.z; ix++)
                sum += LOAD(in_data[slice_index(p.in_shape, k.x + ib, k.y + iy, k.z + ix, slice)]);
#else
    for (int lane = 0; lane < 4; lane++) {
        int c = slice * 4 + lane;
        if (c >= p.out_shape.z) break;
        ivec4 k = reduced_coordinates(pixel * p.out_shape.z + c);
        float total = 0.0;
        for (int ib = 0; ib < loops.x; ib++)
            for (int iy = 0; iy < loops.y; iy++)
                for (int ix = 0; ix < loops.z; ix++) {
                    int base = slice_index(p.in_shape, k.x + ib, k.y + iy, k.z + ix, 0);
                    for (int ic = 0; ic < loops.w; ic++)
                        total += LOAD(in_data[base + (k.w + ic) / 4])[(k.w + ic) % 4];
                }
        sum[lane] = total;
    }
#endif
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(mask_channels(sum / p.count.x, slice, p.out_shape.z));
}
