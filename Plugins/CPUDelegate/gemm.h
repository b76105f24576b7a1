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

struct CpuPackedMatrix;

/** One kernel path's micro-kernels (gemm_kernels.h, instantiated once per path). */
typedef struct CpuGemmKernels {
    size_t lanes; /**< Floats per vector register. */
    size_t rows;  /**< Rows of A per micro-kernel call, at most (cpu_gemm_plan's tiles have none fewer). */
    /** The dot-product path reads a run's last partial vector with a masked load (cheap), not
        through a zeroed copy. */
    bool masked_tail;
    /** cpu_gemm_tile. */
    void (*tile)(const struct CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
                 int32_t panel_begin, int32_t panel_end, float *c, size_t ldc, float act_min,
                 float act_max);
    /** cpu_gemm_tile_indirect. */
    void (*tile_indirect)(const struct CpuPackedMatrix *b, const float *const *rows,
                          size_t segment_count, size_t segment_length, size_t m,
                          int32_t panel_begin, int32_t panel_end, float *c, size_t ldc,
                          float act_min, float act_max);
} CpuGemmKernels;

/** The paths' tables: portable (4 lanes, plain multiply and add), AVX2+FMA (8 lanes, 6 rows),
    AVX-512F (16 lanes, 12 rows). The last two exist on x86-64 only. */
extern const CpuGemmKernels cpu_gemm_portable;
#if CPU_HAVE_X86
extern const CpuGemmKernels cpu_gemm_avx2;
extern const CpuGemmKernels cpu_gemm_avx512;
#endif

/** The table of a kernel path. */
const CpuGemmKernels *cpu_gemm_kernels(CpuIsa isa);

typedef struct CpuPackedMatrix {
    int32_t k;
    int32_t n;
    int32_t panel_count; /**< ceil(n / CPU_GEMM_NR). */
    float *panels;       /**< panel_count * k * NR floats, 64-byte aligned. */
    float *bias;         /**< panel_count * NR floats (zeros where absent). */
    /** When n <= CPU_GEMM_DOT_MAX_N: B's columns as rows, columns[j * k + kk] = B[kk][j]. Products
        this narrow run as dot products along k, which wastes no lanes on absent columns. */
    float *columns;
    /** The delegate's kernel path, and its micro-kernels (cpu_gemm_kernels) that the products
        run. */
    CpuIsa isa;
    const CpuGemmKernels *kernels;
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

/** True when cpu_gemm_tile_indirect takes this matrix with segments of `segment_length` floats
    at full speed: always, but for products of <= CPU_GEMM_DOT_MAX_N columns on the portable path,
    whose dot products read a segment's partial last vector through a copy (then im2col rows, one
    run per row, are faster), so there the length must be a multiple of its lanes. */
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

/** Tiling of an m-row product by `b` over `threads`: rows per tile (the last tile may have
    fewer) and the number of column-panel groups per row tile. */
void cpu_gemm_plan(const CpuPackedMatrix *b, size_t m, int threads, size_t *rows_per_tile,
                   int32_t *panel_groups);

#pragma GCC visibility pop

#endif /* CPU_GEMM_H */
