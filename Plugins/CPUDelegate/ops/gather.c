// GATHER (float32/int32 params, int32/int64 indices) with axis and batch_dims, as TFLite's
// reference: output = params[:axis] + indices[batch_dims:] + params[axis+1:]. An index out of range
// fails the invoke, as in TFLite.
#include "layout.h"

/* The output shape for params/indices shapes, or false. axis/batch_dims are normalised. */
static bool gather_shape(int32_t p_rank, const int32_t *p, int32_t i_rank, const int32_t *i,
                         int32_t axis, int32_t batch_dims, int32_t *out_rank, int32_t *out) {
    if (axis < 0 || axis >= p_rank || batch_dims < 0 || batch_dims > i_rank || batch_dims > axis)
        return false;
    if (p_rank - 1 + i_rank - batch_dims > CPU_MAX_RANK) return false;
    for (int32_t d = 0; d < batch_dims; d++)
        if (p[d] != i[d]) return false;
    int32_t n = 0;
    for (int32_t d = 0; d < axis; d++) out[n++] = p[d];
    for (int32_t d = batch_dims; d < i_rank; d++) out[n++] = i[d];
    for (int32_t d = axis + 1; d < p_rank; d++) out[n++] = p[d];
    *out_rank = n;
    return true;
}

static bool check_gather(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteGatherParams *params = c->node->params;
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *indices = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "params", LAYOUT_TYPES, 1, CPU_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, indices, "indices", LAYOUT_INDEX_TYPES, 0, CPU_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", LAYOUT_TYPES, 0, CPU_MAX_RANK, reason, capacity))
        return false;
    if (in->type != out->type) return lps_decline(reason, capacity, "params and output types differ");
    int32_t rank, dims[CPU_MAX_RANK];
    if (!gather_shape(in->rank, in->dims, indices->rank, indices->dims, params->axis, params->batch_dims,
                      &rank, dims))
        return lps_decline(reason, capacity, "axis %d / batch_dims %d do not fit the shapes",
                           params->axis, params->batch_dims);
    if (!layout_same_dims(rank, dims, out->rank, out->dims))
        return lps_decline(reason, capacity, "output shape differs from the gather's");
    return true;
}

static LiteStatus prepare_gather(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *indices = cpu_in(p, node, 1), *out = cpu_out(p, node, 0);
    int32_t rank, dims[CPU_MAX_RANK];
    if (!gather_shape(in->rank, in->dims, indices->rank, indices->dims, node->params.gather.axis,
                      node->params.gather.batch_dims, &rank, dims) ||
        !layout_same_dims(rank, dims, out->rank, out->dims))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: GATHER node %d: output shape differs from the gather's", node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_gather(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *indices = cpu_in(p, node, 1);
    const int32_t axis = node->params.gather.axis, batch_dims = node->params.gather.batch_dims;
    const size_t batch = layout_product(in->dims, 0, batch_dims);
    const size_t outer = layout_product(in->dims, batch_dims, axis);
    const size_t extent = (size_t)in->dims[axis];
    const size_t inner = layout_product(in->dims, axis + 1, in->rank);
    const size_t per_batch = layout_product(indices->dims, batch_dims, indices->rank);
    const uint32_t *source = in->data;
    uint32_t *out = cpu_out(p, node, 0)->data;
    for (size_t b = 0; b < batch; b++)
        for (size_t o = 0; o < outer; o++)
            for (size_t i = 0; i < per_batch; i++) {
                const int64_t k = layout_index_at(indices->data, indices->type, b * per_batch + i);
                if (k < 0 || (size_t)k >= extent)
                    return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                                    "cpu: GATHER node %d: index %lld out of range [0, %zu)",
                                    node->graph_node, (long long)k, extent);
                memcpy(out, source + ((b * outer + o) * extent + (size_t)k) * inner, inner * sizeof(uint32_t));
                out += inner;
            }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_gather = {
    .builtin_code = LITE_OP_GATHER, .name = "GATHER", .min_version = 1, .max_version = 7,
    .params_size = sizeof(LiteGatherParams), .check = check_gather, .prepare = prepare_gather,
    .run = run_gather};
