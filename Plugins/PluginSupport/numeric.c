// Arithmetic every plugin needs in the same form: TFLite's padding rule, float16 decoding, and the
// placement of tensors by lifetime in an arena.
#include "lite_plugin_support.h"

#include <string.h>

int32_t lps_padding_before(int32_t in, int32_t out, int32_t stride, int32_t kernel, int32_t dilation) {
    int64_t effective = (int64_t)(kernel - 1) * dilation + 1;
    int64_t total = (int64_t)(out - 1) * stride + effective - in;
    return total > 0 ? (int32_t)(total / 2) : 0;
}

static int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

int32_t lps_slice_axis(int32_t size, int32_t stride, int32_t begin, int32_t end, bool begin_masked,
                       bool end_masked, bool shrink, bool offset, int32_t *start, int32_t *stop) {
    int32_t first = begin, last = end;
    if (first < 0) first += size;
    first = stride > 0 ? clamp_i32(first, 0, size) : clamp_i32(first, -1, size - 1);
    if (begin_masked) first = stride > 0 ? 0 : size - 1;
    if (shrink) {
        last = first >= size ? first : first + 1;
    } else {
        if (offset) last += first;
        if (last < 0) last += size;
        last = stride > 0 ? clamp_i32(last, 0, size) : clamp_i32(last, -1, size - 1);
        if (end_masked) last = stride > 0 ? size : -1;
    }
    *start = first;
    *stop = last;
    const int64_t count = stride > 0 ? ((int64_t)last - first + stride - 1) / stride
                                     : ((int64_t)first - last + (-stride) - 1) / (-stride);
    return count > 0 ? (int32_t)count : 0;
}

int32_t lps_transpose_conv_padding_before(bool mediapipe, int32_t in, int32_t out, int32_t stride,
                                          int32_t kernel) {
    if (mediapipe) {
        const int32_t total = kernel - (in - 1) % stride - 1;
        return total > 0 ? total / 2 : 0;
    }
    return lps_padding_before(out, (out + stride - 1) / stride, stride, kernel, 1);
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

size_t lps_place_intervals(LpsInterval *intervals, int32_t count) {
    size_t total = 0;
    for (int32_t i = 0; i < count; i++) {
        // Lowest offset that does not collide with an already placed, lifetime-overlapping tensor.
        size_t offset = 0;
        bool moved = true;
        while (moved) {
            moved = false;
            for (int32_t j = 0; j < i; j++) {
                const LpsInterval *o = &intervals[j];
                if (o->last < intervals[i].first || o->first > intervals[i].last) continue;
                if (offset < o->offset + o->bytes && o->offset < offset + intervals[i].bytes) {
                    offset = o->offset + o->bytes;
                    moved = true;
                }
            }
        }
        intervals[i].offset = offset;
        if (offset + intervals[i].bytes > total) total = offset + intervals[i].bytes;
    }
    return total;
}
