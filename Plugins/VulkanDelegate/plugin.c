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

static LiteStatus create_delegate(const LiteHostServices *services, const char *const *option_keys,
                                  const char *const *option_values, size_t option_count,
                                  LiteDelegate **out_delegate) {
    VkDelegateState probe = {.base.services = services};
    if (!out_delegate) return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT, "vulkan: out_delegate is NULL");
    *out_delegate = NULL;
    if (services && (services->struct_size == 0 || services->struct_size > 4096))
        return LITE_STATUS_INVALID_ARGUMENT; // nothing can be reported through an absurd table
    if (option_count > 0 && (!option_keys || !option_values))
        return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT, "vulkan: option arrays are NULL");

    VkContextOptions options = {.device_index = -1};
    bool validation = false;
    options.validation = lps_parse_bool(getenv("LITE_VULKAN_VALIDATION"), &validation) && validation;
    const char *cache_dir = NULL;
    bool fp16_all_tensors = false;
    long compile_threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (compile_threads < 1) compile_threads = 1;
    if (compile_threads > VK_MAX_COMPILE_THREADS) compile_threads = VK_MAX_COMPILE_THREADS;
    for (size_t i = 0; i < option_count; i++) {
        const char *key = option_keys[i], *value = option_values[i];
        if (!key) return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT, "vulkan: option %zu has no key", i);
        if (strcmp(key, "device") == 0) {
            long parsed;
            if (!lps_parse_int(value, 0, 1024, &parsed))
                return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT,
                               "vulkan: device must be a device index (0, 1, ...), got '%s'",
                               value ? value : "(null)");
            options.device_index = (int)parsed;
        } else if (strcmp(key, "precision") == 0) {
            if (value && strcmp(value, "fp32") == 0) options.want_fp16 = false;
            else if (value && strcmp(value, "fp16") == 0) options.want_fp16 = true;
            else
                return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT,
                               "vulkan: precision must be 'fp32' or 'fp16', got '%s'", value ? value : "(null)");
        } else if (strcmp(key, "fp16_tensors") == 0) {
            if (value && strcmp(value, "bounded") == 0) fp16_all_tensors = false;
            else if (value && strcmp(value, "all") == 0) fp16_all_tensors = true;
            else
                return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT,
                               "vulkan: fp16_tensors must be 'bounded' or 'all', got '%s'", value ? value : "(null)");
        } else if (strcmp(key, "validation") == 0) {
            if (!lps_parse_bool(value, &options.validation))
                return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT,
                               "vulkan: validation must be 1/0, true/false, yes/no or on/off, got '%s'",
                               value ? value : "(null)");
        } else if (strcmp(key, "cache_dir") == 0) {
            cache_dir = value && *value ? value : NULL;
        } else if (strcmp(key, "compile_threads") == 0) {
            if (!lps_parse_int(value, 1, VK_MAX_COMPILE_THREADS, &compile_threads))
                return gpu_fail(&probe.base, LITE_STATUS_INVALID_ARGUMENT,
                               "vulkan: compile_threads must be 1..%d, got '%s'", VK_MAX_COMPILE_THREADS,
                               value ? value : "(null)");
        } else if (strcmp(key, "model_token") == 0 || strcmp(key, "num_threads") == 0) {
            continue; // kernels are keyed by their own text; threads are the CPU delegate's
        } else {
            gpu_log(&probe.base, LITE_LOG_WARNING, "vulkan: ignoring unknown option '%s'", key);
        }
    }

    char reason[512];
    const double started = gpu_now_ms();
    VkDelegateState *delegate = calloc(1, sizeof(*delegate));
    if (!delegate) return gpu_fail(&probe.base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    delegate->base.services = services;
    LiteStatus status = adopt_spare(&delegate->context, &options)
                            ? LITE_STATUS_OK
                            : vk_context_create(&delegate->context, &options, reason, sizeof(reason));
    if (status != LITE_STATUS_OK) {
        free(delegate);
        return gpu_fail(&probe.base, status, "vulkan: %s", reason);
    }
    VkContext *c = &delegate->context;
    if (options.want_fp16 && !c->fp16)
        gpu_log(&delegate->base, LITE_LOG_WARNING, "vulkan: precision fp16 requested but %s has no 16-bit "
               "storage buffers; running in fp32", c->properties.deviceName);
    delegate->base.precision = c->fp16 ? GPU_PRECISION_FP16 : GPU_PRECISION_FP32;
    delegate->base.fp16_all_tensors = fp16_all_tensors;
    delegate->compile_threads = (int)compile_threads;
    if (cache_dir && !(delegate->base.cache_dir = strdup(cache_dir))) {
        destroy_delegate((LiteDelegate *)delegate);
        return gpu_fail(&probe.base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    }
    delegate->compiler = shaderc_compiler_initialize();
    if (!delegate->compiler) {
        destroy_delegate((LiteDelegate *)delegate);
        return gpu_fail(&probe.base, LITE_STATUS_ERROR, "vulkan: shaderc_compiler_initialize failed");
    }
    // Cache entries are only valid for this device, driver version and plugin version.
    uint64_t key = GPU_HASH_SEED;
    key = gpu_hash(key, &c->properties.vendorID, sizeof(c->properties.vendorID));
    key = gpu_hash(key, &c->properties.deviceID, sizeof(c->properties.deviceID));
    key = gpu_hash(key, &c->properties.driverVersion, sizeof(c->properties.driverVersion));
    key = gpu_hash(key, c->properties.pipelineCacheUUID, VK_UUID_SIZE);
    key = gpu_hash(key, c->driver.driverInfo, strlen(c->driver.driverInfo));
    key = gpu_hash(key, VK_PLUGIN_VERSION, strlen(VK_PLUGIN_VERSION));
    delegate->device_key = key;
    VkResult result = vk_cache_open_pipelines(delegate);
    if (result != VK_SUCCESS) {
        destroy_delegate((LiteDelegate *)delegate);
        return gpu_fail(&probe.base, LITE_STATUS_ERROR, "vulkan: vkCreatePipelineCache failed (%s)",
                       vk_result_name(result));
    }
    gpu_log(&delegate->base, LITE_LOG_INFO, "%s, %s%s%s", c->description,
           delegate->base.precision == GPU_PRECISION_FP16 ? "fp16 storage" : "fp32",
           c->validation ? ", validation layer on" : "", delegate->base.cache_dir ? "" : ", no kernel cache");
    gpu_log(&delegate->base, LITE_LOG_DEBUG, "delegate created in %.1f ms (instance, device, pipeline cache)",
            gpu_now_ms() - started);
    status = vk_check_validation(delegate, "create_delegate");
    if (status != LITE_STATUS_OK) {
        destroy_delegate((LiteDelegate *)delegate);
        return status;
    }
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
    if (!verdict) return gpu_fail(&delegate->base, LITE_STATUS_INVALID_ARGUMENT, "vulkan: verdict callback is NULL");
    char error[GPU_ERROR_CAPACITY];
    if (!lps_validate_graph(graph, error, sizeof(error)))
        return gpu_fail(&delegate->base, LITE_STATUS_INVALID_ARGUMENT, "vulkan: %s", error);
    for (int32_t i = 0; i < graph->node_count; i++) {
        char reason[GPU_REASON_CAPACITY];
        const GpuOp *op;
        if (gpu_node_supported(graph, i, &op, reason, sizeof(reason)))
            verdict(verdict_context, i, LITE_VERDICT_TAKEN, NULL);
        else
            verdict(verdict_context, i, LITE_VERDICT_DECLINED, reason);
    }
    return vk_check_validation(delegate, "claim_nodes");
}

/* ---------------------------------------------------------------------------------------------- */
/* Library                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

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

static const LiteBackend *const vulkan_backends[] = {&vulkan_backend};

static const LitePluginLibrary vulkan_library = {
    .struct_size = sizeof(LitePluginLibrary),
    .abi_version_major = LITE_ABI_VERSION_MAJOR,
    .abi_version_minor = LITE_ABI_VERSION_MINOR,
    .backend_count = 1,
    .backends = vulkan_backends,
};

static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static void fill_capabilities(void) {
    vulkan_backend.operators = gpu_supported_operators(&vulkan_backend.operator_count);
    vulkan_backend.custom_operators = gpu_supported_custom_operators(&vulkan_backend.custom_operator_count);
}

/* The one exported symbol (LITE_PLUGIN_ENTRY_SYMBOL). */
LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor,
                                                              const LiteHostServices *services,
                                                              char *reason, size_t capacity) {
    (void)services;
    return lps_plugin_entry(&vulkan_library, &backend_once, fill_capabilities, "vulkan", host_abi_major,
                            host_abi_minor, reason, capacity);
}

/* Type check: the entry has the ABI's signature. */
static const LitePluginEntryFn entry_type_check __attribute__((unused)) = lite_plugin_entry;
