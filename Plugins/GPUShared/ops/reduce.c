// SOFTMAX over the last axis (with beta) and MEAN over constant axes.
#include "gpu_shared.h"

static bool check_softmax(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!gpu_check_float_in_out(c, 1, 1, 1, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (in->rank != out->rank) return lps_decline(reason, capacity, "input and output shapes differ");
    for (int32_t i = 0; i < in->rank; i++)
        if (in->dims[i] != out->dims[i]) return lps_decline(reason, capacity, "input and output shapes differ");
    return true;
}

static bool plan_softmax(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *out = gpu_tensor(pl, n->output);
    GpuDispatch *d = gpu_emit(pl, n, "softmax");
    if (!d) return false;
    if (!gpu_bind_tensor(pl, d, n->output, true) || !gpu_bind_tensor(pl, d, n->inputs[0], false))
        return false;
    const int32_t pixels = out->shape.b * out->shape.h * out->shape.w;
    gpu_param_ivec4(d, "sizes", pixels, out->shape.c, out->slices, 0);
    gpu_param_vec4(d, "beta", ((const LiteSoftmaxParams *)n->node->params)->beta, 0.0f, 0.0f, 0.0f);
    gpu_set_grid(d, (uint32_t)pixels, 1, 1);
    return true;
}

const GpuOp gpu_op_softmax = {
    .builtin_code = LITE_OP_SOFTMAX, .name = "SOFTMAX", .min_version = 1, .max_version = 3,
    .params_size = sizeof(LiteSoftmaxParams), .check = check_softmax, .plan = plan_softmax};

/* Marks the reduced axes of the input's 4-D view; false when an axis is out of range. */
static bool reduced_axes(const int32_t *axes, int32_t count, int32_t rank, bool reduced[4]) {
    for (int32_t d = 0; d < 4; d++) reduced[d] = false;
    for (int32_t i = 0; i < count; i++) {
        int32_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (axis < 0 || axis >= rank) return false;
        reduced[axis + 4 - rank] = true;
    }
    return true;
}

static bool check_mean(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *axes = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!gpu_check_float(in, "input", 1, 4, reason, capacity) ||
        !gpu_check_float(out, "output", 0, 4, reason, capacity))
        return false;
    if (!axes || axes->type != LITE_DATA_TYPE_INT32 || axes->rank > 1 || !axes->constant_data)
        return lps_decline(reason, capacity, "axes are not a constant INT32 vector");
    bool reduced[4];
    const int32_t count = axes->rank == 0 ? 1 : axes->dims[0];
    if (!reduced_axes(axes->constant_data, count, in->rank, reduced))
        return lps_decline(reason, capacity, "axis out of range");
    int64_t expected = 1, actual = 1;
    for (int32_t d = 0; d < in->rank; d++)
        if (!reduced[d + 4 - in->rank]) expected *= in->dims[d];
    for (int32_t d = 0; d < out->rank; d++) actual *= out->dims[d];
    if (expected != actual) return lps_decline(reason, capacity, "output shape does not match the reduction");
    return true;
}

static bool plan_mean(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    const GpuTensor *axes = gpu_tensor(pl, n->inputs[1]);
    bool reduced[4];
    const int32_t count = axes->rank == 0 ? 1 : axes->dims[0];
    if (!axes->constant || !reduced_axes(axes->constant, count, in->rank, reduced))
        return gpu_plan_fail(pl, n, "axes out of range");
    const int32_t extent[4] = {in->shape.b, in->shape.h, in->shape.w, in->shape.c};
    int32_t space[4], loops[4];
    int64_t elements = 1;
    for (int32_t d = 0; d < 4; d++) {
        space[d] = reduced[d] ? 1 : extent[d];
        loops[d] = reduced[d] ? extent[d] : 1;
        if (reduced[d]) elements *= extent[d];
    }
    GpuDispatch *d = gpu_emit_in_out(pl, n, "mean", 0);
    if (!d) return false;
    gpu_define(d, "#define CHANNELS_KEPT %d\n", reduced[3] ? 0 : 1);
    gpu_param_ivec4(d, "reduced", space[0], space[1], space[2], space[3]);
    gpu_param_ivec4(d, "batches", out->shape.b, in->shape.b, 0, 0);
    gpu_param_ivec4(d, "loops", loops[0], loops[1], loops[2], loops[3]);
    gpu_param_vec4(d, "count", (float)elements, 0.0f, 0.0f, 0.0f);
    gpu_grid_over(d, out);
    return true;
}

const GpuOp gpu_op_mean = {
    .builtin_code = LITE_OP_MEAN, .name = "MEAN", .min_version = 1, .max_version = 3,
    .params_size = sizeof(LiteReducerParams), .check = check_mean, .plan = plan_mean};
