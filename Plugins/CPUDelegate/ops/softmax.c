// SOFTMAX over the last axis with beta (float32): exp((x - max) * beta) / sum.
#include "../cpu_delegate.h"

static bool check_softmax(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    if (!lps_check_io(c, 1, 1, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 1, CPU_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 1, CPU_MAX_RANK, reason, capacity))
        return false;
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
} SoftmaxTask;

static void softmax_rows(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const SoftmaxTask *t = context;
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

static LiteStatus run_softmax(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    SoftmaxTask task = {.in = in->data, .out = out->data, .depth = (size_t)in->dims[in->rank - 1],
                        .beta = node->params.softmax.beta};
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
