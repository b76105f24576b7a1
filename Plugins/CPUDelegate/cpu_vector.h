/*
 * cpu_vector.h — vectors of GK_W floats (4, 8 or 16) and the few operations the width-generic
 * kernels (gemm_kernels.h, ops/depthwise_kernels.h) need, for the path that includes it. Define
 * before including:
 *
 *   GK_W       lanes per vector
 *   GK_FMA     1: gk_madd is a fused multiply-add (the path has FMA); 0: a multiply, then an add
 *   GK_MASKED  how gk_load_first reads a partial vector: GK_MASKED_AVX2 (vmaskmovps),
 *              GK_MASKED_AVX512 (an opmask), or GK_MASKED_COPY (the default: a zeroed copy)
 *
 * One path per translation unit, compiled for its instruction set (CPU_TARGET_PUSH).
 */
#ifndef CPU_VECTOR_H
#define CPU_VECTOR_H

#if !defined(GK_W) || !defined(GK_FMA)
#error "define GK_W and GK_FMA before including cpu_vector.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GK_MASKED_COPY 0
#define GK_MASKED_AVX2 1
#define GK_MASKED_AVX512 2
#ifndef GK_MASKED
#define GK_MASKED GK_MASKED_COPY
#endif
#if GK_MASKED != GK_MASKED_COPY
#include <immintrin.h>
#endif

/* Clang's ext_vector_type (what the plugin is built with) and GCC's vector_size (the sanitizer
   builds of scripts/test/c_tests.sh) differ in two points: a vector from a scalar, and the
   lane-wise `?:` of the clamp, which GCC's C lacks and gets as a mask select. */
#if defined(__clang__)
typedef float gk_vec __attribute__((ext_vector_type(GK_W)));
typedef float gk_vec8 __attribute__((ext_vector_type(8)));
typedef float gk_vec4 __attribute__((ext_vector_type(4)));
typedef float gk_vec2 __attribute__((ext_vector_type(2)));
#else
typedef float gk_vec __attribute__((vector_size(GK_W * sizeof(float))));
typedef float gk_vec8 __attribute__((vector_size(8 * sizeof(float))));
typedef float gk_vec4 __attribute__((vector_size(4 * sizeof(float))));
typedef float gk_vec2 __attribute__((vector_size(2 * sizeof(float))));
typedef int32_t gk_mask __attribute__((vector_size(GK_W * sizeof(float))));
#endif

#define GK_INLINE static inline __attribute__((always_inline))

GK_INLINE gk_vec gk_load(const float *p) {
    gk_vec v;
    memcpy(&v, p, sizeof(v));
    return v;
}

GK_INLINE void gk_store(float *p, gk_vec v) { memcpy(p, &v, sizeof(v)); }

GK_INLINE gk_vec gk_splat(float s) {
#if defined(__clang__)
    return (gk_vec)s;
#else
    gk_vec v;
    for (int i = 0; i < GK_W; i++) v[i] = s;
    return v;
#endif
}

GK_INLINE gk_vec gk_madd(gk_vec a, gk_vec b, gk_vec c) {
#if GK_FMA && defined(__clang__)
    return __builtin_elementwise_fma(a, b, c);
#else
    return a * b + c; // GCC fuses it where the target has FMA (-ffp-contract=fast, its default)
#endif
}

/* `x > y ? x : y` (ABOVE 1) or `x < y ? x : y` (ABOVE 0) lane by lane: y where either is NaN,
   as vmaxps and vminps do. */
GK_INLINE gk_vec gk_pick(const bool ABOVE, gk_vec x, gk_vec y) {
#if defined(__clang__)
    return ABOVE ? (x > y ? x : y) : (x < y ? x : y);
#else
    const gk_mask m = ABOVE ? x > y : x < y;
    return (gk_vec)((m & (gk_mask)x) | (~m & (gk_mask)y));
#endif
}

/* The scalar clamp `v < lo ? lo : (v > hi ? hi : v)` lane by lane: max then min with the value
   second, so a NaN value stays NaN. */
GK_INLINE gk_vec gk_clamp(gk_vec v, float lo, float hi) {
    return gk_pick(false, gk_splat(hi), gk_pick(true, gk_splat(lo), v));
}

/* The sum of the lanes by halving: lanes i and i + W/2 first, down to one. */
GK_INLINE float gk_hsum2(gk_vec2 v) { return v[0] + v[1]; }
GK_INLINE float gk_hsum4(gk_vec4 v) {
    return gk_hsum2(__builtin_shufflevector(v, v, 0, 1) + __builtin_shufflevector(v, v, 2, 3));
}
GK_INLINE float gk_hsum8(gk_vec8 v) {
    return gk_hsum4(__builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7));
}
#if GK_W == 16
GK_INLINE float gk_hsum(gk_vec v) {
    return gk_hsum8(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                    __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
}
#elif GK_W == 8
GK_INLINE float gk_hsum(gk_vec v) { return gk_hsum8(v); }
#elif GK_W == 4
GK_INLINE float gk_hsum(gk_vec v) { return gk_hsum4(v); }
#else
#error "GK_W must be 4, 8 or 16"
#endif

/* The first n (1..GK_W) floats at p, the other lanes zero; nothing past p + n is read (a masked
   load: a fault there is suppressed). */
GK_INLINE gk_vec gk_load_first(const float *p, size_t n) {
    gk_vec v;
#if GK_MASKED == GK_MASKED_AVX512
    const __m512 loaded = _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p);
    memcpy(&v, &loaded, sizeof(v));
#elif GK_MASKED == GK_MASKED_AVX2
    for (size_t half = 0; half < GK_W / 8; half++) {
        const size_t lanes = n > half * 8 ? (n - half * 8 > 8 ? 8 : n - half * 8) : 0;
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes),
                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256 loaded = _mm256_maskload_ps(p + half * 8, mask);
        memcpy((float *)&v + half * 8, &loaded, sizeof(loaded));
    }
#else
    float lanes[GK_W] = {0};
    memcpy(lanes, p, n * sizeof(float));
    v = gk_load(lanes);
#endif
    return v;
}

/* The first n floats of v to p, nothing past p + n written (not a masked store: they are
   microcoded and slow on AMD). */
GK_INLINE void gk_store_first(float *p, gk_vec v, size_t n) {
    float lanes[GK_W];
    gk_store(lanes, v);
    for (size_t j = 0; j < n; j++) p[j] = lanes[j];
}

/* `v < 0 ? scaled : v` lane by lane (v where it is NaN): PRELU's choice. */
GK_INLINE gk_vec gk_negative_to(gk_vec v, gk_vec scaled) {
    const gk_vec zero = gk_splat(0.0f);
#if defined(__clang__)
    return v < zero ? scaled : v;
#else
    const gk_mask m = v < zero;
    return (gk_vec)((m & (gk_mask)scaled) | (~m & (gk_mask)v));
#endif
}

#endif /* CPU_VECTOR_H */
