// AVX2 + FMA helpers shared by the kernels: the activation clamp and exp for 8 lanes (LOGISTIC,
// SOFTMAX), horizontal sum and maximum of 8 lanes (the GEMM's dot products, SOFTMAX).
#ifndef CPU_SIMD_H
#define CPU_SIMD_H

#include "cpu_delegate.h"

#if CPU_HAVE_X86
#include <immintrin.h>

/* The scalar clamp `v < lo ? lo : (v > hi ? hi : v)` for 8 lanes, NaN and signed zeros included.
   max_ps(a, b) is `a > b ? a : b`, so it returns its SECOND operand when either is NaN: with the
   value second, a NaN value comes through both steps unchanged (max_ps(v, lo) would turn it into
   lo, -inf for an activation without a lower bound). Same instructions as the other order. */
CPU_TARGET_AVX2 static inline __m256 cpu_clamp8(__m256 v, __m256 lo, __m256 hi) {
    return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}

/* Cephes' expf: the input clamped to +-88.376 (so 2^n stays a normal float), range reduction by
   ln 2 in two parts, a degree-6 polynomial, scaling by 2^n through the exponent bits. Within 2 ulp
   of libm's expf. A NaN input stays NaN (cpu_clamp8 keeps it, and every later step propagates
   it); +-inf give the clamp's bounds: e^88.376 = 2.4e38 (not inf) and e^-88.376 = 4.2e-39 (not 0),
   which the callers (sigmoid, softmax) only ever divide or normalise. */
CPU_TARGET_AVX2 static inline __m256 cpu_exp8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    x = cpu_clamp8(x, _mm256_set1_ps(-88.3762626647949f), _mm256_set1_ps(88.3762626647949f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, one));
    const __m256i n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(n));
}

/* The sum of 8 lanes: the two halves added, then pairs, then the last two. */
CPU_TARGET_AVX2 static inline float cpu_hsum8(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/* The largest of 8 lanes, in the same pattern. */
CPU_TARGET_AVX2 static inline float cpu_hmax8(__m256 v) {
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    x = _mm_max_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}
#endif

#endif /* CPU_SIMD_H */
