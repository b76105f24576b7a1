// Helpers shared by the operators: error reporting, claim checks, padding, aligned memory.
#include "cpu_delegate.h"

static void format_message(char *buffer, size_t capacity, const char *format, va_list args) {
    vsnprintf(buffer, capacity, format, args);
}

LiteStatus cpu_fail(const CpuDelegateState *delegate, LiteStatus status, const char *format, ...) {
    char message[512];
    va_list args;
    va_start(args, format);
    lps_report_error(delegate ? delegate->services : NULL, status, message, sizeof(message), format,
                     args);
    va_end(args);
    return status;
}

void cpu_log(const CpuDelegateState *delegate, LiteLogLevel level, const char *format, ...) {
    char message[512];
    va_list args;
    va_start(args, format);
    lps_log(delegate ? delegate->services : NULL, level, message, sizeof(message), format, args);
    va_end(args);
}

bool cpu_decline(char *reason, size_t capacity, const char *format, ...) {
    va_list args;
    va_start(args, format);
    format_message(reason, capacity, format, args);
    va_end(args);
    return false;
}

const char *cpu_type_name(LiteDataType type) {
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

const char *cpu_activation_name(LiteActivation activation) {
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

static const LiteTensor *graph_tensor(const LiteGraph *graph, int32_t index) {
    if (index < 0 || index >= graph->tensor_count) return NULL;
    return graph->tensors[index];
}

const LiteTensor *cpu_check_input(const CpuCheckContext *context, int32_t slot) {
    if (slot < 0 || slot >= context->node->input_count) return NULL;
    return graph_tensor(context->graph, context->node->inputs[slot]);
}

const LiteTensor *cpu_check_output(const CpuCheckContext *context, int32_t slot) {
    if (slot < 0 || slot >= context->node->output_count) return NULL;
    return graph_tensor(context->graph, context->node->outputs[slot]);
}

bool cpu_check_is_constant_like(const CpuCheckContext *context, int32_t tensor_index) {
    const LiteTensor *tensor = graph_tensor(context->graph, tensor_index);
    if (!tensor) return false;
    if (tensor->constant_data) return true;
    // A float16 model stores weights as float16 constants behind DEQUANTIZE nodes.
    for (int32_t i = 0; i < context->graph->node_count; i++) {
        const LiteNode *node = context->graph->nodes[i];
        if (node->builtin_code != LITE_OP_DEQUANTIZE || node->output_count != 1 ||
            node->outputs[0] != tensor_index || node->input_count != 1)
            continue;
        const LiteTensor *source = graph_tensor(context->graph, node->inputs[0]);
        return source && source->constant_data && source->type == LITE_DATA_TYPE_FLOAT16;
    }
    return false;
}

bool cpu_check_tensor(const CpuCheckContext *context, const LiteTensor *tensor, const char *role,
                      uint32_t type_mask, int32_t min_rank, int32_t max_rank, char *reason,
                      size_t capacity) {
    const char *op = "operator";
    (void)context;
    if (!tensor) return cpu_decline(reason, capacity, "%s: missing %s tensor", op, role);
    if (!(type_mask & LITE_DATA_TYPE_BIT(tensor->type)))
        return cpu_decline(reason, capacity, "%s type %s unsupported", role,
                           cpu_type_name(tensor->type));
    if (tensor->rank < min_rank || tensor->rank > max_rank) {
        if (tensor->rank > max_rank)
            return cpu_decline(reason, capacity, "%s rank %d > %d", role, tensor->rank, max_rank);
        return cpu_decline(reason, capacity, "%s rank %d < %d", role, tensor->rank, min_rank);
    }
    if (tensor->rank > CPU_MAX_RANK || (tensor->rank > 0 && !tensor->dims))
        return cpu_decline(reason, capacity, "%s has an invalid shape", role);
    for (int32_t i = 0; i < tensor->rank; i++)
        if (tensor->dims[i] < 0)
            return cpu_decline(reason, capacity, "%s has a dynamic dimension", role);
    return true;
}

bool cpu_check_io(const CpuCheckContext *context, int32_t min_inputs, int32_t max_inputs,
                  int32_t outputs, char *reason, size_t capacity) {
    const LiteNode *node = context->node;
    if (node->input_count < min_inputs || node->input_count > max_inputs)
        return cpu_decline(reason, capacity, "%d inputs (expected %d..%d)", node->input_count,
                           min_inputs, max_inputs);
    if (node->output_count != outputs)
        return cpu_decline(reason, capacity, "%d outputs (expected %d)", node->output_count,
                           outputs);
    for (int32_t i = 0; i < node->input_count; i++) {
        int32_t index = node->inputs[i];
        if (index < -1 || index >= context->graph->tensor_count)
            return cpu_decline(reason, capacity, "input %d has an invalid tensor index %d", i,
                               index);
    }
    for (int32_t i = 0; i < node->output_count; i++) {
        int32_t index = node->outputs[i];
        if (index < 0 || index >= context->graph->tensor_count)
            return cpu_decline(reason, capacity, "output %d has an invalid tensor index %d", i,
                               index);
        if (context->graph->tensors[index]->constant_data)
            return cpu_decline(reason, capacity, "output %d is a constant tensor", i);
    }
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
        return cpu_decline(reason, capacity, "%s with fused activation %s unsupported", op,
                           cpu_activation_name(activation));
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

int32_t cpu_padding_before(int32_t in, int32_t out, int32_t stride, int32_t kernel,
                           int32_t dilation) {
    int64_t effective = (int64_t)(kernel - 1) * dilation + 1;
    int64_t total = (int64_t)(out - 1) * stride + effective - in;
    return total > 0 ? (int32_t)(total / 2) : 0;
}

int32_t cpu_window_pad_before(const CpuNode *node, int axis, LitePadding padding, int32_t in, int32_t out,
                              int32_t stride, int32_t kernel, int32_t dilation) {
    const int32_t before = axis == 0 ? node->pad_top : node->pad_left;
    const int32_t after = axis == 0 ? node->pad_bottom : node->pad_right;
    const int32_t rule =
        padding == LITE_PADDING_SAME ? cpu_padding_before(in + before + after, out, stride, kernel, dilation) : 0;
    return rule + before;
}

void *cpu_aligned_alloc(size_t bytes) {
    void *pointer = NULL;
    if (bytes == 0) bytes = 64;
    if (bytes > SIZE_MAX - 64) return NULL;
    if (posix_memalign(&pointer, 64, (bytes + 63) & ~(size_t)63) != 0) return NULL;
    return pointer;
}

void cpu_aligned_free(void *pointer) { free(pointer); }

float cpu_half_to_float(uint16_t half) {
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16;
    uint32_t exponent = (half >> 10) & 0x1Fu;
    uint32_t mantissa = half & 0x3FFu;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13); // inf, or nan keeping its payload
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign; // signed zero
    } else {
        // Subnormal half: value = mantissa * 2^-24, exact in float.
        float value = (float)mantissa * 5.9604644775390625e-8f;
        memcpy(&bits, &value, sizeof(bits));
        bits |= sign;
    }
    float result;
    memcpy(&result, &bits, sizeof(result));
    return result;
}
