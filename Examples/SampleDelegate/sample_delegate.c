/*
 * A complete delegate plugin in plain C, built from lite_delegate.h alone:
 *
 *   cc -shared -fPIC -I Sources/DelegateABI/include Examples/SampleDelegate/sample_delegate.c \
 *      -o liblite_delegate_sample.so
 *
 * It runs RELU and ADD (same-shape float32 inputs, no fused activation) and declines everything
 * else with a reason. The host's tests build it, and variants of it, to check plugin loading:
 *   -DSAMPLE_ABI_MAJOR=N   report ABI major N (the host must refuse N != its own)
 *   -DSAMPLE_REFUSE        the entry refuses to load, with a reason
 *   -DSAMPLE_UNAVAILABLE   query_device reports no device
 *   -DSAMPLE_NAME=\"x\"    backend name (default "sample")
 *   -DSAMPLE_FUTURE        pose as a plugin from a future minor version: a larger backend struct
 *                          with a field this header does not know, and ABI minor 99
 *   -DSAMPLE_TRUNCATED     pose as a broken plugin whose backend struct ends before invoke_partition
 *   -DSAMPLE_SOFTWARE_GPU  pose as a GPU backend whose device is a GPU emulated on the CPU
 *   -DSAMPLE_CREATOR_THREAD  declare LITE_THREADING_CREATOR_THREAD and fail any call made from
 *                          another thread than the one that created the delegate
 *   -DSAMPLE_WRONG_ADD     a deliberately wrong plugin for `lite conformance`'s tests: its ADD
 *                          computes a - b (RELU stays right)
 */
#include "lite_delegate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SAMPLE_ABI_MAJOR
#define SAMPLE_ABI_MAJOR LITE_ABI_VERSION_MAJOR
#endif
#ifndef SAMPLE_NAME
#define SAMPLE_NAME "sample"
#endif

struct LiteDelegate {
    const LiteHostServices *services;
    int invocations;
    pthread_t creator;
};

/* One node of a partition: what it needs at invoke time, copied from the graph. */
typedef struct SampleNode {
    int32_t op;
    int32_t inputs[2]; /* tensor indices */
    int32_t output;
} SampleNode;

struct LitePartition {
    LiteDelegate *delegate;
    SampleNode *nodes;
    int32_t node_count;
    int32_t *input_tensors, input_count;
    int32_t *output_tensors, output_count;
    size_t *sizes;                 /* bytes per tensor index, from prepare */
    const void **constants;        /* constant data per tensor index, or NULL */
    float **scratch;               /* buffers for tensors internal to the partition */
    int32_t tensor_count;
};

static void report(const LiteHostServices *services, LiteStatus status, const char *message) {
    if (services && LITE_FIELD_FITS(LiteHostServices, report_error, services->struct_size) && services->report_error)
        services->report_error(services->host_context, status, message);
}

/* With SAMPLE_CREATOR_THREAD, calls from any other thread than the creator's are refused. */
static int wrong_thread(const LiteDelegate *delegate) {
#ifdef SAMPLE_CREATOR_THREAD
    if (!pthread_equal(delegate->creator, pthread_self())) {
        report(delegate->services, LITE_STATUS_ERROR, "sample: called from a thread that did not create the delegate");
        return 1;
    }
#else
    (void)delegate;
#endif
    return 0;
}

static int same_shape(const LiteTensor *a, const LiteTensor *b) {
    if (a->rank != b->rank) return 0;
    for (int32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

static LiteStatus sample_query_device(char *text, size_t capacity) {
#ifdef SAMPLE_UNAVAILABLE
    snprintf(text, capacity, "no sample device on this machine");
    return LITE_STATUS_DEVICE_UNAVAILABLE;
#else
    snprintf(text, capacity, "the host CPU, one element at a time");
    return LITE_STATUS_OK;
#endif
}

static LiteStatus sample_query_device_info(LiteDeviceInfo *info) {
    if (!LITE_FIELD_FITS(LiteDeviceInfo, description, info->struct_size)) return LITE_STATUS_INVALID_ARGUMENT;
#ifdef SAMPLE_SOFTWARE_GPU
    info->kind = LITE_DEVICE_KIND_SOFTWARE_EMULATION;
    snprintf(info->description, sizeof info->description, "a GPU emulated on the CPU");
    return LITE_STATUS_OK;
#else
    info->kind = LITE_DEVICE_KIND_CPU;
    return sample_query_device(info->description, sizeof info->description);
#endif
}

static LiteStatus sample_create_delegate(const LiteHostServices *services, const char *const *keys,
                                         const char *const *values, size_t count, LiteDelegate **out) {
    (void)values;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(keys[i], "fail") == 0) {
            report(services, LITE_STATUS_INVALID_ARGUMENT, "sample: option 'fail' was given");
            return LITE_STATUS_INVALID_ARGUMENT;
        }
    }
    LiteDelegate *delegate = calloc(1, sizeof *delegate);
    if (!delegate) return LITE_STATUS_OUT_OF_MEMORY;
    delegate->services = services;
    delegate->creator = pthread_self();
    *out = delegate;
    return LITE_STATUS_OK;
}

static void sample_destroy_delegate(LiteDelegate *delegate) { free(delegate); }

static LiteStatus sample_claim_nodes(LiteDelegate *delegate, const LiteGraph *graph, LiteVerdictFn verdict,
                                     void *context) {
    if (wrong_thread(delegate)) return LITE_STATUS_ERROR;
    for (int32_t n = 0; n < graph->node_count; n++) {
        const LiteNode *node = graph->nodes[n];
        const LiteTensor *out = node->output_count == 1 ? graph->tensors[node->outputs[0]] : NULL;
        if (node->builtin_code == LITE_OP_RELU && node->input_count == 1 && out &&
            out->type == LITE_DATA_TYPE_FLOAT32) {
            verdict(context, n, LITE_VERDICT_TAKEN, NULL);
        } else if (node->builtin_code == LITE_OP_ADD && node->input_count == 2 && out &&
                   out->type == LITE_DATA_TYPE_FLOAT32 && same_shape(graph->tensors[node->inputs[0]], out) &&
                   same_shape(graph->tensors[node->inputs[1]], out) &&
                   (!node->params || ((const LiteElementwiseParams *)node->params)->activation == LITE_ACTIVATION_NONE)) {
            verdict(context, n, LITE_VERDICT_TAKEN, NULL);
        } else {
            verdict(context, n, LITE_VERDICT_DECLINED, "sample plugin runs only RELU and same-shape ADD");
        }
    }
    return LITE_STATUS_OK;
}

static int32_t *copy_indices(const int32_t *values, int32_t count) {
    int32_t *copy = malloc(sizeof(int32_t) * (size_t)(count > 0 ? count : 1));
    if (copy && count > 0) memcpy(copy, values, sizeof(int32_t) * (size_t)count);
    return copy;
}

static void sample_destroy_partition(LitePartition *partition) {
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

static LiteStatus sample_create_partition(LiteDelegate *delegate, const LiteGraph *graph, const int32_t *node_indices,
                                          int32_t node_count, const int32_t *inputs, int32_t input_count,
                                          const int32_t *outputs, int32_t output_count, LitePartition **out) {
    if (wrong_thread(delegate)) return LITE_STATUS_ERROR;
    LitePartition *partition = calloc(1, sizeof *partition);
    if (!partition) return LITE_STATUS_OUT_OF_MEMORY;
    partition->delegate = delegate;
    partition->tensor_count = graph->tensor_count;
    partition->nodes = calloc((size_t)node_count, sizeof(SampleNode));
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
        sample_destroy_partition(partition);
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    for (int32_t i = 0; i < node_count; i++) {
        const LiteNode *node = graph->nodes[node_indices[i]];
        SampleNode *copy = &partition->nodes[i];
        copy->op = node->builtin_code;
        copy->inputs[0] = node->inputs[0];
        copy->inputs[1] = node->input_count > 1 ? node->inputs[1] : -1;
        copy->output = node->outputs[0];
    }
    for (int32_t t = 0; t < graph->tensor_count; t++) partition->constants[t] = graph->tensors[t]->constant_data;
    *out = partition;
    return LITE_STATUS_OK;
}

static LiteStatus sample_prepare_partition(LitePartition *partition, const LiteGraph *graph) {
    if (wrong_thread(partition->delegate)) return LITE_STATUS_ERROR;
    for (int32_t t = 0; t < graph->tensor_count; t++) {
        partition->sizes[t] = graph->tensors[t]->byte_size;
        free(partition->scratch[t]);
        partition->scratch[t] = NULL;
    }
    /* Tensors produced inside that are not partition outputs get scratch memory. */
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

static LiteStatus sample_invoke_partition(LitePartition *partition, const void *const *inputs,
                                          const size_t *input_sizes, void *const *outputs,
                                          const size_t *output_sizes) {
    (void)input_sizes;
    (void)output_sizes;
    if (wrong_thread(partition->delegate)) return LITE_STATUS_ERROR;
    for (int32_t i = 0; i < partition->node_count; i++) {
        const SampleNode *node = &partition->nodes[i];
        float *out = buffer_for(partition, node->output, inputs, outputs);
        const float *a = buffer_for(partition, node->inputs[0], inputs, outputs);
        const float *b = node->inputs[1] >= 0 ? buffer_for(partition, node->inputs[1], inputs, outputs) : NULL;
        if (!out || !a || (node->op == LITE_OP_ADD && !b)) {
            report(partition->delegate->services, LITE_STATUS_ERROR, "sample: missing buffer");
            return LITE_STATUS_ERROR;
        }
        size_t count = partition->sizes[node->output] / sizeof(float);
        for (size_t e = 0; e < count; e++)
#ifdef SAMPLE_WRONG_ADD
            out[e] = node->op == LITE_OP_RELU ? (a[e] < 0.0f ? 0.0f : a[e]) : a[e] - b[e];
#else
            out[e] = node->op == LITE_OP_RELU ? (a[e] < 0.0f ? 0.0f : a[e]) : a[e] + b[e];
#endif
    }
    partition->delegate->invocations++;
    return LITE_STATUS_OK;
}

static LiteStatus sample_describe_partition(LitePartition *partition, LitePartitionInfo *info) {
    if (LITE_FIELD_FITS(LitePartitionInfo, dispatch_count, info->struct_size))
        info->dispatch_count = partition->node_count;
    if (LITE_FIELD_FITS(LitePartitionInfo, summary, info->struct_size))
        snprintf(info->summary, sizeof info->summary, "%d element-wise loops", (int)partition->node_count);
    return LITE_STATUS_OK;
}

static const LiteOperatorSupport sample_operators[] = {
    {sizeof(LiteOperatorSupport), LITE_OP_ADD, 1, 4},
    {sizeof(LiteOperatorSupport), LITE_OP_RELU, 1, 3},
};

#ifdef SAMPLE_CREATOR_THREAD
#define SAMPLE_THREADING LITE_THREADING_CREATOR_THREAD
#else
#define SAMPLE_THREADING LITE_THREADING_FREE
#endif

/* The backend table sits inside a larger struct: a plugin from a later minor version appends fields
   that this header does not know, and says so through struct_size. */
struct SampleBackendTable {
    LiteBackend base;
    void *field_from_the_future;
};

#if defined(SAMPLE_FUTURE)
#define SAMPLE_BACKEND_SIZE sizeof(struct SampleBackendTable)
#define SAMPLE_ABI_MINOR 99
#elif defined(SAMPLE_TRUNCATED)
#define SAMPLE_BACKEND_SIZE offsetof(LiteBackend, invoke_partition)
#define SAMPLE_ABI_MINOR LITE_ABI_VERSION_MINOR
#else
#define SAMPLE_BACKEND_SIZE sizeof(LiteBackend)
#define SAMPLE_ABI_MINOR LITE_ABI_VERSION_MINOR
#endif

static const struct SampleBackendTable sample_table = {
    .base =
        {
            .struct_size = SAMPLE_BACKEND_SIZE,
            .name = SAMPLE_NAME,
            .vendor = "Lite examples",
            .version = "0.1.0",
#ifdef SAMPLE_SOFTWARE_GPU
            .kind = LITE_BACKEND_KIND_GPU,
#else
            .kind = LITE_BACKEND_KIND_CPU,
#endif
            .operators = sample_operators,
            .operator_count = sizeof sample_operators / sizeof sample_operators[0],
            .data_type_mask = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32),
            .precision_mask = LITE_PRECISION_FP32,
            .threading = SAMPLE_THREADING,
            .query_device = sample_query_device,
            .create_delegate = sample_create_delegate,
            .destroy_delegate = sample_destroy_delegate,
            .claim_nodes = sample_claim_nodes,
            .create_partition = sample_create_partition,
            .prepare_partition = sample_prepare_partition,
            .invoke_partition = sample_invoke_partition,
            .destroy_partition = sample_destroy_partition,
            .describe_partition = sample_describe_partition,
            .query_device_info = sample_query_device_info,
        },
    .field_from_the_future = NULL,
};

static const LiteBackend *const sample_backends[] = {&sample_table.base};

static const LitePluginLibrary sample_library = {
    .struct_size = sizeof(LitePluginLibrary),
    .abi_version_major = SAMPLE_ABI_MAJOR,
    .abi_version_minor = SAMPLE_ABI_MINOR,
    .backend_count = 1,
    .backends = sample_backends,
};

LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor,
                                                              const LiteHostServices *services, char *reason,
                                                              size_t capacity) {
    (void)host_abi_minor;
    (void)services;
#ifdef SAMPLE_REFUSE
    snprintf(reason, capacity, "sample plugin built to refuse loading");
    return NULL;
#endif
    if (host_abi_major != SAMPLE_ABI_MAJOR && SAMPLE_ABI_MAJOR == LITE_ABI_VERSION_MAJOR) {
        snprintf(reason, capacity, "sample plugin speaks delegate ABI %d.%d, host speaks %u", LITE_ABI_VERSION_MAJOR,
                 LITE_ABI_VERSION_MINOR, host_abi_major);
        return NULL;
    }
    return &sample_library;
}
