// Register-blocked GEMM: a 6x16 AVX2+FMA micro-kernel and a portable 4x16 one, chosen by the
// packed matrix's path (CpuPackedMatrix.isa, the delegate's).
#include "gemm.h"
#include "cpu_simd.h"

#if CPU_HAVE_X86
#include <immintrin.h>
#endif

bool cpu_pack_alloc(CpuPartitionState *p, CpuPackedMatrix *matrix, int32_t k, int32_t n) {
    memset(matrix, 0, sizeof(*matrix));
    if (k <= 0 || n <= 0) return false;
    matrix->isa = cpu_use_avx2(p) ? CPU_ISA_AVX2 : CPU_ISA_PORTABLE;
    matrix->k = k;
    matrix->n = n;
    matrix->panel_count = (n + CPU_GEMM_NR - 1) / CPU_GEMM_NR;
    size_t panel_floats = (size_t)matrix->panel_count * (size_t)k * CPU_GEMM_NR;
    matrix->panels = cpu_prepare_alloc(p, panel_floats * sizeof(float));
    matrix->bias = cpu_prepare_alloc(p, (size_t)matrix->panel_count * CPU_GEMM_NR * sizeof(float));
    if (n <= CPU_GEMM_DOT_MAX_N)
        matrix->columns = cpu_prepare_alloc(p, (size_t)n * (size_t)k * sizeof(float));
    if (!matrix->panels || !matrix->bias || (n <= CPU_GEMM_DOT_MAX_N && !matrix->columns)) {
        cpu_pack_free(matrix);
        return false;
    }
    return true;
}

void cpu_pack_weights(CpuPackedMatrix *matrix, const float *weights, size_t stride_n,
                      size_t stride_k, const float *bias) {
    const int32_t k = matrix->k, n = matrix->n;
    for (int32_t p = 0; p < matrix->panel_count; p++) {
        float *panel = matrix->panels + (size_t)p * (size_t)k * CPU_GEMM_NR;
        for (int32_t kk = 0; kk < k; kk++) {
            for (int32_t j = 0; j < CPU_GEMM_NR; j++) {
                int32_t col = p * CPU_GEMM_NR + j;
                panel[(size_t)kk * CPU_GEMM_NR + j] =
                    col < n ? weights[(size_t)col * stride_n + (size_t)kk * stride_k] : 0.0f;
            }
        }
        for (int32_t j = 0; j < CPU_GEMM_NR; j++) {
            int32_t col = p * CPU_GEMM_NR + j;
            matrix->bias[p * CPU_GEMM_NR + j] = (bias && col < n) ? bias[col] : 0.0f;
        }
    }
    if (matrix->columns)
        for (int32_t j = 0; j < n; j++)
            for (int32_t kk = 0; kk < k; kk++)
                matrix->columns[(size_t)j * k + kk] = weights[(size_t)j * stride_n + (size_t)kk * stride_k];
}

void cpu_pack_free(CpuPackedMatrix *matrix) {
    memset(matrix, 0, sizeof(*matrix));
}

/* One micro-kernel call: rows [0, mr) of A (mr <= MR) against one panel, nr <= NR valid columns. */
typedef void (*MicroKernel)(size_t mr, size_t nr, size_t k, const float *a, size_t lda,
                            const float *panel, const float *bias, float *c, size_t ldc,
                            float act_min, float act_max);

/* Stores a full MR x NR tile kept in `tile` into C, only the valid part. */
static inline void store_partial(size_t mr, size_t nr, const float *tile, float *c, size_t ldc) {
    for (size_t r = 0; r < mr; r++) memcpy(c + r * ldc, tile + r * CPU_GEMM_NR, nr * sizeof(float));
}

#define GENERIC_MR 4

static void kernel_generic(size_t mr, size_t nr, size_t k, const float *a, size_t lda,
                           const float *panel, const float *bias, float *c, size_t ldc,
                           float act_min, float act_max) {
    float acc[GENERIC_MR][CPU_GEMM_NR];
    const float *rows[GENERIC_MR];
    for (size_t r = 0; r < GENERIC_MR; r++) {
        rows[r] = a + (r < mr ? r : 0) * lda; // rows past mr recompute row 0; never stored
        for (size_t j = 0; j < CPU_GEMM_NR; j++) acc[r][j] = bias[j];
    }
    for (size_t p = 0; p < k; p++) {
        const float *b = panel + p * CPU_GEMM_NR;
        for (size_t r = 0; r < GENERIC_MR; r++) {
            const float av = rows[r][p];
            for (size_t j = 0; j < CPU_GEMM_NR; j++) acc[r][j] += av * b[j];
        }
    }
    for (size_t r = 0; r < GENERIC_MR; r++) {
        for (size_t j = 0; j < CPU_GEMM_NR; j++) {
            float v = acc[r][j];
            v = v < act_min ? act_min : v;
            acc[r][j] = v > act_max ? act_max : v;
        }
    }
    store_partial(mr, nr, &acc[0][0], c, ldc);
}

#if CPU_HAVE_X86
#define AVX2_MR 6

/* MR rows (at most AVX2_MR) of A times one packed panel of B, 16 columns (or, NARROW, the first 8
   of them for a panel with at most 8 valid columns), accumulated from the bias, clamped, stored.
   Only the MR given rows are computed (the last rows of a product, or one row for FULLY_CONNECTED
   at batch 1, cost no more than they are); each row's products are summed in the same order
   whatever MR is. */
CPU_TARGET_AVX2 static inline __attribute__((always_inline)) void
rows_avx2(const size_t MR, const bool NARROW, size_t nr, size_t k, const float *a, size_t lda,
          const float *panel, const float *bias, float *c, size_t ldc, float act_min, float act_max) {
    __m256 lo_acc[AVX2_MR], hi_acc[AVX2_MR];
    const float *rows[AVX2_MR];
    for (size_t r = 0; r < MR; r++) {
        rows[r] = a + r * lda;
        lo_acc[r] = _mm256_loadu_ps(bias);
        if (!NARROW) hi_acc[r] = _mm256_loadu_ps(bias + 8);
    }
    for (size_t p = 0; p < k; p++) {
        const __m256 b0 = _mm256_load_ps(panel);
        const __m256 b1 = NARROW ? b0 : _mm256_load_ps(panel + 8);
        panel += CPU_GEMM_NR;
        for (size_t r = 0; r < MR; r++) {
            const __m256 av = _mm256_broadcast_ss(rows[r] + p);
            lo_acc[r] = _mm256_fmadd_ps(av, b0, lo_acc[r]);
            if (!NARROW) hi_acc[r] = _mm256_fmadd_ps(av, b1, hi_acc[r]);
        }
    }
    const __m256 lo = _mm256_set1_ps(act_min), hi = _mm256_set1_ps(act_max);
    const size_t full = NARROW ? 8 : CPU_GEMM_NR;
    float tile[AVX2_MR * CPU_GEMM_NR];
    for (size_t r = 0; r < MR; r++) {
        float *row = nr == full ? c + r * ldc : tile + r * CPU_GEMM_NR;
        _mm256_storeu_ps(row, cpu_clamp8(lo_acc[r], lo, hi));
        if (!NARROW) _mm256_storeu_ps(row + 8, cpu_clamp8(hi_acc[r], lo, hi));
    }
    // Not _mm256_maskstore_ps for a partial panel: masked stores are microcoded and slow on AMD.
    if (nr != full) store_partial(MR, nr, tile, c, ldc);
}

#define ROWS_DISPATCH(NARROW)                                                                    \
    switch (mr) {                                                                                \
    case 1: rows_avx2(1, NARROW, nr, k, a, lda, panel, bias, c, ldc, act_min, act_max); break;  \
    case 2: rows_avx2(2, NARROW, nr, k, a, lda, panel, bias, c, ldc, act_min, act_max); break;  \
    case 3: rows_avx2(3, NARROW, nr, k, a, lda, panel, bias, c, ldc, act_min, act_max); break;  \
    case 4: rows_avx2(4, NARROW, nr, k, a, lda, panel, bias, c, ldc, act_min, act_max); break;  \
    case 5: rows_avx2(5, NARROW, nr, k, a, lda, panel, bias, c, ldc, act_min, act_max); break;  \
    default: rows_avx2(AVX2_MR, NARROW, nr, k, a, lda, panel, bias, c, ldc, act_min, act_max);  \
    }

/* 6 x 16 micro-kernel (fewer rows as given). */
CPU_TARGET_AVX2 static void kernel_avx2(size_t mr, size_t nr, size_t k, const float *a, size_t lda,
                                        const float *panel, const float *bias, float *c, size_t ldc,
                                        float act_min, float act_max) {
    ROWS_DISPATCH(false)
}

/* The same for a panel with at most 8 valid columns: only its first half is computed. */
CPU_TARGET_AVX2 static void kernel_avx2_narrow(size_t mr, size_t nr, size_t k, const float *a,
                                               size_t lda, const float *panel, const float *bias,
                                               float *c, size_t ldc, float act_min, float act_max) {
    ROWS_DISPATCH(true)
}
#undef ROWS_DISPATCH

/* 6 x 16 (or, `narrow`, 6 x 8) micro-kernel over an indirect A (see cpu_gemm_tile_indirect). */
CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void kernel_indirect(size_t mr, size_t nr, size_t segments,
                                                              size_t length, const float *const *rows,
                                                              const float *panel, const float *bias,
                                                              float *c, size_t ldc, float act_min,
                                                              float act_max, const bool narrow) {
    __m256 c00 = _mm256_loadu_ps(bias), c01 = narrow ? c00 : _mm256_loadu_ps(bias + 8);
    __m256 c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01,
           c50 = c00, c51 = c01;
    for (size_t seg = 0; seg < segments; seg++) {
        const float *a0 = rows[seg];
        const float *a1 = mr > 1 ? rows[segments + seg] : a0;
        const float *a2 = mr > 2 ? rows[2 * segments + seg] : a0;
        const float *a3 = mr > 3 ? rows[3 * segments + seg] : a0;
        const float *a4 = mr > 4 ? rows[4 * segments + seg] : a0;
        const float *a5 = mr > 5 ? rows[5 * segments + seg] : a0;
        for (size_t p = 0; p < length; p++) {
            const __m256 b0 = _mm256_load_ps(panel);
            __m256 av = _mm256_broadcast_ss(a0 + p);
            c00 = _mm256_fmadd_ps(av, b0, c00);
            if (!narrow) c01 = _mm256_fmadd_ps(av, _mm256_load_ps(panel + 8), c01);
            av = _mm256_broadcast_ss(a1 + p);
            c10 = _mm256_fmadd_ps(av, b0, c10);
            if (!narrow) c11 = _mm256_fmadd_ps(av, _mm256_load_ps(panel + 8), c11);
            av = _mm256_broadcast_ss(a2 + p);
            c20 = _mm256_fmadd_ps(av, b0, c20);
            if (!narrow) c21 = _mm256_fmadd_ps(av, _mm256_load_ps(panel + 8), c21);
            av = _mm256_broadcast_ss(a3 + p);
            c30 = _mm256_fmadd_ps(av, b0, c30);
            if (!narrow) c31 = _mm256_fmadd_ps(av, _mm256_load_ps(panel + 8), c31);
            av = _mm256_broadcast_ss(a4 + p);
            c40 = _mm256_fmadd_ps(av, b0, c40);
            if (!narrow) c41 = _mm256_fmadd_ps(av, _mm256_load_ps(panel + 8), c41);
            av = _mm256_broadcast_ss(a5 + p);
            c50 = _mm256_fmadd_ps(av, b0, c50);
            if (!narrow) c51 = _mm256_fmadd_ps(av, _mm256_load_ps(panel + 8), c51);
            panel += CPU_GEMM_NR;
        }
    }
    const __m256 lo = _mm256_set1_ps(act_min), hi = _mm256_set1_ps(act_max);
    __m256 tile[AVX2_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (size_t r = 0; r < mr; r++) {
        float *row = c + r * ldc;
        const __m256 v0 = cpu_clamp8(tile[r][0], lo, hi);
        const __m256 v1 = cpu_clamp8(tile[r][1], lo, hi);
        if (nr == CPU_GEMM_NR) {
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        } else if (nr == 8) {
            _mm256_storeu_ps(row, v0);
        } else { // not _mm256_maskstore_ps: masked stores are microcoded and slow on AMD
            float lanes[CPU_GEMM_NR];
            _mm256_storeu_ps(lanes, v0);
            _mm256_storeu_ps(lanes + 8, v1);
            for (size_t j = 0; j < nr; j++) row[j] = lanes[j];
        }
    }
}

CPU_TARGET_AVX2 static void tile_indirect_avx2(const CpuPackedMatrix *b, const float *const *rows,
                                               size_t segments, size_t length, size_t m,
                                               int32_t panel_begin, int32_t panel_end, float *c,
                                               size_t ldc, float act_min, float act_max) {
    const size_t k = (size_t)b->k;
    for (int32_t p = panel_begin; p < panel_end; p++) {
        const float *panel = b->panels + (size_t)p * k * CPU_GEMM_NR;
        const float *bias = b->bias + (size_t)p * CPU_GEMM_NR;
        const size_t col = (size_t)p * CPU_GEMM_NR;
        const size_t nr = (size_t)b->n - col < CPU_GEMM_NR ? (size_t)b->n - col : CPU_GEMM_NR;
        for (size_t r = 0; r < m; r += AVX2_MR) {
            const size_t mr = m - r < AVX2_MR ? m - r : AVX2_MR;
            if (nr <= 8)
                kernel_indirect(mr, nr, segments, length, rows + r * segments, panel, bias,
                                c + r * ldc + col, ldc, act_min, act_max, true);
            else
                kernel_indirect(mr, nr, segments, length, rows + r * segments, panel, bias,
                                c + r * ldc + col, ldc, act_min, act_max, false);
        }
    }
}

/* C rows [0, m) for n <= CPU_GEMM_DOT_MAX_N: R rows at a time, dot products along k. */
CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void dot_rows(const CpuPackedMatrix *b, const int N,
                                                       const int R, const float *a, size_t lda,
                                                       size_t m, size_t r0, float *c, size_t ldc,
                                                       float act_min, float act_max) {
    const size_t k = (size_t)b->k;
    const size_t k8 = k & ~(size_t)7;
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k - k8)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (size_t r = r0; r + (size_t)R <= m; r += (size_t)R) {
        __m256 acc[4][4];
        for (int i = 0; i < R; i++)
            for (int j = 0; j < N; j++) acc[i][j] = _mm256_setzero_ps();
        for (size_t kk = 0; kk < k8; kk += 8) {
            __m256 w[4];
            for (int j = 0; j < N; j++) w[j] = _mm256_loadu_ps(b->columns + (size_t)j * k + kk);
            for (int i = 0; i < R; i++) {
                const __m256 x = _mm256_loadu_ps(a + (r + (size_t)i) * lda + kk);
                for (int j = 0; j < N; j++) acc[i][j] = _mm256_fmadd_ps(x, w[j], acc[i][j]);
            }
        }
        if (k8 < k) {
            __m256 w[4];
            for (int j = 0; j < N; j++)
                w[j] = _mm256_maskload_ps(b->columns + (size_t)j * k + k8, tail);
            for (int i = 0; i < R; i++) {
                const __m256 x = _mm256_maskload_ps(a + (r + (size_t)i) * lda + k8, tail);
                for (int j = 0; j < N; j++) acc[i][j] = _mm256_fmadd_ps(x, w[j], acc[i][j]);
            }
        }
        for (int i = 0; i < R; i++)
            for (int j = 0; j < N; j++) {
                float v = cpu_hsum8(acc[i][j]) + b->bias[j];
                v = v < act_min ? act_min : v;
                c[(r + (size_t)i) * ldc + (size_t)j] = v > act_max ? act_max : v;
            }
    }
}

/* dot_rows over an indirect A (rows[r * segments + seg], each `length` floats, a multiple of 8):
   the same products in the same order as dot_rows over the concatenated rows, so the results
   are identical to the im2col path's. */
CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void dot_rows_indirect(const CpuPackedMatrix *b,
                                                                const int N, const int R,
                                                                const float *const *rows,
                                                                size_t segments, size_t length,
                                                                size_t m, size_t r0, float *c,
                                                                size_t ldc, float act_min,
                                                                float act_max) {
    const size_t k = (size_t)b->k;
    for (size_t r = r0; r + (size_t)R <= m; r += (size_t)R) {
        __m256 acc[4][4];
        for (int i = 0; i < R; i++)
            for (int j = 0; j < N; j++) acc[i][j] = _mm256_setzero_ps();
        for (size_t seg = 0; seg < segments; seg++) {
            const float *w0 = b->columns + seg * length;
            for (size_t kk = 0; kk < length; kk += 8) {
                __m256 w[4];
                for (int j = 0; j < N; j++) w[j] = _mm256_loadu_ps(w0 + (size_t)j * k + kk);
                for (int i = 0; i < R; i++) {
                    const __m256 x = _mm256_loadu_ps(rows[(r + (size_t)i) * segments + seg] + kk);
                    for (int j = 0; j < N; j++) acc[i][j] = _mm256_fmadd_ps(x, w[j], acc[i][j]);
                }
            }
        }
        for (int i = 0; i < R; i++)
            for (int j = 0; j < N; j++) {
                float v = cpu_hsum8(acc[i][j]) + b->bias[j];
                v = v < act_min ? act_min : v;
                c[(r + (size_t)i) * ldc + (size_t)j] = v > act_max ? act_max : v;
            }
    }
}

CPU_TARGET_AVX2 static void gemm_dot_indirect_avx2(const CpuPackedMatrix *b,
                                                   const float *const *rows, size_t segments,
                                                   size_t length, size_t m, float *c, size_t ldc,
                                                   float act_min, float act_max) {
    size_t done = 0;
    switch (b->n) {
    case 1: dot_rows_indirect(b, 1, 4, rows, segments, length, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)3; break;
    case 2: dot_rows_indirect(b, 2, 4, rows, segments, length, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)3; break;
    case 3: dot_rows_indirect(b, 3, 2, rows, segments, length, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)1; break;
    default: dot_rows_indirect(b, 4, 2, rows, segments, length, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)1; break;
    }
    switch (b->n) {
    case 1: dot_rows_indirect(b, 1, 1, rows, segments, length, m, done, c, ldc, act_min, act_max); break;
    case 2: dot_rows_indirect(b, 2, 1, rows, segments, length, m, done, c, ldc, act_min, act_max); break;
    case 3: dot_rows_indirect(b, 3, 1, rows, segments, length, m, done, c, ldc, act_min, act_max); break;
    default: dot_rows_indirect(b, 4, 1, rows, segments, length, m, done, c, ldc, act_min, act_max); break;
    }
}

CPU_TARGET_AVX2 static void gemm_dot_avx2(const CpuPackedMatrix *b, const float *a, size_t lda,
                                          size_t m, float *c, size_t ldc, float act_min,
                                          float act_max) {
    // Bulk with several rows per step (independent accumulators), then the leftover rows.
    size_t done = 0;
    switch (b->n) {
    case 1: dot_rows(b, 1, 4, a, lda, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)3; break;
    case 2: dot_rows(b, 2, 4, a, lda, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)3; break;
    case 3: dot_rows(b, 3, 2, a, lda, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)1; break;
    default: dot_rows(b, 4, 2, a, lda, m, 0, c, ldc, act_min, act_max); done = m & ~(size_t)1; break;
    }
    switch (b->n) {
    case 1: dot_rows(b, 1, 1, a, lda, m, done, c, ldc, act_min, act_max); break;
    case 2: dot_rows(b, 2, 1, a, lda, m, done, c, ldc, act_min, act_max); break;
    case 3: dot_rows(b, 3, 1, a, lda, m, done, c, ldc, act_min, act_max); break;
    default: dot_rows(b, 4, 1, a, lda, m, done, c, ldc, act_min, act_max); break;
    }
}
#endif

static MicroKernel select_kernel(const CpuPackedMatrix *b, size_t *mr) {
#if CPU_HAVE_X86
    if (b->isa == CPU_ISA_AVX2) {
        *mr = AVX2_MR;
        return kernel_avx2;
    }
#endif
    *mr = GENERIC_MR;
    return kernel_generic;
}

void cpu_gemm_tile(const CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
                   int32_t panel_begin, int32_t panel_end, float *c, size_t ldc, float act_min,
                   float act_max) {
    size_t mr_max;
    MicroKernel kernel = select_kernel(b, &mr_max);
#if CPU_HAVE_X86
    if (b->columns && kernel == kernel_avx2) {
        if (panel_begin == 0 && panel_end > 0) gemm_dot_avx2(b, a, lda, m, c, ldc, act_min, act_max);
        return;
    }
#endif
    const size_t k = (size_t)b->k;
    for (int32_t p = panel_begin; p < panel_end; p++) {
        const float *panel = b->panels + (size_t)p * k * CPU_GEMM_NR;
        const float *bias = b->bias + (size_t)p * CPU_GEMM_NR;
        size_t col = (size_t)p * CPU_GEMM_NR;
        size_t nr = (size_t)b->n - col < CPU_GEMM_NR ? (size_t)b->n - col : CPU_GEMM_NR;
        MicroKernel panel_kernel = kernel;
#if CPU_HAVE_X86
        if (kernel == kernel_avx2 && nr <= 8) panel_kernel = kernel_avx2_narrow;
#endif
        for (size_t r = 0; r < m; r += mr_max) {
            size_t mr = m - r < mr_max ? m - r : mr_max;
            panel_kernel(mr, nr, k, a + r * lda, lda, panel, bias, c + r * ldc + col, ldc, act_min,
                         act_max);
        }
    }
}

bool cpu_gemm_has_indirect(const CpuPackedMatrix *b, size_t segment_length) {
#if CPU_HAVE_X86
    // The dot-product path reads whole 8-float blocks of each segment (see dot_rows_indirect).
    return b->isa == CPU_ISA_AVX2 && (!b->columns || segment_length % 8 == 0);
#else
    (void)b, (void)segment_length;
    return false;
#endif
}

void cpu_gemm_tile_indirect(const CpuPackedMatrix *b, const float *const *rows,
                            size_t segment_count, size_t segment_length, size_t m,
                            int32_t panel_begin, int32_t panel_end, float *c, size_t ldc,
                            float act_min, float act_max) {
#if CPU_HAVE_X86
    if (b->columns) {
        if (panel_begin == 0 && panel_end > 0)
            gemm_dot_indirect_avx2(b, rows, segment_count, segment_length, m, c, ldc, act_min,
                                   act_max);
        return;
    }
    tile_indirect_avx2(b, rows, segment_count, segment_length, m, panel_begin, panel_end, c, ldc,
                       act_min, act_max);
#else
    (void)b, (void)rows, (void)segment_count, (void)segment_length, (void)m, (void)panel_begin;
    (void)panel_end, (void)c, (void)ldc, (void)act_min, (void)act_max;
#endif
}

void cpu_gemm_plan(size_t m, int32_t panel_count, int threads, size_t *rows_per_tile,
                   int32_t *panel_groups) {
    // 48 rows keep an A tile and a B panel in L1/L2; smaller tiles when rows are scarce so that
    // every thread gets work.
    size_t rows = 48;
    while (rows > 6 && (m + rows - 1) / rows < (size_t)threads * 2) rows -= 6;
    *rows_per_tile = rows;
    size_t row_tiles = (m + rows - 1) / rows;
    int32_t groups = 1;
    if (threads > 1 && row_tiles < (size_t)threads * 2) {
        groups = (int32_t)(((size_t)threads * 2 + row_tiles - 1) / row_tiles);
        if (groups > panel_count) groups = panel_count;
    }
    *panel_groups = groups < 1 ? 1 : groups;
}

typedef struct GemmTask {
    const CpuPackedMatrix *b;
    const float *a;
    size_t lda, m, rows_per_tile;
    int32_t panel_groups;
    float *c;
    size_t ldc;
    float act_min, act_max;
} GemmTask;

static void gemm_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const GemmTask *t = context;
    for (size_t task = begin; task < end; task++) {
        size_t tile = task / (size_t)t->panel_groups;
        int32_t group = (int32_t)(task % (size_t)t->panel_groups);
        size_t row = tile * t->rows_per_tile;
        size_t rows = t->m - row < t->rows_per_tile ? t->m - row : t->rows_per_tile;
        int32_t p0 = (int32_t)((int64_t)t->b->panel_count * group / t->panel_groups);
        int32_t p1 = (int32_t)((int64_t)t->b->panel_count * (group + 1) / t->panel_groups);
        cpu_gemm_tile(t->b, t->a + row * t->lda, t->lda, rows, p0, p1, t->c + row * t->ldc, t->ldc,
                      t->act_min, t->act_max);
    }
}

void cpu_gemm(CpuThreadPool *pool, const CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
              float *c, size_t ldc, float act_min, float act_max) {
    if (m == 0) return;
    pool = cpu_pool_for(pool, m * (size_t)b->k * (size_t)b->n);
    GemmTask task = {.b = b, .a = a, .lda = lda, .m = m, .c = c, .ldc = ldc,
                     .act_min = act_min, .act_max = act_max};
    cpu_gemm_plan(m, b->panel_count, cpu_pool_threads(pool), &task.rows_per_tile,
                  &task.panel_groups);
    size_t tiles = (m + task.rows_per_tile - 1) / task.rows_per_tile;
    cpu_parallel_for(pool, tiles * (size_t)task.panel_groups, 1, gemm_task, &task);
}
