// PACK, UNPACK and SPLIT (float32/int32): stacking along a new axis, and cutting into equal parts.
// Each is a loop of row copies: `outer` rows before the axis, a contiguous block after it.
#include "layout.h"

/* PACK ---------------------------------------------------------------------------------------- */

static bool check_pack(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LitePackParams *params = c->node->params;
    if (!lps_check_io(c, 1, 1 << 16, 1, reason, capacity)) return false;
    if (params->values_count != c->node->input_count)
        return lps_decline(reason, capacity, "values_count %d but %d inputs", params->values_count,
                           c->node->input_count);
    const LiteTensor *first = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, out, "output", LAYOUT_TYPES, 1, CPU_MAX_RANK, reason, capacity)) return false;
    for (int32_t i = 0; i < c->node->input_count; i++) {
        const LiteTensor *in = lps_check_input(c, i);
        if (!cpu_check_tensor(c, in, "input", LAYOUT_TYPES, 0, CPU_MAX_RANK - 1, reason, capacity)) return false;
        if (in->type != out->type || !layout_same_dims(in->rank, in->dims, first->rank, first->dims))
            return lps_decline(reason, capacity, "inputs differ in type or shape");
    }
    if (params->axis < 0 || params->axis > first->rank || out->rank != first->rank + 1)
        return lps_decline(reason, capacity, "axis %d out of range", params->axis);
    for (int32_t d = 0, k = 0; d < out->rank; d++) {
        int32_t expected = d == params->axis ? c->node->input_count : first->dims[k++];
        if (out->dims[d] != expected) return lps_decline(reason, capacity, "output shape differs from the pack's");
    }
    return true;
}

static LiteStatus prepare_pack(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *first = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    const int32_t axis = node->params.pack.axis;
    bool ok = out->rank == first->rank + 1 && out->dims[axis] == node->input_count;
    for (int32_t i = 0; ok && i < node->input_count; i++) ok = cpu_same_shape(cpu_in(p, node, i), first);
    for (int32_t d = 0, k = 0; ok && d < out->rank; d++) ok = d == axis || out->dims[d] == first->dims[k++];
    if (!ok)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: PACK node %d: shapes do not fit the output", node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_pack(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *first = cpu_in(p, node, 0);
    const int32_t axis = node->params.pack.axis, n = node->input_count;
    const size_t outer = layout_product(first->dims, 0, axis);
    const size_t inner = layout_product(first->dims, axis, first->rank);
    uint32_t *out = cpu_out(p, node, 0)->data;
    for (int32_t k = 0; k < n; k++) {
        const uint32_t *in = cpu_in(p, node, k)->data;
        for (size_t o = 0; o < outer; o++)
            memcpy(out + (o * (size_t)n + (size_t)k) * inner, in + o * inner, inner * sizeof(uint32_t));
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_pack = {
    .builtin_code = LITE_OP_PACK, .name = "PACK", .min_version = 1, .max_version = 4,
    .params_size = sizeof(LitePackParams), .check = check_pack, .prepare = prepare_pack, .run = run_pack};

/* UNPACK and SPLIT: equal parts along an axis ------------------------------------------------- */

/* True if every output has the input's shape with dims[axis] = extent (removed when `drop`). */
static bool parts_fit(int32_t in_rank, const int32_t *in, int32_t axis, int32_t extent, bool drop,
                      int32_t out_rank, const int32_t *out) {
    if (out_rank != (drop ? in_rank - 1 : in_rank)) return false;
    for (int32_t d = 0, k = 0; d < in_rank; d++) {
        if (d == axis && drop) continue;
        if (out[k++] != (d == axis ? extent : in[d])) return false;
    }
    return true;
}

/* The split axis of SPLIT (input 0, a constant scalar), normalised; -1 when unusable. */
static int32_t split_axis(const int64_t *value, int32_t rank) {
    int64_t axis = value[0] < 0 ? value[0] + rank : value[0];
    return axis >= 0 && axis < rank ? (int32_t)axis : -1;
}

static bool check_parts(const LpsCheckContext *c, char *reason, size_t capacity) {
    const bool split = c->node->builtin_code == LITE_OP_SPLIT;
    const int32_t data_slot = split ? 1 : 0;
    if (!lps_check_io(c, split ? 2 : 1, split ? 2 : 1, c->node->output_count, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, data_slot);
    if (!cpu_check_tensor(c, in, "input", LAYOUT_TYPES, 1, CPU_MAX_RANK, reason, capacity)) return false;
    int32_t axis, count = c->node->output_count;
    if (split) {
        int64_t value;
        if (!layout_constant_ints(lps_check_input(c, 0), &value, 1))
            return lps_decline(reason, capacity, "the axis must be a constant scalar");
        axis = split_axis(&value, in->rank);
        const LiteSplitParams *params = c->node->params;
        if (params->num_splits != count) return lps_decline(reason, capacity, "num_splits differs from the outputs");
    } else {
        const LiteUnpackParams *params = c->node->params;
        axis = params->axis;
        if (params->num != count) return lps_decline(reason, capacity, "num differs from the outputs");
    }
    if (axis < 0 || axis >= in->rank || count < 1 || in->dims[axis] % count != 0 ||
        (!split && in->dims[axis] != count))
        return lps_decline(reason, capacity, "axis out of range or extent not divisible by %d", count);
    for (int32_t i = 0; i < count; i++) {
        const LiteTensor *out = lps_check_output(c, i);
        if (!cpu_check_tensor(c, out, "output", LAYOUT_TYPES, 0, CPU_MAX_RANK, reason, capacity)) return false;
        if (out->type != in->type ||
            !parts_fit(in->rank, in->dims, axis, in->dims[axis] / count, !split, out->rank, out->dims))
            return lps_decline(reason, capacity, "output %d does not fit the input", i);
    }
    return true;
}

/* The axis of a prepared UNPACK/SPLIT node, or -1. */
static int32_t parts_axis(CpuPartitionState *p, CpuNode *node) {
    const bool split = node->op->builtin_code == LITE_OP_SPLIT;
    const CpuTensor *in = cpu_in(p, node, split ? 1 : 0);
    if (!split) return node->params.unpack.axis < in->rank ? node->params.unpack.axis : -1;
    int64_t value;
    return layout_tensor_ints(cpu_in(p, node, 0), &value, 1) ? split_axis(&value, in->rank) : -1;
}

static LiteStatus prepare_parts(CpuPartitionState *p, CpuNode *node) {
    const bool split = node->op->builtin_code == LITE_OP_SPLIT;
    const CpuTensor *in = cpu_in(p, node, split ? 1 : 0);
    const int32_t axis = parts_axis(p, node), count = node->output_count;
    bool ok = axis >= 0 && in->dims[axis] % count == 0 && (split || in->dims[axis] == count);
    for (int32_t i = 0; ok && i < count; i++) {
        const CpuTensor *out = cpu_out(p, node, i);
        ok = parts_fit(in->rank, in->dims, axis, in->dims[axis] / count, !split, out->rank, out->dims);
    }
    if (!ok)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: outputs do not fit the input", node->op->name, node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_parts(CpuPartitionState *p, CpuNode *node) {
    const bool split = node->op->builtin_code == LITE_OP_SPLIT;
    const CpuTensor *in = cpu_in(p, node, split ? 1 : 0);
    const int32_t axis = parts_axis(p, node), count = node->output_count;
    const size_t outer = layout_product(in->dims, 0, axis);
    const size_t row = layout_product(in->dims, axis, in->rank); // one outer step of the input
    const size_t part = row / (size_t)count;
    const uint32_t *source = in->data;
    for (int32_t k = 0; k < count; k++) {
        uint32_t *out = cpu_out(p, node, k)->data;
        for (size_t o = 0; o < outer; o++)
            memcpy(out + o * part, source + o * row + (size_t)k * part, part * sizeof(uint32_t));
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_unpack = {
    .builtin_code = LITE_OP_UNPACK, .name = "UNPACK", .min_version = 1, .max_version = 4,
    .params_size = sizeof(LiteUnpackParams), .check = check_parts, .prepare = prepare_parts,
    .run = run_parts};

const CpuOp cpu_op_split = {
    .builtin_code = LITE_OP_SPLIT, .name = "SPLIT", .min_version = 1, .max_version = 4,
    .params_size = sizeof(LiteSplitParams), .check = check_parts, .prepare = prepare_parts,
    .run = run_parts};
