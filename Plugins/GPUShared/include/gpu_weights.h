/*
 * gpu_weights.h — what the weighted operators (CONV_2D, FULLY_CONNECTED, DEPTHWISE_CONV_2D,
 * TRANSPOSE_CONV; ops/weights.c) share: the claim check of an optional bias, the constant weights
 * and bias at plan time, their blobs in the layouts the kernels read, and the window and bindings
 * that conv2d and depthwise_conv2d have in common.
 */
#ifndef GPU_WEIGHTS_H
#define GPU_WEIGHTS_H

#include "gpu_shared.h"

#pragma GCC visibility push(hidden)

/** The operands the weighted operators take alike: two or three inputs (input, weights, optional
    bias) and one output; input and output float32 of rank `min_rank`..`max_rank`, weights float32 of
    rank `weights_rank` and constant(-like). CONV_2D and DEPTHWISE_CONV_2D: ranks 4, 4 and 4;
    FULLY_CONNECTED: 1, 4 and 2. */
bool gpu_check_weighted_operands(const LpsCheckContext *context, int32_t min_rank, int32_t max_rank,
                                 int32_t weights_rank, char *reason, size_t capacity);

/** The window of CONV_2D and DEPTHWISE_CONV_2D: padding scheme, strides and dilations, and the
    window arithmetic from `in` to `out` over the kernel extent of `weights` (dims 1 and 2). */
bool gpu_check_conv_window(const LiteTensor *in, const LiteTensor *out, const LiteTensor *weights, LitePadding padding,
                           int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w, char *reason,
                           size_t capacity);

/** True when input `slot` is absent, or a constant(-like) float vector of `channels` entries; else a
    reason naming `channels_name` ("output channels"). */
bool gpu_check_bias(const LpsCheckContext *context, int32_t slot, int32_t channels, const char *channels_name,
                    char *reason, size_t capacity);

/** The float32 data of the weights (input `weights_slot`) and of the optional bias (input
    `bias_slot`, NULL when absent); false through gpu_plan_fail when either is not constant. */
bool gpu_plan_weights(GpuPlanner *planner, const GpuNodePlan *node, int32_t weights_slot, int32_t bias_slot,
                      const float **weights, const float **bias);

/** Weights [O][KH][KW][I] as a blob of the blocks conv2d, conv2d_1x1 and transpose_conv2d read: for
    each output slice and tap, one 4x4 block (4 inputs x 4 outputs) per input slice, zero-padded.
    Returns the blob, or -1 on out-of-memory. */
int32_t gpu_add_weight_blocks(GpuPlanner *planner, const float *weights, int32_t O, int32_t KH, int32_t KW,
                              int32_t I);

/** The bias of `channels` entries (NULL: zeros) padded to whole slices, as a blob; -1 on
    out-of-memory. */
int32_t gpu_add_bias_blob(GpuPlanner *planner, const float *bias, int32_t channels);

/** A convolution's window over its input. */
typedef struct GpuConvWindow {
    int32_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
    LitePadding padding;
    int32_t pad_top, pad_left; /* set by gpu_plan_conv_window */
} GpuConvWindow;

/** Checks the window arithmetic of `node` from `in` to `out` (gpu_plan_check_window) and sets the
    padding before the first row and column: a PAD folded into the node, plus SAME padding over the
    padded extent. False through gpu_plan_fail. */
bool gpu_plan_conv_window(GpuPlanner *planner, const GpuNodePlan *node, const GpuTensor *in, const GpuTensor *out,
                          GpuConvWindow *window);

/** What conv2d and depthwise_conv2d take alike: bindings output, input, weights, bias and the
    parameters in_shape, out_shape, window and geometry. False through the planner on failure. */
bool gpu_bind_conv(GpuPlanner *planner, GpuDispatch *dispatch, const GpuNodePlan *node, const GpuTensor *in,
                   const GpuTensor *out, const GpuConvWindow *window, int32_t weight_blob, int32_t bias_blob);

#pragma GCC visibility pop

#endif /* GPU_WEIGHTS_H */
