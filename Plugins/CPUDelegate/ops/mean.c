// MEAN over constant axes (float32, rank up to 5); keep_dims only changes the output shape, which
// comes from the graph.
#include "../cpu_delegate.h"

#define MEAN_MAX_RANK 5

/* Marks the reduced axes; false with a reason for out-of-range axes. */
static bool reduced_axes(const int32_t *axes, size_t count, int32_t rank, bool *reduced,
                         char *reason, size_t capacity) {
    for (int32_t d = 0; d < rank; d++) reduced[d] = false;
    for (size_t i = 0; i < count; i++) {
        int32_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (axis < 0 || axis >= rank) return lps_decline(reason, capacity, "axis %d out of range", axes[i]);
        reduced[axis] = true;
    }
    return true;
}

static bool output_fits(const bool *reduced, int32_t rank, const int32_t *in_dims,
                        int32_t out_rank, const int32_t *out_dims) {
    int64_t expected = 1, actual = 1;
    for (int32_t d = 0; d < rank; d++)
        if (!reduced[d]) expected *= in_dims[d];
    for (int32_t d = 0; d < out_rank; d++) actual *= out_dims[d];
    return expected == actual;
}

static bool check_mean(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *axes = lps_check_input(c, 1),
                     *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 1, MEAN_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 0, MEAN_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, axes, "axes", LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32), 0, 1, reason, capacity))
        return false;
    if (!axes->constant_data) return lps_decline(reason, capacity, "non-constant axes");
    bool reduced[MEAN_MAX_RANK];
    size_t count = axes->rank == 0 ? 1 : (size_t)axes->dims[0];
    if (!reduced_axes(axes->constant_data, count, in->rank, reduced, reason, capacity)) return false;
    if (!output_fits(reduced, in->rank, in->dims, out->rank, out->dims))
        return lps_decline(reason, capacity, "output shape does not match the reduction");
    return true;
}

typedef struct MeanState {
    int32_t rank;
    size_t dims[MEAN_MAX_RANK];
    size_t out_strides[MEAN_MAX_RANK]; /* 0 on reduced axes */
    size_t reduced_count;
} MeanState;

static LiteStatus prepare_mean(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *axes = cpu_in(p, node, 1), *out = cpu_out(p, node, 0);
    char reason[CPU_REASON_CAPACITY];
    bool reduced[MEAN_MAX_RANK];
    if (in->rank > MEAN_MAX_RANK || axes->kind != CPU_TENSOR_CONSTANT ||
        !reduced_axes(axes->constant, axes->count, in->rank, reduced, reason, sizeof(reason)) ||
        !output_fits(reduced, in->rank, in->dims, out->rank, out->dims))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: MEAN node %d: axes or output shape do not fit the input",
                        node->graph_node);
    MeanState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->rank = in->rank;
    s->reduced_count = 1;
    size_t stride = 1;
    for (int32_t d = in->rank - 1; d >= 0; d--) {
        s->dims[d] = (size_t)in->dims[d];
        if (reduced[d]) {
            s->out_strides[d] = 0;
            s->reduced_count *= s->dims[d];
        } else {
            s->out_strides[d] = stride;
            stride *= s->dims[d];
        }
    }
    return LITE_STATUS_OK;
}

static LiteStatus run_mean(CpuPartitionState *p, CpuNode *node) {
    const MeanState *s = node->state;
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    float *restrict sums = out->data;
    const float *restrict values = in->data;
    memset(sums, 0, out->count * sizeof(float));
    if (in->count > 0) {
        const int32_t last = s->rank - 1;
        const size_t inner = s->dims[last], inner_stride = s->out_strides[last];
        const size_t rows = in->count / inner;
        for (size_t row = 0; row < rows; row++) {
            size_t rest = row, offset = 0;
            for (int32_t d = last - 1; d >= 0; d--) {
                offset += (rest % s->dims[d]) * s->out_strides[d];
                rest /= s->dims[d];
            }
            const float *restrict src = values + row * inner;
            if (inner_stride == 0) {
                float sum = 0.0f;
                for (size_t i = 0; i < inner; i++) sum += src[i];
                sums[offset] += sum;
            } else {
                float *restrict dst = sums + offset;
                for (size_t i = 0; i < inner; i++) dst[i] += src[i];
            }
        }
    }
    if (s->reduced_count > 0) {
        const float count = (float)s->reduced_count;
        for (size_t i = 0; i < out->count; i++) sums[i] = sums[i] / count;
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_mean = {
    .builtin_code = LITE_OP_MEAN, .name = "MEAN", .min_version = 1, .max_version = 3,
    .params_size = sizeof(LiteReducerParams), .check = check_mean, .prepare = prepare_mean,
    .run = run_mean, .release = free};
