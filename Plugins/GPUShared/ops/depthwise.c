// DEPTHWISE_CONV_2D, any depth multiplier. Weights [1][KH][KW][O] -> [O/4][KH][KW] vec4s.
#include "gpu_weights.h"

static bool check_depthwise(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteDepthwiseConv2DParams *params = c->node->params;
    if (!gpu_check_weighted_operands(c, 4, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (w->dims[0] != 1) return lps_decline(reason, capacity, "weights dimension 0 is %d, not 1", w->dims[0]);
    if (!gpu_check_bias(c, 2, w->dims[3], "output channels", reason, capacity)) return false;
    if (!lps_check_depthwise_channels(in, w, out, params->depth_multiplier, reason, capacity)) return false;
    if (!gpu_check_conv_window(in, out, w, params->padding, params->stride_height, params->stride_width,
                               params->dilation_height, params->dilation_width, reason, capacity))
        return false;
    return gpu_check_activation(params->activation, reason, capacity);
}

static GpuEpilogueKind depthwise_activation(const LiteNode *node) {
    return gpu_activation_step(((const LiteDepthwiseConv2DParams *)node->params)->activation);
}

static bool plan_depthwise(GpuPlanner *pl, const GpuNodePlan *n) {
    const LiteDepthwiseConv2DParams *params = n->node->params;
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    const GpuTensor *w = gpu_tensor(pl, n->inputs[1]);
    const float *weights, *bias;
    if (!gpu_plan_weights(pl, n, 1, 2, &weights, &bias)) return false;
    const int32_t KH = w->dims[1], KW = w->dims[2], O = w->dims[3], OS = (O + 3) / 4;
    if (O != out->shape.c || (int64_t)in->shape.c * params->depth_multiplier != O)
        return gpu_plan_fail(pl, n, "shapes of input, weights and output disagree");
    GpuConvWindow window = {KH, KW, params->stride_height, params->stride_width, params->dilation_height,
                            params->dilation_width, params->padding, 0, 0};
    if (!gpu_plan_conv_window(pl, n, in, out, &window)) return false;
    float *packed = calloc((size_t)OS * KH * KW * 4 + 4, sizeof(float));
    if (!packed) return gpu_plan_fail(pl, n, "out of memory");
    for (int32_t ky = 0; ky < KH; ky++)
        for (int32_t kx = 0; kx < KW; kx++)
            for (int32_t o = 0; o < O; o++)
                packed[(((size_t)(o / 4) * KH + ky) * KW + kx) * 4 + (size_t)(o % 4)] =
                    weights[((size_t)ky * KW + kx) * O + o];
    int32_t weight_blob = gpu_add_blob(pl, packed, (size_t)OS * KH * KW * 4, false);
    int32_t bias_blob = gpu_add_bias_blob(pl, bias, O);
    if (weight_blob < 0 || bias_blob < 0) return gpu_plan_fail(pl, n, "out of memory");

    GpuDispatch *d = gpu_emit(pl, n, "depthwise_conv2d");
    if (!d) return false;
    const int32_t pixel_block = gpu_pixel_tile(out->shape.w);
    gpu_define(d, "#define MULTIPLIER %d\n#define PIXEL_TILE %d\n",
               params->depth_multiplier == 1 ? 1 : params->depth_multiplier, pixel_block);
    // With the filter width, stride and dilation fixed in the source, the tile's input columns
    // on a filter row are read once each (a span of at most 24 vec4s kept in registers).
    const int32_t span = (pixel_block - 1) * params->stride_width + (KW - 1) * params->dilation_width + 1;
    if (span <= 24)
        gpu_define(d, "#define SPAN %d\n#define WINDOW_W %d\n#define STRIDE_X %d\n#define DILATION_X %d\n",
                   span, KW, params->stride_width, params->dilation_width);
    if (!gpu_bind_conv(pl, d, n, in, out, &window, weight_blob, bias_blob)) return false;
    gpu_param_ivec4(d, "batch", out->shape.b, 0, 0, 0);
    gpu_set_grid(d, (uint32_t)((out->shape.w + pixel_block - 1) / pixel_block), (uint32_t)out->shape.h,
                 (uint32_t)(out->shape.b * out->slices));
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_depthwise_conv_2d = {
    .builtin_code = LITE_OP_DEPTHWISE_CONV_2D, .name = "DEPTHWISE_CONV_2D", .min_version = 1,
    .max_version = 7, .params_size = sizeof(LiteDepthwiseConv2DParams), .check = check_depthwise,
    .plan = plan_depthwise, .activation = depthwise_activation, .epilogue = true};
