// SOFTMAX over the channels of each pixel: exp((x - max) * beta) / sum. A NaN or +inf in a row
// makes the whole row NaN, as in TFLite (x - max is NaN there, and so is the sum), and so does a
// row of -inf (-inf - -inf); the kernel says so explicitly, because max() and exp() may drop NaN.
// Grid: x = pixel (of all batches).
PARAMS_BEGIN
    ivec4 sizes; // pixels, channels, slices, -
    vec4 beta;   // beta, -, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    int pixel = int(gl_GlobalInvocationID.x);
    if (pixel >= p.sizes.x) return;
    int slices = p.sizes.z;
    int base = pixel * slices;
    float maximum = negative_infinity();
    bool has_nan = false;
    for (int s = 0; s < slices; s++) {
        vec4 v = mix(vec4(negative_infinity()), LOAD(in_data[base + s]),
                     lessThan(ivec4(s * 4) + ivec4(0, 1, 2, 3), ivec4(p.sizes.y)));
        has_nan = has_nan || any(isnan(v));
        maximum = max(maximum, max(max(v.x, v.y), max(v.z, v.w)));
    }
    bool poisoned = has_nan || isinf(maximum);
    float sum = 0.0;
    for (int s = 0; s < slices; s++) {
        vec4 e = mask_channels(exp((LOAD(in_data[base + s]) - maximum) * p.beta.x), s, p.sizes.y);
        sum += e.x + e.y + e.z + e.w;
    }
    float scale = 1.0 / sum;
    for (int s = 0; s < slices; s++) {
        vec4 e = exp((LOAD(in_data[base + s]) - maximum) * p.beta.x) * scale;
        if (poisoned) e = vec4(quiet_nan());
        out_data[base + s] = PACK(mask_channels(e, s, p.sizes.y));
    }
}
