// What the weighted operators share (see include/gpu_weights.h).
#include "gpu_weights.h"

bool gpu_check_weighted_operands(const LpsCheckContext *c, int32_t min_rank, int32_t max_rank,
                                 int32_t weights_rank, char *reason, size_t capacity) {
    if (!lps_check_io(c, 2, 3, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!gpu_check_float(in, "input", min_rank, max_rank, reason, capacity) ||
        !gpu_check_float(w, "weights", weights_rank, weights_rank, reason, capacity) ||
        !gpu_check_float(out, "output", min_rank, max_rank, reason, capacity))
        return false;
    if (!gpu_check_constant_like(c, c->node->inputs[1]))
        return lps_decline(reason, capacity, "non-constant weights");
    return true;
}

bool gpu_check_conv_window(const LiteTensor *in, const LiteTensor *out, const LiteTensor *w, LitePadding padding,
                           int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w, char *reason,
                           size_t capacity) {
    return lps_check_conv_window(padding, stride_h, stride_w, dilation_h, dilation_w, reason, capacity) &&
           lps_check_window_2d(in, out, w->dims[1], w->dims[2], stride_h, stride_w, dilation_h, dilation_w, reason,
                               capacity);
}

bool gpu_check_bias(const LpsCheckContext *c, int32_t slot, int32_t channels, const char *channels_name,
                    char *reason, size_t capacity) {
    const LiteTensor *bias = lps_check_input(c, slot);
    if (!bias) return true;
    if (!gpu_check_float(bias, "bias", 1, 1, reason, capacity)) return false;
    if (!gpu_check_constant_like(c, c->node->inputs[slot]))
        return lps_decline(reason, capacity, "non-constant bias");
    if (bias->dims[0] != channels)
        return lps_decline(reason, capacity, "bias size %d != %s %d", bias->dims[0], channels_name, channels);
    return true;
}

bool gpu_plan_weights(GpuPlanner *pl, const GpuNodePlan *n, int32_t weights_slot, int32_t bias_slot,
                      const float **weights, const float **bias) {
    const int32_t bias_input = bias_slot < n->input_count ? n->inputs[bias_slot] : -1;
    *weights = gpu_constant_floats(pl, n->inputs[weights_slot]);
    *bias = bias_input >= 0 ? gpu_constant_floats(pl, bias_input) : NULL;
    if (!*weights || (bias_input >= 0 && !*bias)) return gpu_plan_fail(pl, n, "weights or bias are not constant");
    return true;
}

int32_t gpu_add_weight_blocks(GpuPlanner *pl, const float *w, int32_t O, int32_t KH, int32_t KW, int32_t I) {
    const int32_t OS = (O + 3) / 4, IS = (I + 3) / 4;
    float *packed = calloc((size_t)OS * KH * KW * IS * 16 + 16, sizeof(float));
    if (!packed) return -1;
    for (int32_t o = 0; o < O; o++)
        for (int32_t ky = 0; ky < KH; ky++)
            for (int32_t kx = 0; kx < KW; kx++)
                for (int32_t i = 0; i < I; i++) {
                    size_t block = (((size_t)(o / 4) * KH + ky) * KW + kx) * IS + (size_t)(i / 4);
                    packed[block * 16 + (size_t)(i % 4) * 4 + (size_t)(o % 4)] =
                        w[(((size_t)o * KH + ky) * KW + kx) * I + i];
                }
    return gpu_add_blob(pl, packed, (size_t)OS * KH * KW * IS * 16, false);
}

int32_t gpu_add_bias_blob(GpuPlanner *pl, const float *bias, int32_t channels) {
    const int32_t slices = (channels + 3) / 4;
    float *data = calloc((size_t)slices * 4 + 4, sizeof(float));
    if (!data) return -1;
    if (bias) memcpy(data, bias, (size_t)channels * sizeof(float));
    return gpu_add_blob(pl, data, (size_t)slices * 4, false);
}

bool gpu_plan_conv_window(GpuPlanner *pl, const GpuNodePlan *n, const GpuTensor *in, const GpuTensor *out,
                          GpuConvWindow *w) {
    if (!gpu_plan_check_window(pl, n, in->shape.h, in->shape.w, out->shape.h, out->shape.w, w->kernel_h,
                               w->kernel_w, w->stride_h, w->stride_w, w->dilation_h, w->dilation_w))
        return false;
    const int32_t padded_h = in->shape.h + n->pad_top + n->pad_bottom;
    const int32_t padded_w = in->shape.w + n->pad_left + n->pad_right;
    w->pad_top = n->pad_top;
    w->pad_left = n->pad_left;
    if (w->padding == LITE_PADDING_SAME) {
        w->pad_top += lps_padding_before(padded_h, out->shape.h, w->stride_h, w->kernel_h, w->dilation_h);
        w->pad_left += lps_padding_before(padded_w, out->shape.w, w->stride_w, w->kernel_w, w->dilation_w);
    }
    return true;
}

bool gpu_bind_conv(GpuPlanner *pl, GpuDispatch *d, const GpuNodePlan *n, const GpuTensor *in, const GpuTensor *out,
                   const GpuConvWindow *w, int32_t weight_blob, int32_t bias_blob) {
    if (!gpu_bind_tensor(pl, d, n->output, true) || !gpu_bind_tensor(pl, d, n->inputs[0], false)) return false;
    gpu_bind_blob(d, weight_blob);
    gpu_bind_blob(d, bias_blob);
    gpu_param_shape(d, "in_shape", in);
    gpu_param_shape(d, "out_shape", out);
    gpu_param_ivec4(d, "window", w->kernel_h, w->kernel_w, w->stride_h, w->stride_w);
    gpu_param_ivec4(d, "geometry", w->dilation_h, w->dilation_w, w->pad_top, w->pad_left);
    return true;
}
