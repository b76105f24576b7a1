// DEPTHWISE_CONV_2D's state, shared by ops/depthwise.c (claim, prepare, the portable kernels) and
// the vector kernels of ops/depthwise_kernels.h (one file per path: depthwise_avx2.c,
// depthwise_avx512.c).
#ifndef CPU_OPS_DEPTHWISE_H
#define CPU_OPS_DEPTHWISE_H

#include "../cpu_delegate.h"

#pragma GCC visibility push(hidden)

/* Channels of padding kept past out_c in `bias` and in each packed block: the widest path's
   lanes, so a vector of the last (partial) block reads inside the allocation. */
#define CPU_DEPTHWISE_MAX_LANES 16

typedef struct DepthwiseState DepthwiseState;

/** Output rows [begin, end) (row = batch * out_h + y) of a multiplier-1 node with `packed`
    weights, on one path's vector kernels. */
typedef void (*CpuDepthwiseRows)(const DepthwiseState *s, size_t begin, size_t end);

struct DepthwiseState {
    CPU_WINDOW_UNION;
    int32_t multiplier;
    float act_min, act_max;
    float *bias;           /* out_c floats, zero-padded by CPU_DEPTHWISE_MAX_LANES more */
    const float *weights;  /* [k_h][k_w][out_c] */
    /* Multiplier 1 on a vector path: [ceil(out_c / lanes)][k_h * k_w][lanes] with the path's
       lanes, zero-padded; the rows are then `vector_rows`'s. NULL: the portable kernels of
       depthwise.c. */
    float *packed;
    CpuDepthwiseRows vector_rows;
    bool bias_each_run;
    CpuIsa isa;            /* the delegate's path: the epilogue's kernels */
    const CpuEpilogue *epilogue;
    const float *in;
    float *out;
};

#if CPU_HAVE_X86
/** The paths' vector kernels: 8 lanes (AVX2+FMA), 16 (AVX-512F). */
void cpu_depthwise_rows_avx2(const DepthwiseState *s, size_t begin, size_t end);
void cpu_depthwise_rows_avx512(const DepthwiseState *s, size_t begin, size_t end);
#endif

#pragma GCC visibility pop

#endif /* CPU_OPS_DEPTHWISE_H */
