// AVERAGE_POOL_2D and MAX_POOL_2D (POOL_MAX = 1). Padding is excluded: the average divides by the
// number of input positions inside the window, as TFLite does. The maximum skips NaN taps, as
// TFLite's std::max(max, x) does, and starts at -inf (a window of -inf is -inf); a NaN in the
// average's window makes it NaN.
// Grid: x = output column, y = output row, z = batch * slices + slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 window;    // height, width, stride y, stride x
    ivec4 geometry;  // padding top, padding left, batch, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.geometry.z * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int y0 = gid.y * p.window.z - p.geometry.x;
    int x0 = gid.x * p.window.w - p.geometry.y;
#if POOL_MAX
    vec4 acc = vec4(negative_infinity());
#else
    vec4 acc = vec4(0.0);
#endif
    int count = 0;
    for (int fy = 0; fy < p.window.x; fy++) {
        int y = y0 + fy;
        if (y < 0 || y >= p.in_shape.x) continue;
        for (int fx = 0; fx < p.window.y; fx++) {
            int x = x0 + fx;
            if (x < 0 || x >= p.in_shape.y) continue;
            vec4 v = LOAD(in_data[slice_index(p.in_shape, b, y, x, slice)]);
#if POOL_MAX
            acc = mix(max(acc, v), acc, isnan(v)); // acc is never NaN
#else
            acc += v;
#endif
            count++;
        }
    }
#if !POOL_MAX
    acc = count > 0 ? acc / float(count) : vec4(0.0);
#endif
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(acc, out_index, slice, p.out_shape.z));
}
