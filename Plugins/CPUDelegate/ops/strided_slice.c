// STRIDED_SLICE (float32/int32, rank up to 5) with begin/end/shrink masks and `offset`, following
// TFLite's reference (StridedSliceStartForAxis / StridedSliceEndForAxis). ellipsis_mask and
// new_axis_mask are declined.
#include "../cpu_delegate.h"

#define SLICE_RANK 5

static const uint32_t f32_i32 =
    LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32) | LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32);

typedef struct SlicePlan {
    int32_t start[SLICE_RANK], stop[SLICE_RANK], stride[SLICE_RANK];
    int32_t in_dims[SLICE_RANK];
    int32_t out_rank;
    int32_t out_dims[CPU_MAX_RANK]; /* after shrinking */
} SlicePlan;

/* Builds the plan from the input shape and the begin/end/strides values (length `rank`).
   Returns false with a reason when a stride is zero. */
static bool plan_slice(const LiteStridedSliceParams *params, int32_t rank, const int32_t *dims,
                       const int32_t *begin, const int32_t *end, const int32_t *strides,
                       SlicePlan *plan, char *reason, size_t capacity) {
    const int32_t pad = SLICE_RANK - rank;
    // Leading padded axes take everything: begin/end masks set, stride 1.
    const int32_t begin_mask = (params->begin_mask << pad) | ((1 << pad) - 1);
    const int32_t end_mask = (params->end_mask << pad) | ((1 << pad) - 1);
    const int32_t shrink_mask = params->shrink_axis_mask << pad;
    plan->out_rank = 0;
    for (int32_t axis = 0; axis < SLICE_RANK; axis++) {
        const bool padded = axis < pad;
        const int32_t size = padded ? 1 : dims[axis - pad];
        const int32_t stride = padded ? 1 : strides[axis - pad];
        if (stride == 0) return lps_decline(reason, capacity, "stride 0 on axis %d", axis - pad);
        const bool shrink = (shrink_mask >> axis) & 1;
        const int32_t count = lps_slice_axis(size, stride, padded ? 0 : begin[axis - pad],
                                             padded ? 1 : end[axis - pad], begin_mask & (1 << axis),
                                             end_mask & (1 << axis), shrink, params->offset,
                                             &plan->start[axis], &plan->stop[axis]);
        plan->stride[axis] = stride;
        plan->in_dims[axis] = size;
        if (!shrink && !padded) plan->out_dims[plan->out_rank++] = count;
    }
    return true;
}

static bool plan_matches(const SlicePlan *plan, int32_t rank, const int32_t *dims) {
    if (plan->out_rank != rank) return false;
    for (int32_t i = 0; i < rank; i++)
        if (plan->out_dims[i] != dims[i]) return false;
    return true;
}

static bool check_slice(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteStridedSliceParams *params = c->node->params;
    if (!lps_check_io(c, 4, 4, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32_i32, 1, SLICE_RANK, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32_i32, 0, SLICE_RANK, reason, capacity))
        return false;
    if (in->type != out->type) return lps_decline(reason, capacity, "input and output types differ");
    if (params->ellipsis_mask) return lps_decline(reason, capacity, "STRIDED_SLICE with ellipsis_mask unsupported");
    if (params->new_axis_mask) return lps_decline(reason, capacity, "STRIDED_SLICE with new_axis_mask unsupported");
    const int32_t *values[3];
    const char *names[3] = {"begin", "end", "strides"};
    for (int i = 0; i < 3; i++) {
        const LiteTensor *t = lps_check_input(c, 1 + i);
        if (!cpu_check_tensor(c, t, names[i], LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32), 1, 1,
                              reason, capacity))
            return false;
        if (!t->constant_data) return lps_decline(reason, capacity, "non-constant %s", names[i]);
        if (t->dims[0] != in->rank)
            return lps_decline(reason, capacity, "%s has %d values for rank %d", names[i],
                               t->dims[0], in->rank);
        values[i] = t->constant_data;
    }
    SlicePlan plan;
    if (!plan_slice(params, in->rank, in->dims, values[0], values[1], values[2], &plan, reason, capacity))
        return false;
    if (!plan_matches(&plan, out->rank, out->dims))
        return lps_decline(reason, capacity, "output shape differs from the slice's");
    return true;
}

static LiteStatus prepare_slice(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    SlicePlan *plan = calloc(1, sizeof(*plan));
    if (!plan) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = plan;
    char reason[CPU_REASON_CAPACITY];
    const CpuTensor *b = cpu_in(p, node, 1), *e = cpu_in(p, node, 2), *s = cpu_in(p, node, 3);
    if (in->rank > SLICE_RANK || b->count != (size_t)in->rank || e->count != (size_t)in->rank ||
        s->count != (size_t)in->rank || b->kind != CPU_TENSOR_CONSTANT ||
        e->kind != CPU_TENSOR_CONSTANT || s->kind != CPU_TENSOR_CONSTANT)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: STRIDED_SLICE node %d: begin/end/strides do not fit the input",
                        node->graph_node);
    if (!plan_slice(&node->params.strided_slice, in->rank, in->dims, b->constant, e->constant,
                    s->constant, plan, reason, sizeof(reason)))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: STRIDED_SLICE node %d: %s",
                        node->graph_node, reason);
    if (!plan_matches(plan, out->rank, out->dims))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: STRIDED_SLICE node %d: output shape differs from the slice's",
                        node->graph_node);
    return LITE_STATUS_OK;
}

static inline bool done(int32_t index, int32_t stop, int32_t stride) {
    return stride > 0 ? index >= stop : index <= stop;
}

static LiteStatus run_slice(CpuPartitionState *p, CpuNode *node) {
    const SlicePlan *s = node->state;
    const uint32_t *in = cpu_in(p, node, 0)->data;
    uint32_t *out = cpu_out(p, node, 0)->data;
    if (cpu_out(p, node, 0)->count == 0) return LITE_STATUS_OK;
    const int32_t *d = s->in_dims;
    size_t k = 0;
    for (int32_t i0 = s->start[0]; !done(i0, s->stop[0], s->stride[0]); i0 += s->stride[0])
        for (int32_t i1 = s->start[1]; !done(i1, s->stop[1], s->stride[1]); i1 += s->stride[1])
            for (int32_t i2 = s->start[2]; !done(i2, s->stop[2], s->stride[2]); i2 += s->stride[2])
                for (int32_t i3 = s->start[3]; !done(i3, s->stop[3], s->stride[3]); i3 += s->stride[3]) {
                    const size_t base = ((((size_t)i0 * d[1] + i1) * d[2] + i2) * d[3] + i3) * d[4];
                    if (s->stride[4] == 1) {
                        size_t n = (size_t)(s->stop[4] - s->start[4]);
                        if (s->stop[4] > s->start[4]) {
                            memcpy(out + k, in + base + s->start[4], n * sizeof(uint32_t));
                            k += n;
                        }
                    } else {
                        for (int32_t i4 = s->start[4]; !done(i4, s->stop[4], s->stride[4]); i4 += s->stride[4])
                            out[k++] = in[base + (size_t)i4];
                    }
                }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_strided_slice = {
    .builtin_code = LITE_OP_STRIDED_SLICE, .name = "STRIDED_SLICE", .min_version = 1,
    .max_version = 8, .params_size = sizeof(LiteStridedSliceParams), .check = check_slice,
    .prepare = prepare_slice, .run = run_slice, .release = free};
