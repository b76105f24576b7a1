// FULLY_CONNECTED: the input flattened to [-1, I] times packed weights [O, I] (a GEMM).
#include "../gemm.h"

static bool check_fc(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LiteFullyConnectedParams *params = c->node->params;
    if (!lps_check_io(c, 2, 3, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 1, CPU_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, w, "weights", f32, 2, 2, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 1, CPU_MAX_RANK, reason, capacity))
        return false;
    if (!cpu_check_is_constant_like(c, c->node->inputs[1]))
        return lps_decline(reason, capacity, "FULLY_CONNECTED with non-constant weights");
    if (!cpu_check_bias(c, 2, "FULLY_CONNECTED", w->dims[0], "units", reason, capacity)) return false;
    if (w->dims[1] <= 0) return lps_decline(reason, capacity, "empty weights");
    if (out->dims[out->rank - 1] != w->dims[0])
        return lps_decline(reason, capacity, "output depth %d != weights rows %d",
                           out->dims[out->rank - 1], w->dims[0]);
    return cpu_check_activation("FULLY_CONNECTED", params->activation, reason, capacity);
}

typedef struct FcState {
    CpuPackedMatrix packed;
    bool pack_each_run;
    size_t rows, inputs, units;
    float act_min, act_max;
} FcState;

static void release_fc(void *state) {
    FcState *s = state;
    if (!s) return;
    cpu_pack_free(&s->packed);
    free(s);
}

static LiteStatus prepare_fc(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *w = cpu_in(p, node, 1), *bias = cpu_in(p, node, 2),
                    *out = cpu_out(p, node, 0);
    const size_t inputs = (size_t)w->dims[1], units = (size_t)w->dims[0];
    if (inputs == 0 || in->count % inputs != 0 || out->count != in->count / inputs * units ||
        (bias && bias->count != units))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: FULLY_CONNECTED node %d: input of %zu elements does not fit weights "
                        "[%zu, %zu] and output of %zu elements", node->graph_node, in->count, units,
                        inputs, out->count);
    FcState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->rows = in->count / inputs;
    s->inputs = inputs;
    s->units = units;
    cpu_activation_range(node->params.fully_connected.activation, &s->act_min, &s->act_max);
    if (units == 0) return LITE_STATUS_OK;
    if (!cpu_pack_alloc(p, &s->packed, (int32_t)inputs, (int32_t)units))
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory packing weights");
    s->pack_each_run = w->kind != CPU_TENSOR_CONSTANT || (bias && bias->kind != CPU_TENSOR_CONSTANT);
    if (!s->pack_each_run)
        cpu_pack_weights(&s->packed, w->constant, inputs, 1, bias ? bias->constant : NULL);
    return LITE_STATUS_OK;
}

static LiteStatus run_fc(CpuPartitionState *p, CpuNode *node) {
    FcState *s = node->state;
    if (s->rows == 0 || s->units == 0) return LITE_STATUS_OK;
    if (s->pack_each_run) {
        const CpuTensor *bias = cpu_in(p, node, 2);
        cpu_pack_weights(&s->packed, cpu_in(p, node, 1)->data, s->inputs, 1,
                         bias ? bias->data : NULL);
    }
    cpu_gemm(p->delegate->pool, &s->packed, cpu_in(p, node, 0)->data, s->inputs, s->rows,
             cpu_out(p, node, 0)->data, s->units, s->act_min, s->act_max);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_fully_connected = {
    .builtin_code = LITE_OP_FULLY_CONNECTED, .name = "FULLY_CONNECTED", .min_version = 1,
    .max_version = 11, .params_size = sizeof(LiteFullyConnectedParams), .check = check_fc,
    .prepare = prepare_fc, .run = run_fc, .release = release_fc};
