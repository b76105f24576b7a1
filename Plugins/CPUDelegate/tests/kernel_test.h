/*
 * kernel_test.h — what the CPU kernel tests (gemm_kernels.c, depthwise_kernels.c) share: a failure
 * counter whose first 20 failures are printed under the test's name (define KERNEL_TEST_NAME, a
 * string literal, before including it), and the seeded generator their random cases come from.
 */
#ifndef CPU_KERNEL_TEST_H
#define CPU_KERNEL_TEST_H

#ifndef KERNEL_TEST_NAME
#error "define KERNEL_TEST_NAME before including kernel_test.h"
#endif

#include <stdint.h>
#include <stdio.h>

static int failures;

#define FAIL(...)                                                                                \
    do {                                                                                         \
        if (failures++ < 20) {                                                                   \
            fprintf(stderr, KERNEL_TEST_NAME ": ");                                              \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
        }                                                                                        \
    } while (0)

/* A 64-bit linear congruential generator: each case sets rng_state from its seed. */
static uint64_t rng_state;
static inline uint32_t next_u32(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}
/* Uniform in [lo, hi]. */
static inline int uniform(int lo, int hi) { return lo + (int)(next_u32() % (uint32_t)(hi - lo + 1)); }
/* One of 2001 values in [-2, 2], exact in float. */
static inline float value(void) { return (float)((int)(next_u32() % 2001) - 1000) / 500.0f; }

#endif /* CPU_KERNEL_TEST_H */
