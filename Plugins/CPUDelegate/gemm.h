/*
 * gemm.h — packed single-precision matrix product used by the convolution family.
 *
 * C[m][n] = clamp(sum_k A[m][k] * B[k][n] + bias[n], act_min, act_max)
 *
 * B (the weights) is packed once into panels of CPU_GEMM_NR columns: panel p holds
 * B[k][p*NR .. p*NR+NR) for every k, contiguous and zero-padded past n; the bias is padded the same
 * way. A is read row by row with a stride (lda), so NHWC activations feed 1x1 convolutions directly.
 */
#ifndef CPU_GEMM_H
#define CPU_GEMM_H

#include "cpu_delegate.h"

#pragma GCC visibility push(hidden)

#define CPU_GEMM_NR 16

typedef struct CpuPackedMatrix {
    int32_t k;
    int32_t n;
    int32_t panel_count; /**< ceil(n / CPU_GEMM_NR). */
    float *panels;       /**< panel_count * k * NR floats, 64-byte aligned. */
    float *bias;         /**< panel_count * NR floats (zeros where absent). */
    /** When n <= CPU_GEMM_DOT_MAX_N: B's columns as rows, columns[j * k + kk] = B[kk][j]. Products
        this narrow run as dot products along k, which wastes no lanes on absent columns. */
    float *columns;
    /** The kernel path the products run (the delegate's, cpu_use_avx2). */
    CpuIsa isa;
} CpuPackedMatrix;

#define CPU_GEMM_DOT_MAX_N 4

/** Allocates panels for a k x n matrix from the partition's prepared memory (cpu_prepare_alloc:
    freed by its next prepare), its products to run on the partition's path; false on allocation
    failure. */
bool cpu_pack_alloc(CpuPartitionState *p, CpuPackedMatrix *matrix, int32_t k, int32_t n);
/** Packs B[k][n] = weights[n * stride_n + k * stride_k] and the bias (NULL for none). */
void cpu_pack_weights(CpuPackedMatrix *matrix, const float *weights, size_t stride_n,
                      size_t stride_k, const float *bias);
/** Forgets the matrix (its memory stays the partition's until the next prepare). */
void cpu_pack_free(CpuPackedMatrix *matrix);

/** Rows [0, m) of A times panels [panel_begin, panel_end) of B into C, on the calling thread. */
void cpu_gemm_tile(const CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
                   int32_t panel_begin, int32_t panel_end, float *c, size_t ldc, float act_min,
                   float act_max);

/** True when cpu_gemm_tile_indirect is available (the AVX2+FMA path) for this matrix with segments of
    `segment_length` floats (a multiple of 8 for products of <= CPU_GEMM_DOT_MAX_N columns). */
bool cpu_gemm_has_indirect(const CpuPackedMatrix *b, size_t segment_length);

/** Like cpu_gemm_tile, but row r of A is the concatenation of `segment_count` runs of
    `segment_length` floats at rows[r * segment_count + s] (k = segment_count * segment_length):
    a convolution reads its filter rows straight from the input, with no im2col copy. */
void cpu_gemm_tile_indirect(const CpuPackedMatrix *b, const float *const *rows,
                            size_t segment_count, size_t segment_length, size_t m,
                            int32_t panel_begin, int32_t panel_end, float *c, size_t ldc,
                            float act_min, float act_max);

/** The whole product, split over the pool by row tiles and, when rows are few, column panels. */
void cpu_gemm(CpuThreadPool *pool, const CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
              float *c, size_t ldc, float act_min, float act_max);

/** Tiling of an m-row product over `threads`: rows per tile (a multiple of the micro-kernel's
    rows) and the number of column-panel groups per row tile. */
void cpu_gemm_plan(size_t m, int32_t panel_count, int threads, size_t *rows_per_tile,
                   int32_t *panel_groups);

#pragma GCC visibility pop

#endif /* CPU_GEMM_H */
