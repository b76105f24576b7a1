// AVERAGE_POOL_2D and MAX_POOL_2D (NHWC, float32). The average excludes padding from the count.
#include "../cpu_delegate.h"

#if CPU_HAVE_X86
#include <immintrin.h>
#endif

/* Every path rounds like the baseline one (no FMA there): no multiply-add contraction. */
#pragma STDC FP_CONTRACT OFF

static bool check_pool(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LitePool2DParams *params = c->node->params;
    const char *name = c->node->builtin_code == LITE_OP_MAX_POOL_2D ? "MAX_POOL_2D" : "AVERAGE_POOL_2D";
    if (!cpu_check_in_out(c, 1, 1, f32, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!lps_check_pool(params, in, out, reason, capacity)) return false;
    return cpu_check_activation(name, params->activation, reason, capacity);
}

typedef struct PoolTask {
    bool max;
    bool avx2; /* the delegate's path (cpu_use_avx2) */
    CPU_WINDOW_UNION; /* the filter is k_h x k_w; in_c (= out_c) channels */
    float act_min, act_max;
    const float *in;
    float *out;
} PoolTask;

static LiteStatus prepare_pool(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    if (in->rank != 4 || out->rank != 4 || in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3])
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: unexpected shapes", node->op->name, node->graph_node);
    const LitePool2DParams *params = &node->params.pool;
    CpuWindow window;
    const LiteStatus status =
        cpu_prepare_window(p, node, in, out, params->filter_height, params->filter_width, params->stride_height,
                           params->stride_width, 1, 1, params->padding, &window);
    if (status != LITE_STATUS_OK) return status;
    PoolTask *t = calloc(1, sizeof(*t));
    if (!t) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    t->max = node->op->builtin_code == LITE_OP_MAX_POOL_2D;
    t->avx2 = cpu_use_avx2(p);
    t->window = window;
    cpu_activation_range(params->activation, &t->act_min, &t->act_max);
    node->state = t;
    return LITE_STATUS_OK;
}

/* The taps of one window axis that lie inside the input: the window of output position `o` starts
   at input position `origin` (negative in the leading padding) and keeps taps [first, last). */
typedef struct PoolTaps {
    int32_t origin, first, last;
} PoolTaps;

static CPU_ALWAYS_INLINE PoolTaps pool_taps(int32_t o, int32_t stride, int32_t pad, int32_t in, int32_t filter) {
    const int32_t origin = o * stride - pad;
    return (PoolTaps){origin, origin < 0 ? -origin : 0, in - origin < filter ? in - origin : filter};
}

static void pool_rows(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const PoolTask *t = context;
    const int32_t C = t->in_c;
    float accumulator[256];
    for (size_t row = begin; row < end; row++) {
        const int32_t b = (int32_t)(row / (size_t)t->out_h), oy = (int32_t)(row % (size_t)t->out_h);
        const PoolTaps ty = pool_taps(oy, t->stride_h, t->pad_h, t->in_h, t->k_h);
        const int32_t iy0 = ty.origin, fy0 = ty.first, fy1 = ty.last;
        for (int32_t ox = 0; ox < t->out_w; ox++) {
            const PoolTaps tx = pool_taps(ox, t->stride_w, t->pad_w, t->in_w, t->k_w);
            const int32_t ix0 = tx.origin, fx0 = tx.first, fx1 = tx.last;
            float *restrict out = t->out + (((size_t)b * t->out_h + oy) * t->out_w + ox) * C;
            const int32_t count = (fy1 - fy0) * (fx1 - fx0);
            for (int32_t c0 = 0; c0 < C; c0 += 256) {
                const int32_t cn = C - c0 < 256 ? C - c0 : 256;
                for (int32_t c = 0; c < cn; c++) accumulator[c] = t->max ? -INFINITY : 0.0f;
                for (int32_t fy = fy0; fy < fy1; fy++) {
                    for (int32_t fx = fx0; fx < fx1; fx++) {
                        const float *restrict in =
                            t->in + (((size_t)b * t->in_h + iy0 + fy) * t->in_w + ix0 + fx) * C + c0;
                        if (t->max) {
                            for (int32_t c = 0; c < cn; c++)
                                accumulator[c] = in[c] > accumulator[c] ? in[c] : accumulator[c];
                        } else {
                            for (int32_t c = 0; c < cn; c++) accumulator[c] += in[c];
                        }
                    }
                }
                for (int32_t c = 0; c < cn; c++) {
                    // TFLite writes 0 for an average over an empty window (never happens with
                    // valid shapes).
                    float v = t->max ? accumulator[c] : (count > 0 ? accumulator[c] / (float)count : 0.0f);
                    v = v < t->act_min ? t->act_min : v;
                    out[c0 + c] = v > t->act_max ? t->act_max : v;
                }
            }
        }
    }
}

#if CPU_HAVE_X86
/* pool_rows 8 channels at a time, the last block of a channel count that is not a multiple of 8
   read with a masked load (masked-off lanes read 0 and are never stored): the same comparisons
   and the same additions in the same order (taps row by row), so results are identical. */
CPU_TARGET_AVX2 static void pool_rows_avx2(const PoolTask *t, size_t begin, size_t end) {
    const size_t C = (size_t)t->in_c;
    const __m256 lo = _mm256_set1_ps(t->act_min), hi = _mm256_set1_ps(t->act_max);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(C % 8)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (size_t row = begin; row < end; row++) {
        const int32_t b = (int32_t)(row / (size_t)t->out_h), oy = (int32_t)(row % (size_t)t->out_h);
        const PoolTaps ty = pool_taps(oy, t->stride_h, t->pad_h, t->in_h, t->k_h);
        const int32_t iy0 = ty.origin, fy0 = ty.first, fy1 = ty.last;
        for (int32_t ox = 0; ox < t->out_w; ox++) {
            const PoolTaps tx = pool_taps(ox, t->stride_w, t->pad_w, t->in_w, t->k_w);
            const int32_t ix0 = tx.origin, fx0 = tx.first, fx1 = tx.last;
            float *out = t->out + (((size_t)b * t->out_h + oy) * t->out_w + ox) * C;
            const int32_t count = (fy1 - fy0) * (fx1 - fx0);
            // The window's first tap as an element offset, signed: it lies before the buffer when
            // the window starts in the padding, so only taps inside the input become pointers.
            const ptrdiff_t origin = (((ptrdiff_t)b * t->in_h + iy0) * t->in_w + ix0) * (ptrdiff_t)C;
            for (size_t c = 0; c < C; c += 8) {
                const bool partial = C - c < 8;
                __m256 acc = _mm256_set1_ps(t->max ? -INFINITY : 0.0f);
                for (int32_t fy = fy0; fy < fy1; fy++) {
                    for (int32_t fx = fx0; fx < fx1; fx++) {
                        const float *in =
                            t->in + (origin + ((ptrdiff_t)fy * t->in_w + fx) * (ptrdiff_t)C + (ptrdiff_t)c);
                        const __m256 x = partial ? _mm256_maskload_ps(in, tail) : _mm256_loadu_ps(in);
                        // max_ps(x, acc) is x > acc ? x : acc, as the scalar code.
                        acc = t->max ? _mm256_max_ps(x, acc) : _mm256_add_ps(acc, x);
                    }
                }
                if (!t->max)
                    acc = count > 0 ? _mm256_div_ps(acc, _mm256_set1_ps((float)count))
                                    : _mm256_setzero_ps();
                // max_ps(lo, v) is lo > v ? lo : v and min_ps(hi, v) is hi < v ? hi : v: the
                // scalar clamp, NaN and signed zeros included.
                acc = _mm256_min_ps(hi, _mm256_max_ps(lo, acc));
                if (partial) { // not _mm256_maskstore_ps: masked stores are slow on AMD
                    float lanes[8];
                    _mm256_storeu_ps(lanes, acc);
                    for (size_t j = 0; j < C - c; j++) out[c + j] = lanes[j];
                } else {
                    _mm256_storeu_ps(out + c, acc);
                }
            }
        }
    }
}
#endif

static void pool_task(void *context, size_t begin, size_t end, int thread) {
#if CPU_HAVE_X86
    const PoolTask *t = context;
    if (t->in_c >= 8 && t->avx2) {
        pool_rows_avx2(t, begin, end);
        return;
    }
#endif
    pool_rows(context, begin, end, thread);
}

static LiteStatus run_pool(CpuPartitionState *p, CpuNode *node) {
    PoolTask *t = node->state;
    const CpuTensor *out = cpu_out(p, node, 0);
    t->in = cpu_in(p, node, 0)->data;
    t->out = out->data;
    size_t rows = (size_t)out->dims[0] * (size_t)t->out_h;
    const size_t work = 4 * out->count * (size_t)t->k_h * t->k_w;
    cpu_parallel_for(cpu_pool_for(p->delegate->pool, work), rows, 1, pool_task, t);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_average_pool_2d = {
    .builtin_code = LITE_OP_AVERAGE_POOL_2D, .name = "AVERAGE_POOL_2D", .min_version = 1,
    .max_version = 3, .params_size = sizeof(LitePool2DParams), .check = check_pool,
    .prepare = prepare_pool, .run = run_pool, .release = free};

const CpuOp cpu_op_max_pool_2d = {
    .builtin_code = LITE_OP_MAX_POOL_2D, .name = "MAX_POOL_2D", .min_version = 1,
    .max_version = 3, .params_size = sizeof(LitePool2DParams), .check = check_pool,
    .prepare = prepare_pool, .run = run_pool, .release = free};
