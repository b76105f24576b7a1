// The operator registry: builtin code (or custom name) -> operator. A missing entry means "not
// claimed".
#include "cpu_delegate.h"

static const CpuOp *const registry[] = {
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

#define REGISTRY_COUNT (sizeof(registry) / sizeof(registry[0]))

const CpuOp *cpu_find_op(int32_t builtin_code, const char *custom_name) {
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const CpuOp *op = registry[i];
        if (op->builtin_code != builtin_code) continue;
        if (builtin_code != LITE_OP_CUSTOM) return op;
        if (custom_name && op->custom_name && strcmp(custom_name, op->custom_name) == 0) return op;
    }
    return NULL;
}

static LiteOperatorSupport supported[REGISTRY_COUNT];
static size_t supported_count;
static const char *custom_names[REGISTRY_COUNT];
static size_t custom_count;
static pthread_once_t report_once = PTHREAD_ONCE_INIT;

static void build_report(void) {
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const CpuOp *op = registry[i];
        if (op->builtin_code == LITE_OP_CUSTOM) {
            custom_names[custom_count++] = op->custom_name;
            continue;
        }
        supported[supported_count++] = (LiteOperatorSupport){
            .struct_size = sizeof(LiteOperatorSupport),
            .builtin_code = op->builtin_code,
            .min_version = op->min_version,
            .max_version = op->max_version,
        };
    }
}

const LiteOperatorSupport *cpu_supported_operators(size_t *count) {
    pthread_once(&report_once, build_report);
    *count = supported_count;
    return supported;
}

const char *const *cpu_supported_custom_operators(size_t *count) {
    pthread_once(&report_once, build_report);
    *count = custom_count;
    return custom_names;
}

const char *cpu_builtin_name(int32_t builtin_code, char *buffer, size_t capacity) {
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (registry[i]->builtin_code == builtin_code && builtin_code != LITE_OP_CUSTOM)
            return registry[i]->name;
    switch (builtin_code) {
    case LITE_OP_CUSTOM: return "CUSTOM";
    case LITE_OP_GATHER: return "GATHER";
    case LITE_OP_BATCH_TO_SPACE_ND: return "BATCH_TO_SPACE_ND";
    case LITE_OP_SPACE_TO_BATCH_ND: return "SPACE_TO_BATCH_ND";
    case LITE_OP_TRANSPOSE: return "TRANSPOSE";
    case LITE_OP_DIV: return "DIV";
    case LITE_OP_SQUEEZE: return "SQUEEZE";
    case LITE_OP_EXP: return "EXP";
    case LITE_OP_SPLIT: return "SPLIT";
    case LITE_OP_MAXIMUM: return "MAXIMUM";
    case LITE_OP_MINIMUM: return "MINIMUM";
    case LITE_OP_EXPAND_DIMS: return "EXPAND_DIMS";
    case LITE_OP_RSQRT: return "RSQRT";
    case LITE_OP_SHAPE: return "SHAPE";
    case LITE_OP_PACK: return "PACK";
    case LITE_OP_UNPACK: return "UNPACK";
    case LITE_OP_SQUARED_DIFFERENCE: return "SQUARED_DIFFERENCE";
    case LITE_OP_DENSIFY: return "DENSIFY";
    default: snprintf(buffer, capacity, "builtin operator %d", builtin_code); return buffer;
    }
}
