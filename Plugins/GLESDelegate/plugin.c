// The plugin's entry point, its one backend ("gles"), options, claiming, and the ABI calls that
// touch GL, each run with the delegate's context current on the calling thread (the creator
// thread: the backend is LITE_THREADING_CREATOR_THREAD).
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

static void free_delegate(GlesDelegateState *d) {
    if (!d) return;
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
    // The context becomes current on this thread (the creator thread) and stays so, unless the
    // thread had another one current: that one is put back.
    const GlesApi *gl = gles_api(NULL, 0);
    GlesCurrent saved = {0};
    if (gl) gles_current_save(gl, &saved);
    char reason[512];
    const LiteStatus made = gles_context_create(&d->context, reason, sizeof(reason));
    if (made != LITE_STATUS_OK) {
        saved.switched = true;
        if (gl) gles_current_restore(gl, &saved);
        free_delegate(d);
        return gpu_fail(&probe.base, made, "gles: unavailable: %s", reason);
    }
    d->identity = gles_cache_identity(&d->context);
    if (d->base.cache_dir && d->context.binary_formats < 1)
        gpu_log(&d->base, LITE_LOG_INFO, "the driver offers no program binary format: no program cache on disk "
                 "(Mesa: its shader cache is disabled)");
    gpu_log(&d->base, LITE_LOG_INFO, "%s, precision %s, program cache %s", d->context.description,
             precision == GPU_PRECISION_FP16 ? "fp16" : "fp32", d->base.cache_dir && d->context.binary_formats > 0 ? d->base.cache_dir : "off");
    saved.switched = true;
    gles_current_restore(gl, &saved);
    *out_delegate = (LiteDelegate *)d;
    return LITE_STATUS_OK;
}

static void destroy_delegate(LiteDelegate *handle) {
    GlesDelegateState *d = (GlesDelegateState *)handle;
    if (!d) return;
    GlesCurrent saved;
    char reason[512];
    if (gles_context_enter(&d->context, &saved, reason, sizeof(reason))) {
        gles_release_kernels(d);
        gles_context_destroy(&d->context);
        if (saved.context != EGL_NO_CONTEXT && saved.context != d->context.context) {
            gles_current_restore(d->context.gl, &saved);
        } else {
            // Nothing else was current: the thread's EGL state goes too (it may be a thread that ends).
            d->context.gl->eglReleaseThread();
            if (saved.api != EGL_OPENGL_ES_API) d->context.gl->eglBindAPI(saved.api);
        }
    } else {
        gpu_log(&d->base, LITE_LOG_ERROR, "destroy_delegate: %s; its GL objects are left to the driver", reason);
    }
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

/* Runs `call` on partition `p` with its delegate's context current (gles_context_enter), then puts
   back what the thread had current. */
#define WITH_CONTEXT(p, what, call)                                                                \
    do {                                                                                           \
        GlesCurrent saved_;                                                                        \
        char reason_[512];                                                                         \
        if (!gles_context_enter(&(p)->delegate->context, &saved_, reason_, sizeof(reason_)))       \
            return gpu_fail(&(p)->delegate->base, LITE_STATUS_ERROR, "gles: %s: %s", what, reason_); \
        const LiteStatus status_ = (call);                                                         \
        gles_current_restore((p)->delegate->context.gl, &saved_);                                  \
        return status_;                                                                            \
    } while (0)

static LiteStatus prepare_partition(LitePartition *handle, const LiteGraph *graph) {
    GlesPartitionState *p = (GlesPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    char error[GPU_ERROR_CAPACITY];
    if (!lps_validate_graph(graph, error, sizeof(error)))
        return gpu_fail(&p->delegate->base, LITE_STATUS_INVALID_ARGUMENT, "gles: %s", error);
    WITH_CONTEXT(p, "prepare_partition", gles_prepare(p, graph));
}

static LiteStatus invoke_partition(LitePartition *handle, const void *const *inputs,
                                   const size_t *input_sizes, void *const *outputs,
                                   const size_t *output_sizes) {
    GlesPartitionState *p = (GlesPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    const uint64_t entered_ns = p->delegate->base.profile_events ? lps_now_ns() : 0;
    if (!p->base.prepared)
        return gpu_fail(&p->delegate->base, LITE_STATUS_ERROR, "gles: partition %d invoked before prepare", p->base.index);
    char error[GPU_ERROR_CAPACITY];
    if (!gpu_check_invoke_buffers(&p->base.program, inputs, input_sizes, outputs, output_sizes, error, sizeof(error)))
        return gpu_fail(&p->delegate->base, LITE_STATUS_INVALID_ARGUMENT, "gles: partition %d: %s", p->base.index, error);
    WITH_CONTEXT(p, "invoke_partition", gles_invoke(p, inputs, input_sizes, outputs, output_sizes, entered_ns));
}

/* Reads only the plan: no GL call. */
static LiteStatus describe_partition(LitePartition *handle, LitePartitionInfo *info) {
    return gpu_partition_describe((const GpuPartitionBase *)handle, info); // its first member
}

static void destroy_partition(LitePartition *handle) {
    GlesPartitionState *p = (GlesPartitionState *)handle;
    if (!p) return;
    GlesCurrent saved;
    char reason[512];
    if (gles_context_enter(&p->delegate->context, &saved, reason, sizeof(reason))) {
        gles_release(p);
        gles_current_restore(p->delegate->context.gl, &saved);
    } else {
        gpu_log(&p->delegate->base, LITE_LOG_ERROR, "destroy_partition: %s; its GL buffers are left to the "
                "driver", reason);
    }
    gpu_partition_free(&p->base);
}

/* ---------------------------------------------------------------------------------------------- */
/* Library                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

// The backend table stays in each plugin, alike in shape in every plugin: it is the plugin's own
// data. The library table around it and the exported entry are PluginSupport's (lps_plugin_entry,
// LPS_DEFINE_PLUGIN_ENTRY).

static LiteBackend gles_backend = {
    .struct_size = sizeof(LiteBackend),
    .name = "gles",
    .vendor = "Lite",
    .version = GLES_PLUGIN_VERSION,
    .kind = LITE_BACKEND_KIND_GPU,
    .data_type_mask = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32),
    .precision_mask = LITE_PRECISION_FP32 | LITE_PRECISION_FP16,
    // A GL context is current on one thread at a time: the host calls each delegate from one
    // thread, the one that created it (gles_delegate.h, Threading).
    .threading = LITE_THREADING_CREATOR_THREAD,
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

LPS_DEFINE_PLUGIN_ENTRY(gles_backend, gpu_registry);
