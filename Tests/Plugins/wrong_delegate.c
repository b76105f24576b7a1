/*
 * A deliberately wrong delegate plugin in plain C, built from lite_delegate.h alone, for the tests of
 * `lite conformance`:
 *
 *   cc -shared -fPIC -I Sources/DelegateABI/include Tests/Plugins/wrong_delegate.c \
 *      -o liblite_delegate_wrong.so
 *
 * It claims what Examples/SampleDelegate claims (RELU, and ADD of same-shape float32 inputs without a
 * fused activation) and declines everything else with a reason. Its RELU is right; its ADD computes
 * a - b, so conformance must pass the RELU cases and fail the ADD ones.
 */
#include "lite_delegate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct LiteDelegate {
    const LiteHostServices *services;
};

/* One node of a partition, copied from the graph at create_partition. */
typedef struct WrongNode {
    int32_t op;
    int32_t inputs[2]; /* tensor indices; inputs[1] is -1 for RELU */
    int32_t output;
} WrongNode;

struct LitePartition {
    LiteDelegate *delegate;
    WrongNode *nodes;
    int32_t node_count;
    int32_t *input_tensors, input_count;
    int32_t *output_tensors, output_count;
    int32_t tensor_count;
    size_t *sizes;          /* bytes per tensor index, from prepare */
    const void **constants; /* constant data per tensor index, or NULL */
    float **scratch;        /* buffers for tensors internal to the partition */
};

static void report(const LiteHostServices *services, LiteStatus status, const char *message) {
    if (services && LITE_FIELD_FITS(LiteHostServices, report_error, services->struct_size) && services->report_error)
        services->report_error(services->host_context, status, message);
}

static int same_shape(const LiteTensor *a, const LiteTensor *b) {
    if (a->rank != b->rank) return 0;
    for (int32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

static LiteStatus wrong_query_device(char *text, size_t capacity) {
    snprintf(text, capacity, "the host CPU, computing ADD wrongly");
    return LITE_STATUS_OK;
}

static LiteStatus wrong_create_delegate(const LiteHostServices *services, const char *const *keys,
                                        const char *const *values, size_t count, LiteDelegate **out) {
    (void)keys;
    (void)values;
    (void)count;
    LiteDelegate *delegate = calloc(1, sizeof *delegate);
    if (!delegate) return LITE_STATUS_OUT_OF_MEMORY;
    delegate->services = services;
    *out = delegate;
    return LITE_STATUS_OK;
}

static void wrong_destroy_delegate(LiteDelegate *delegate) { free(delegate); }

static LiteStatus wrong_claim_nodes(LiteDelegate *delegate, const LiteGraph *graph, LiteVerdictFn verdict,
                                    void *context) {
    (void)delegate;
    for (int32_t n = 0; n < graph->node_count; n++) {
        const LiteNode *node = graph->nodes[n];
        const LiteTensor *out = node->output_count == 1 ? graph->tensors[node->outputs[0]] : NULL;
        int relu = node->builtin_code == LITE_OP_RELU && node->input_count == 1;
        int add = node->builtin_code == LITE_OP_ADD && node->input_count == 2 && out &&
                  same_shape(graph->tensors[node->inputs[0]], out) && same_shape(graph->tensors[node->inputs[1]], out) &&
                  (!node->params || ((const LiteElementwiseParams *)node->params)->activation == LITE_ACTIVATION_NONE);
        if ((relu || add) && out && out->type == LITE_DATA_TYPE_FLOAT32)
            verdict(context, n, LITE_VERDICT_TAKEN, NULL);
        else
            verdict(context, n, LITE_VERDICT_DECLINED, "wrong plugin runs only RELU and same-shape ADD");
    }
    return LITE_STATUS_OK;
}

static int32_t *copy_indices(const int32_t *values, int32_t count) {
    int32_t *copy = malloc(sizeof(int32_t) * (size_t)(count > 0 ? count : 1));
    if (copy && count > 0) memcpy(copy, values, sizeof(int32_t) * (size_t)count);
    return copy;
}

static void wrong_destroy_partition(LitePartition *partition) {
    if (!partition) return;
    if (partition->scratch)
        for (int32_t t = 0; t < partition->tensor_count; t++) free(partition->scratch[t]);
    free(partition->scratch);
    free(partition->constants);
    free(partition->sizes);
    free(partition->nodes);
    free(partition->input_tensors);
    free(partition->output_tensors);
    free(partition);
}

static LiteStatus wrong_create_partition(LiteDelegate *delegate, const LiteGraph *graph, const int32_t *node_indices,
                                         int32_t node_count, const int32_t *inputs, int32_t input_count,
                                         const int32_t *outputs, int32_t output_count, LitePartition **out) {
    LitePartition *partition = calloc(1, sizeof *partition);
    if (!partition) return LITE_STATUS_OUT_OF_MEMORY;
    partition->delegate = delegate;
    partition->tensor_count = graph->tensor_count;
    partition->nodes = calloc((size_t)node_count, sizeof(WrongNode));
    partition->node_count = node_count;
    partition->input_tensors = copy_indices(inputs, input_count);
    partition->input_count = input_count;
    partition->output_tensors = copy_indices(outputs, output_count);
    partition->output_count = output_count;
    partition->sizes = calloc((size_t)graph->tensor_count, sizeof(size_t));
    partition->constants = calloc((size_t)graph->tensor_count, sizeof(void *));
    partition->scratch = calloc((size_t)graph->tensor_count, sizeof(float *));
    if (!partition->nodes || !partition->input_tensors || !partition->output_tensors || !partition->sizes ||
        !partition->constants || !partition->scratch) {
        wrong_destroy_partition(partition);
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    for (int32_t i = 0; i < node_count; i++) {
        const LiteNode *node = graph->nodes[node_indices[i]];
        partition->nodes[i] = (WrongNode){
            .op = node->builtin_code,
            .inputs = {node->inputs[0], node->input_count > 1 ? node->inputs[1] : -1},
            .output = node->outputs[0],
        };
    }
    for (int32_t t = 0; t < graph->tensor_count; t++) partition->constants[t] = graph->tensors[t]->constant_data;
    *out = partition;
    return LITE_STATUS_OK;
}

static LiteStatus wrong_prepare_partition(LitePartition *partition, const LiteGraph *graph) {
    for (int32_t t = 0; t < graph->tensor_count; t++) {
        partition->sizes[t] = graph->tensors[t]->byte_size;
        free(partition->scratch[t]);
        partition->scratch[t] = NULL;
    }
    for (int32_t i = 0; i < partition->node_count; i++) {
        int32_t t = partition->nodes[i].output;
        int is_output = 0;
        for (int32_t o = 0; o < partition->output_count; o++) is_output |= partition->output_tensors[o] == t;
        if (!is_output) {
            partition->scratch[t] = malloc(partition->sizes[t] ? partition->sizes[t] : 1);
            if (!partition->scratch[t]) return LITE_STATUS_OUT_OF_MEMORY;
        }
    }
    return LITE_STATUS_OK;
}

/* The buffer for tensor t during one invoke: a bound input/output, a constant, or scratch. */
static float *buffer_for(LitePartition *p, int32_t t, const void *const *inputs, void *const *outputs) {
    for (int32_t i = 0; i < p->input_count; i++)
        if (p->input_tensors[i] == t) return (float *)inputs[i];
    for (int32_t o = 0; o < p->output_count; o++)
        if (p->output_tensors[o] == t) return (float *)outputs[o];
    if (p->constants[t]) return (float *)p->constants[t];
    return p->scratch[t];
}

static LiteStatus wrong_invoke_partition(LitePartition *partition, const void *const *inputs,
                                         const size_t *input_sizes, void *const *outputs, const size_t *output_sizes) {
    (void)input_sizes;
    (void)output_sizes;
    for (int32_t i = 0; i < partition->node_count; i++) {
        const WrongNode *node = &partition->nodes[i];
        float *out = buffer_for(partition, node->output, inputs, outputs);
        const float *a = buffer_for(partition, node->inputs[0], inputs, outputs);
        const float *b = node->inputs[1] >= 0 ? buffer_for(partition, node->inputs[1], inputs, outputs) : NULL;
        if (!out || !a || (node->op == LITE_OP_ADD && !b)) {
            report(partition->delegate->services, LITE_STATUS_ERROR, "wrong: missing buffer");
            return LITE_STATUS_ERROR;
        }
        size_t count = partition->sizes[node->output] / sizeof(float);
        for (size_t e = 0; e < count; e++)
            out[e] = node->op == LITE_OP_RELU ? (a[e] > 0.0f ? a[e] : 0.0f) : a[e] - b[e]; /* the bug: ADD subtracts */
    }
    return LITE_STATUS_OK;
}

static const LiteOperatorSupport wrong_operators[] = {
    {sizeof(LiteOperatorSupport), LITE_OP_ADD, 1, 4},
    {sizeof(LiteOperatorSupport), LITE_OP_RELU, 1, 3},
};

static const LiteBackend wrong_backend = {
    .struct_size = sizeof(LiteBackend),
    .name = "wrong",
    .vendor = "Lite tests",
    .version = "0.1.0",
    .kind = LITE_BACKEND_KIND_CPU,
    .operators = wrong_operators,
    .operator_count = sizeof wrong_operators / sizeof wrong_operators[0],
    .data_type_mask = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32),
    .precision_mask = LITE_PRECISION_FP32,
    .threading = LITE_THREADING_FREE,
    .query_device = wrong_query_device,
    .create_delegate = wrong_create_delegate,
    .destroy_delegate = wrong_destroy_delegate,
    .claim_nodes = wrong_claim_nodes,
    .create_partition = wrong_create_partition,
    .prepare_partition = wrong_prepare_partition,
    .invoke_partition = wrong_invoke_partition,
    .destroy_partition = wrong_destroy_partition,
};

static const LiteBackend *const wrong_backends[] = {&wrong_backend};

static const LitePluginLibrary wrong_library = {
    .struct_size = sizeof(LitePluginLibrary),
    .abi_version_major = LITE_ABI_VERSION_MAJOR,
    .abi_version_minor = LITE_ABI_VERSION_MINOR,
    .backend_count = 1,
    .backends = wrong_backends,
};

LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor,
                                                              const LiteHostServices *services, char *reason,
                                                              size_t capacity) {
    (void)host_abi_minor;
    (void)services;
    if (host_abi_major != LITE_ABI_VERSION_MAJOR) {
        snprintf(reason, capacity, "wrong plugin speaks delegate ABI %d.%d, host speaks %u", LITE_ABI_VERSION_MAJOR,
                 LITE_ABI_VERSION_MINOR, host_abi_major);
        return NULL;
    }
    return &wrong_library;
}
