// What the GPU delegates share around the planner: messages, the create_partition and invoke
// checks, and the table of compiled kernels (gpu_backend.h).
#include "gpu_backend.h"

/* ---------------------------------------------------------------------------------------------- */
/* Messages                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

void gpu_log_cache_write_failure(GpuDelegateBase *base, const char *what, const char *path, int error) {
    gpu_log(base, base->cache_write_failed ? LITE_LOG_DEBUG : LITE_LOG_WARNING,
            "cannot write %s %s (%s)%s", what, path, strerror(error),
            base->cache_write_failed ? "" : "; kernels still run, further cache failures of this "
                                            "delegate are logged at debug level");
    base->cache_write_failed = true;
}

/* ---------------------------------------------------------------------------------------------- */
/* Delegate creation and claiming                                                                 */
/* ---------------------------------------------------------------------------------------------- */

bool gpu_bool_option(const GpuDelegateBase *probe, const char *backend, const char *key, const char *value,
                     bool *out) {
    if (lps_parse_bool(value, out)) return true;
    gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "%s: %s must be 1/0, true/false, yes/no or on/off, got '%s'",
             backend, key, value ? value : "(null)");
    return false;
}

/* One of two words: *out = (value == second); false after reporting anything else. */
static bool choice_option(const GpuDelegateBase *probe, const char *backend, const char *key, const char *value,
                          const char *first, const char *second, bool *out) {
    if (value && (strcmp(value, first) == 0 || strcmp(value, second) == 0)) {
        *out = strcmp(value, second) == 0;
        return true;
    }
    gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "%s: %s must be '%s' or '%s', got '%s'", backend, key, first,
             second, value ? value : "(null)");
    return false;
}

LiteStatus gpu_create_arguments(const GpuDelegateBase *probe, const char *backend, LiteDelegate **out_delegate,
                                const char *const *keys, const char *const *values, size_t count,
                                GpuOptions *options, GpuOwnOption own, void *own_context) {
    if (probe->services && (probe->services->struct_size == 0 || probe->services->struct_size > 4096))
        return LITE_STATUS_INVALID_ARGUMENT;
    if (!out_delegate) return gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "%s: out_delegate is NULL", backend);
    *out_delegate = NULL;
    if (count > 0 && (!keys || !values))
        return gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "%s: option arrays are NULL", backend);
    *options = (GpuOptions){0};
    for (size_t i = 0; i < count; i++) {
        const char *key = keys[i], *value = values[i];
        if (!key) return gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "%s: option %zu has no key", backend, i);
        LiteStatus status = LITE_STATUS_OK;
        if (strcmp(key, "precision") == 0) {
            if (!choice_option(probe, backend, key, value, "fp32", "fp16", &options->fp16))
                return LITE_STATUS_INVALID_ARGUMENT;
        } else if (strcmp(key, "fp16_tensors") == 0) {
            if (!choice_option(probe, backend, key, value, "bounded", "all", &options->fp16_all_tensors))
                return LITE_STATUS_INVALID_ARGUMENT;
        } else if (strcmp(key, "cache_dir") == 0) {
            options->cache_dir = value && *value ? value : NULL;
        } else if (strcmp(key, "profile") == 0) {
            if (!gpu_bool_option(probe, backend, key, value, &options->profile)) return LITE_STATUS_INVALID_ARGUMENT;
        } else if (strcmp(key, "model_token") == 0 || strcmp(key, "num_threads") == 0) {
            continue;
        } else if (own && own(own_context, probe, key, value, &status)) {
            if (status != LITE_STATUS_OK) return status;
        } else {
            gpu_log(probe, LITE_LOG_WARNING, "ignoring unknown option '%s'", key);
        }
    }
    return LITE_STATUS_OK;
}

LiteStatus gpu_claim_nodes(const GpuDelegateBase *delegate, const char *backend, const LiteGraph *graph,
                           LiteVerdictFn verdict, void *verdict_context) {
    if (!verdict) return gpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "%s: verdict callback is NULL", backend);
    char error[GPU_ERROR_CAPACITY];
    if (!lps_validate_graph(graph, error, sizeof(error)))
        return gpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "%s: %s", backend, error);
    for (int32_t i = 0; i < graph->node_count; i++) {
        char reason[GPU_REASON_CAPACITY];
        const GpuOp *op;
        if (gpu_node_supported(graph, i, &op, reason, sizeof(reason)))
            verdict(verdict_context, i, LITE_VERDICT_TAKEN, NULL);
        else
            verdict(verdict_context, i, LITE_VERDICT_DECLINED, reason);
    }
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Partitions and invoke buffers                                                          */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus check_request(const LiteGraph *graph, const int32_t *nodes, int32_t node_count,
                                const int32_t *inputs, int32_t input_count, const int32_t *outputs,
                                int32_t output_count, char *error, size_t capacity) {
    if (!lps_validate_graph(graph, error, capacity)) return LITE_STATUS_INVALID_ARGUMENT;
    if (node_count <= 0 || !nodes || input_count < 0 || output_count <= 0 || (input_count > 0 && !inputs) ||
        !outputs) {
        snprintf(error, capacity, "create_partition needs nodes and outputs");
        return LITE_STATUS_INVALID_ARGUMENT;
    }
    for (int32_t i = 0; i < node_count; i++) {
        if (nodes[i] < 0 || nodes[i] >= graph->node_count) {
            snprintf(error, capacity, "node index %d out of range", nodes[i]);
            return LITE_STATUS_INVALID_ARGUMENT;
        }
        char reason[GPU_REASON_CAPACITY];
        const GpuOp *op;
        if (!gpu_node_supported(graph, nodes[i], &op, reason, sizeof(reason))) {
            snprintf(error, capacity, "node %d: %s", nodes[i], reason);
            return LITE_STATUS_UNSUPPORTED;
        }
    }
    for (int32_t i = 0; i < input_count + output_count; i++) {
        const int32_t t = i < input_count ? inputs[i] : outputs[i - input_count];
        if (t < 0 || t >= graph->tensor_count) {
            snprintf(error, capacity, "partition tensor %d out of range", t);
            return LITE_STATUS_INVALID_ARGUMENT;
        }
    }
    return LITE_STATUS_OK;
}

static int32_t *copy_indices(const int32_t *source, int32_t count) {
    int32_t *copy = malloc(sizeof(int32_t) * (size_t)(count > 0 ? count : 1));
    if (copy && count > 0) memcpy(copy, source, sizeof(int32_t) * (size_t)count);
    return copy;
}

LiteStatus gpu_partition_request_init(GpuPartitionRequest *request, const LiteGraph *graph,
                                      const int32_t *nodes, int32_t node_count, const int32_t *inputs,
                                      int32_t input_count, const int32_t *outputs, int32_t output_count,
                                      char *error, size_t capacity) {
    memset(request, 0, sizeof(*request));
    const LiteStatus status =
        check_request(graph, nodes, node_count, inputs, input_count, outputs, output_count, error, capacity);
    if (status != LITE_STATUS_OK) return status;
    request->node_count = node_count;
    request->input_count = input_count;
    request->output_count = output_count;
    request->nodes = copy_indices(nodes, node_count);
    request->inputs = copy_indices(inputs, input_count);
    request->outputs = copy_indices(outputs, output_count);
    if (!request->nodes || !request->inputs || !request->outputs) {
        gpu_partition_request_free(request);
        snprintf(error, capacity, "out of memory");
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    return LITE_STATUS_OK;
}

void gpu_partition_request_free(GpuPartitionRequest *request) {
    free(request->nodes);
    free(request->inputs);
    free(request->outputs);
    memset(request, 0, sizeof(*request));
}

LiteStatus gpu_partition_create(GpuDelegateBase *delegate, const char *backend, size_t size,
                                const LiteGraph *graph, const int32_t *nodes, int32_t node_count,
                                const int32_t *inputs, int32_t input_count, const int32_t *outputs,
                                int32_t output_count, LitePartition **out_partition) {
    if (!out_partition)
        return gpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "%s: out_partition is NULL", backend);
    *out_partition = NULL;
    GpuPartitionBase *p = calloc(1, size);
    if (!p) return gpu_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "%s: out of memory", backend);
    char error[GPU_ERROR_CAPACITY];
    const LiteStatus status = gpu_partition_request_init(&p->request, graph, nodes, node_count, inputs,
                                                         input_count, outputs, output_count, error, sizeof(error));
    if (status != LITE_STATUS_OK) {
        free(p);
        return gpu_fail(delegate, status, "%s: %s", backend, error);
    }
    p->index = delegate->partitions_created++;
    *out_partition = (LitePartition *)p;
    return LITE_STATUS_OK;
}

void gpu_partition_free(GpuPartitionBase *p) {
    if (!p) return;
    gpu_partition_request_free(&p->request);
    gpu_program_free(&p->program);
    free(p);
}

LiteStatus gpu_partition_describe(const GpuPartitionBase *p, LitePartitionInfo *info) {
    if (!p || !info || !p->prepared) return LITE_STATUS_INVALID_ARGUMENT;
    gpu_program_describe(&p->program, 0, info);
    return LITE_STATUS_OK;
}

bool gpu_plan_request(const LiteGraph *graph, const GpuPartitionRequest *request,
                      const GpuPlanOptions *options, GpuProgram *program, char *error, size_t capacity) {
    return gpu_plan_partition(graph, request->nodes, request->node_count, request->inputs,
                              request->input_count, request->outputs, request->output_count, options,
                              program, error, capacity);
}

bool gpu_check_invoke_buffers(const GpuProgram *program, const void *const *inputs, const size_t *input_sizes,
                              void *const *outputs, const size_t *output_sizes, char *error,
                              size_t capacity) {
    if ((program->input_count > 0 && (!inputs || !input_sizes)) || !outputs || !output_sizes) {
        snprintf(error, capacity, "invoke buffer arrays are NULL");
        return false;
    }
    for (int32_t i = 0; i < program->input_count + program->output_count; i++) {
        const bool input = i < program->input_count;
        const int32_t k = input ? i : i - program->input_count;
        const size_t bytes = gpu_host_bytes(program, input ? program->inputs[k] : program->outputs[k]);
        const void *buffer = input ? inputs[k] : outputs[k];
        const size_t size = input ? input_sizes[k] : output_sizes[k];
        if (!buffer && bytes > 0) {
            snprintf(error, capacity, "%s %d: no buffer (NULL), tensor needs %zu bytes", input ? "input" : "output",
                     k, bytes);
            return false;
        }
        if (size < bytes) {
            snprintf(error, capacity, "%s %d: buffer of %zu bytes, tensor needs %zu", input ? "input" : "output",
                     k, size, bytes);
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------- */
/* Compiled kernels                                                                               */
/* ---------------------------------------------------------------------------------------------- */

int32_t gpu_kernel_find(const GpuKernelTable *table, uint64_t hash) {
    for (int32_t i = 0; i < table->count; i++)
        if (table->kernels[i].hash == hash) return i;
    return -1;
}

bool gpu_kernel_reserve(GpuKernelTable *table, int32_t more) {
    if (table->count + more <= table->capacity) return true;
    int32_t capacity = table->capacity ? table->capacity : 32;
    while (capacity < table->count + more) capacity *= 2;
    GpuKernel *grown = realloc(table->kernels, sizeof(GpuKernel) * (size_t)capacity);
    if (!grown) return false;
    table->kernels = grown;
    table->capacity = capacity;
    return true;
}

int32_t gpu_kernel_add(GpuKernelTable *table, uint64_t hash, uint64_t handle, int32_t binding_count) {
    if (!gpu_kernel_reserve(table, 1)) return -1;
    table->kernels[table->count] = (GpuKernel){hash, handle, binding_count};
    return table->count++;
}

void gpu_kernel_table_free(GpuKernelTable *table) {
    free(table->kernels);
    memset(table, 0, sizeof(*table));
}

void gpu_profile_dispatches(const GpuDelegateBase *base, const GpuProgram *program, const uint64_t *start_ns,
                            const uint64_t *duration_ns, LiteProfileClock clock) {
    int32_t *nodes = malloc(sizeof(int32_t) * (size_t)(program->node_count + 1));
    if (!nodes) return;
    for (int32_t i = 0; i < program->dispatch_count; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        // The dispatch's own node first, then those fused into it; none for layout conversions.
        int32_t count = 0;
        if (d->node >= 0) nodes[count++] = d->node;
        for (int32_t n = 0; d->node >= 0 && n < program->node_count; n++)
            if (program->node_computed_by[n] == d->node && program->node_graph[n] != d->node)
                nodes[count++] = program->node_graph[n];
        lps_profile_event(base->services, d->op_name ? d->op_name : d->kernel, nodes, count, clock, start_ns[i], duration_ns[i]);
    }
    int32_t none = 0;
    for (int32_t n = 0; n < program->node_count; n++)
        if (program->node_computed_by[n] < 0) nodes[none++] = program->node_graph[n];
    if (none > 0)
        lps_profile_event(base->services, "no kernel (alias or folded)", nodes, none, clock,
                          program->dispatch_count > 0 ? start_ns[0] : 0, 0);
    free(nodes);
}
