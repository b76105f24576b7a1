// CONV_2D, general case, register-blocked: one invocation computes OUT_TILE consecutive output
// slices (4 channels each) of PIXEL_TILE consecutive output pixels of one row. Each weight vec4
// is read once for all PIXEL_TILE pixels and each input vec4 once for all OUT_TILE slices, so an
// invocation reads (PIXEL_TILE + 4 * OUT_TILE) vec4s per tap and input slice for
// PIXEL_TILE * OUT_TILE outputs (the unblocked kernel read 5 per output).
// Grid: x = group of PIXEL_TILE output columns, y = output row,
//       z = batch * slice groups + group of OUT_TILE output slices.
// Weights: for each output slice, filter row, filter column and input slice, 4 vec4s: one per
// input channel of the slice, holding its weights for the slice's 4 output channels (zeros past
// the last channel). Positions outside the input (the node's padding, and any PAD folded into
// the convolution) read as zeros: the load is clamped into the input and its value selected away,
// so the inner loops have no divergent branches. The sums are formed in the same order as the
// unblocked kernel's, so the results are the same.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 window;    // height, width, stride y, stride x
    ivec4 geometry;  // dilation y, dilation x, padding top, padding left
    ivec4 batch;     // batch, slice groups, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };
layout(std430, binding = 2) readonly buffer Weights { STORAGE_2 weights[]; };
layout(std430, binding = 3) readonly buffer Bias { STORAGE_3 bias[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int out_slices = p.out_shape.w, groups = p.batch.y;
    int ox0 = gid.x * PIXEL_TILE;
    // Invocations past the grid compute a clamped position and store nothing: returning early
    // would make every load below divergent, which llvmpipe then performs lane by lane.
    bool in_grid = ox0 < p.out_shape.y && gid.y < p.out_shape.x && gid.z < p.batch.x * groups;
    int oy = min(gid.y, p.out_shape.x - 1);
    int group = min(gid.z, p.batch.x * groups - 1);
    int b = group / groups;
    int first = (group - b * groups) * OUT_TILE;
    int in_slices = p.in_shape.w, in_width = p.in_shape.y;
    // Slices past the last are clamped onto it (computed and not stored).
    int tile_offset[OUT_TILE];
    int slice_stride = p.window.x * p.window.y * in_slices * 4;
    for (int t = 0; t < OUT_TILE; t++) tile_offset[t] = min(t, out_slices - 1 - first) * slice_stride;
    vec4 acc[OUT_TILE * PIXEL_TILE];
    for (int t = 0; t < OUT_TILE; t++) {
        vec4 initial = LOAD(bias[first + min(t, out_slices - 1 - first)]);
        for (int px = 0; px < PIXEL_TILE; px++) acc[px * OUT_TILE + t] = initial;
    }
    int y0 = oy * p.window.z - p.geometry.z;
    int x0 = ox0 * p.window.w - p.geometry.w;
    for (int fy = 0; fy < p.window.x; fy++) {
        int y = y0 + fy * p.geometry.x;
        bool row_inside = y >= 0 && y < p.in_shape.x;
        int row = slice_index(p.in_shape, b, clamp(y, 0, p.in_shape.x - 1), 0, 0);
        for (int fx = 0; fx < p.window.y; fx++) {
            int in_index[PIXEL_TILE];
            bool inside[PIXEL_TILE];
            for (int px = 0; px < PIXEL_TILE; px++) {
                int x = x0 + px * p.window.w + fx * p.geometry.y;
                inside[px] = row_inside && x >= 0 && x < in_width;
                in_index[px] = row + clamp(x, 0, in_width - 1) * in_slices;
            }
            int w_index = ((first * p.window.x + fy) * p.window.y + fx) * in_slices * 4;
            for (int s = 0; s < in_slices; s++) {
                vec4 v[PIXEL_TILE];
                for (int px = 0; px < PIXEL_TILE; px++) {
                    vec4 loaded = LOAD(in_data[in_index[px] + s]);
                    v[px] = inside[px] ? loaded : vec4(0.0);
                }
                for (int t = 0; t < OUT_TILE; t++) {
                    int wi = w_index + tile_offset[t];
                    vec4 w0 = LOAD(weights[wi]), w1 = LOAD(weights[wi + 1]);
                    vec4 w2 = LOAD(weights[wi + 2]), w3 = LOAD(weights[wi + 3]);
                    for (int px = 0; px < PIXEL_TILE; px++)
                        acc[px * OUT_TILE + t] += v[px].x * w0 + v[px].y * w1 + v[px].z * w2 + v[px].w * w3;
                }
                w_index += 4;
            }
        }
    }
    if (!in_grid) return;
    for (int px = 0; px < PIXEL_TILE; px++) {
        if (ox0 + px >= p.out_shape.y) break;
        for (int t = 0; t < OUT_TILE; t++) {
            int slice = first + t;
            if (slice >= out_slices) break;
            int out_index = slice_index(p.out_shape, b, gid.y, ox0 + px, slice);
            out_data[out_index] = PACK(finish_output(acc[px * OUT_TILE + t], out_index, slice, p.out_shape.z));
        }
    }
}
