// SOFTMAX over the last axis with beta (float32): exp((x - max) * beta) / sum.
#include "../cpu_delegate.h"
#include "../cpu_simd.h"

#include <math.h>

static bool check_softmax(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    if (!cpu_check_in_out(c, 1, 1, f32, 1, CPU_MAX_RANK, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (in->rank != out->rank) return lps_decline(reason, capacity, "input and output shapes differ");
    for (int32_t i = 0; i < in->rank; i++)
        if (in->dims[i] != out->dims[i]) return lps_decline(reason, capacity, "input and output shapes differ");
    return true;
}

static LiteStatus prepare_softmax(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    if (!cpu_same_shape(in, out) || in->rank < 1)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: SOFTMAX node %d: input and output shapes differ", node->graph_node);
    return LITE_STATUS_OK;
}

typedef struct SoftmaxTask {
    const float *in;
    float *out;
    size_t depth;
    float beta;
    bool avx2; /* the delegate's path (cpu_use_avx2) */
} SoftmaxTask;

static void softmax_rows_baseline(const SoftmaxTask *t, size_t begin, size_t end) {
    for (size_t row = begin; row < end; row++) {
        const float *in = t->in + row * t->depth;
        float *out = t->out + row * t->depth;
        float max = in[0];
        for (size_t i = 1; i < t->depth; i++) max = in[i] > max ? in[i] : max;
        float sum = 0.0f;
        for (size_t i = 0; i < t->depth; i++) {
            out[i] = expf((in[i] - max) * t->beta);
            sum += out[i];
        }
        const float scale = 1.0f / sum;
        for (size_t i = 0; i < t->depth; i++) out[i] *= scale;
    }
}

#if CPU_HAVE_X86
/* Rows of at least 8: max, exp and sum 8 lanes at a time (exp as cpu_exp8, within 2 ulp of expf),
   the last partial block through a masked load; the sum is formed in another order than the scalar
   path's, so results differ from it in the last bits. deeplab's 257x257x21 softmax: 5.8 -> 1.8 ms
   (per-node minimum, 1 thread). */
CPU_TARGET_AVX2 static void softmax_rows_avx2(const SoftmaxTask *t, size_t begin, size_t end) {
    const size_t depth = t->depth, full = depth & ~(size_t)7, rest = depth - full;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest), lanes);
    const __m256 beta = _mm256_set1_ps(t->beta);
    for (size_t row = begin; row < end; row++) {
        const float *in = t->in + row * depth;
        float *out = t->out + row * depth;
        __m256 vmax = _mm256_loadu_ps(in);
        for (size_t i = 8; i < full; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(in + i));
        float max = cpu_hmax8(vmax);
        for (size_t i = full; i < depth; i++) max = in[i] > max ? in[i] : max;
        const __m256 vm = _mm256_set1_ps(max);
        __m256 vsum = _mm256_setzero_ps();
        for (size_t i = 0; i < full; i += 8) {
            const __m256 e = cpu_exp8(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(in + i), vm), beta));
            _mm256_storeu_ps(out + i, e);
            vsum = _mm256_add_ps(vsum, e);
        }
        if (rest) {
            const __m256 x = _mm256_maskload_ps(in + full, tail);
            const __m256 e = _mm256_and_ps(cpu_exp8(_mm256_mul_ps(_mm256_sub_ps(x, vm), beta)),
                                           _mm256_castsi256_ps(tail));
            vsum = _mm256_add_ps(vsum, e);
            float lanes_out[8];
            _mm256_storeu_ps(lanes_out, e);
            for (size_t i = 0; i < rest; i++) out[full + i] = lanes_out[i];
        }
        const float scale = 1.0f / cpu_hsum8(vsum);
        const __m256 vs = _mm256_set1_ps(scale);
        for (size_t i = 0; i < full; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(out + i), vs));
        for (size_t i = full; i < depth; i++) out[i] *= scale;
    }
}
#endif

static void softmax_rows(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const SoftmaxTask *t = context;
#if CPU_HAVE_X86
    if (t->depth >= 8 && t->avx2) {
        softmax_rows_avx2(t, begin, end);
        return;
    }
#endif
    softmax_rows_baseline(t, begin, end);
}

static LiteStatus run_softmax(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    SoftmaxTask task = {.in = in->data, .out = out->data, .depth = (size_t)in->dims[in->rank - 1],
                        .beta = node->params.softmax.beta, .avx2 = cpu_use_avx2(p)};
    if (task.depth == 0 || out->count == 0) return LITE_STATUS_OK;
    const size_t rows = out->count / task.depth;
    size_t grain = 8192 / task.depth;
    cpu_parallel_for(p->delegate->pool, rows, grain ? grain : 1, softmax_rows, &task);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_softmax = {
    .builtin_code = LITE_OP_SOFTMAX, .name = "SOFTMAX", .min_version = 1, .max_version = 3,
    .params_size = sizeof(LiteSoftmaxParams), .check = check_softmax, .prepare = prepare_softmax,
    .run = run_softmax};
