// Helpers shared by the operators and the planner: claim checks, padding, hashing, halves.
#include "gpu_shared.h"

bool gpu_check_float(const LiteTensor *tensor, const char *role, int32_t min_rank, int32_t max_rank,
                     char *reason, size_t capacity) {
    if (!tensor) return lps_decline(reason, capacity, "missing %s tensor", role);
    if (tensor->type != LITE_DATA_TYPE_FLOAT32)
        return lps_decline(reason, capacity, "%s type %s unsupported", role, lps_type_name(tensor->type));
    if (tensor->rank > max_rank)
        return lps_decline(reason, capacity, "%s rank %d > %d", role, tensor->rank, max_rank);
    if (tensor->rank < min_rank)
        return lps_decline(reason, capacity, "%s rank %d < %d", role, tensor->rank, min_rank);
    if (tensor->rank > 0 && !tensor->dims)
        return lps_decline(reason, capacity, "%s has an invalid shape", role);
    for (int32_t i = 0; i < tensor->rank; i++)
        if (tensor->dims[i] < 0) return lps_decline(reason, capacity, "%s has a dynamic dimension", role);
    return true;
}

bool gpu_check_float_in_out(const LpsCheckContext *c, int32_t min_inputs, int32_t max_inputs, int32_t min_rank,
                            int32_t max_rank, char *reason, size_t capacity) {
    return lps_check_io(c, min_inputs, max_inputs, 1, reason, capacity) &&
           gpu_check_float(lps_check_input(c, 0), "input", min_rank, max_rank, reason, capacity) &&
           gpu_check_float(lps_check_output(c, 0), "output", min_rank, max_rank, reason, capacity);
}

bool gpu_check_constant_like(const LpsCheckContext *context, int32_t tensor_index) {
    const LiteTensor *tensor = lps_graph_tensor(context->graph, tensor_index);
    if (!tensor) return false;
    if (tensor->constant_data) return tensor->type == LITE_DATA_TYPE_FLOAT32;
    return lps_is_dequantized_fp16_constant(context->graph, tensor_index);
}

bool gpu_check_activation(LiteActivation activation, char *reason, size_t capacity) {
    switch (activation) {
    case LITE_ACTIVATION_NONE:
    case LITE_ACTIVATION_RELU:
    case LITE_ACTIVATION_RELU_N1_TO_1:
    case LITE_ACTIVATION_RELU6:
    case LITE_ACTIVATION_TANH: return true;
    default:
        return lps_decline(reason, capacity, "fused activation %s unsupported",
                           lps_activation_name(activation));
    }
}

GpuEpilogueKind gpu_activation_step(LiteActivation activation) {
    switch (activation) {
    case LITE_ACTIVATION_RELU: return GPU_EPI_RELU;
    case LITE_ACTIVATION_RELU_N1_TO_1: return GPU_EPI_RELU_N1;
    case LITE_ACTIVATION_RELU6: return GPU_EPI_RELU6;
    case LITE_ACTIVATION_TANH: return GPU_EPI_TANH;
    default: return GPU_EPI_NONE;
    }
}

GpuShape gpu_shape_of(int32_t rank, const int32_t *dims) {
    int32_t padded[GPU_KERNEL_RANK] = {1, 1, 1, 1};
    for (int32_t i = 0; i < rank && i < GPU_KERNEL_RANK; i++)
        padded[GPU_KERNEL_RANK - rank + i] = dims[i];
    return (GpuShape){.b = padded[0], .h = padded[1], .w = padded[2], .c = padded[3]};
}

const char *gpu_shader_text(const char *name) {
    for (size_t i = 0; i < gpu_shader_source_count; i++)
        if (strcmp(gpu_shader_sources[i].name, name) == 0) return gpu_shader_sources[i].text;
    return NULL;
}

uint64_t gpu_hash(uint64_t hash, const void *bytes, size_t size) {
    const unsigned char *p = bytes;
    for (size_t i = 0; i < size; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

uint16_t gpu_float_to_half(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof(bits));
    const uint32_t sign = (bits >> 16) & 0x8000u;
    const uint32_t exponent = (bits >> 23) & 0xFFu;
    uint32_t mantissa = bits & 0x7FFFFFu;
    if (exponent == 0xFF) return (uint16_t)(sign | 0x7C00u | (mantissa ? 0x200u : 0u));
    int32_t e = (int32_t)exponent - 127 + 15;
    if (e >= 0x1F) return (uint16_t)(sign | 0x7C00u); // overflow: infinity
    if (e <= 0) {
        if (e < -10) return (uint16_t)sign; // underflow: signed zero
        mantissa |= 0x800000u;
        const uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = mantissa >> shift;
        const uint32_t rest = mantissa & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
        if (rest > halfway || (rest == halfway && (half & 1u))) half++; // round to nearest even
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (mantissa >> 13);
    const uint32_t rest = mantissa & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++; // may carry into the exponent
    return (uint16_t)(sign | half);
}

