// The operator registry: builtin code (or custom name) -> operator. A missing entry means "not
// claimed". Finding a node's operator, the claim decision and the capability report are
// PluginSupport's (lps_registry_*), the same for every plugin.
#include "cpu_delegate.h"

static const void *const operators[] = {
    &cpu_op_add, &cpu_op_sub, &cpu_op_mul, &cpu_op_prelu,
    &cpu_op_relu, &cpu_op_relu6, &cpu_op_relu_n1_to_1, &cpu_op_logistic, &cpu_op_tanh,
    &cpu_op_hard_swish, &cpu_op_leaky_relu, &cpu_op_dequantize,
    &cpu_op_average_pool_2d, &cpu_op_max_pool_2d,
    &cpu_op_concatenation, &cpu_op_reshape, &cpu_op_pad, &cpu_op_strided_slice,
    &cpu_op_depth_to_space,
    &cpu_op_conv_2d, &cpu_op_fully_connected, &cpu_op_depthwise_conv_2d,
    &cpu_op_transpose_conv, &cpu_op_conv_2d_transpose_bias,
    &cpu_op_resize_bilinear, &cpu_op_softmax, &cpu_op_mean,
    &cpu_op_transpose, &cpu_op_gather, &cpu_op_pack, &cpu_op_unpack, &cpu_op_split,
    &cpu_op_space_to_batch_nd, &cpu_op_batch_to_space_nd, &cpu_op_shape, &cpu_op_squeeze,
    &cpu_op_expand_dims,
    &cpu_op_maximum, &cpu_op_minimum, &cpu_op_div, &cpu_op_squared_difference,
    &cpu_op_rsqrt, &cpu_op_exp,
};

LPS_DEFINE_REGISTRY(cpu_registry, CpuOp, operators, 0);
