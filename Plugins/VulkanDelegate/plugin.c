// The plugin's entry point, its one backend ("vulkan"), options, delegate creation and claiming.
#include "vulkan_delegate.h"
#include "lite_delegate_vulkan.h"

#include <unistd.h>

/* ---------------------------------------------------------------------------------------------- */
/* Validation messages                                                                            */
/* ---------------------------------------------------------------------------------------------- */

LiteStatus vk_check_validation(VkDelegateState *delegate, const char *call) {
    if (!delegate->context.validation) return LITE_STATUS_OK;
    char message[VK_MESSAGE_CAPACITY];
    int count = vk_context_take_messages(&delegate->context, message, sizeof(message));
    if (count == 0) return LITE_STATUS_OK;
    return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: validation layer (%d message%s during or "
                   "before %s), first: %s", count, count == 1 ? "" : "s", call, message);
}

/* ---------------------------------------------------------------------------------------------- */
/* Device description                                                                             */
/* ---------------------------------------------------------------------------------------------- */

static LiteDeviceKind device_kind(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return LITE_DEVICE_KIND_DISCRETE_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return LITE_DEVICE_KIND_INTEGRATED_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return LITE_DEVICE_KIND_VIRTUAL_GPU;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return LITE_DEVICE_KIND_SOFTWARE_EMULATION; /* lavapipe, SwiftShader */
    default: return LITE_DEVICE_KIND_UNKNOWN;
    }
}

/* The probe's context (instance and device), kept for the next delegate that would make the same
   one: the host probes a backend and then creates its delegate, and making a Vulkan instance and
   device twice costs 20-40 ms on lavapipe (the loader loads the driver and LLVM each time). */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static VkContext spare_context;
static bool have_spare;

/* The device the delegate would choose by default, with its kind. */
static LiteStatus probe(char *text, size_t capacity, LiteDeviceKind *kind) {
    pthread_mutex_lock(&spare_lock);
    if (!have_spare) {
        const VkContextOptions options = {.device_index = -1};
        if (vk_context_create(&spare_context, &options, text, capacity) != LITE_STATUS_OK) {
            pthread_mutex_unlock(&spare_lock);
            return LITE_STATUS_DEVICE_UNAVAILABLE;
        }
        have_spare = true;
    }
    snprintf(text, capacity, "%s%s", spare_context.description,
             spare_context.has_16bit_storage ? ", fp16 storage" : "");
    *kind = device_kind(spare_context.properties.deviceType);
    pthread_mutex_unlock(&spare_lock);
    return LITE_STATUS_OK;
}

/* Moves the probe's context into `context` when it is what `options` would make; false if not. */
static bool adopt_spare(VkContext *context, const VkContextOptions *options) {
    if (options->validation || options->device_index >= 0) return false;
    pthread_mutex_lock(&spare_lock);
    const bool adopted = have_spare;
    if (adopted) {
        *context = spare_context;
        pthread_mutex_init(&context->message_lock, NULL); // a fresh mutex, not a copied one
        pthread_mutex_destroy(&spare_context.message_lock);
        memset(&spare_context, 0, sizeof(spare_context));
        have_spare = false;
        context->fp16 = options->want_fp16 && context->has_16bit_storage;
    }
    pthread_mutex_unlock(&spare_lock);
    return adopted;
}

static LiteStatus query_device(char *text, size_t capacity) {
    if (!text || capacity == 0) return LITE_STATUS_INVALID_ARGUMENT;
    LiteDeviceKind kind;
    return probe(text, capacity, &kind);
}

static LiteStatus query_device_info(LiteDeviceInfo *info) {
    if (!info || !LITE_FIELD_FITS(LiteDeviceInfo, description, info->struct_size)) return LITE_STATUS_INVALID_ARGUMENT;
    LiteDeviceKind kind = LITE_DEVICE_KIND_UNKNOWN;
    LiteStatus status = probe(info->description, sizeof info->description, &kind);
    info->kind = kind;
    return status;
}

/* ---------------------------------------------------------------------------------------------- */
/* Delegate                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static void destroy_delegate(LiteDelegate *handle) {
    VkDelegateState *delegate = (VkDelegateState *)handle;
    if (!delegate) return;
    VkContext *c = &delegate->context;
    if (c->device) {
        c->api.vkDeviceWaitIdle(c->device);
        vk_cache_save_pipelines(delegate);
        for (int32_t i = 0; i < delegate->base.kernels.count; i++)
            c->api.vkDestroyPipeline(c->device, (VkPipeline)delegate->base.kernels.kernels[i].handle, NULL);
        for (int i = 0; i <= GPU_MAX_BINDINGS; i++) {
            if (delegate->pipeline_layouts[i])
                c->api.vkDestroyPipelineLayout(c->device, delegate->pipeline_layouts[i], NULL);
            if (delegate->set_layouts[i])
                c->api.vkDestroyDescriptorSetLayout(c->device, delegate->set_layouts[i], NULL);
        }
        if (delegate->pipeline_cache)
            c->api.vkDestroyPipelineCache(c->device, delegate->pipeline_cache, NULL);
    }
    if (delegate->compiler) shaderc_compiler_release(delegate->compiler);
    if (c->instance) vk_context_destroy(c);
    gpu_kernel_table_free(&delegate->base.kernels);
    free(delegate->base.cache_dir);
    free(delegate);
}

/* Vulkan's own options: device (an index), validation, compile_threads. */
typedef struct VkOwnOptions {
    VkContextOptions context;
    long compile_threads;
} VkOwnOptions;

static bool own_option(void *opaque, const GpuDelegateBase *probe, const char *key, const char *value,
                       LiteStatus *status) {
    VkOwnOptions *own = opaque;
    if (strcmp(key, "device") == 0) {
        long parsed;
        if (lps_parse_int(value, 0, 1024, &parsed)) own->context.device_index = (int)parsed;
        else *status = gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "vulkan: device must be a device index "
                                "(0, 1, ...), got '%s'", value ? value : "(null)");
    } else if (strcmp(key, "validation") == 0) {
        if (!gpu_bool_option(probe, "vulkan", key, value, &own->context.validation))
            *status = LITE_STATUS_INVALID_ARGUMENT;
    } else if (strcmp(key, "compile_threads") == 0) {
        if (!lps_parse_int(value, 1, VK_MAX_COMPILE_THREADS, &own->compile_threads))
            *status = gpu_fail(probe, LITE_STATUS_INVALID_ARGUMENT, "vulkan: compile_threads must be 1..%d, "
                               "got '%s'", VK_MAX_COMPILE_THREADS, value ? value : "(null)");
    } else {
        return false;
    }
    return true;
}

/* Cache entries are only valid for this device, driver version and plugin version. */
static uint64_t device_key(const VkContext *c) {
    uint64_t key = GPU_HASH_SEED;
    key = gpu_hash(key, &c->properties.vendorID, sizeof(c->properties.vendorID));
    key = gpu_hash(key, &c->properties.deviceID, sizeof(c->properties.deviceID));
    key = gpu_hash(key, &c->properties.driverVersion, sizeof(c->properties.driverVersion));
    key = gpu_hash(key, c->properties.pipelineCacheUUID, VK_UUID_SIZE);
    key = gpu_hash(key, c->driver.driverInfo, strlen(c->driver.driverInfo));
    key = gpu_hash(key, VK_PLUGIN_VERSION, strlen(VK_PLUGIN_VERSION));
    return key;
}

/* A delegate with its context made: the options it keeps, the compiler and the pipeline cache. */
static LiteStatus finish_delegate(VkDelegateState *delegate, const GpuOptions *common, long compile_threads) {
    VkContext *c = &delegate->context;
    if (common->fp16 && !c->fp16)
        gpu_log(&delegate->base, LITE_LOG_WARNING, "precision fp16 requested but %s has no 16-bit "
                "storage buffers; running in fp32", c->properties.deviceName);
    delegate->base.precision = c->fp16 ? GPU_PRECISION_FP16 : GPU_PRECISION_FP32;
    delegate->base.fp16_all_tensors = common->fp16_all_tensors;
    delegate->base.profile_events = gpu_profile_wanted(delegate->base.services, common);
    if (delegate->base.profile_events) {
        delegate->timestamp_bits = vk_timestamp_bits(c);
        if (!delegate->timestamp_bits)
            gpu_log(&delegate->base, LITE_LOG_WARNING, "%s has no compute timestamps: profile events time the "
                    "submission as a whole", c->properties.deviceName);
    }
    delegate->compile_threads = (int)compile_threads;
    if (common->cache_dir && !(delegate->base.cache_dir = strdup(common->cache_dir)))
        return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    delegate->compiler = shaderc_compiler_initialize();
    if (!delegate->compiler)
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: shaderc_compiler_initialize failed");
    delegate->device_key = device_key(c);
    const VkResult result = vk_cache_open_pipelines(delegate);
    if (result != VK_SUCCESS)
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: vkCreatePipelineCache failed (%s)",
                        vk_result_name(result));
    gpu_log(&delegate->base, LITE_LOG_INFO, "%s, %s%s%s", c->description,
            delegate->base.precision == GPU_PRECISION_FP16 ? "fp16 storage" : "fp32",
            c->validation ? ", validation layer on" : "", delegate->base.cache_dir ? "" : ", no kernel cache");
    return vk_check_validation(delegate, "create_delegate");
}

static LiteStatus create_delegate(const LiteHostServices *services, const char *const *option_keys,
                                  const char *const *option_values, size_t option_count,
                                  LiteDelegate **out_delegate) {
    VkDelegateState probe = {.base.services = services};
    VkOwnOptions own = {.context.device_index = -1, .compile_threads = sysconf(_SC_NPROCESSORS_ONLN)};
    bool validation = false;
    own.context.validation = lps_parse_bool(getenv("LITE_VULKAN_VALIDATION"), &validation) && validation;
    if (own.compile_threads < 1) own.compile_threads = 1;
    if (own.compile_threads > VK_MAX_COMPILE_THREADS) own.compile_threads = VK_MAX_COMPILE_THREADS;
    GpuOptions common;
    LiteStatus status = gpu_create_arguments(&probe.base, "vulkan", out_delegate, option_keys, option_values,
                                             option_count, &common, own_option, &own);
    if (status != LITE_STATUS_OK) return status;
    VkContextOptions options = own.context;
    options.want_fp16 = common.fp16;

    const double started = gpu_now_ms();
    VkDelegateState *delegate = calloc(1, sizeof(*delegate));
    if (!delegate) return gpu_fail(&probe.base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    delegate->base.services = services;
    char reason[512];
    status = adopt_spare(&delegate->context, &options)
                 ? LITE_STATUS_OK
                 : vk_context_create(&delegate->context, &options, reason, sizeof(reason));
    if (status != LITE_STATUS_OK) {
        free(delegate);
        return gpu_fail(&probe.base, status, "vulkan: %s", reason);
    }
    status = finish_delegate(delegate, &common, own.compile_threads);
    if (status != LITE_STATUS_OK) {
        destroy_delegate((LiteDelegate *)delegate);
        return status;
    }
    gpu_log(&delegate->base, LITE_LOG_DEBUG, "delegate created in %.1f ms (instance, device, pipeline cache)",
            gpu_now_ms() - started);
    *out_delegate = (LiteDelegate *)delegate;
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Claiming                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus claim_nodes(LiteDelegate *handle, const LiteGraph *graph, LiteVerdictFn verdict,
                              void *verdict_context) {
    VkDelegateState *delegate = (VkDelegateState *)handle;
    if (!delegate) return LITE_STATUS_INVALID_ARGUMENT;
    const LiteStatus status = gpu_claim_nodes(&delegate->base, "vulkan", graph, verdict, verdict_context);
    return status == LITE_STATUS_OK ? vk_check_validation(delegate, "claim_nodes") : status;
}

/* ---------------------------------------------------------------------------------------------- */
/* Library                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

// The backend table stays in each plugin, alike in shape in every plugin: it is the plugin's own
// data. The library table around it and the exported entry are PluginSupport's (lps_plugin_entry,
// LPS_DEFINE_PLUGIN_ENTRY).

static LiteBackend vulkan_backend = {
    .struct_size = sizeof(LiteBackend),
    .name = "vulkan",
    .vendor = "Lite",
    .version = VK_PLUGIN_VERSION,
    .kind = LITE_BACKEND_KIND_GPU,
    .data_type_mask = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32),
    .precision_mask = LITE_PRECISION_FP32 | LITE_PRECISION_FP16,
    .threading = LITE_THREADING_FREE, // each delegate owns its VkDevice and queue
    .query_device = query_device,
    .query_device_info = query_device_info,
    .create_delegate = create_delegate,
    .destroy_delegate = destroy_delegate,
    .claim_nodes = claim_nodes,
    .create_partition = vk_create_partition,
    .prepare_partition = vk_prepare_partition,
    .invoke_partition = vk_invoke_partition,
    .destroy_partition = vk_destroy_partition,
    .describe_partition = vk_describe_partition,
};

LPS_DEFINE_PLUGIN_ENTRY(vulkan_backend, gpu_registry);
