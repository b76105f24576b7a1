/*
 * gemm_kernels.h — the GEMM micro-kernels, written once for any vector width. Each kernel path
 * includes it in its own file (gemm_portable.c, gemm_avx2.c, gemm_avx512.c) after defining:
 *
 *   GK_W      lanes per vector: 4, 8 or 16 (CPU_GEMM_NR is a whole number of vectors)
 *   GK_MR     rows of A per micro-kernel call (1 to 12): as many as the registers hold
 *   GK_FMA    1: multiply-adds fused (the path has FMA); 0: a multiply, then an add
 *   GK_TABLE  the name of the CpuGemmKernels table it defines
 *   GK_MASKED how a partial vector is read (cpu_vector.h; the default is a zeroed copy)
 *   GK_NARROW optional: the table that runs panels with at most GK_W / 2 valid columns (the
 *             AVX-512 path's AVX2 table: a product of n <= 8, or a narrow last panel that a
 *             group's or a thread's range of panels leaves without a full panel before it; the
 *             others go with one, gk_kernel_mixed), whose accumulators would be half empty and
 *             stored through a copy; the same bits
 *
 * and wraps the include in the path's target region (CPU_TARGET_PUSH), so the compiler emits
 * that instruction set for these functions only. The vectors are Clang's
 * ext_vector_type: at 16 lanes on an AVX-512 target each is one zmm register, on an AVX2 target
 * the compiler splits it into two ymm registers (slower, same results: the tests run the 16-lane
 * source that way on CPUs without AVX-512).
 *
 * Every output element is computed in the same order whatever the width, rows or tiling: the
 * bias, then one multiply-add per k in increasing k (segment by segment for an indirect A), then
 * the clamp. Only the dot-product path (n <= CPU_GEMM_DOT_MAX_N) sums along k in GK_W partial
 * sums, reduced by halving.
 */
#if !defined(GK_W) || !defined(GK_MR) || !defined(GK_FMA) || !defined(GK_TABLE)
#error "define GK_W, GK_MR, GK_FMA and GK_TABLE before including gemm_kernels.h"
#endif

#include "gemm.h"

#define GK_NV (CPU_GEMM_NR / GK_W) /* vectors per row of a full panel */

#include "cpu_vector.h"

GK_INLINE float gk_clamp1(float v, float lo, float hi) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

/* Accumulator vectors per row at most: GK_NV, or 2 for gk_kernel_pair's two one-vector panels. */
#define GK_NV_MAX (GK_NV > 2 ? GK_NV : 2)

/* How far ahead of a k step's panel row (one cache line on the AVX-512 and AVX2 paths) gk_rows
   asks for the panel's data. The first call over a panel reads it from L3 (in a model, the
   weights of one layer are evicted from L2 by the others'), and the hardware prefetchers stop at
   each 4 KiB page; one prefetch per k step a page ahead keeps the stream ahead of the FMAs across
   page and panel ends (panels are contiguous). hand_landmark_full and pose_landmark_full: 5%
   faster; the later calls over a group find the lines in L1 or L2, where a prefetch costs one
   load slot. */
#define GK_PREFETCH_BYTES 4096

/* MR rows times NV vectors of packed panels: a k step's vector v is `stride` floats after vector
   v - 1 (GK_W: the next vector of one panel; k * CPU_GEMM_NR: the same vector of the next panel,
   for gk_kernel_pair), and the nr valid columns are C's next ones. Row r of A is `segments` runs
   of `length` floats at rows[r * segments + s]; a direct A is one segment per row. MR, NV and a
   stride of GK_W are constants where it is inlined, so the accumulators live in registers. */
GK_INLINE void gk_rows(const size_t MR, const size_t NV, size_t nr, size_t stride, size_t segments,
                       size_t length, const float *const *rows, const float *panel,
                       const float *bias, float *c, size_t ldc, float act_min, float act_max,
                       size_t ahead) {
    gk_vec acc[GK_MR][GK_NV_MAX];
    for (size_t r = 0; r < MR; r++)
        for (size_t v = 0; v < NV; v++) acc[r][v] = gk_load(bias + v * GK_W);
    for (size_t seg = 0; seg < segments; seg++) {
        const float *a[GK_MR];
        for (size_t r = 0; r < MR; r++) a[r] = rows[r * segments + seg];
        for (size_t p = 0; p < length; p++) {
            gk_vec b[GK_NV_MAX];
            for (size_t v = 0; v < NV; v++) b[v] = gk_load(panel + v * stride);
            for (size_t v = 0; v < NV; v += (stride == GK_W ? NV : 1))
                __builtin_prefetch((const char *)(panel + v * stride) + ahead);
            panel += CPU_GEMM_NR;
            for (size_t r = 0; r < MR; r++) {
                const gk_vec av = gk_splat(a[r][p]);
                for (size_t v = 0; v < NV; v++) acc[r][v] = gk_madd(av, b[v], acc[r][v]);
            }
        }
    }
    const size_t full = NV * GK_W;
    for (size_t r = 0; r < MR; r++) {
        // Not a masked store for a partial panel: they are microcoded and slow on AMD.
        float tile[GK_NV_MAX * GK_W];
        float *row = nr == full ? c + r * ldc : tile;
        for (size_t v = 0; v < NV; v++) gk_store(row + v * GK_W, gk_clamp(acc[r][v], act_min, act_max));
        if (nr != full) memcpy(c + r * ldc, tile, nr * sizeof(float));
    }
}

/* CASE(1) .. CASE(12): the cases of a switch over a call's rows onto constant shapes. */
#define GK_MR_CASES_12(CASE)                                                                     \
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#if GK_MR > 12
#error "GK_MR above 12: add GK_MR_CASES_12's cases"
#endif

#if GK_NV == 1
/* MR rows times two full panels side by side (a panel is one vector wide: the AVX-512 path):
   gk_rows with the second panel as its second vector, so each broadcast of A feeds two FMAs and a
   k step loads MR + 2 values for 2 * MR FMAs instead of MR + 1 for MR. Each output's products are
   the same, in the same order. `k` is the panels' length. */
#define GK_PAIR_CASE(MR)                                                                         \
    case MR:                                                                                     \
        gk_rows(MR, 2, 2 * CPU_GEMM_NR, k * CPU_GEMM_NR, segments, length, rows, panel, bias, c, \
                ldc, act_min, act_max, ahead);                                                   \
        break;
static void gk_kernel_pair(size_t mr, size_t k, size_t segments, size_t length,
                           const float *const *rows, const float *panel, const float *bias,
                           float *c, size_t ldc, float act_min, float act_max, size_t ahead) {
    switch (mr) {
        GK_MR_CASES_12(GK_PAIR_CASE)
    default: break;
    }
}
#undef GK_PAIR_CASE
#endif

#if GK_NV == 1 && GK_W == 16 && defined(GK_NARROW)
GK_INLINE gk_vec8 gk_load8(const float *p) {
    gk_vec8 v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* MR rows times a full panel and the next, narrow one (8 valid columns at most, as the last
   panel of n = 24 or 56): one vector per row for the full panel, and for the narrow one one
   vector per two rows (row r's 8 columns in the low half, row r + 1's in the high half, an odd
   last row paired with itself), so 12 rows take 18 FMAs per k step instead of 24, and the narrow
   columns do not take a pass of their own through GK_NARROW's kernels. Each output's products
   are those of gk_rows and the narrow path, in the same order. `nr` counts both panels' valid
   columns. */
GK_INLINE void gk_rows_mixed(const size_t MR, size_t nr, size_t k, size_t segments, size_t length,
                             const float *const *rows, const float *panel, const float *bias,
                             float *c, size_t ldc, float act_min, float act_max, size_t ahead) {
    enum { PAIRS = (GK_MR + 1) / 2 };
    const size_t P = (MR + 1) / 2;
    gk_vec acc[GK_MR], half[PAIRS];
    const float *narrow = panel + k * CPU_GEMM_NR;
    const gk_vec8 bias8 = gk_load8(bias + GK_W);
    for (size_t r = 0; r < MR; r++) acc[r] = gk_load(bias);
    for (size_t q = 0; q < P; q++) half[q] = __builtin_shufflevector(bias8, bias8, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t seg = 0; seg < segments; seg++) {
        const float *a[GK_MR];
        for (size_t r = 0; r < MR; r++) a[r] = rows[r * segments + seg];
        for (size_t p = 0; p < length; p++) {
            const gk_vec b = gk_load(panel);
            const gk_vec8 b8 = gk_load8(narrow);
            const gk_vec b2 = __builtin_shufflevector(b8, b8, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
            __builtin_prefetch((const char *)panel + ahead);
            __builtin_prefetch((const char *)narrow + ahead);
            panel += CPU_GEMM_NR;
            narrow += CPU_GEMM_NR;
            // Row by row pair, so that only two broadcasts are live at a time (all twelve would
            // push the accumulators out of the 32 registers).
            for (size_t q = 0; q < P; q++) {
                const gk_vec lo = gk_splat(a[2 * q][p]);
                acc[2 * q] = gk_madd(lo, b, acc[2 * q]);
                gk_vec hi = lo;
                if (2 * q + 1 < MR) {
                    hi = gk_splat(a[2 * q + 1][p]);
                    acc[2 * q + 1] = gk_madd(hi, b, acc[2 * q + 1]);
                }
                const gk_vec both = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 24, 25, 26, 27, 28, 29, 30, 31);
                half[q] = gk_madd(both, b2, half[q]);
            }
        }
    }
    const size_t rest = nr - GK_W;
    for (size_t r = 0; r < MR; r++) gk_store(c + r * ldc, gk_clamp(acc[r], act_min, act_max));
    for (size_t q = 0; q < P; q++) {
        float tile[GK_W];
        gk_store(tile, gk_clamp(half[q], act_min, act_max));
        memcpy(c + 2 * q * ldc + GK_W, tile, rest * sizeof(float));
        if (2 * q + 1 < MR) memcpy(c + (2 * q + 1) * ldc + GK_W, tile + GK_W / 2, rest * sizeof(float));
    }
}

#define GK_MIXED_CASE(MR)                                                                         \
    case MR:                                                                                      \
        gk_rows_mixed(MR, nr, k, segments, length, rows, panel, bias, c, ldc, act_min, act_max, ahead); \
        break;
static void gk_kernel_mixed(size_t mr, size_t nr, size_t k, size_t segments, size_t length,
                            const float *const *rows, const float *panel, const float *bias,
                            float *c, size_t ldc, float act_min, float act_max, size_t ahead) {
    switch (mr) {
        GK_MR_CASES_12(GK_MIXED_CASE)
    default: break;
    }
}
#undef GK_MIXED_CASE

/* Whether the panel at column col is full and the next one is b's narrow last panel: the two
   gk_kernel_mixed takes. */
GK_INLINE bool gk_mixed_at(const CpuPackedMatrix *b, size_t col) {
    return col + CPU_GEMM_NR < (size_t)b->n && ((size_t)b->n - col - CPU_GEMM_NR) * 2 <= GK_W;
}
#define GK_HAS_MIXED 1
#endif

/* gk_rows for a run-time mr (1..GK_MR) and a panel of nr valid columns: a switch onto the
   constant shapes, so a short last tile (or FULLY_CONNECTED's single row) costs only its rows. */
#define GK_ROWS(MR, NV) gk_rows(MR, NV, nr, GK_W, segments, length, rows, panel, bias, c, ldc, act_min, act_max, ahead)
#define GK_NV_CASES(MR)                                                                          \
    switch ((nr + GK_W - 1) / GK_W) {                                                            \
    case 1: GK_ROWS(MR, 1); break;                                                               \
    GK_NV_CASE_2(MR)                                                                             \
    GK_NV_CASE_4(MR)                                                                             \
    }
#if GK_NV >= 2
#define GK_NV_CASE_2(MR) default: GK_ROWS(MR, 2); break;
#else
#define GK_NV_CASE_2(MR)
#endif
#if GK_NV == 4
#undef GK_NV_CASE_2
#define GK_NV_CASE_2(MR) case 2: GK_ROWS(MR, 2); break;
#define GK_NV_CASE_4(MR) case 3: GK_ROWS(MR, 3); break; default: GK_ROWS(MR, 4); break;
#else
#define GK_NV_CASE_4(MR)
#endif
#define GK_MR_CASE(MR)                                                                           \
    case MR: GK_NV_CASES(MR) break;

static void gk_kernel(size_t mr, size_t nr, size_t segments, size_t length,
                      const float *const *rows, const float *panel, const float *bias, float *c,
                      size_t ldc, float act_min, float act_max, size_t ahead) {
    switch (mr) {
        GK_MR_CASE(1)
#if GK_MR >= 2
        GK_MR_CASE(2)
#endif
#if GK_MR >= 3
        GK_MR_CASE(3)
#endif
#if GK_MR >= 4
        GK_MR_CASE(4)
#endif
#if GK_MR >= 5
        GK_MR_CASE(5)
#endif
#if GK_MR >= 6
        GK_MR_CASE(6)
#endif
#if GK_MR >= 7
        GK_MR_CASE(7)
#endif
#if GK_MR >= 8
        GK_MR_CASE(8)
#endif
#if GK_MR >= 9
        GK_MR_CASE(9)
#endif
#if GK_MR >= 10
        GK_MR_CASE(10)
#endif
#if GK_MR >= 11
        GK_MR_CASE(11)
#endif
#if GK_MR >= 12
        GK_MR_CASE(12)
#endif
#if GK_MR >= 13
#error "GK_MR above 12: add its cases"
#endif
    default: break;
    }
}
#undef GK_ROWS
#undef GK_NV_CASES
#undef GK_NV_CASE_2
#undef GK_NV_CASE_4
#undef GK_MR_CASE

/* C rows [r0, m) in steps of R for n = N <= CPU_GEMM_DOT_MAX_N columns: dot products along k in
   GK_W partial sums. A row is `segments` runs of `length` floats (rows[r * segments + s]); the
   matrix's columns are read at the same offsets. The last length % GK_W floats of a run come as
   a partial vector (gk_load_first: masked loads on the x86 paths, a zeroed copy on the portable
   one), whose zero lanes add exact zeros to the sums. Returns the first row not computed. */
GK_INLINE size_t gk_dot_rows(const CpuPackedMatrix *b, const int N, const int R,
                             const float *const *rows, size_t segments, size_t length, size_t m,
                             size_t r0, float *c, size_t ldc, float act_min, float act_max) {
    const size_t k = (size_t)b->k;
    const size_t whole = length - length % GK_W;
    size_t r = r0;
    for (; r + (size_t)R <= m; r += (size_t)R) {
        gk_vec acc[4][CPU_GEMM_DOT_MAX_N];
        for (int i = 0; i < R; i++)
            for (int j = 0; j < N; j++) acc[i][j] = gk_splat(0.0f);
        for (size_t seg = 0; seg < segments; seg++) {
            const float *w0 = b->columns + seg * length;
            for (size_t kk = 0; kk < whole; kk += GK_W) {
                gk_vec w[CPU_GEMM_DOT_MAX_N];
                for (int j = 0; j < N; j++) w[j] = gk_load(w0 + (size_t)j * k + kk);
                for (int i = 0; i < R; i++) {
                    const gk_vec x = gk_load(rows[(r + (size_t)i) * segments + seg] + kk);
                    for (int j = 0; j < N; j++) acc[i][j] = gk_madd(x, w[j], acc[i][j]);
                }
            }
            if (whole < length) {
                const size_t tail = length - whole;
                gk_vec w[CPU_GEMM_DOT_MAX_N];
                for (int j = 0; j < N; j++) w[j] = gk_load_first(w0 + (size_t)j * k + whole, tail);
                for (int i = 0; i < R; i++) {
                    const gk_vec x = gk_load_first(rows[(r + (size_t)i) * segments + seg] + whole, tail);
                    for (int j = 0; j < N; j++) acc[i][j] = gk_madd(x, w[j], acc[i][j]);
                }
            }
        }
        for (int i = 0; i < R; i++)
            for (int j = 0; j < N; j++)
                c[(r + (size_t)i) * ldc + (size_t)j] =
                    gk_clamp1(gk_hsum(acc[i][j]) + b->bias[j], act_min, act_max);
    }
    return r;
}

/* The dot-product path for every row: several rows per step (independent accumulators), then
   the leftover rows one at a time. */
static void gk_dot(const CpuPackedMatrix *b, const float *const *rows, size_t segments,
                   size_t length, size_t m, float *c, size_t ldc, float act_min, float act_max) {
    size_t done;
    switch (b->n) {
    case 1:
        done = gk_dot_rows(b, 1, 4, rows, segments, length, m, 0, c, ldc, act_min, act_max);
        gk_dot_rows(b, 1, 1, rows, segments, length, m, done, c, ldc, act_min, act_max);
        break;
    case 2:
        done = gk_dot_rows(b, 2, 4, rows, segments, length, m, 0, c, ldc, act_min, act_max);
        gk_dot_rows(b, 2, 1, rows, segments, length, m, done, c, ldc, act_min, act_max);
        break;
    case 3:
        done = gk_dot_rows(b, 3, 2, rows, segments, length, m, 0, c, ldc, act_min, act_max);
        gk_dot_rows(b, 3, 1, rows, segments, length, m, done, c, ldc, act_min, act_max);
        break;
    default:
        done = gk_dot_rows(b, 4, 2, rows, segments, length, m, 0, c, ldc, act_min, act_max);
        gk_dot_rows(b, 4, 1, rows, segments, length, m, done, c, ldc, act_min, act_max);
        break;
    }
}

#ifdef GK_NARROW
extern const CpuGemmKernels GK_NARROW;
#endif

#define GK_GROUP_BYTES (256 * 1024)

/* Rows [0, m) of an indirect A times panels [panel_begin, panel_end); a narrow panel goes to
   GK_NARROW's kernels where the path has them. */
static void gk_tile_indirect(const CpuPackedMatrix *b, const float *const *rows, size_t segments,
                             size_t length, size_t m, int32_t panel_begin, int32_t panel_end,
                             float *c, size_t ldc, float act_min, float act_max) {
    if (b->columns) {
        if (panel_begin == 0 && panel_end > 0)
            gk_dot(b, rows, segments, length, m, c, ldc, act_min, act_max);
        return;
    }
    // ceil(m / GK_MR) calls with the rows shared out evenly (49 rows: 10, 10, 10, 10, 9 rather
    // than 12, 12, 12, 12, 1, whose last call is one chain of dependent FMAs). The panels go in
    // groups of about GK_GROUP_BYTES, which stay in L2 while the calls pass; within a group, call
    // by call, so that a call's rows of A stay in L1 while its panels pass. (Call by call over
    // every panel would read the whole B once per call: 4 MiB for a 1024x1024 1x1 layer.)
    const size_t k = (size_t)b->k;
    const size_t calls = (m + GK_MR - 1) / GK_MR;
    const size_t panel_bytes = k * CPU_GEMM_NR * sizeof(float);
    // An even number of panels, at least 2: the AVX-512 path takes them in pairs.
    int32_t group = (int32_t)(GK_GROUP_BYTES / panel_bytes) & ~1;
    if (group < 2) group = 2;
    // The first call over a group streams its panels a page ahead of the FMAs (from L3, or
    // memory); the second, whose own panels are in cache by then, asks for the next group's
    // (the same place in each panel one group on), so that the next group's first call finds them
    // in L2.
    const size_t next_group = (size_t)group * panel_bytes;
    for (int32_t g = panel_begin; g < panel_end; g += group) {
        const int32_t g_end = panel_end - g < group ? panel_end : g + group;
        for (size_t i = 0, r = 0; i < calls; i++) {
            const size_t mr = m / calls + (i < m % calls ? 1 : 0);
            for (int32_t p = g; p < g_end; p++) {
                const size_t col = (size_t)p * CPU_GEMM_NR;
                const size_t nr = (size_t)b->n - col < CPU_GEMM_NR ? (size_t)b->n - col : CPU_GEMM_NR;
                const size_t ahead = i == 1 && p + group < panel_end ? next_group : GK_PREFETCH_BYTES;
#if GK_NV == 1
                // Two full panels and a narrow last one (n = 40, 72, ...): the first alone, then
                // the second with the narrow one (gk_kernel_mixed), rather than a pair and a
                // narrow pass.
#ifdef GK_HAS_MIXED
                const bool before_mixed = p + 2 < g_end && gk_mixed_at(b, col + CPU_GEMM_NR);
#else
                const bool before_mixed = false;
#endif
                if (!before_mixed && p + 1 < g_end && col + 2 * CPU_GEMM_NR <= (size_t)b->n) {
                    gk_kernel_pair(mr, k, segments, length, rows + r * segments,
                                   b->panels + (size_t)p * k * CPU_GEMM_NR, b->bias + col,
                                   c + r * ldc + col, ldc, act_min, act_max, ahead);
                    p++;
                    continue;
                }
#endif
#ifdef GK_HAS_MIXED
                if (p + 1 < g_end && gk_mixed_at(b, col)) {
                    gk_kernel_mixed(mr, (size_t)b->n - col, k, segments, length, rows + r * segments,
                                    b->panels + (size_t)p * k * CPU_GEMM_NR, b->bias + col,
                                    c + r * ldc + col, ldc, act_min, act_max, ahead);
                    p++;
                    continue;
                }
#endif
#ifdef GK_NARROW
                if (nr * 2 <= GK_W) {
                    GK_NARROW.tile_indirect(b, rows + r * segments, segments, length, mr, p, p + 1,
                                            c + r * ldc, ldc, act_min, act_max);
                    continue;
                }
#endif
                gk_kernel(mr, nr, segments, length, rows + r * segments,
                          b->panels + (size_t)p * k * CPU_GEMM_NR, b->bias + col,
                          c + r * ldc + col, ldc, act_min, act_max, ahead);
            }
            r += mr;
        }
    }
}

/* A direct A (row r at a + r * lda) is an indirect one with one segment per row: the same
   products in the same order. Rows go in chunks whose pointers are set up once (a multiple of
   every path's GK_MR). */
static void gk_tile(const CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
                    int32_t panel_begin, int32_t panel_end, float *c, size_t ldc, float act_min,
                    float act_max) {
    enum { CHUNK = 96 };
    const float *rows[CHUNK];
    for (size_t r0 = 0; r0 < m; r0 += CHUNK) {
        const size_t count = m - r0 < CHUNK ? m - r0 : CHUNK;
        for (size_t i = 0; i < count; i++) rows[i] = a + (r0 + i) * lda;
        gk_tile_indirect(b, rows, 1, (size_t)b->k, count, panel_begin, panel_end, c + r0 * ldc, ldc,
                         act_min, act_max);
    }
}

const CpuGemmKernels GK_TABLE = {
    .lanes = GK_W,
    .masked_tail = GK_MASKED != GK_MASKED_COPY,
    .rows = GK_MR,
    .tile = gk_tile,
    .tile_indirect = gk_tile_indirect,
};
