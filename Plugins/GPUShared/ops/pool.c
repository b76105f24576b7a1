// AVERAGE_POOL_2D and MAX_POOL_2D (padding excluded from the average, as TFLite).
#include "gpu_shared.h"

static bool check_pool(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LitePool2DParams *params = c->node->params;
    if (!gpu_check_float_in_out(c, 1, 1, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!lps_check_pool(params, in, out, reason, capacity)) return false;
    return gpu_check_activation(params->activation, reason, capacity);
}

static GpuEpilogueKind pool_activation(const LiteNode *node) {
    return gpu_activation_step(((const LitePool2DParams *)node->params)->activation);
}

static bool plan_pool(GpuPlanner *pl, const GpuNodePlan *n) {
    const LitePool2DParams *params = n->node->params;
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    if (in->shape.b != out->shape.b || in->shape.c != out->shape.c)
        return gpu_plan_fail(pl, n, "batch or channels differ between input and output");
    if (!gpu_plan_check_window(pl, n, in->shape.h, in->shape.w, out->shape.h, out->shape.w,
                               params->filter_height, params->filter_width, params->stride_height,
                               params->stride_width, 1, 1))
        return false;
    int32_t pad_top = 0, pad_left = 0;
    if (params->padding == LITE_PADDING_SAME) {
        pad_top = lps_padding_before(in->shape.h, out->shape.h, params->stride_height, params->filter_height, 1);
        pad_left = lps_padding_before(in->shape.w, out->shape.w, params->stride_width, params->filter_width, 1);
    }
    GpuDispatch *d = gpu_emit_in_out(pl, n, "pool2d", 0);
    if (!d) return false;
    gpu_define(d, "#define POOL_MAX %d\n", n->node->builtin_code == LITE_OP_MAX_POOL_2D ? 1 : 0);
    gpu_param_ivec4(d, "window", params->filter_height, params->filter_width, params->stride_height,
                    params->stride_width);
    gpu_param_ivec4(d, "geometry", pad_top, pad_left, out->shape.b, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_average_pool_2d = {
    .builtin_code = LITE_OP_AVERAGE_POOL_2D, .name = "AVERAGE_POOL_2D", .min_version = 1,
    .max_version = 3, .params_size = sizeof(LitePool2DParams), .check = check_pool,
    .plan = plan_pool, .activation = pool_activation, .epilogue = true};

const GpuOp gpu_op_max_pool_2d = {
    .builtin_code = LITE_OP_MAX_POOL_2D, .name = "MAX_POOL_2D", .min_version = 1,
    .max_version = 3, .params_size = sizeof(LitePool2DParams), .check = check_pool,
    .plan = plan_pool, .activation = pool_activation, .epilogue = true};
