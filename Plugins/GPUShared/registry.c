// The operator registry: builtin code (or custom name) -> operator. A missing entry means "not
// claimed". Shared by the GPU delegates, so they claim the same nodes for the same reasons. Finding a
// node's operator, the claim decision and the capability report are PluginSupport's
// (lps_registry_*), the same for every plugin.
#include "gpu_shared.h"

static const void *const operators[] = {
    &gpu_op_add, &gpu_op_sub, &gpu_op_mul, &gpu_op_prelu,
    &gpu_op_relu, &gpu_op_relu6, &gpu_op_relu_n1_to_1, &gpu_op_logistic, &gpu_op_tanh,
    &gpu_op_hard_swish, &gpu_op_leaky_relu, &gpu_op_dequantize,
    &gpu_op_average_pool_2d, &gpu_op_max_pool_2d,
    &gpu_op_concatenation, &gpu_op_reshape, &gpu_op_pad, &gpu_op_strided_slice,
    &gpu_op_depth_to_space,
    &gpu_op_conv_2d, &gpu_op_fully_connected, &gpu_op_depthwise_conv_2d,
    &gpu_op_transpose_conv, &gpu_op_conv_2d_transpose_bias,
    &gpu_op_resize_bilinear, &gpu_op_softmax, &gpu_op_mean,
};

LPS_DEFINE_REGISTRY(gpu_registry, GpuOp, operators, 16); // 16: GpuNodePlan.inputs

const GpuOp *gpu_find_op(int32_t builtin_code, const char *custom_name) {
    return lps_registry_find(&gpu_registry, builtin_code, custom_name);
}

bool gpu_node_supported(const LiteGraph *graph, int32_t node_index, const GpuOp **out_op,
                        char *reason, size_t capacity) {
    const void *op;
    const bool taken = lps_registry_claim(&gpu_registry, graph, node_index, &op, reason, capacity);
    *out_op = op;
    return taken;
}
