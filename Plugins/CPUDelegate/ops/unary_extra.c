// More unary elementwise operators (float32): RSQRT and EXP, as TFLite's reference kernels
// (1 / sqrt(x), exp(x)).
#include "../cpu_delegate.h"

#define ELEMENTS_PER_TASK 16384

static bool check_unary_extra(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    if (!cpu_check_in_out(c, 1, 1, f32, 0, CPU_MAX_RANK, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (in->rank != out->rank || memcmp(in->dims, out->dims, sizeof(int32_t) * (size_t)in->rank) != 0)
        return lps_decline(reason, capacity, "input and output shapes differ");
    return true;
}

static LiteStatus prepare_unary_extra(CpuPartitionState *p, CpuNode *node) {
    if (!cpu_same_shape(cpu_in(p, node, 0), cpu_out(p, node, 0)))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: %s node %d: input and output shapes differ",
                        node->op->name, node->graph_node);
    return LITE_STATUS_OK;
}

typedef struct UnaryExtraTask {
    int32_t code;
    const float *in;
    float *out;
} UnaryExtraTask;

static void unary_extra_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const UnaryExtraTask *t = context;
    const float *restrict in = t->in;
    float *restrict out = t->out;
    if (t->code == LITE_OP_RSQRT) {
        for (size_t i = begin; i < end; i++) out[i] = 1.0f / sqrtf(in[i]);
    } else {
        for (size_t i = begin; i < end; i++) out[i] = expf(in[i]);
    }
}

static LiteStatus run_unary_extra(CpuPartitionState *p, CpuNode *node) {
    UnaryExtraTask task = {.code = node->op->builtin_code, .in = cpu_in(p, node, 0)->data,
                           .out = cpu_out(p, node, 0)->data};
    const size_t count = cpu_out(p, node, 0)->count;
    cpu_parallel_for(cpu_pool_for(p->delegate->pool, 4 * count), count, ELEMENTS_PER_TASK, unary_extra_task, &task);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_rsqrt = {.builtin_code = LITE_OP_RSQRT, .name = "RSQRT", .min_version = 1,
                            .max_version = 3, .check = check_unary_extra,
                            .prepare = prepare_unary_extra, .run = run_unary_extra};
const CpuOp cpu_op_exp = {.builtin_code = LITE_OP_EXP, .name = "EXP", .min_version = 1,
                          .max_version = 2, .check = check_unary_extra,
                          .prepare = prepare_unary_extra, .run = run_unary_extra};
