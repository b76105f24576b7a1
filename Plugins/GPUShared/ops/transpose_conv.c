// TRANSPOSE_CONV (inputs: output_shape, weights [O,H,W,I], input, optional bias) and MediaPipe's
// Convolution2DTransposeBias (inputs: input, weights, bias; MediaPipe's SAME padding, no
// activation), as a gather per output pixel (shaders/transpose_conv2d.comp).
#include "gpu_weights.h"

static bool check_transpose_conv(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LpsTransposeConvSlots slots = lps_transpose_conv_slots(c->node->builtin_code);
    const LiteTransposeConvParams *params = c->node->params;
    if (!lps_check_io(c, 3, slots.custom ? 3 : 4, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, slots.input), *w = lps_check_input(c, slots.weights),
                     *out = lps_check_output(c, 0);
    if (!gpu_check_float(in, "input", 4, 4, reason, capacity) ||
        !gpu_check_float(w, "weights", 4, 4, reason, capacity) ||
        !gpu_check_float(out, "output", 4, 4, reason, capacity))
        return false;
    if (!slots.custom) {
        const LiteTensor *shape = lps_check_input(c, 0);
        if (!shape || shape->type != LITE_DATA_TYPE_INT32)
            return lps_decline(reason, capacity, "output_shape is not INT32");
    }
    if (!gpu_check_constant_like(c, c->node->inputs[slots.weights]))
        return lps_decline(reason, capacity, "non-constant weights");
    if (slots.custom && !lps_check_input(c, slots.bias)) return lps_decline(reason, capacity, "without a bias");
    if (!gpu_check_bias(c, slots.bias, w->dims[0], "output channels", reason, capacity)) return false;
    if (!lps_check_transpose_conv_geometry(params, in, w, out, reason, capacity)) return false;
    if (!slots.custom) return gpu_check_activation(params->activation, reason, capacity);
    return true;
}

static GpuEpilogueKind transpose_conv_activation(const LiteNode *node) {
    if (node->builtin_code == LITE_OP_CUSTOM) return GPU_EPI_NONE; // MediaPipe ignores it
    return gpu_activation_step(((const LiteTransposeConvParams *)node->params)->activation);
}

static bool plan_transpose_conv(GpuPlanner *pl, const GpuNodePlan *n) {
    const LpsTransposeConvSlots slots = lps_transpose_conv_slots(n->node->builtin_code);
    const LiteTransposeConvParams *params = n->node->params;
    const GpuTensor *in = gpu_tensor(pl, n->inputs[slots.input]), *out = gpu_tensor(pl, n->output);
    const GpuTensor *w = gpu_tensor(pl, n->inputs[slots.weights]);
    const float *weights, *bias;
    if (!gpu_plan_weights(pl, n, slots.weights, slots.bias, &weights, &bias)) return false;
    const int32_t O = w->dims[0], KH = w->dims[1], KW = w->dims[2], I = w->dims[3];
    const int32_t sh = params->stride_height, sw = params->stride_width;
    if (I != in->shape.c || O != out->shape.c || in->shape.b != out->shape.b)
        return gpu_plan_fail(pl, n, "shapes of input, weights and output disagree");
    if (!gpu_plan_check_window(pl, n, out->shape.h, out->shape.w, in->shape.h, in->shape.w, KH, KW, sh, sw, 1, 1))
        return false;
    int32_t pad_h = 0, pad_w = 0;
    if (params->padding == LITE_PADDING_SAME) {
        if (slots.custom) {
            // MediaPipe: total = max(0, k - (in - 1) % stride - 1), before = total / 2.
            int32_t total_h = KH - (in->shape.h - 1) % sh - 1, total_w = KW - (in->shape.w - 1) % sw - 1;
            pad_h = total_h > 0 ? total_h / 2 : 0;
            pad_w = total_w > 0 ? total_w / 2 : 0;
        } else {
            // TFLite pads as if convolving the output: out' = ceil(out / stride).
            pad_h = lps_padding_before(out->shape.h, (out->shape.h + sh - 1) / sh, sh, KH, 1);
            pad_w = lps_padding_before(out->shape.w, (out->shape.w + sw - 1) / sw, sw, KW, 1);
        }
    }
    int32_t weight_blob = gpu_add_weight_blocks(pl, weights, O, KH, KW, I);
    int32_t bias_blob = gpu_add_bias_blob(pl, bias, O);
    if (weight_blob < 0 || bias_blob < 0) return gpu_plan_fail(pl, n, "out of memory");

    GpuDispatch *d = gpu_emit_in_out(pl, n, "transpose_conv2d", slots.input);
    if (!d) return false;
    gpu_bind_blob(d, weight_blob);
    gpu_bind_blob(d, bias_blob);
    gpu_param_ivec4(d, "window", KH, KW, sh, sw);
    gpu_param_ivec4(d, "geometry", pad_h, pad_w, out->shape.b, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_transpose_conv = {
    .builtin_code = LITE_OP_TRANSPOSE_CONV, .name = "TRANSPOSE_CONV", .min_version = 1,
    .max_version = 5, .params_size = sizeof(LiteTransposeConvParams),
    .check = check_transpose_conv, .plan = plan_transpose_conv,
    .activation = transpose_conv_activation, .epilogue = true};

const GpuOp gpu_op_conv_2d_transpose_bias = {
    .builtin_code = LITE_OP_CUSTOM, .custom_name = "Convolution2DTransposeBias",
    .name = "Convolution2DTransposeBias", .min_version = 1, .max_version = 1,
    .params_size = sizeof(LiteTransposeConvParams), .check = check_transpose_conv,
    .plan = plan_transpose_conv, .activation = transpose_conv_activation, .epilogue = true};
