/*
 * gemm_kernels.c — the CPU delegate's GEMM micro-kernels (gemm_kernels.h) on every path this CPU
 * can run, against a double-precision reference, on random products: every shape remainder (m
 * not a multiple of the rows, n not a multiple of the panel, n <= 4 for the dot products), strided
 * A and C, weights in the layouts the operators pack (CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV),
 * with and without bias, each activation range, NaN in A and in the weights.
 *
 * Beyond the reference's tolerance, exact agreements the kernels promise:
 * - an indirect A (rows as segments) gives the same bits as the same rows direct (but for dot
 *   products whose segments are not whole vectors: those sum other lanes together, and only the
 *   reference checks them);
 * - cpu_gemm over 1-3 threads gives the same bits as one cpu_gemm_tile over the product;
 * - a panel range writes its columns and nothing else of C;
 * - every FMA path (AVX2, AVX-512, and the AVX-512 source compiled for AVX2) gives the same bits
 *   wherever the products are not dot products (n > CPU_GEMM_DOT_MAX_N): one multiply-add per k,
 *   in the same order, whatever the width. On a CPU without AVX-512 this is what checks the
 *   16-lane source; on one with it, the real AVX-512 kernels too.
 *
 *   cc -O1 -I Sources/DelegateABI/include -I Plugins/PluginSupport/include -I Plugins/CPUDelegate \
 *      Plugins/CPUDelegate/tests/gemm_kernels.c Plugins/CPUDelegate/tests/gemm_wide_on_avx2.c \
 *      Plugins/CPUDelegate/gemm*.c Plugins/CPUDelegate/threadpool.c \
 *      Plugins/CPUDelegate/prepared_memory.c Plugins/CPUDelegate/isa.c -lpthread -lm
 *
 * Exit status 0: pass; 1: a failure (each printed, with the case's seed).
 */
#include "../gemm.h"

#define KERNEL_TEST_NAME "gemm_kernels"
#include "kernel_test.h"

#include <math.h>

#if CPU_HAVE_X86
extern const CpuGemmKernels cpu_gemm_avx512_on_avx2;
#endif


typedef struct Path {
    const char *name;
    const CpuGemmKernels *kernels;
    CpuIsa isa;
    bool fma; /* the paths with FMA agree bit for bit outside the dot products */
} Path;

typedef struct Problem {
    int m, n, k;
    size_t lda, ldc;
    float *a, *weights, *bias;
    size_t stride_n, stride_k;
    float act_min, act_max;
} Problem;

static bool same_bits(float x, float y) { return memcmp(&x, &y, sizeof(x)) == 0; }

#define GUARD 12345.0f

static float *fresh_c(const Problem *q) {
    float *c = malloc((size_t)q->m * q->ldc * sizeof(float));
    for (size_t i = 0; i < (size_t)q->m * q->ldc; i++) c[i] = GUARD;
    return c;
}

/* C = clamp(A B + bias) in double; `scale` the sum of |terms|, for the tolerance. */
static void reference(const Problem *q, int row, int col, double *out, double *scale) {
    double sum = q->bias ? q->bias[col] : 0.0, size = fabs(sum);
    for (int kk = 0; kk < q->k; kk++) {
        const double t = (double)q->a[(size_t)row * q->lda + kk] *
                         q->weights[(size_t)col * q->stride_n + (size_t)kk * q->stride_k];
        sum += t;
        size += fabs(t);
    }
    if (sum < q->act_min) sum = q->act_min;
    if (sum > q->act_max) sum = q->act_max;
    *out = sum;
    *scale = size;
}

/* Checks C against the reference (columns [c0, c1)) and that the rest of C is untouched. */
static void check_against_reference(const Path *path, uint64_t seed, const Problem *q,
                                    const float *c, int c0, int c1, const char *what) {
    for (int r = 0; r < q->m; r++) {
        for (size_t j = 0; j < q->ldc; j++) {
            const float got = c[(size_t)r * q->ldc + j];
            if ((int)j < c0 || (int)j >= c1) {
                if (!same_bits(got, GUARD)) {
                    FAIL("%s seed %llu %s: C[%d][%zu] written outside the columns %d..%d", path->name,
                         (unsigned long long)seed, what, r, j, c0, c1 - 1);
                    return;
                }
                continue;
            }
            double want, scale;
            reference(q, r, (int)j, &want, &scale);
            const bool nan_expected = isnan(want);
            if (nan_expected != (bool)isnan(got) ||
                (!nan_expected && fabs(got - want) > 2e-6 * scale + 1e-30)) {
                FAIL("%s seed %llu %s (m %d n %d k %d): C[%d][%zu] = %.9g, reference %.9g", path->name,
                     (unsigned long long)seed, what, q->m, q->n, q->k, r, j, got, want);
                return;
            }
        }
    }
}

static void pack(const Path *path, CpuPartitionState *state, CpuDelegateState *delegate,
                 const Problem *q, CpuPackedMatrix *b) {
    delegate->isa = path->isa;
    if (!cpu_pack_alloc(state, b, q->k, q->n)) {
        fprintf(stderr, "gemm_kernels: out of memory\n");
        exit(2);
    }
    b->kernels = path->kernels;
    cpu_pack_weights(b, q->weights, q->stride_n, q->stride_k, q->bias);
}

/* One random problem on one path: direct, panel ranges, indirect, threaded. Returns C (direct,
   every panel) for the cross-path comparison. */
static float *run_path(const Path *path, uint64_t seed, const Problem *q, CpuThreadPool **pools) {
    CpuDelegateState delegate = {0};
    CpuPartitionState state = {0};
    state.delegate = &delegate;
    CpuPackedMatrix b;
    pack(path, &state, &delegate, q, &b);

    float *c = fresh_c(q);
    cpu_gemm_tile(&b, q->a, q->lda, (size_t)q->m, 0, b.panel_count, c, q->ldc, q->act_min, q->act_max);
    check_against_reference(path, seed, q, c, 0, q->n, "direct");

    if (b.panel_count > 1 && !b.columns) {
        const int32_t p0 = uniform(0, b.panel_count - 1), p1 = uniform(p0 + 1, b.panel_count);
        float *part = fresh_c(q);
        cpu_gemm_tile(&b, q->a, q->lda, (size_t)q->m, p0, p1, part, q->ldc, q->act_min, q->act_max);
        const int c1 = p1 * CPU_GEMM_NR < q->n ? p1 * CPU_GEMM_NR : q->n;
        check_against_reference(path, seed, q, part, p0 * CPU_GEMM_NR, c1, "panel range");
        free(part);
    }

    // Indirect: each row cut into segments of one length, the segments scattered in a buffer of
    // their own.
    size_t segments = 0;
    for (size_t s = (size_t)uniform(1, 4); s >= 1 && !segments; s--)
        if ((size_t)q->k % s == 0 && cpu_gemm_has_indirect(&b, (size_t)q->k / s)) segments = s;
    if (segments) {
        const size_t length = (size_t)q->k / segments;
        const size_t count = (size_t)q->m * segments, gap = (size_t)uniform(0, 5);
        float *scattered = malloc(count * (length + gap) * sizeof(float) + sizeof(float));
        const float **rows = malloc(count * sizeof(*rows));
        for (size_t i = 0; i < count; i++) {
            const size_t slot = count - 1 - i; // not in row order
            float *dst = scattered + slot * (length + gap);
            memcpy(dst, q->a + (i / segments) * q->lda + (i % segments) * length, length * sizeof(float));
            rows[i] = dst;
        }
        float *ind = fresh_c(q);
        cpu_gemm_tile_indirect(&b, rows, segments, length, (size_t)q->m, 0, b.panel_count, ind,
                               q->ldc, q->act_min, q->act_max);
        if (b.columns && length % b.kernels->lanes != 0) {
            // A dot product whose segments end in a partial vector sums other lanes together than
            // the direct row does: the reference decides.
            check_against_reference(path, seed, q, ind, 0, q->n, "indirect, partial vectors");
        } else {
            for (size_t i = 0; i < (size_t)q->m * q->ldc; i++)
                if (!same_bits(ind[i], c[i])) {
                    FAIL("%s seed %llu: indirect (%zu segments) C[%zu] = %.9g, direct %.9g",
                         path->name, (unsigned long long)seed, segments, i, ind[i], c[i]);
                    break;
                }
        }
        free(ind);
        free(rows);
        free(scattered);
    }

    for (int t = 0; t < 3; t++) {
        float *threaded = fresh_c(q);
        cpu_gemm(pools[t], &b, q->a, q->lda, (size_t)q->m, threaded, q->ldc, q->act_min, q->act_max);
        for (size_t i = 0; i < (size_t)q->m * q->ldc; i++)
            if (!same_bits(threaded[i], c[i])) {
                FAIL("%s seed %llu: cpu_gemm on %d threads C[%zu] = %.9g, one tile %.9g", path->name,
                     (unsigned long long)seed, t + 1, i, threaded[i], c[i]);
                break;
            }
        free(threaded);
    }
    cpu_prepare_free_all(&state);
    return c;
}

static void random_problem(Problem *q) {
    // Small and large n around the panel and dot-product limits; k around the vector widths.
    static const int ns[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 48, 56, 64, 70};
    q->m = uniform(0, 3) == 0 ? uniform(1, 3) : uniform(1, 75);
    q->n = ns[uniform(0, (int)(sizeof(ns) / sizeof(ns[0])) - 1)];
    // One product in 20 has a long k (1000-4200: 64-269 KB per panel), so that the kernels' panel
    // groups of about 256 KB (2-4 panels) end inside the product.
    if (uniform(0, 19) == 0) q->k = uniform(1000, 4200);
    else q->k = uniform(0, 2) == 0 ? uniform(1, 20) : uniform(1, 300);
    q->lda = (size_t)q->k + (size_t)uniform(0, 3) * (size_t)uniform(0, 9);
    q->ldc = (size_t)q->n + (size_t)uniform(0, 5);
    q->a = malloc((size_t)q->m * q->lda * sizeof(float));
    for (size_t i = 0; i < (size_t)q->m * q->lda; i++) q->a[i] = value();
    q->weights = malloc((size_t)q->n * (size_t)q->k * sizeof(float));
    for (size_t i = 0; i < (size_t)q->n * (size_t)q->k; i++) q->weights[i] = value();
    switch (uniform(0, 2)) { // CONV_2D/FULLY_CONNECTED ([n][k]), TRANSPOSE_CONV-like ([k][n])
    case 0: q->stride_n = (size_t)q->k, q->stride_k = 1; break;
    case 1: q->stride_n = 1, q->stride_k = (size_t)q->n; break;
    default: q->stride_n = (size_t)q->k, q->stride_k = 1; break;
    }
    q->bias = NULL;
    if (uniform(0, 3) != 0) {
        q->bias = malloc((size_t)q->n * sizeof(float));
        for (int j = 0; j < q->n; j++) q->bias[j] = value();
    }
    static const float ranges[][2] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {0.0f, 6.0f}, {-1.0f, 1.0f}};
    const int range = uniform(0, 3);
    q->act_min = ranges[range][0];
    q->act_max = ranges[range][1];
    if (uniform(0, 9) == 0) q->a[(size_t)uniform(0, q->m - 1) * q->lda + (size_t)uniform(0, q->k - 1)] = NAN;
    if (uniform(0, 9) == 0) q->weights[uniform(0, q->n * q->k - 1)] = NAN;
}

int main(void) {
    const uint32_t features = cpu_isa_features();
    const bool avx2 = (features & (CPU_FEATURE_AVX2 | CPU_FEATURE_FMA)) == (CPU_FEATURE_AVX2 | CPU_FEATURE_FMA);
    const bool avx512 = avx2 && (features & CPU_FEATURE_AVX512F);
    Path paths[4];
    int path_count = 0;
    paths[path_count++] = (Path){"portable", &cpu_gemm_portable, CPU_ISA_PORTABLE, false};
#if CPU_HAVE_X86
    if (avx2) {
        paths[path_count++] = (Path){"avx2", &cpu_gemm_avx2, CPU_ISA_AVX2, true};
        paths[path_count++] = (Path){"avx512 source on avx2", &cpu_gemm_avx512_on_avx2, CPU_ISA_AVX2, true};
    }
    if (avx512) paths[path_count++] = (Path){"avx512", &cpu_gemm_avx512, CPU_ISA_AVX512, true};
#endif
    CpuThreadPool *pools[3];
    for (int t = 0; t < 3; t++) pools[t] = cpu_pool_create(t + 1);

    const int cases = 600;
    int dot_cases = 0, panel_cases = 0, fma_comparisons = 0;
    for (int i = 0; i < cases; i++) {
        const uint64_t seed = 1000 + (uint64_t)i;
        rng_state = seed;
        Problem q;
        random_problem(&q);
        float *first_fma = NULL;
        for (int p = 0; p < path_count; p++) {
            float *c = run_path(&paths[p], seed, &q, pools);
            if (paths[p].fma && q.n > CPU_GEMM_DOT_MAX_N) {
                if (!first_fma) {
                    first_fma = c;
                    continue;
                }
                fma_comparisons++;
                for (size_t e = 0; e < (size_t)q.m * q.ldc; e++)
                    if (!same_bits(c[e], first_fma[e])) {
                        FAIL("%s seed %llu: C[%zu] = %.9g, %s %.9g (FMA paths must agree)", paths[p].name,
                             (unsigned long long)seed, e, c[e], paths[1].name, first_fma[e]);
                        break;
                    }
            }
            free(c);
        }
        free(first_fma);
        if (q.n <= CPU_GEMM_DOT_MAX_N) dot_cases++; else panel_cases++;
        free(q.a);
        free(q.weights);
        free(q.bias);
    }
    for (int t = 0; t < 3; t++) cpu_pool_destroy(pools[t]);
    printf("gemm_kernels: %d random products (%d panel, %d dot) on %d paths:", cases, panel_cases,
           dot_cases, path_count);
    for (int p = 0; p < path_count; p++) printf("%s %s", p ? "," : "", paths[p].name);
    printf("; %d cross-path comparisons; %d failures%s\n", fma_comparisons, failures,
           avx512 ? "" : " (no AVX-512 here: its source ran compiled for AVX2)");
    return failures ? 1 : 0;
}
