// The plugin's entry point, its one backend ("gles"), options, claiming, and the ABI calls that
// touch GL, each forwarded to the delegate's worker thread (worker.c).
#include "gles_delegate.h"

#include "lite_delegate_gles.h"

/* ---------------------------------------------------------------------------------------------- */
/* Device                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus query_device(char *text, size_t capacity) {
    if (!text || capacity == 0) return LITE_STATUS_INVALID_ARGUMENT;
    return gles_probe(text, capacity);
}

static LiteStatus query_device_info(LiteDeviceInfo *info) {
    if (!info || !LITE_FIELD_FITS(LiteDeviceInfo, description, info->struct_size)) return LITE_STATUS_INVALID_ARGUMENT;
    LiteStatus status = gles_probe(info->description, sizeof info->description);
    info->kind = gles_probe_kind();
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* Delegate                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

typedef struct ContextJob {
    GlesDelegateState *delegate;
    LiteStatus status;
    char reason[512];
} ContextJob;

static void create_context_job(void *opaque) {
    ContextJob *job = opaque;
    GlesDelegateState *d = job->delegate;
    job->status = gles_context_create(&d->context, job->reason, sizeof(job->reason));
    if (job->status == LITE_STATUS_OK) d->identity = gles_cache_identity(&d->context);
}

static void destroy_context_job(void *opaque) {
    GlesDelegateState *d = opaque;
    gles_release_kernels(d);
    gles_context_destroy(&d->context);
}

static void free_delegate(GlesDelegateState *d) {
    if (!d) return;
    gles_worker_stop(d->worker);
    gpu_kernel_table_free(&d->base.kernels);
    free(d->base.cache_dir);
    free(d);
}

static LiteStatus create_delegate(const LiteHostServices *services, const char *const *option_keys,
                                  const char *const *option_values, size_t option_count,
                                  LiteDelegate **out_delegate) {
    GlesDelegateState probe = {.base.services = services};
    GpuOptions common;
    const LiteStatus status = gpu_create_arguments(&probe.base, "gles", out_delegate, option_keys, option_values,
                                                   option_count, &common, NULL, NULL);
    if (status != LITE_STATUS_OK) return status;
    const GpuPrecision precision = common.fp16 ? GPU_PRECISION_FP16 : GPU_PRECISION_FP32;
    const char *cache_dir = common.cache_dir;
    const bool fp16_all_tensors = common.fp16_all_tensors;

    GlesDelegateState *d = calloc(1, sizeof(*d));
    if (!d) return gpu_fail(&probe.base, LITE_STATUS_OUT_OF_MEMORY, "gles: out of memory");
    d->base.services = services;
    d->base.precision = precision;
    d->profile = common.profile;
    d->base.profile_events = gpu_profile_wanted(services, &common);
    d->base.fp16_all_tensors = fp16_all_tensors;
    if (cache_dir && !(d->base.cache_dir = strdup(cache_dir))) {
        free_delegate(d);
        return gpu_fail(&probe.base, LITE_STATUS_OUT_OF_MEMORY, "gles: out of memory");
    }
    d->worker = gles_worker_start("lite-gles");
    if (!d->worker) {
        free_delegate(d);
        return gpu_fail(&probe.base, LITE_STATUS_ERROR, "gles: cannot start the GL thread");
    }
    ContextJob job = {.delegate = d};
    gles_worker_run(d->worker, create_context_job, &job);
    if (job.status != LITE_STATUS_OK) {
        free_delegate(d);
        return gpu_fail(&probe.base, job.status, "gles: unavailable: %s", job.reason);
    }
    if (d->base.cache_dir && d->context.binary_formats < 1)
        gpu_log(&d->base, LITE_LOG_INFO, "the driver offers no program binary format: no program cache on disk "
                 "(Mesa: its shader cache is disabled)");
    gpu_log(&d->base, LITE_LOG_INFO, "%s, precision %s, program cache %s", d->context.description,
             precision == GPU_PRECISION_FP16 ? "fp16" : "fp32", d->base.cache_dir && d->context.binary_formats > 0 ? d->base.cache_dir : "off");
    *out_delegate = (LiteDelegate *)d;
    return LITE_STATUS_OK;
}

static void destroy_delegate(LiteDelegate *handle) {
    GlesDelegateState *d = (GlesDelegateState *)handle;
    if (!d) return;
    gles_worker_run(d->worker, destroy_context_job, d);
    free_delegate(d);
}

/* ---------------------------------------------------------------------------------------------- */
/* Claiming (no GL: the shared checks decide)                                                     */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus claim_nodes(LiteDelegate *handle, const LiteGraph *graph, LiteVerdictFn verdict,
                              void *verdict_context) {
    GlesDelegateState *d = (GlesDelegateState *)handle;
    if (!d) return LITE_STATUS_INVALID_ARGUMENT;
    return gpu_claim_nodes(&d->base, "gles", graph, verdict, verdict_context);
}

/* ---------------------------------------------------------------------------------------------- */
/* Partitions                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus create_partition(LiteDelegate *handle, const LiteGraph *graph,
                                   const int32_t *node_indices, int32_t node_count,
                                   const int32_t *input_tensors, int32_t input_count,
                                   const int32_t *output_tensors, int32_t output_count,
                                   LitePartition **out_partition) {
    GlesDelegateState *d = (GlesDelegateState *)handle;
    if (!d) return LITE_STATUS_INVALID_ARGUMENT;
    const LiteStatus status = gpu_partition_create(&d->base, "gles", sizeof(GlesPartitionState), graph,
                                                   node_indices, node_count, input_tensors, input_count,
                                                   output_tensors, output_count, out_partition);
    if (status == LITE_STATUS_OK) ((GlesPartitionState *)*out_partition)->delegate = d;
    return status;
}

typedef struct PartitionJob {
    GlesPartitionState *partition;
    const LiteGraph *graph;
    const void *const *inputs;
    const size_t *input_sizes;
    void *const *outputs;
    const size_t *output_sizes;
    uint64_t entered_ns; /* when invoke_partition was entered (profiling) */
    LiteStatus status;
} PartitionJob;

static void prepare_job(void *opaque) {
    PartitionJob *job = opaque;
    job->status = gles_prepare(job->partition, job->graph);
}

static void invoke_job(void *opaque) {
    PartitionJob *job = opaque;
    job->status = gles_invoke(job->partition, job->inputs, job->input_sizes, job->outputs, job->output_sizes,
                              job->entered_ns);
}

static void release_job(void *opaque) { gles_release(opaque); }

static LiteStatus prepare_partition(LitePartition *handle, const LiteGraph *graph) {
    GlesPartitionState *p = (GlesPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    char error[GPU_ERROR_CAPACITY];
    if (!lps_validate_graph(graph, error, sizeof(error)))
        return gpu_fail(&p->delegate->base, LITE_STATUS_INVALID_ARGUMENT, "gles: %s", error);
    PartitionJob job = {.partition = p, .graph = graph};
    gles_worker_run(p->delegate->worker, prepare_job, &job);
    return job.status;
}

static LiteStatus invoke_partition(LitePartition *handle, const void *const *inputs,
                                   const size_t *input_sizes, void *const *outputs,
                                   const size_t *output_sizes) {
    GlesPartitionState *p = (GlesPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    const uint64_t entered_ns = p->delegate->base.profile_events ? gpu_now_ns() : 0;
    if (!p->base.prepared)
        return gpu_fail(&p->delegate->base, LITE_STATUS_ERROR, "gles: partition %d invoked before prepare", p->base.index);
    char error[GPU_ERROR_CAPACITY];
    if (!gpu_check_invoke_buffers(&p->base.program, inputs, input_sizes, outputs, output_sizes, error, sizeof(error)))
        return gpu_fail(&p->delegate->base, LITE_STATUS_INVALID_ARGUMENT, "gles: partition %d: %s", p->base.index, error);
    PartitionJob job = {.partition = p, .inputs = inputs, .input_sizes = input_sizes,
                        .outputs = outputs, .output_sizes = output_sizes, .entered_ns = entered_ns};
    gles_worker_run(p->delegate->worker, invoke_job, &job);
    return job.status;
}

/* Reads only the plan, which the worker does not change outside prepare: no GL call, no worker. */
static LiteStatus describe_partition(LitePartition *handle, LitePartitionInfo *info) {
    return gpu_partition_describe((const GpuPartitionBase *)handle, info); // its first member
}

static void destroy_partition(LitePartition *handle) {
    GlesPartitionState *p = (GlesPartitionState *)handle;
    if (!p) return;
    gles_worker_run(p->delegate->worker, release_job, p);
    gpu_partition_free(&p->base);
}

/* ---------------------------------------------------------------------------------------------- */
/* Library                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

// The backend table and the entry stay in each plugin, alike in shape in every plugin: the table is
// the plugin's own data, and the entry is the one symbol it exports (lps_plugin_entry is its body).

static LiteBackend gles_backend = {
    .struct_size = sizeof(LiteBackend),
    .name = "gles",
    .vendor = "Lite",
    .version = GLES_PLUGIN_VERSION,
    .kind = LITE_BACKEND_KIND_GPU,
    .data_type_mask = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32),
    .precision_mask = LITE_PRECISION_FP32 | LITE_PRECISION_FP16,
    .threading = LITE_THREADING_FREE, // every GL call runs on the delegate's own thread
    .query_device = query_device,
    .query_device_info = query_device_info,
    .create_delegate = create_delegate,
    .destroy_delegate = destroy_delegate,
    .claim_nodes = claim_nodes,
    .create_partition = create_partition,
    .prepare_partition = prepare_partition,
    .invoke_partition = invoke_partition,
    .destroy_partition = destroy_partition,
    .describe_partition = describe_partition,
};

static const LiteBackend *const gles_backends[] = {&gles_backend};

static const LitePluginLibrary gles_library = {
    .struct_size = sizeof(LitePluginLibrary),
    .abi_version_major = LITE_ABI_VERSION_MAJOR,
    .abi_version_minor = LITE_ABI_VERSION_MINOR,
    .backend_count = 1,
    .backends = gles_backends,
};

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static void fill_capabilities(void) {
    gles_backend.operators = gpu_supported_operators(&gles_backend.operator_count);
    gles_backend.custom_operators = gpu_supported_custom_operators(&gles_backend.custom_operator_count);
}

/* The one exported symbol (LITE_PLUGIN_ENTRY_SYMBOL). */
LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor,
                                                              const LiteHostServices *services, char *reason,
                                                              size_t capacity) {
    (void)services; // the library needs no host service at load time
    return lps_plugin_entry(&gles_library, &backend_once, fill_capabilities, "gles", host_abi_major,
                            host_abi_minor, reason, capacity);
}

/* Type check: the entry has the ABI's signature. */
static const LitePluginEntryFn entry_type_check __attribute__((unused)) = lite_plugin_entry;
