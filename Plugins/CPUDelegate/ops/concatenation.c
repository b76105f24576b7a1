// CONCATENATION along any axis (float32 with fused activation, int32).
#include "../cpu_delegate.h"

static const uint32_t f32_i32 =
    LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32) | LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32);

static bool check_concat(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteConcatenationParams *params = c->node->params;
    if (!lps_check_io(c, 1, 1 << 16, 1, reason, capacity)) return false;
    const LiteTensor *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, out, "output", f32_i32, 1, CPU_MAX_RANK, reason, capacity)) return false;
    if (params->axis < 0 || params->axis >= out->rank)
        return lps_decline(reason, capacity, "axis %d out of range for rank %d", params->axis, out->rank);
    int64_t total = 0;
    for (int32_t i = 0; i < c->node->input_count; i++) {
        const LiteTensor *in = lps_check_input(c, i);
        if (!cpu_check_tensor(c, in, "input", f32_i32, 1, CPU_MAX_RANK, reason, capacity)) return false;
        if (in->type != out->type) return lps_decline(reason, capacity, "input and output types differ");
        if (!lps_check_concat_input(in, out, params->axis, reason, capacity)) return false;
        total += in->dims[params->axis];
    }
    if (total != out->dims[params->axis])
        return lps_decline(reason, capacity, "inputs do not add up to the output along the axis");
    if (out->type != LITE_DATA_TYPE_FLOAT32 && params->activation != LITE_ACTIVATION_NONE)
        return lps_decline(reason, capacity, "fused activation on INT32 unsupported");
    return cpu_check_activation("CONCATENATION", params->activation, reason, capacity);
}

static LiteStatus prepare_concat(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *out = cpu_out(p, node, 0);
    const int32_t axis = node->params.concat.axis;
    int64_t total = 0;
    for (int32_t i = 0; i < node->input_count; i++) {
        const CpuTensor *in = cpu_in(p, node, i);
        bool ok = in && in->rank == out->rank && axis < out->rank;
        for (int32_t d = 0; ok && d < out->rank; d++) ok = d == axis || in->dims[d] == out->dims[d];
        if (!ok)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: CONCATENATION node %d: input %d does not fit the output",
                            node->graph_node, i);
        total += in->dims[axis];
    }
    if (total != out->dims[axis])
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: CONCATENATION node %d: inputs do not add up", node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_concat(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *out = cpu_out(p, node, 0);
    const int32_t axis = node->params.concat.axis;
    size_t outer = 1, inner = 4; // bytes of one index step along the axis
    for (int32_t d = 0; d < axis; d++) outer *= (size_t)out->dims[d];
    for (int32_t d = axis + 1; d < out->rank; d++) inner *= (size_t)out->dims[d];
    const size_t out_row = inner * (size_t)out->dims[axis];
    char *dst = out->data;
    size_t offset = 0;
    for (int32_t i = 0; i < node->input_count; i++) {
        const CpuTensor *in = cpu_in(p, node, i);
        const size_t row = inner * (size_t)in->dims[axis];
        const char *src = in->data;
        for (size_t o = 0; o < outer; o++) memcpy(dst + o * out_row + offset, src + o * row, row);
        offset += row;
    }
    if (out->type == LITE_DATA_TYPE_FLOAT32 && node->params.concat.activation != LITE_ACTIVATION_NONE) {
        float lo, hi, *values = out->data;
        cpu_activation_range(node->params.concat.activation, &lo, &hi);
        for (size_t i = 0; i < out->count; i++) {
            float v = values[i] < lo ? lo : values[i];
            values[i] = v > hi ? hi : v;
        }
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_concatenation = {
    .builtin_code = LITE_OP_CONCATENATION, .name = "CONCATENATION", .min_version = 1,
    .max_version = 4, .params_size = sizeof(LiteConcatenationParams), .check = check_concat,
    .prepare = prepare_concat, .run = run_concat};
