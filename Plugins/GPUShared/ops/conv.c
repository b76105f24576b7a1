// CONV_2D (general, and 1x1 stride 1 as a matrix product) and FULLY_CONNECTED (the 1x1 kernel over
// rows). Weights are re-laid-out once into the blocks the kernels read: for each output slice and
// filter tap, one 4x4 block per input slice (see shaders/conv2d.comp).
#include "gpu_weights.h"

static bool check_conv(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteConv2DParams *params = c->node->params;
    if (!gpu_check_weighted_operands(c, 4, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!gpu_check_bias(c, 2, w->dims[0], "output channels", reason, capacity)) return false;
    if (!lps_check_conv_shapes(in, w, out, reason, capacity)) return false;
    if (!gpu_check_conv_window(in, out, w, params->padding, params->stride_height, params->stride_width,
                               params->dilation_height, params->dilation_width, reason, capacity))
        return false;
    return gpu_check_activation(params->activation, reason, capacity);
}

static GpuEpilogueKind conv_activation(const LiteNode *node) {
    return gpu_activation_step(((const LiteConv2DParams *)node->params)->activation);
}

/* Output slices per invocation of the blocked kernels: 4 where the slices split into fours, else
 * 3 or 2 where they split evenly (24 channels: 2 groups of 3, not 4 + 2 clamped), else 4. */
static int32_t slice_tile(int32_t slices) {
    if (slices < 4) return slices > 0 ? slices : 1;
    if (slices % 4 == 0) return 4;
    if (slices % 3 == 0) return 3;
    if (slices % 2 == 0) return 2;
    return 4;
}

/* The 1x1 kernel over `pixels` rows of `in`: out = in x weights + bias. */
static bool emit_matmul(GpuPlanner *pl, const GpuNodePlan *n, int32_t in, int32_t out, int32_t pixels,
                        int32_t weights, int32_t bias) {
    const GpuTensor *ti = gpu_tensor(pl, in), *to = gpu_tensor(pl, out);
    GpuDispatch *d = gpu_emit(pl, n, "conv2d_1x1");
    if (!d) return false;
    const int32_t tile = slice_tile(to->slices), pixel_block = gpu_pixel_tile(pixels);
    gpu_define(d, "#define OUT_TILE %d\n#define PIXEL_TILE %d\n", tile, pixel_block);
    if (!gpu_bind_tensor(pl, d, out, true) || !gpu_bind_tensor(pl, d, in, false)) return false;
    gpu_bind_blob(d, weights);
    gpu_bind_blob(d, bias);
    gpu_param_ivec4(d, "sizes", pixels, ti->slices, to->slices, to->shape.c);
    gpu_set_grid(d, (uint32_t)((pixels + pixel_block - 1) / pixel_block),
                 (uint32_t)((to->slices + tile - 1) / tile), 1);
    d->epilogue = true;
    return true;
}

static bool plan_conv(GpuPlanner *pl, const GpuNodePlan *n) {
    const LiteConv2DParams *params = n->node->params;
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    const GpuTensor *w = gpu_tensor(pl, n->inputs[1]);
    const float *weights, *bias;
    if (!gpu_plan_weights(pl, n, 1, 2, &weights, &bias)) return false;
    const int32_t O = w->dims[0], KH = w->dims[1], KW = w->dims[2], I = w->dims[3];
    if (I != in->shape.c || O != out->shape.c || in->shape.b != out->shape.b)
        return gpu_plan_fail(pl, n, "shapes of input, weights and output disagree");
    GpuConvWindow window = {KH, KW, params->stride_height, params->stride_width, params->dilation_height,
                            params->dilation_width, params->padding, 0, 0};
    if (!gpu_plan_conv_window(pl, n, in, out, &window)) return false;
    int32_t weight_blob = gpu_add_weight_blocks(pl, weights, O, KH, KW, I);
    int32_t bias_index = gpu_add_bias_blob(pl, bias, O);
    if (weight_blob < 0 || bias_index < 0) return gpu_plan_fail(pl, n, "out of memory");

    if (KH == 1 && KW == 1 && params->stride_height == 1 && params->stride_width == 1 &&
        window.pad_top == 0 && window.pad_left == 0 && in->shape.h == out->shape.h && in->shape.w == out->shape.w)
        return emit_matmul(pl, n, n->inputs[0], n->output,
                           out->shape.b * out->shape.h * out->shape.w, weight_blob, bias_index);

    GpuDispatch *d = gpu_emit(pl, n, "conv2d");
    if (!d) return false;
    const int32_t tile = slice_tile(out->slices), pixel_block = gpu_pixel_tile(out->shape.w);
    const int32_t groups = (out->slices + tile - 1) / tile;
    gpu_define(d, "#define OUT_TILE %d\n#define PIXEL_TILE %d\n", tile, pixel_block);
    if (!gpu_bind_conv(pl, d, n, in, out, &window, weight_blob, bias_index)) return false;
    gpu_param_ivec4(d, "batch", out->shape.b, groups, 0, 0);
    gpu_set_grid(d, (uint32_t)((out->shape.w + pixel_block - 1) / pixel_block), (uint32_t)out->shape.h,
                 (uint32_t)(out->shape.b * groups));
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_conv_2d = {
    .builtin_code = LITE_OP_CONV_2D, .name = "CONV_2D", .min_version = 1, .max_version = 8,
    .params_size = sizeof(LiteConv2DParams), .check = check_conv, .plan = plan_conv,
    .activation = conv_activation, .epilogue = true};

/* FULLY_CONNECTED: the input flattened to [rows, I] times weights [O, I]. */
static bool check_fc(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteFullyConnectedParams *params = c->node->params;
    if (!gpu_check_weighted_operands(c, 1, 4, 2, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!gpu_check_bias(c, 2, w->dims[0], "output units", reason, capacity)) return false;
    if (w->dims[1] <= 0) return lps_decline(reason, capacity, "empty weights");
    if (out->dims[out->rank - 1] != w->dims[0])
        return lps_decline(reason, capacity, "output depth %d != weights rows %d",
                           out->dims[out->rank - 1], w->dims[0]);
    int64_t in_count = 1, out_count = 1;
    for (int32_t i = 0; i < in->rank; i++) in_count *= in->dims[i];
    for (int32_t i = 0; i < out->rank; i++) out_count *= out->dims[i];
    if (in_count % w->dims[1] != 0 || out_count != in_count / w->dims[1] * w->dims[0])
        return lps_decline(reason, capacity, "input does not flatten to rows of %d", w->dims[1]);
    return gpu_check_activation(params->activation, reason, capacity);
}

static GpuEpilogueKind fc_activation(const LiteNode *node) {
    return gpu_activation_step(((const LiteFullyConnectedParams *)node->params)->activation);
}

static bool plan_fc(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    const GpuTensor *w = gpu_tensor(pl, n->inputs[1]);
    const float *weights, *bias;
    if (!gpu_plan_weights(pl, n, 1, 2, &weights, &bias)) return false;
    const int32_t O = w->dims[0], I = w->dims[1];
    const size_t in_count = (size_t)in->shape.b * in->shape.h * in->shape.w * in->shape.c;
    const int32_t rows = (int32_t)(in_count / (size_t)I);
    if (out->shape.c != O || (size_t)out->shape.b * out->shape.h * out->shape.w != (size_t)rows)
        return gpu_plan_fail(pl, n, "output shape does not match %d rows of %d units", rows, O);
    int32_t source = n->inputs[0];
    if (in->shape.c != I) {
        // The rows cross pixels: regroup the input as [rows, I] first.
        source = gpu_add_scratch(pl, (GpuShape){1, 1, rows, I});
        if (source < 0) return gpu_plan_fail(pl, n, "too many tensors");
        if (!gpu_emit_reshape(pl, n, n->inputs[0], source)) return false;
    }
    int32_t weight_blob = gpu_add_weight_blocks(pl, weights, O, 1, 1, I);
    int32_t bias_index = gpu_add_bias_blob(pl, bias, O);
    if (weight_blob < 0 || bias_index < 0) return gpu_plan_fail(pl, n, "out of memory");
    return emit_matmul(pl, n, source, n->output, rows, weight_blob, bias_index);
}

const GpuOp gpu_op_fully_connected = {
    .builtin_code = LITE_OP_FULLY_CONNECTED, .name = "FULLY_CONNECTED", .min_version = 1,
    .max_version = 11, .params_size = sizeof(LiteFullyConnectedParams), .check = check_fc,
    .plan = plan_fc, .activation = fc_activation, .epilogue = true};
