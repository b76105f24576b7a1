// Helpers shared by the operators: claim checks, padding, aligned memory. (Reporting and the checks
// every plugin makes are PluginSupport's: lps_fail, lps_decline, lps_check_io, ...)
#include "cpu_delegate.h"

bool cpu_check_is_constant_like(const LpsCheckContext *context, int32_t tensor_index) {
    const LiteTensor *tensor = lps_graph_tensor(context->graph, tensor_index);
    if (!tensor) return false;
    if (tensor->constant_data) return true;
    return lps_is_dequantized_fp16_constant(context->graph, tensor_index);
}

bool cpu_check_tensor(const LpsCheckContext *context, const LiteTensor *tensor, const char *role,
                      uint32_t type_mask, int32_t min_rank, int32_t max_rank, char *reason,
                      size_t capacity) {
    const char *op = "operator";
    (void)context;
    if (!tensor) return lps_decline(reason, capacity, "%s: missing %s tensor", op, role);
    if (!(type_mask & LITE_DATA_TYPE_BIT(tensor->type)))
        return lps_decline(reason, capacity, "%s type %s unsupported", role,
                           lps_type_name(tensor->type));
    if (tensor->rank < min_rank || tensor->rank > max_rank) {
        if (tensor->rank > max_rank)
            return lps_decline(reason, capacity, "%s rank %d > %d", role, tensor->rank, max_rank);
        return lps_decline(reason, capacity, "%s rank %d < %d", role, tensor->rank, min_rank);
    }
    if (tensor->rank > CPU_MAX_RANK || (tensor->rank > 0 && !tensor->dims))
        return lps_decline(reason, capacity, "%s has an invalid shape", role);
    for (int32_t i = 0; i < tensor->rank; i++)
        if (tensor->dims[i] < 0)
            return lps_decline(reason, capacity, "%s has a dynamic dimension", role);
    return true;
}

bool cpu_check_in_out(const LpsCheckContext *c, int32_t min_inputs, int32_t max_inputs, uint32_t type_mask,
                      int32_t min_rank, int32_t max_rank, char *reason, size_t capacity) {
    if (!lps_check_io(c, min_inputs, max_inputs, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", type_mask, min_rank, max_rank, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", type_mask, min_rank, max_rank, reason, capacity))
        return false;
    if (in->type != out->type) return lps_decline(reason, capacity, "input and output types differ");
    return true;
}

bool cpu_check_bias(const LpsCheckContext *context, int32_t slot, const char *op, int32_t channels,
                    const char *channel_word, char *reason, size_t capacity) {
    const LiteTensor *bias = lps_check_input(context, slot);
    if (!bias) return true;
    if (!cpu_check_tensor(context, bias, "bias", LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32), 1, 1, reason,
                          capacity))
        return false;
    if (!cpu_check_is_constant_like(context, context->node->inputs[slot]))
        return lps_decline(reason, capacity, "%s with a non-constant bias", op);
    if (bias->dims[0] != channels)
        return lps_decline(reason, capacity, "bias size %d != output %s %d", bias->dims[0], channel_word,
                           channels);
    return true;
}

bool cpu_check_activation(const char *op, LiteActivation activation, char *reason,
                          size_t capacity) {
    switch (activation) {
    case LITE_ACTIVATION_NONE:
    case LITE_ACTIVATION_RELU:
    case LITE_ACTIVATION_RELU_N1_TO_1:
    case LITE_ACTIVATION_RELU6: return true;
    default:
        return lps_decline(reason, capacity, "%s with fused activation %s unsupported", op,
                           lps_activation_name(activation));
    }
}

void cpu_activation_range(LiteActivation activation, float *out_min, float *out_max) {
    *out_min = -INFINITY;
    *out_max = INFINITY;
    switch (activation) {
    case LITE_ACTIVATION_RELU: *out_min = 0.0f; break;
    case LITE_ACTIVATION_RELU_N1_TO_1: *out_min = -1.0f; *out_max = 1.0f; break;
    case LITE_ACTIVATION_RELU6: *out_min = 0.0f; *out_max = 6.0f; break;
    default: break;
    }
}

bool cpu_same_shape(const CpuTensor *a, const CpuTensor *b) {
    if (a->rank != b->rank) return false;
    for (int32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

int32_t cpu_window_pad_before(const CpuNode *node, int axis, LitePadding padding, int32_t in, int32_t out,
                              int32_t stride, int32_t kernel, int32_t dilation) {
    const int32_t before = axis == 0 ? node->pad_top : node->pad_left;
    const int32_t after = axis == 0 ? node->pad_bottom : node->pad_right;
    const int32_t rule =
        padding == LITE_PADDING_SAME ? lps_padding_before(in + before + after, out, stride, kernel, dilation) : 0;
    return rule + before;
}

LiteStatus cpu_check_node_window(const CpuPartitionState *p, const CpuNode *node, int32_t in_h, int32_t in_w,
                                 int32_t out_h, int32_t out_w, int32_t kernel_h, int32_t kernel_w,
                                 int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w) {
    char reason[CPU_REASON_CAPACITY];
    if (lps_check_window_axis("height", (int64_t)in_h + node->pad_top + node->pad_bottom, out_h, kernel_h,
                              stride_h, dilation_h, reason, sizeof(reason)) &&
        lps_check_window_axis("width", (int64_t)in_w + node->pad_left + node->pad_right, out_w, kernel_w,
                              stride_w, dilation_w, reason, sizeof(reason)))
        return LITE_STATUS_OK;
    return cpu_fail(p->delegate, LITE_STATUS_UNSUPPORTED, "cpu: %s node %d: %s", node->op->name,
                    node->graph_node, reason);
}

CpuWindow cpu_window(const CpuTensor *in, const CpuTensor *out, int32_t k_h, int32_t k_w, int32_t stride_h,
                     int32_t stride_w, int32_t dilation_h, int32_t dilation_w) {
    return (CpuWindow){.in_h = in->dims[1], .in_w = in->dims[2], .in_c = in->dims[3], .out_h = out->dims[1],
                       .out_w = out->dims[2], .out_c = out->dims[3], .k_h = k_h, .k_w = k_w,
                       .stride_h = stride_h, .stride_w = stride_w, .dilation_h = dilation_h,
                       .dilation_w = dilation_w};
}

LiteStatus cpu_prepare_window(const CpuPartitionState *p, const CpuNode *node, const CpuTensor *in,
                              const CpuTensor *out, int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w,
                              int32_t dilation_h, int32_t dilation_w, LitePadding padding, CpuWindow *window) {
    const LiteStatus status = cpu_check_node_window(p, node, in->dims[1], in->dims[2], out->dims[1], out->dims[2],
                                                    k_h, k_w, stride_h, stride_w, dilation_h, dilation_w);
    if (status != LITE_STATUS_OK) return status;
    CpuWindow w = cpu_window(in, out, k_h, k_w, stride_h, stride_w, dilation_h, dilation_w);
    w.pad_h = cpu_window_pad_before(node, 0, padding, w.in_h, w.out_h, stride_h, k_h, dilation_h);
    w.pad_w = cpu_window_pad_before(node, 1, padding, w.in_w, w.out_w, stride_w, k_w, dilation_w);
    *window = w;
    return LITE_STATUS_OK;
}

void *cpu_aligned_alloc(size_t bytes) {
    void *pointer = NULL;
    if (bytes == 0) bytes = 64;
    if (bytes > SIZE_MAX - 64) return NULL;
    if (posix_memalign(&pointer, 64, (bytes + 63) & ~(size_t)63) != 0) return NULL;
    return pointer;
}

void cpu_aligned_free(void *pointer) { free(pointer); }

