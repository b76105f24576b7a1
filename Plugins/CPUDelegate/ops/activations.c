// Unary elementwise operators: RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU,
// and DEQUANTIZE (float16 -> float32).
#include "../cpu_delegate.h"

#include "../cpu_simd.h"

#if CPU_HAVE_X86
/* 1 / (1 + exp(-x)) for 8 lanes, exp as cpu_exp8 (within 2 ulp of libm's expf), so the sigmoid
   stays within a few 1e-7 relative of the scalar path. */
CPU_TARGET_AVX2 static void logistic_avx2(const float *restrict in, float *restrict out,
                                          size_t begin, size_t end) {
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256 e = cpu_exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_loadu_ps(in + i))); // exp(-x)
        _mm256_storeu_ps(out + i, _mm256_div_ps(one, _mm256_add_ps(one, e)));
    }
    for (; i < end; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}
#endif

#define ELEMENTS_PER_TASK 16384

static bool check_unary(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const bool dequantize = c->node->builtin_code == LITE_OP_DEQUANTIZE;
    if (!lps_check_io(c, 1, 1, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!in) return lps_decline(reason, capacity, "absent input");
    uint32_t in_types = dequantize ? LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT16) : f32;
    if (!cpu_check_tensor(c, in, "input", in_types, 0, CPU_MAX_RANK, reason, capacity)) return false;
    if (!cpu_check_tensor(c, out, "output", f32, 0, CPU_MAX_RANK, reason, capacity)) return false;
    if (in->rank != out->rank) return lps_decline(reason, capacity, "input and output shapes differ");
    for (int32_t i = 0; i < in->rank; i++)
        if (in->dims[i] != out->dims[i])
            return lps_decline(reason, capacity, "input and output shapes differ");
    return true;
}

static LiteStatus prepare_unary(CpuPartitionState *p, CpuNode *node) {
    if (!cpu_same_shape(cpu_in(p, node, 0), cpu_out(p, node, 0)))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: input and output shapes differ", node->op->name,
                        node->graph_node);
    return LITE_STATUS_OK;
}

typedef struct UnaryTask {
    int32_t code;
    bool avx2; /* the delegate's path (cpu_use_avx2) */
    float alpha;
    const void *in;
    float *out;
} UnaryTask;

static inline float clampf(float x, float lo, float hi) {
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

static void unary_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const UnaryTask *t = context;
    const float *restrict in = t->in;
    float *restrict out = t->out;
    switch (t->code) {
    case LITE_OP_RELU:
        // x < 0 ? 0 : x, TFLite's order: RELU(NaN) = NaN and RELU(-0) = -0.
        for (size_t i = begin; i < end; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i];
        break;
    case LITE_OP_RELU6:
        for (size_t i = begin; i < end; i++) out[i] = clampf(in[i], 0.0f, 6.0f);
        break;
    case LITE_OP_RELU_N1_TO_1:
        for (size_t i = begin; i < end; i++) out[i] = clampf(in[i], -1.0f, 1.0f);
        break;
    case LITE_OP_LOGISTIC:
#if CPU_HAVE_X86
        if (t->avx2) {
            logistic_avx2(in, out, begin, end);
            break;
        }
#endif
        for (size_t i = begin; i < end; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
        break;
    case LITE_OP_TANH:
        for (size_t i = begin; i < end; i++) out[i] = tanhf(in[i]);
        break;
    case LITE_OP_HARD_SWISH:
        for (size_t i = begin; i < end; i++) out[i] = in[i] * clampf(in[i] + 3.0f, 0.0f, 6.0f) / 6.0f;
        break;
    case LITE_OP_LEAKY_RELU: {
        const float alpha = t->alpha;
        for (size_t i = begin; i < end; i++) out[i] = in[i] > 0.0f ? in[i] : in[i] * alpha;
        break;
    }
    case LITE_OP_DEQUANTIZE: {
        const uint16_t *half = t->in;
        for (size_t i = begin; i < end; i++) out[i] = lps_half_to_float(half[i]);
        break;
    }
    default: break;
    }
}

static LiteStatus run_unary(CpuPartitionState *p, CpuNode *node) {
    UnaryTask task = {.code = node->op->builtin_code, .in = cpu_in(p, node, 0)->data,
                      .out = cpu_out(p, node, 0)->data, .avx2 = cpu_use_avx2(p)};
    if (task.code == LITE_OP_LEAKY_RELU) task.alpha = node->params.leaky_relu.alpha;
    const size_t count = cpu_out(p, node, 0)->count;
    cpu_parallel_for(cpu_pool_for(p->delegate->pool, 4 * count), count, ELEMENTS_PER_TASK, unary_task,
                     &task);
    return LITE_STATUS_OK;
}

#define UNARY_OP(VAR, CODE, NAME, MAXV, PARAMS)                                                  \
    const CpuOp VAR = {.builtin_code = CODE, .name = NAME, .min_version = 1,                     \
                       .max_version = MAXV, .params_size = PARAMS, .check = check_unary,         \
                       .prepare = prepare_unary, .run = run_unary};

UNARY_OP(cpu_op_relu, LITE_OP_RELU, "RELU", 3, 0)
UNARY_OP(cpu_op_relu6, LITE_OP_RELU6, "RELU6", 3, 0)
UNARY_OP(cpu_op_relu_n1_to_1, LITE_OP_RELU_N1_TO_1, "RELU_N1_TO_1", 2, 0)
UNARY_OP(cpu_op_logistic, LITE_OP_LOGISTIC, "LOGISTIC", 3, 0)
UNARY_OP(cpu_op_tanh, LITE_OP_TANH, "TANH", 3, 0)
UNARY_OP(cpu_op_hard_swish, LITE_OP_HARD_SWISH, "HARD_SWISH", 1, 0)
UNARY_OP(cpu_op_leaky_relu, LITE_OP_LEAKY_RELU, "LEAKY_RELU", 2, sizeof(LiteLeakyReluParams))
UNARY_OP(cpu_op_dequantize, LITE_OP_DEQUANTIZE, "DEQUANTIZE", 6, 0)
