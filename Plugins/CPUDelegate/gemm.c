// The packed matrix, the products' tiling and their split over the thread pool. The
// micro-kernels are gemm_kernels.h, one instance per kernel path (gemm_portable.c, gemm_avx2.c,
// gemm_avx512.c), chosen by the packed matrix (CpuPackedMatrix.kernels, the delegate's path).
#include "gemm.h"

const CpuGemmKernels *cpu_gemm_kernels(CpuIsa isa) {
#if CPU_HAVE_X86
    if (isa == CPU_ISA_AVX512) return &cpu_gemm_avx512;
    if (isa == CPU_ISA_AVX2) return &cpu_gemm_avx2;
#endif
    (void)isa;
    return &cpu_gemm_portable;
}

bool cpu_pack_alloc(CpuPartitionState *p, CpuPackedMatrix *matrix, int32_t k, int32_t n) {
    memset(matrix, 0, sizeof(*matrix));
    if (k <= 0 || n <= 0) return false;
    matrix->isa = p->delegate->isa;
    matrix->kernels = cpu_gemm_kernels(matrix->isa);
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

void cpu_gemm_tile(const CpuPackedMatrix *b, const float *a, size_t lda, size_t m,
                   int32_t panel_begin, int32_t panel_end, float *c, size_t ldc, float act_min,
                   float act_max) {
    b->kernels->tile(b, a, lda, m, panel_begin, panel_end, c, ldc, act_min, act_max);
}

bool cpu_gemm_has_indirect(const CpuPackedMatrix *b, size_t segment_length) {
    return !b->columns || b->kernels->masked_tail || segment_length % b->kernels->lanes == 0;
}

void cpu_gemm_tile_indirect(const CpuPackedMatrix *b, const float *const *rows,
                            size_t segment_count, size_t segment_length, size_t m,
                            int32_t panel_begin, int32_t panel_end, float *c, size_t ldc,
                            float act_min, float act_max) {
    b->kernels->tile_indirect(b, rows, segment_count, segment_length, m, panel_begin, panel_end,
                              c, ldc, act_min, act_max);
}

void cpu_gemm_plan(const CpuPackedMatrix *b, size_t m, int threads, size_t *rows_per_tile,
                   int32_t *panel_groups) {
    // About 48 rows keep an A tile and a B panel in L1/L2. The rows are shared out evenly (49 =
    // 25 + 24, not 48 + 1): a tile of few rows runs few independent accumulator chains, and its
    // time is bound by the FMA latency, not the throughput.
    const size_t mr = b->kernels->rows;
    const int32_t panel_count = b->panel_count;
    const size_t most = (m + mr - 1) / mr;
    size_t tiles = (m + 47) / 48;
    int32_t groups = 1;
    if (threads > 1 && m < (size_t)b->n &&
        (panel_count % threads == 0 || panel_count >= 4 * threads)) {
        // B larger than A (m < n: 7x7 and 14x14 layers of many channels): the threads split the
        // columns, so that each core reads its share of the weights rather than all of them.
        groups = threads;
    } else {
        // The threads split the rows: more tiles when rows are scarce so that every thread gets
        // work, a whole number of them per thread (5 tiles on 2 threads would keep one busy for
        // 3 while the other idles after 2), none under the micro-kernel's rows; where rows are
        // that scarce, column-panel groups share the work out as well.
        if (tiles < (size_t)threads * 2) tiles = (size_t)threads * 2;
        if (threads > 1) tiles = (tiles + (size_t)threads - 1) / (size_t)threads * (size_t)threads;
        if (tiles > most) tiles = most;
    }
    if (tiles == 0) tiles = 1;
    const size_t rows = (m + tiles - 1) / tiles;
    *rows_per_tile = rows ? rows : 1;
    const size_t row_tiles = (m + *rows_per_tile - 1) / *rows_per_tile;
    if (threads > 1 && row_tiles * (size_t)groups < (size_t)threads * 2) {
        groups = (int32_t)(((size_t)threads * 2 + row_tiles - 1) / row_tiles);
        if (groups > panel_count) groups = panel_count;
    }
    *panel_groups = groups < 1 ? 1 : groups;
}

typedef struct GemmTask {
    const CpuPackedMatrix *b;
    const float *a;
    size_t lda, m, rows_per_tile, tiles;
    int32_t panel_groups;
    float *c;
    size_t ldc;
    float act_min, act_max;
} GemmTask;

static void gemm_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const GemmTask *t = context;
    for (size_t task = begin; task < end; task++) {
        const size_t tile = task % t->tiles;
        const int32_t group = (int32_t)(task / t->tiles);
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
    cpu_gemm_plan(b, m, cpu_pool_threads(pool), &task.rows_per_tile, &task.panel_groups);
    task.tiles = (m + task.rows_per_tile - 1) / task.rows_per_tile;
    cpu_parallel_for(pool, task.tiles * (size_t)task.panel_groups, 1, gemm_task, &task);
}
