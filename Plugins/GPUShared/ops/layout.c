// Operators that move data without arithmetic: CONCATENATION, RESHAPE, PAD, STRIDED_SLICE,
// DEPTH_TO_SPACE (float32, up to 4 dimensions).
#include "gpu_shared.h"

/* A 4-D axis from an axis of a rank-`rank` tensor (lower ranks are padded on the left). */
static int32_t axis4(int32_t axis, int32_t rank) { return axis + GPU_KERNEL_RANK - rank; }

/* Writes ACT_CLAMP(v), the clamp of a fused activation for a float or a vec4: NaN passes unchanged
   (keep_nan, common.glsl), and so do infinities the activation does not bound. */
static void define_clamp(GpuDispatch *d, LiteActivation activation) {
    const char *clamp = "(v)";
    if (activation == LITE_ACTIVATION_RELU) clamp = "keep_nan(v, max(v, 0.0))";
    if (activation == LITE_ACTIVATION_RELU6) clamp = "keep_nan(v, clamp(v, 0.0, 6.0))";
    if (activation == LITE_ACTIVATION_RELU_N1_TO_1) clamp = "keep_nan(v, clamp(v, -1.0, 1.0))";
    gpu_define(d, "#define ACT_CLAMP(v) %s\n", clamp);
}

/* ------------------------------------------------------------------------------------------------ */
/* CONCATENATION                                                                                    */
/* ------------------------------------------------------------------------------------------------ */

static bool check_concat(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteConcatenationParams *params = c->node->params;
    if (!lps_check_io(c, 1, 16, 1, reason, capacity)) return false;
    const LiteTensor *out = lps_check_output(c, 0);
    if (!gpu_check_float(out, "output", 1, 4, reason, capacity)) return false;
    if (params->axis < 0 || params->axis >= out->rank)
        return lps_decline(reason, capacity, "axis %d out of range for rank %d", params->axis, out->rank);
    int64_t total = 0;
    for (int32_t i = 0; i < c->node->input_count; i++) {
        const LiteTensor *in = lps_check_input(c, i);
        if (!gpu_check_float(in, "input", 1, 4, reason, capacity)) return false;
        if (in->rank != out->rank) return lps_decline(reason, capacity, "input ranks differ");
        for (int32_t d = 0; d < out->rank; d++)
            if (d != params->axis && in->dims[d] != out->dims[d])
                return lps_decline(reason, capacity, "input shapes differ off the axis");
        total += in->dims[params->axis];
    }
    if (total != out->dims[params->axis])
        return lps_decline(reason, capacity, "inputs do not add up to the output along the axis");
    if (params->activation == LITE_ACTIVATION_TANH)
        return lps_decline(reason, capacity, "fused activation TANH unsupported");
    return gpu_check_activation(params->activation, reason, capacity);
}

static bool plan_concat(GpuPlanner *pl, const GpuNodePlan *n) {
    const LiteConcatenationParams *params = n->node->params;
    const GpuTensor *out = gpu_tensor(pl, n->output);
    const int32_t axis = axis4(params->axis, out->rank);
    int32_t offset = 0;
    for (int32_t i = 0; i < n->input_count; i++) {
        const GpuTensor *in = gpu_tensor(pl, n->inputs[i]);
        const int32_t extent = axis == 0 ? in->shape.b : axis == 1 ? in->shape.h
                               : axis == 2 ? in->shape.w : in->shape.c;
        if (extent == 0) continue;
        GpuDispatch *d = gpu_emit(pl, n, "concat");
        if (!d) return false;
        define_clamp(d, params->activation);
        if (!gpu_bind_tensor(pl, d, n->output, true) || !gpu_bind_tensor(pl, d, n->inputs[i], false))
            return false;
        int32_t first_slice = 0, region_slices = in->slices;
        if (axis == 3) {
            first_slice = offset / 4;
            region_slices = (offset + extent - 1) / 4 - first_slice + 1;
        }
        gpu_param_shape(d, "in_shape", in);
        gpu_param_shape(d, "out_shape", out);
        gpu_param_ivec4(d, "offset", axis == 0 ? offset : 0, axis == 1 ? offset : 0, axis == 2 ? offset : 0,
                        axis == 3 ? offset : 0);
        gpu_param_ivec4(d, "region", in->shape.b, first_slice, region_slices, 0);
        gpu_set_grid(d, (uint32_t)in->shape.w, (uint32_t)in->shape.h,
                     (uint32_t)in->shape.b * (uint32_t)region_slices);
        offset += extent;
    }
    return true;
}

const GpuOp gpu_op_concatenation = {
    .builtin_code = LITE_OP_CONCATENATION, .name = "CONCATENATION", .min_version = 1,
    .max_version = 4, .params_size = sizeof(LiteConcatenationParams), .check = check_concat,
    .plan = plan_concat};

/* ------------------------------------------------------------------------------------------------ */
/* RESHAPE (free when the channel count stays: the planner aliases it), and gathers               */
/* ------------------------------------------------------------------------------------------------ */

/* The gather kernel (shaders/gather.comp) with an explicit source space. */
static GpuDispatch *emit_gather(GpuPlanner *pl, const GpuNodePlan *n, int32_t input, int32_t output,
                                const int32_t space[4], const int32_t start[4], const int32_t stride[4]) {
    const GpuTensor *in = gpu_tensor(pl, input), *out = gpu_tensor(pl, output);
    GpuDispatch *d = gpu_emit(pl, n, "gather");
    if (!d) return NULL;
    if (!gpu_bind_tensor(pl, d, output, true) || !gpu_bind_tensor(pl, d, input, false)) return NULL;
    gpu_param_shape(d, "in_shape", in);
    gpu_param_shape(d, "out_shape", out);
    gpu_param_ivec4(d, "space", space[0], space[1], space[2], space[3]);
    gpu_param_ivec4(d, "start", start[0], start[1], start[2], start[3]);
    gpu_param_ivec4(d, "stride", stride[0], stride[1], stride[2], stride[3]);
    gpu_param_ivec4(d, "batches", out->shape.b, 0, 0, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return d;
}

GpuDispatch *gpu_emit_reshape(GpuPlanner *pl, const GpuNodePlan *n, int32_t input, int32_t output) {
    const GpuTensor *in = gpu_tensor(pl, input);
    const int32_t space[4] = {in->shape.b, in->shape.h, in->shape.w, in->shape.c};
    const int32_t start[4] = {0, 0, 0, 0}, stride[4] = {1, 1, 1, 1};
    GpuDispatch *d = emit_gather(pl, n, input, output, space, start, stride);
    if (d) d->epilogue = false;
    return d;
}

static bool check_reshape(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!gpu_check_float_in_out(c, 1, 2, 0, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    int64_t a = 1, b = 1;
    for (int32_t i = 0; i < in->rank; i++) a *= in->dims[i];
    for (int32_t i = 0; i < out->rank; i++) b *= out->dims[i];
    if (a != b)
        return lps_decline(reason, capacity, "element counts differ (%lld vs %lld)", (long long)a,
                           (long long)b);
    return true;
}

static bool plan_reshape(GpuPlanner *pl, const GpuNodePlan *n) {
    return gpu_emit_reshape(pl, n, n->inputs[0], n->output) != NULL;
}

const GpuOp gpu_op_reshape = {
    .builtin_code = LITE_OP_RESHAPE, .name = "RESHAPE", .min_version = 1, .max_version = 3,
    .check = check_reshape, .plan = plan_reshape};

/* ------------------------------------------------------------------------------------------------ */
/* PAD                                                                                              */
/* ------------------------------------------------------------------------------------------------ */

static bool check_pad(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!gpu_check_float_in_out(c, 2, 2, 0, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *pads = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!pads || pads->type != LITE_DATA_TYPE_INT32 || pads->rank != 2 || !pads->constant_data)
        return lps_decline(reason, capacity, "paddings are not a constant INT32 matrix");
    if (pads->dims[0] != in->rank || pads->dims[1] != 2 || out->rank != in->rank)
        return lps_decline(reason, capacity, "paddings shape does not match the input rank");
    const int32_t *values = pads->constant_data;
    for (int32_t d = 0; d < in->rank; d++) {
        if (values[2 * d] < 0 || values[2 * d + 1] < 0) return lps_decline(reason, capacity, "negative padding");
        if ((int64_t)in->dims[d] + values[2 * d] + values[2 * d + 1] != out->dims[d])
            return lps_decline(reason, capacity, "output shape does not match the paddings");
    }
    return true;
}

static bool plan_pad(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    const GpuTensor *pads = gpu_tensor(pl, n->inputs[1]);
    const int32_t *values = pads->constant;
    if (!values) return gpu_plan_fail(pl, n, "paddings are not constant");
    int32_t before[4] = {0, 0, 0, 0};
    for (int32_t d = 0; d < in->rank; d++) before[axis4(d, in->rank)] = values[2 * d];
    GpuDispatch *d = gpu_emit_in_out(pl, n, "pad", 0);
    if (!d) return false;
    gpu_param_ivec4(d, "before", before[0], before[1], before[2], before[3]);
    gpu_param_ivec4(d, "batches", out->shape.b, in->shape.b, 0, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_pad = {
    .builtin_code = LITE_OP_PAD, .name = "PAD", .min_version = 1, .max_version = 4,
    .check = check_pad, .plan = plan_pad, .epilogue = true};

/* ------------------------------------------------------------------------------------------------ */
/* STRIDED_SLICE, following TFLite's StridedSliceStartForAxis / StridedSliceEndForAxis             */
/* ------------------------------------------------------------------------------------------------ */

typedef struct SlicePlan {
    int32_t start[4], stop[4], stride[4], size[4]; /* over the input's 4-D view */
    int32_t out_rank;
    int32_t out_dims[4];
} SlicePlan;

static bool plan_slice(const LiteStridedSliceParams *params, int32_t rank, const int32_t *dims,
                       const int32_t *begin, const int32_t *end, const int32_t *strides,
                       SlicePlan *plan, char *reason, size_t capacity) {
    const int32_t pad = 4 - rank;
    const int32_t begin_mask = (params->begin_mask << pad) | ((1 << pad) - 1);
    const int32_t end_mask = (params->end_mask << pad) | ((1 << pad) - 1);
    const int32_t shrink_mask = params->shrink_axis_mask << pad;
    plan->out_rank = 0;
    for (int32_t axis = 0; axis < 4; axis++) {
        const bool padded = axis < pad;
        const int32_t size = padded ? 1 : dims[axis - pad];
        const int32_t stride = padded ? 1 : strides[axis - pad];
        if (stride == 0) return lps_decline(reason, capacity, "stride 0 on axis %d", axis - pad);
        const bool shrink = (shrink_mask >> axis) & 1;
        plan->size[axis] = lps_slice_axis(size, stride, padded ? 0 : begin[axis - pad], padded ? 1 : end[axis - pad],
                                          begin_mask & (1 << axis), end_mask & (1 << axis), shrink,
                                          params->offset, &plan->start[axis], &plan->stop[axis]);
        plan->stride[axis] = stride;
        if (!shrink && !padded) plan->out_dims[plan->out_rank++] = plan->size[axis];
    }
    return true;
}

static bool check_slice(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteStridedSliceParams *params = c->node->params;
    if (!lps_check_io(c, 4, 4, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!gpu_check_float(in, "input", 1, 4, reason, capacity) ||
        !gpu_check_float(out, "output", 0, 4, reason, capacity))
        return false;
    if (params->ellipsis_mask) return lps_decline(reason, capacity, "ellipsis_mask unsupported");
    if (params->new_axis_mask) return lps_decline(reason, capacity, "new_axis_mask unsupported");
    const int32_t *values[3];
    const char *names[3] = {"begin", "end", "strides"};
    for (int i = 0; i < 3; i++) {
        const LiteTensor *t = lps_check_input(c, 1 + i);
        if (!t || t->type != LITE_DATA_TYPE_INT32 || t->rank != 1 || !t->constant_data)
            return lps_decline(reason, capacity, "%s is not a constant INT32 vector", names[i]);
        if (t->dims[0] != in->rank)
            return lps_decline(reason, capacity, "%s has %d values for rank %d", names[i], t->dims[0], in->rank);
        values[i] = t->constant_data;
    }
    SlicePlan plan;
    if (!plan_slice(params, in->rank, in->dims, values[0], values[1], values[2], &plan, reason, capacity))
        return false;
    bool matches = plan.out_rank == out->rank;
    for (int32_t i = 0; matches && i < out->rank; i++) matches = plan.out_dims[i] == out->dims[i];
    if (!matches) return lps_decline(reason, capacity, "output shape differs from the slice's");
    return true;
}

static bool plan_strided_slice(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]);
    const int32_t *values[3];
    for (int i = 0; i < 3; i++) {
        values[i] = gpu_tensor(pl, n->inputs[1 + i])->constant;
        if (!values[i]) return gpu_plan_fail(pl, n, "begin/end/strides are not constant");
    }
    SlicePlan plan;
    char reason[GPU_REASON_CAPACITY];
    if (!plan_slice(n->node->params, in->rank, in->dims, values[0], values[1], values[2], &plan,
                    reason, sizeof(reason)))
        return gpu_plan_fail(pl, n, "%s", reason);
    return emit_gather(pl, n, n->inputs[0], n->output, plan.size, plan.start, plan.stride) != NULL;
}

const GpuOp gpu_op_strided_slice = {
    .builtin_code = LITE_OP_STRIDED_SLICE, .name = "STRIDED_SLICE", .min_version = 1,
    .max_version = 8, .params_size = sizeof(LiteStridedSliceParams), .check = check_slice,
    .plan = plan_strided_slice, .epilogue = true};

/* ------------------------------------------------------------------------------------------------ */
/* DEPTH_TO_SPACE                                                                                   */
/* ------------------------------------------------------------------------------------------------ */

static bool check_d2s(const LpsCheckContext *c, char *reason, size_t capacity) {
    const int32_t bs = ((const LiteDepthToSpaceParams *)c->node->params)->block_size;
    if (!gpu_check_float_in_out(c, 1, 1, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    return lps_check_depth_to_space(bs, in, out, reason, capacity);
}

static bool plan_d2s(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *out = gpu_tensor(pl, n->output);
    GpuDispatch *d = gpu_emit_in_out(pl, n, "depth_to_space", 0);
    if (!d) return false;
    gpu_param_ivec4(d, "block", ((const LiteDepthToSpaceParams *)n->node->params)->block_size, out->shape.b, 0, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_depth_to_space = {
    .builtin_code = LITE_OP_DEPTH_TO_SPACE, .name = "DEPTH_TO_SPACE", .min_version = 1,
    .max_version = 2, .params_size = sizeof(LiteDepthToSpaceParams), .check = check_d2s,
    .plan = plan_d2s, .epilogue = true};
