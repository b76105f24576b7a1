// CONV_2D with a 1x1 filter, stride 1 and no padding, and FULLY_CONNECTED (rows as pixels): a
// matrix product over the channel slices of each pixel. One invocation computes OUT_TILE
// consecutive output slices of one pixel, reading the pixel's input once for all of them.
// Grid: x = pixel (of all batches), y = group of OUT_TILE output slices.
// Weights as for conv2d.comp with a 1x1 filter: [output slice][input slice][4] vec4s.
PARAMS_BEGIN
    ivec4 sizes; // pixels, input slices, output slices, output channels
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };
layout(std430, binding = 2) readonly buffer Weights { STORAGE_2 weights[]; };
layout(std430, binding = 3) readonly buffer Bias { STORAGE_3 bias[]; };

void main() {
    int pixel = int(gl_GlobalInvocationID.x);
    int first = int(gl_GlobalInvocationID.y) * OUT_TILE;
    int in_slices = p.sizes.y, out_slices = p.sizes.z;
    if (pixel >= p.sizes.x || first >= out_slices) return;
    vec4 acc[OUT_TILE];
    for (int t = 0; t < OUT_TILE; t++) acc[t] = LOAD(bias[min(first + t, out_slices - 1)]);
    int in_index = pixel * in_slices;
    for (int s = 0; s < in_slices; s++) {
        vec4 v = LOAD(in_data[in_index + s]);
        for (int t = 0; t < OUT_TILE; t++) {
            int w_index = (min(first + t, out_slices - 1) * in_slices + s) * 4;
            acc[t] += v.x * LOAD(weights[w_index]) + v.y * LOAD(weights[w_index + 1]) +
                      v.z * LOAD(weights[w_index + 2]) + v.w * LOAD(weights[w_index + 3]);
        }
    }
    for (int t = 0; t < OUT_TILE; t++) {
        int slice = first + t;
        if (slice >= out_slices) break;
        int out_index = pixel * out_slices + slice;
        out_data[out_index] = PACK(finish_output(acc[t], out_index, slice, p.sizes.w));
    }
}
