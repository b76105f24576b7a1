// Arithmetic every plugin's kernels need in the same form: TFLite's padding rule, float16 decoding.
#include "lite_plugin_support.h"

#include <string.h>

int32_t lps_padding_before(int32_t in, int32_t out, int32_t stride, int32_t kernel, int32_t dilation) {
    int64_t effective = (int64_t)(kernel - 1) * dilation + 1;
    int64_t total = (int64_t)(out - 1) * stride + effective - in;
    return total > 0 ? (int32_t)(total / 2) : 0;
}

float lps_half_to_float(uint16_t half) {
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    uint32_t exponent = (half >> 10) & 0x1Fu;
    uint32_t mantissa = half & 0x3FFu;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13); // inf, or nan keeping its payload
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign; // signed zero
    } else {
        // Subnormal half: value = mantissa * 2^-24, exact in float.
        float value = (float)mantissa * 5.9604644775390625e-8f;
        memcpy(&bits, &value, sizeof(bits));
        bits |= sign;
    }
    float result;
    memcpy(&result, &bits, sizeof(result));
    return result;
}
