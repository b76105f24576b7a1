// SHAPE (the input's current shape as int32), and RESHAPE / SQUEEZE / EXPAND_DIMS, which only
// relabel the shape (a copy; the host computes the output shapes).
#include "layout.h"

static bool check_shape(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!lps_check_io(c, 1, 1, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!in) return lps_decline(reason, capacity, "absent input");
    if (!cpu_check_tensor(c, out, "output", LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32), 1, 1, reason, capacity))
        return false;
    if (out->dims[0] != in->rank) return lps_decline(reason, capacity, "output has %d values for rank %d",
                                                     out->dims[0], in->rank);
    return true;
}

static LiteStatus prepare_shape(CpuPartitionState *p, CpuNode *node) {
    if (cpu_out(p, node, 0)->count != (size_t)cpu_in(p, node, 0)->rank)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: SHAPE node %d: output does not hold the input's rank", node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_shape(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0);
    int32_t *out = cpu_out(p, node, 0)->data;
    for (int32_t i = 0; i < in->rank; i++) out[i] = in->dims[i];
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_shape = {
    .builtin_code = LITE_OP_SHAPE, .name = "SHAPE", .min_version = 1, .max_version = 1,
    .check = check_shape, .prepare = prepare_shape, .run = run_shape};

/* RESHAPE, SQUEEZE and EXPAND_DIMS: same elements, another shape. RESHAPE's shape input, if any,
   is not read (the shape comes from the graph); EXPAND_DIMS's axis input neither. */
static bool check_relabel(const LpsCheckContext *c, char *reason, size_t capacity) {
    const int32_t code = c->node->builtin_code;
    const bool expand = code == LITE_OP_EXPAND_DIMS, reshape = code == LITE_OP_RESHAPE;
    if (!lps_check_io(c, expand ? 2 : 1, expand || reshape ? 2 : 1, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", LAYOUT_TYPES, 0, CPU_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", LAYOUT_TYPES, 0, CPU_MAX_RANK, reason, capacity))
        return false;
    if (in->type != out->type) return lps_decline(reason, capacity, "input and output types differ");
    int64_t a = 1, b = 1;
    for (int32_t i = 0; i < in->rank; i++) a *= in->dims[i];
    for (int32_t i = 0; i < out->rank; i++) b *= out->dims[i];
    if (a != b) return lps_decline(reason, capacity, "element counts differ (%lld vs %lld)",
                                   (long long)a, (long long)b);
    if (reshape) return true;
    if (expand ? out->rank != in->rank + 1 : out->rank > in->rank)
        return lps_decline(reason, capacity, "output rank %d does not fit input rank %d", out->rank, in->rank);
    return true;
}

static LiteStatus prepare_relabel(CpuPartitionState *p, CpuNode *node) {
    if (cpu_in(p, node, 0)->bytes != cpu_out(p, node, 0)->bytes)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: %s node %d: element counts differ",
                        node->op->name, node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_relabel(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    if (out->bytes > 0 && in->data != out->data) memcpy(out->data, in->data, out->bytes);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_reshape = {
    .builtin_code = LITE_OP_RESHAPE, .name = "RESHAPE", .min_version = 1, .max_version = 3,
    .check = check_relabel, .prepare = prepare_relabel, .run = run_relabel};

const CpuOp cpu_op_squeeze = {
    .builtin_code = LITE_OP_SQUEEZE, .name = "SQUEEZE", .min_version = 1, .max_version = 2,
    .params_size = sizeof(LiteSqueezeParams), .check = check_relabel, .prepare = prepare_relabel,
    .run = run_relabel};

const CpuOp cpu_op_expand_dims = {
    .builtin_code = LITE_OP_EXPAND_DIMS, .name = "EXPAND_DIMS", .min_version = 1, .max_version = 3,
    .check = check_relabel, .prepare = prepare_relabel, .run = run_relabel};
