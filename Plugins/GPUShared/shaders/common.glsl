// Helpers shared by every kernel, in the subset of GLSL that GLSL 450 and GLSL ES 3.10 share.
//
// Layout: a tensor is seen as 4-D [batch, height, width, channels] (lower ranks padded with 1s on
// the left) and stored as vec4 "slices" of 4 channels: element (b, y, x, c) is lane c % 4 of
// vec4 ((b * height + y) * width + x) * slices + c / 4. Lanes past the last channel hold zeros.
// Shape parameters are ivec4(height, width, channels, slices) plus the batch in another member.

// Storage type of each binding: in fp16 mode a buffer holds halves (HALF4) unless the planner
// keeps it in float32 (BINDING_n_FP32: a tensor whose precision matters, or a table); in fp32
// mode everything is vec4. Every kernel writes its output through binding 0 with PACK.
#if GPU_FP16 && !defined(BINDING_0_FP32)
#define STORAGE_0 HALF4
#define PACK(v) PACK_HALF(v)
#else
#define STORAGE_0 vec4
#define PACK(v) (v)
#endif
#if GPU_FP16 && !defined(BINDING_1_FP32)
#define STORAGE_1 HALF4
#else
#define STORAGE_1 vec4
#endif
#if GPU_FP16 && !defined(BINDING_2_FP32)
#define STORAGE_2 HALF4
#else
#define STORAGE_2 vec4
#endif
#if GPU_FP16 && !defined(BINDING_3_FP32)
#define STORAGE_3 HALF4
#else
#define STORAGE_3 vec4
#endif
#if GPU_FP16 && !defined(BINDING_4_FP32)
#define STORAGE_4 HALF4
#else
#define STORAGE_4 vec4
#endif
#if GPU_FP16 && !defined(BINDING_5_FP32)
#define STORAGE_5 HALF4
#else
#define STORAGE_5 vec4
#endif
#if GPU_FP16 && !defined(BINDING_6_FP32)
#define STORAGE_6 HALF4
#else
#define STORAGE_6 vec4
#endif
#if GPU_FP16 && !defined(BINDING_7_FP32)
#define STORAGE_7 HALF4
#else
#define STORAGE_7 vec4
#endif

layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;

// NaN and infinities. GLSL leaves min, max and clamp undefined for a NaN operand (llvmpipe and
// lavapipe return the other operand), and Mesa folds a compare-and-select such as
// `v < lo ? lo : v` into max, so a kernel that must let NaN through tests for it with isnan, which
// both Mesa front ends keep exact. Infinities have no literal: they are made from their bits.
float negative_infinity() { return uintBitsToFloat(0xff800000u); }
float quiet_nan() { return uintBitsToFloat(0x7fc00000u); }

/* `y`, except in the lanes where `x` is NaN: there `x`. */
vec4 keep_nan(vec4 x, vec4 y) { return mix(y, x, isnan(x)); }
float keep_nan(float x, float y) { return isnan(x) ? x : y; }

/* clamp(v, lo, hi) that returns a NaN `v` unchanged, as TFLite's activations do. */
vec4 clamp_keep_nan(vec4 v, vec4 lo, vec4 hi) { return keep_nan(v, clamp(v, lo, hi)); }
float clamp_keep_nan(float v, float lo, float hi) { return keep_nan(v, clamp(v, lo, hi)); }

/* Zeros the lanes of `slice` that lie past `channels`. */
vec4 mask_channels(vec4 v, int slice, int channels) {
    ivec4 lane = ivec4(slice * 4) + ivec4(0, 1, 2, 3);
    return mix(vec4(0.0), v, lessThan(lane, ivec4(channels)));
}

/* vec4 index of (b, y, x, slice) in a tensor of shape ivec4(height, width, channels, slices). */
int slice_index(ivec4 shape, int b, int y, int x, int slice) {
    return ((b * shape.x + y) * shape.y + x) * shape.w + slice;
}
