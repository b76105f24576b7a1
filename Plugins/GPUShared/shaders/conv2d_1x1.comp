// CONV_2D with a 1x1 filter, stride 1 and no padding, and FULLY_CONNECTED (rows as pixels): a
// matrix product over the channel slices of each pixel, register-blocked: one invocation computes
// OUT_TILE consecutive output slices of PIXEL_TILE consecutive pixels, reading each input vec4
// once for all OUT_TILE slices and each weight vec4 once for all PIXEL_TILE pixels.
// Grid: x = group of PIXEL_TILE pixels (of all batches), y = group of OUT_TILE output slices.
// Weights as for conv2d.comp with a 1x1 filter: [output slice][input slice][4] vec4s. Pixels and
// slices past the last are clamped onto it (computed and not stored); the sums are formed in the
// same order as with one output per invocation.
PARAMS_BEGIN
    ivec4 sizes; // pixels, input slices, output slices, output channels
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };
layout(std430, binding = 2) readonly buffer Weights { STORAGE_2 weights[]; };
layout(std430, binding = 3) readonly buffer Bias { STORAGE_3 bias[]; };

void main() {
    int pixel0 = int(gl_GlobalInvocationID.x) * PIXEL_TILE;
    int first = int(gl_GlobalInvocationID.y) * OUT_TILE;
    int pixels = p.sizes.x, in_slices = p.sizes.y, out_slices = p.sizes.z;
    // Invocations past the grid compute clamped positions and store nothing: returning early
    // would make every load below divergent, which llvmpipe then performs lane by lane.
    int w_offset[OUT_TILE];
    for (int t = 0; t < OUT_TILE; t++) w_offset[t] = min(first + t, out_slices - 1) * in_slices * 4;
    int in_index[PIXEL_TILE];
    for (int px = 0; px < PIXEL_TILE; px++) in_index[px] = min(pixel0 + px, pixels - 1) * in_slices;
    vec4 acc[OUT_TILE * PIXEL_TILE];
    for (int t = 0; t < OUT_TILE; t++) {
        vec4 initial = LOAD(bias[min(first + t, out_slices - 1)]);
        for (int px = 0; px < PIXEL_TILE; px++) acc[px * OUT_TILE + t] = initial;
    }
    for (int s = 0; s < in_slices; s++) {
        vec4 v[PIXEL_TILE];
        for (int px = 0; px < PIXEL_TILE; px++) v[px] = LOAD(in_data[in_index[px] + s]);
        for (int t = 0; t < OUT_TILE; t++) {
            int wi = w_offset[t] + s * 4;
            vec4 w0 = LOAD(weights[wi]), w1 = LOAD(weights[wi + 1]);
            vec4 w2 = LOAD(weights[wi + 2]), w3 = LOAD(weights[wi + 3]);
            for (int px = 0; px < PIXEL_TILE; px++)
                acc[px * OUT_TILE + t] += v[px].x * w0 + v[px].y * w1 + v[px].z * w2 + v[px].w * w3;
        }
    }
    if (first >= out_slices) return;
    for (int px = 0; px < PIXEL_TILE; px++) {
        int pixel = pixel0 + px;
        if (pixel >= pixels) break;
        for (int t = 0; t < OUT_TILE; t++) {
            int slice = first + t;
            if (slice >= out_slices) break;
            int out_index = pixel * out_slices + slice;
            out_data[out_index] = PACK(finish_output(acc[px * OUT_TILE + t], out_index, slice, p.sizes.w));
        }
    }
}
