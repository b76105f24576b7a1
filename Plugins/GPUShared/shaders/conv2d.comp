// CONV_2D, general case: one invocation computes one 4-channel slice of one output pixel.
// Grid: x = output column, y = output row, z = batch * output slices + slice.
// Weights: for each output slice, filter row, filter column and input slice, 4 vec4s: one per
// input channel of the slice, holding its weights for the slice's 4 output channels (zeros past
// the last channel). Positions outside the input (the node's padding, and any PAD folded into
// the convolution) read as zeros.
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

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int out_slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.batch.x * out_slices) return;
    int b = gid.z / out_slices;
    int slice = gid.z - b * out_slices;
    int in_slices = p.in_shape.w;
    int y0 = gid.y * p.window.z - p.geometry.z;
    int x0 = gid.x * p.window.w - p.geometry.w;
    vec4 acc = LOAD(bias[slice]);
    for (int fy = 0; fy < p.window.x; fy++) {
        int y = y0 + fy * p.geometry.x;
        if (y < 0 || y >= p.in_shape.x) continue;
        for (int fx = 0; fx < p.window.y; fx++) {
            int x = x0 + fx * p.geometry.y;
            if (x < 0 || x >= p.in_shape.y) continue;
            int in_index = slice_index(p.in_shape, b, y, x, 0);
            int w_index = (((slice * p.window.x + fy) * p.window.y + fx) * in_slices) * 4;
            for (int s = 0; s < in_slices; s++) {
                vec4 v = LOAD(in_data[in_index + s]);
                acc += v.x * LOAD(weights[w_index]) + v.y * LOAD(weights[w_index + 1]) +
                       v.z * LOAD(weights[w_index + 2]) + v.w * LOAD(weights[w_index + 3]);
                w_index += 4;
            }
        }
    }
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(acc, out_index, slice, p.out_shape.z));
}
