// DEPTHWISE_CONV_2D, register-blocked: one invocation computes one 4-channel slice of
// PIXEL_TILE consecutive output pixels of one row, reading each weight vec4 once for all of them.
// Where the planner fixes the filter width and horizontal stride and dilation (SPAN defined, with
// WINDOW_W, STRIDE_X, DILATION_X), each input column of a filter row is read once for all the
// windows that overlap on it (3x3 stride 1, 8 pixels: 10 reads per row instead of 24).
// Grid: x = group of PIXEL_TILE output columns, y = output row, z = batch * output slices + slice.
// Weights: [output slice][filter row][filter column] vec4s. With a depth multiplier M
// (MULTIPLIER > 1), output channel c reads input channel c / M. Positions outside the input read
// as zeros: the load is clamped into the input and its value selected away, so the loops have no
// divergent branches.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 window;    // height, width, stride y, stride x
    ivec4 geometry;  // dilation y, dilation x, padding top, padding left
    ivec4 batch;     // batch, -, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };
layout(std430, binding = 2) readonly buffer Weights { STORAGE_2 weights[]; };
layout(std430, binding = 3) readonly buffer Bias { STORAGE_3 bias[]; };

/* The input vec4 that output slice `slice` reads at vec4 index `pixel_base` (slice 0 of a pixel). */
vec4 load_input(int pixel_base, int slice) {
#if MULTIPLIER == 1
    return LOAD(in_data[pixel_base + slice]);
#else
    vec4 v = vec4(0.0);
    for (int lane = 0; lane < 4; lane++) {
        int c = min(slice * 4 + lane, p.out_shape.z - 1) / MULTIPLIER;
        v[lane] = LOAD(in_data[pixel_base + c / 4])[c % 4];
    }
    return v;
#endif
}

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int out_slices = p.out_shape.w;
    int ox0 = gid.x * PIXEL_TILE;
    // Invocations past the grid compute a clamped position and store nothing: returning early
    // would make every load below divergent, which llvmpipe then performs lane by lane.
    bool in_grid = ox0 < p.out_shape.y && gid.y < p.out_shape.x && gid.z < p.batch.x * out_slices;
    int oy = min(gid.y, p.out_shape.x - 1);
    int plane = min(gid.z, p.batch.x * out_slices - 1);
    int b = plane / out_slices;
    int slice = plane - b * out_slices;
    int in_width = p.in_shape.y, in_slices = p.in_shape.w;
    int y0 = oy * p.window.z - p.geometry.z;
    int x0 = ox0 * p.window.w - p.geometry.w;
    vec4 acc[PIXEL_TILE];
    vec4 initial = LOAD(bias[slice]);
    for (int px = 0; px < PIXEL_TILE; px++) acc[px] = initial;
    for (int fy = 0; fy < p.window.x; fy++) {
        int y = y0 + fy * p.geometry.x;
        bool row_inside = y >= 0 && y < p.in_shape.x;
        int row = slice_index(p.in_shape, b, clamp(y, 0, p.in_shape.x - 1), 0, 0);
        int w_index = (slice * p.window.x + fy) * p.window.y;
#ifdef SPAN
        // The columns the tile's windows cover on this row, each read once: output pixel px, tap
        // fx reads column px * STRIDE_X + fx * DILATION_X of the span.
        vec4 columns[SPAN];
        for (int j = 0; j < SPAN; j++) {
            int x = x0 + j;
            vec4 v = load_input(row + clamp(x, 0, in_width - 1) * in_slices, slice);
            columns[j] = row_inside && x >= 0 && x < in_width ? v : vec4(0.0);
        }
        for (int fx = 0; fx < WINDOW_W; fx++) {
            vec4 w = LOAD(weights[w_index + fx]);
            for (int px = 0; px < PIXEL_TILE; px++) acc[px] += columns[px * STRIDE_X + fx * DILATION_X] * w;
        }
#else
        for (int fx = 0; fx < p.window.y; fx++) {
            vec4 w = LOAD(weights[w_index + fx]);
            for (int px = 0; px < PIXEL_TILE; px++) {
                int x = x0 + px * p.window.w + fx * p.geometry.y;
                vec4 v = load_input(row + clamp(x, 0, in_width - 1) * in_slices, slice);
                acc[px] += (row_inside && x >= 0 && x < in_width ? v : vec4(0.0)) * w;
            }
        }
#endif
    }
    if (!in_grid) return;
    for (int px = 0; px < PIXEL_TILE; px++) {
        if (ox0 + px >= p.out_shape.y) break;
        int out_index = slice_index(p.out_shape, b, gid.y, ox0 + px, slice);
        out_data[out_index] = PACK(finish_output(acc[px], out_index, slice, p.out_shape.z));
    }
}
