// Claim-check helpers (declining with a reason, printable names, a node's tensors, I/O counts) and
// the graph validation every ABI call that takes a graph starts with.
#include "lite_plugin_support.h"

#include <stdio.h>

bool lps_decline(char *reason, size_t capacity, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(reason, capacity, format, args);
    va_end(args);
    return false;
}

const char *lps_type_name(LiteDataType type) {
    switch (type) {
    case LITE_DATA_TYPE_FLOAT32: return "FLOAT32";
    case LITE_DATA_TYPE_FLOAT16: return "FLOAT16";
    case LITE_DATA_TYPE_INT32: return "INT32";
    case LITE_DATA_TYPE_INT64: return "INT64";
    case LITE_DATA_TYPE_INT8: return "INT8";
    case LITE_DATA_TYPE_UINT8: return "UINT8";
    case LITE_DATA_TYPE_BOOL: return "BOOL";
    case LITE_DATA_TYPE_INT16: return "INT16";
    default: return "UNKNOWN";
    }
}

const char *lps_activation_name(LiteActivation activation) {
    switch (activation) {
    case LITE_ACTIVATION_NONE: return "NONE";
    case LITE_ACTIVATION_RELU: return "RELU";
    case LITE_ACTIVATION_RELU_N1_TO_1: return "RELU_N1_TO_1";
    case LITE_ACTIVATION_RELU6: return "RELU6";
    case LITE_ACTIVATION_TANH: return "TANH";
    case LITE_ACTIVATION_SIGN_BIT: return "SIGN_BIT";
    default: return "UNKNOWN";
    }
}

const LiteTensor *lps_graph_tensor(const LiteGraph *graph, int32_t index) {
    if (index < 0 || index >= graph->tensor_count) return NULL;
    return graph->tensors[index];
}

const LiteTensor *lps_check_input(const LpsCheckContext *context, int32_t slot) {
    if (slot < 0 || slot >= context->node->input_count) return NULL;
    return lps_graph_tensor(context->graph, context->node->inputs[slot]);
}

const LiteTensor *lps_check_output(const LpsCheckContext *context, int32_t slot) {
    if (slot < 0 || slot >= context->node->output_count) return NULL;
    return lps_graph_tensor(context->graph, context->node->outputs[slot]);
}

bool lps_is_dequantized_fp16_constant(const LiteGraph *graph, int32_t tensor_index) {
    for (int32_t i = 0; i < graph->node_count; i++) {
        const LiteNode *node = graph->nodes[i];
        if (node->builtin_code != LITE_OP_DEQUANTIZE || node->output_count != 1 ||
            node->outputs[0] != tensor_index || node->input_count != 1)
            continue;
        const LiteTensor *source = lps_graph_tensor(graph, node->inputs[0]);
        return source && source->constant_data && source->type == LITE_DATA_TYPE_FLOAT16;
    }
    return false;
}

bool lps_check_io(const LpsCheckContext *context, int32_t min_inputs, int32_t max_inputs,
                  int32_t outputs, char *reason, size_t capacity) {
    const LiteNode *node = context->node;
    if (node->input_count < min_inputs || node->input_count > max_inputs)
        return lps_decline(reason, capacity, "%d inputs (expected %d..%d)", node->input_count,
                           min_inputs, max_inputs);
    if (node->output_count != outputs)
        return lps_decline(reason, capacity, "%d outputs (expected %d)", node->output_count,
                           outputs);
    for (int32_t i = 0; i < node->input_count; i++) {
        int32_t index = node->inputs[i];
        if (index < -1 || index >= context->graph->tensor_count)
            return lps_decline(reason, capacity, "input %d has an invalid tensor index %d", i,
                               index);
    }
    for (int32_t i = 0; i < node->output_count; i++) {
        int32_t index = node->outputs[i];
        if (index < 0 || index >= context->graph->tensor_count)
            return lps_decline(reason, capacity, "output %d has an invalid tensor index %d", i,
                               index);
        if (context->graph->tensors[index]->constant_data)
            return lps_decline(reason, capacity, "output %d is a constant tensor", i);
    }
    return true;
}

bool lps_check_padding(LitePadding padding, char *reason, size_t capacity) {
    if (padding != LITE_PADDING_SAME && padding != LITE_PADDING_VALID)
        return lps_decline(reason, capacity, "unknown padding %d", (int)padding);
    return true;
}

LpsTransposeConvSlots lps_transpose_conv_slots(int32_t builtin_code) {
    if (builtin_code == LITE_OP_CUSTOM) return (LpsTransposeConvSlots){0, 1, 2, true};
    return (LpsTransposeConvSlots){2, 1, 3, false};
}

bool lps_check_conv_window(LitePadding padding, int32_t stride_height, int32_t stride_width,
                           int32_t dilation_height, int32_t dilation_width, char *reason, size_t capacity) {
    if (!lps_check_padding(padding, reason, capacity)) return false;
    if (stride_width < 1 || stride_height < 1 || dilation_width < 1 || dilation_height < 1)
        return lps_decline(reason, capacity, "non-positive stride or dilation");
    return true;
}

bool lps_check_window_axis(const char *axis, int64_t in, int32_t out, int32_t kernel, int32_t stride,
                           int32_t dilation, char *reason, size_t capacity) {
    if (kernel < 1 || stride < 1 || dilation < 1)
        return lps_decline(reason, capacity, "non-positive %s kernel, stride or dilation", axis);
    if (in < 0 || out < 0) return lps_decline(reason, capacity, "negative %s extent", axis);
    // Every term is below 2^31 and there are five, so the sum cannot overflow int64.
    const int64_t span = (int64_t)(out > 0 ? out - 1 : 0) * stride + (int64_t)(kernel - 1) * dilation + 1;
    if (span + stride + in > INT32_MAX)
        return lps_decline(reason, capacity, "window along %s too large for 32-bit arithmetic "
                           "(input %lld, output %d, kernel %d, stride %d, dilation %d)", axis,
                           (long long)in, out, kernel, stride, dilation);
    return true;
}

bool lps_check_window_2d(const LiteTensor *in, const LiteTensor *out, int32_t kernel_h, int32_t kernel_w,
                         int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                         char *reason, size_t capacity) {
    if (in->rank != 4 || out->rank != 4) return lps_decline(reason, capacity, "window over a non-4-D tensor");
    return lps_check_window_axis("height", in->dims[1], out->dims[1], kernel_h, stride_h, dilation_h, reason,
                                 capacity) &&
           lps_check_window_axis("width", in->dims[2], out->dims[2], kernel_w, stride_w, dilation_w, reason,
                                 capacity);
}

bool lps_check_conv_geometry(LitePadding padding, const LiteTensor *in, const LiteTensor *weights,
                             const LiteTensor *out, int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                             int32_t dilation_w, char *reason, size_t capacity) {
    return lps_check_conv_window(padding, stride_h, stride_w, dilation_h, dilation_w, reason, capacity) &&
           lps_check_window_2d(in, out, weights->dims[1], weights->dims[2], stride_h, stride_w, dilation_h,
                               dilation_w, reason, capacity);
}

bool lps_check_pool(const LitePool2DParams *params, const LiteTensor *in, const LiteTensor *out,
                    char *reason, size_t capacity) {
    if (!lps_check_padding(params->padding, reason, capacity)) return false;
    if (params->stride_width < 1 || params->stride_height < 1 || params->filter_width < 1 ||
        params->filter_height < 1)
        return lps_decline(reason, capacity, "non-positive stride or filter size");
    if (in->rank != 4 || out->rank != 4) return lps_decline(reason, capacity, "input or output not 4-D");
    if (in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3])
        return lps_decline(reason, capacity, "batch or channels differ between input and output");
    return lps_check_window_2d(in, out, params->filter_height, params->filter_width, params->stride_height,
                               params->stride_width, 1, 1, reason, capacity);
}

bool lps_check_transpose_conv_geometry(const LiteTransposeConvParams *params, const LiteTensor *in,
                                       const LiteTensor *weights, const LiteTensor *out, char *reason,
                                       size_t capacity) {
    if (weights->dims[3] != in->dims[3] || out->dims[3] != weights->dims[0] || out->dims[0] != in->dims[0])
        return lps_decline(reason, capacity, "shapes of input, weights and output disagree");
    if (!lps_check_padding(params->padding, reason, capacity)) return false;
    if (params->stride_width < 1 || params->stride_height < 1)
        return lps_decline(reason, capacity, "non-positive stride");
    return lps_check_window_2d(out, in, weights->dims[1], weights->dims[2], params->stride_height,
                               params->stride_width, 1, 1, reason, capacity);
}

bool lps_check_conv_shapes(const LiteTensor *in, const LiteTensor *weights, const LiteTensor *out,
                           char *reason, size_t capacity) {
    if (weights->dims[3] != in->dims[3])
        return lps_decline(reason, capacity, "grouped convolution (input channels %d, filter "
                           "channels %d) unsupported", in->dims[3], weights->dims[3]);
    if (out->dims[3] != weights->dims[0] || out->dims[0] != in->dims[0])
        return lps_decline(reason, capacity, "output shape does not match input and weights");
    return true;
}

bool lps_check_depthwise_channels(const LiteTensor *in, const LiteTensor *weights, const LiteTensor *out,
                                  int32_t depth_multiplier, char *reason, size_t capacity) {
    const int32_t oc = weights->dims[3];
    if (depth_multiplier < 1 || (int64_t)in->dims[3] * depth_multiplier != oc)
        return lps_decline(reason, capacity, "input channels %d x depth_multiplier %d != weights "
                           "channels %d", in->dims[3], depth_multiplier, oc);
    if (out->dims[3] != oc || out->dims[0] != in->dims[0])
        return lps_decline(reason, capacity, "output shape does not match input and weights");
    return true;
}

bool lps_check_concat_input(const LiteTensor *in, const LiteTensor *out, int32_t axis, char *reason,
                            size_t capacity) {
    if (in->rank != out->rank) return lps_decline(reason, capacity, "input ranks differ");
    for (int32_t d = 0; d < out->rank; d++)
        if (d != axis && in->dims[d] != out->dims[d])
            return lps_decline(reason, capacity, "input shapes differ off the axis");
    return true;
}

bool lps_check_depth_to_space(int32_t block_size, const LiteTensor *in, const LiteTensor *out, char *reason,
                              size_t capacity) {
    const int32_t bs = block_size;
    if (bs < 1) return lps_decline(reason, capacity, "block_size %d < 1", bs);
    if (in->dims[3] % (bs * bs) != 0 || out->dims[0] != in->dims[0] ||
        out->dims[1] != in->dims[1] * bs || out->dims[2] != in->dims[2] * bs ||
        out->dims[3] != in->dims[3] / (bs * bs))
        return lps_decline(reason, capacity, "shapes do not match block_size %d", bs);
    return true;
}

bool lps_validate_graph(const LiteGraph *graph, char *error, size_t capacity) {
    if (!graph || !LITE_FIELD_FITS(LiteGraph, outputs, graph->struct_size) ||
        graph->struct_size > 65536) {
        snprintf(error, capacity, "graph is NULL or has a bad size");
        return false;
    }
    if (graph->tensor_count < 0 || graph->node_count < 0 ||
        (graph->tensor_count > 0 && !graph->tensors) || (graph->node_count > 0 && !graph->nodes)) {
        snprintf(error, capacity, "graph has bad tensor/node arrays");
        return false;
    }
    for (int32_t i = 0; i < graph->tensor_count; i++) {
        const LiteTensor *t = graph->tensors[i];
        if (!t || !LITE_FIELD_FITS(LiteTensor, flags, t->struct_size) || t->struct_size > 65536 ||
            t->rank < 0 || (t->rank > 0 && !t->dims)) {
            snprintf(error, capacity, "tensor %d is malformed", i);
            return false;
        }
    }
    for (int32_t i = 0; i < graph->node_count; i++) {
        const LiteNode *n = graph->nodes[i];
        if (!n || !LITE_FIELD_FITS(LiteNode, custom_options_size, n->struct_size) ||
            n->struct_size > 65536 || n->input_count < 0 || n->output_count < 0 ||
            (n->input_count > 0 && !n->inputs) || (n->output_count > 0 && !n->outputs)) {
            snprintf(error, capacity, "node %d is malformed", i);
            return false;
        }
    }
    return true;
}
