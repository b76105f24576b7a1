// The operator registry: builtin code (or custom name) -> operator. A missing entry means "not
// claimed". Shared by the GPU delegates, so they claim the same nodes for the same reasons.
#include "gpu_shared.h"

#include <pthread.h>

static const GpuOp *const registry[] = {
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

#define REGISTRY_COUNT (sizeof(registry) / sizeof(registry[0]))

const GpuOp *gpu_find_op(int32_t builtin_code, const char *custom_name) {
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const GpuOp *op = registry[i];
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
        const GpuOp *op = registry[i];
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

const LiteOperatorSupport *gpu_supported_operators(size_t *count) {
    pthread_once(&report_once, build_report);
    *count = supported_count;
    return supported;
}

const char *const *gpu_supported_custom_operators(size_t *count) {
    pthread_once(&report_once, build_report);
    *count = custom_count;
    return custom_names;
}

bool gpu_node_supported(const LiteGraph *graph, int32_t node_index, const GpuOp **out_op,
                        char *reason, size_t capacity) {
    const LiteNode *node = graph->nodes[node_index];
    const GpuOp *op = gpu_find_op(node->builtin_code, node->custom_name);
    *out_op = op;
    if (!op) {
        if (node->builtin_code == LITE_OP_CUSTOM)
            return lps_decline(reason, capacity, "custom operator '%s' unsupported",
                               node->custom_name ? node->custom_name : "");
        return lps_decline(reason, capacity, "builtin operator %d unsupported", node->builtin_code);
    }
    if (node->version < op->min_version || node->version > op->max_version)
        return lps_decline(reason, capacity, "%s version %d unsupported (supported %d..%d)",
                           op->name, node->version, op->min_version, op->max_version);
    if (op->params_size > 0) {
        const size_t *params_size = node->params;
        if (!params_size || *params_size < op->params_size)
            return lps_decline(reason, capacity, "%s without parameters", op->name);
    }
    if (node->input_count > 16)
        return lps_decline(reason, capacity, "%s with %d inputs (at most 16)", op->name,
                           node->input_count);
    LpsCheckContext context = {.graph = graph, .node = node};
    char detail[GPU_REASON_CAPACITY] = "";
    if (!op->check(&context, detail, sizeof(detail))) {
        if (strncmp(detail, op->name, strlen(op->name)) == 0)
            snprintf(reason, capacity, "%s", detail);
        else
            snprintf(reason, capacity, "%s: %s", op->name, detail);
        return false;
    }
    return true;
}
