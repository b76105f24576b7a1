// Instance and device: the loader is opened at run time, the device chosen by type (discrete GPU,
// then integrated, virtual, CPU implementations such as lavapipe) or by the option device=N, and
// the Khronos validation layer enabled on request, its messages collected for the next call.
#include "vulkan_delegate.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

const char *vk_device_type_name(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

static int type_rank(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                 VkDebugUtilsMessageTypeFlagsEXT types,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                 void *user) {
    (void)types;
    VkContext *context = user;
    pthread_mutex_lock(&context->message_lock);
    if (context->message_count == 0)
        snprintf(context->message, sizeof(context->message), "%s: %s",
                 severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
                 data && data->pMessage ? data->pMessage : "(no text)");
    context->message_count++;
    pthread_mutex_unlock(&context->message_lock);
    return VK_FALSE;
}

int vk_context_take_messages(VkContext *context, char *message, size_t capacity) {
    pthread_mutex_lock(&context->message_lock);
    int count = context->message_count;
    if (count > 0) snprintf(message, capacity, "%s", context->message);
    context->message_count = 0;
    context->message[0] = '\0';
    pthread_mutex_unlock(&context->message_lock);
    return count;
}

static bool has_layer(VkApi *api, const char *name) {
    uint32_t count = 0;
    if (api->vkEnumerateInstanceLayerProperties(&count, NULL) != VK_SUCCESS || count == 0) return false;
    VkLayerProperties *layers = calloc(count, sizeof(*layers));
    bool found = false;
    if (layers && api->vkEnumerateInstanceLayerProperties(&count, layers) == VK_SUCCESS)
        for (uint32_t i = 0; i < count && !found; i++) found = strcmp(layers[i].layerName, name) == 0;
    free(layers);
    return found;
}

static bool compute_queue(VkApi *api, VkPhysicalDevice device, uint32_t *family) {
    uint32_t count = 0;
    api->vkGetPhysicalDeviceQueueFamilyProperties(device, &count, NULL);
    VkQueueFamilyProperties *families = calloc(count ? count : 1, sizeof(*families));
    if (!families) return false;
    api->vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families);
    bool found = false;
    // Prefer a compute-only queue family (asynchronous compute on discrete GPUs), else any.
    for (uint32_t pass = 0; pass < 2 && !found; pass++)
        for (uint32_t i = 0; i < count && !found; i++) {
            const VkQueueFlags flags = families[i].queueFlags;
            if (!(flags & VK_QUEUE_COMPUTE_BIT)) continue;
            if (pass == 0 && (flags & VK_QUEUE_GRAPHICS_BIT)) continue;
            *family = i;
            found = true;
        }
    free(families);
    return found;
}

void vk_context_destroy(VkContext *c) {
    if (c->device) {
        c->api.vkDeviceWaitIdle(c->device);
        c->api.vkDestroyDevice(c->device, NULL);
    }
    if (c->messenger && c->api.vkDestroyDebugUtilsMessengerEXT)
        c->api.vkDestroyDebugUtilsMessengerEXT(c->instance, c->messenger, NULL);
    if (c->instance) c->api.vkDestroyInstance(c->instance, NULL);
    pthread_mutex_destroy(&c->message_lock);
    memset(c, 0, sizeof(*c));
}

/* The loader's Vulkan version (1.1 needed), for the instance's apiVersion. */
static LiteStatus loader_version(VkContext *c, uint32_t *version, char *reason, size_t capacity) {
    if (!vk_load_global(&c->api, reason, capacity)) return LITE_STATUS_DEVICE_UNAVAILABLE;
    PFN_vkEnumerateInstanceVersion instance_version =
        (PFN_vkEnumerateInstanceVersion)vk_loader(NULL, 0)(VK_NULL_HANDLE, "vkEnumerateInstanceVersion");
    *version = VK_API_VERSION_1_0;
    if (instance_version) instance_version(version);
    if (*version < VK_API_VERSION_1_1) {
        snprintf(reason, capacity, "the Vulkan loader only offers Vulkan %u.%u (1.1 needed)",
                 VK_API_VERSION_MAJOR(*version), VK_API_VERSION_MINOR(*version));
        return LITE_STATUS_DEVICE_UNAVAILABLE;
    }
    return LITE_STATUS_OK;
}

/* The instance, with the validation layer and its messenger when asked for. */
static LiteStatus create_instance(VkContext *c, const VkContextOptions *options, uint32_t version, char *reason,
                                  size_t capacity) {
    const char *layers[1], *extensions[1];
    uint32_t layer_count = 0, extension_count = 0;
    if (options->validation) {
        if (!has_layer(&c->api, VALIDATION_LAYER)) {
            snprintf(reason, capacity, "validation requested but %s is not installed (Debian: "
                     "apt install vulkan-validationlayers)", VALIDATION_LAYER);
            return LITE_STATUS_UNSUPPORTED;
        }
        layers[layer_count++] = VALIDATION_LAYER;
        extensions[extension_count++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
        c->validation = true;
    }
    const VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "lite",
        .pEngineName = "lite-vulkan-delegate",
        .engineVersion = VK_MAKE_API_VERSION(0, 1, 0, 0),
        .apiVersion = version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : version,
    };
    VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_message,
        .pUserData = c,
    };
    const VkInstanceCreateInfo instance_info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pNext = c->validation ? &messenger_info : NULL, // also covers vkCreate/DestroyInstance
        .pApplicationInfo = &app,
        .enabledLayerCount = layer_count,
        .ppEnabledLayerNames = layers,
        .enabledExtensionCount = extension_count,
        .ppEnabledExtensionNames = extensions,
    };
    const VkResult result = c->api.vkCreateInstance(&instance_info, NULL, &c->instance);
    if (result != VK_SUCCESS) {
        c->instance = VK_NULL_HANDLE;
        if (result == VK_ERROR_INCOMPATIBLE_DRIVER)
            snprintf(reason, capacity, "no Vulkan driver: vkCreateInstance failed (%s); install one, "
                     "e.g. Debian mesa-vulkan-drivers for lavapipe", vk_result_name(result));
        else
            snprintf(reason, capacity, "vkCreateInstance failed (%s)", vk_result_name(result));
        return LITE_STATUS_DEVICE_UNAVAILABLE;
    }
    vk_load_instance(&c->api, c->instance);
    if (c->validation && c->api.vkCreateDebugUtilsMessengerEXT)
        c->api.vkCreateDebugUtilsMessengerEXT(c->instance, &messenger_info, NULL, &c->messenger);
    return LITE_STATUS_OK;
}

/* The device: option device=N, else the best ranked type with Vulkan 1.1 and a compute queue. */
static LiteStatus choose_device(VkContext *c, const VkContextOptions *options, char *reason, size_t capacity) {
    uint32_t count = 0;
    c->api.vkEnumeratePhysicalDevices(c->instance, &count, NULL);
    if (count == 0) {
        snprintf(reason, capacity, "no Vulkan device (install a driver, e.g. Debian "
                 "mesa-vulkan-drivers for lavapipe)");
        return LITE_STATUS_DEVICE_UNAVAILABLE;
    }
    VkPhysicalDevice *devices = calloc(count, sizeof(*devices));
    if (!devices) {
        snprintf(reason, capacity, "out of memory");
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    c->api.vkEnumeratePhysicalDevices(c->instance, &count, devices);
    int best = -1, best_rank = -1;
    char rejected[160] = "";
    for (uint32_t i = 0; i < count; i++) {
        VkPhysicalDeviceProperties properties;
        uint32_t family;
        c->api.vkGetPhysicalDeviceProperties(devices[i], &properties);
        if (options->device_index >= 0 && (uint32_t)options->device_index != i) continue;
        if (properties.apiVersion < VK_API_VERSION_1_1) {
            snprintf(rejected, sizeof(rejected), "device %u (%s) only supports Vulkan 1.0", i,
                     properties.deviceName);
            continue;
        }
        if (!compute_queue(&c->api, devices[i], &family)) {
            snprintf(rejected, sizeof(rejected), "device %u (%s) has no compute queue", i,
                     properties.deviceName);
            continue;
        }
        if (type_rank(properties.deviceType) > best_rank) {
            best = (int)i;
            best_rank = type_rank(properties.deviceType);
            c->queue_family = family;
        }
    }
    if (best >= 0) c->physical = devices[best];
    free(devices);
    if (best >= 0) return LITE_STATUS_OK;
    if (options->device_index >= (int)count)
        snprintf(reason, capacity, "device=%d: there are only %u Vulkan devices", options->device_index, count);
    else
        snprintf(reason, capacity, "no usable Vulkan device: %s", rejected);
    return LITE_STATUS_DEVICE_UNAVAILABLE;
}

/* The chosen device's properties, memory types, driver and 16-bit storage support. */
static void query_properties(VkContext *c, const VkContextOptions *options) {
    c->api.vkGetPhysicalDeviceProperties(c->physical, &c->properties);
    c->api.vkGetPhysicalDeviceMemoryProperties(c->physical, &c->memory);
    c->driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
    VkPhysicalDeviceProperties2 properties2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    if (c->properties.apiVersion >= VK_API_VERSION_1_2) properties2.pNext = &c->driver;
    c->api.vkGetPhysicalDeviceProperties2(c->physical, &properties2);
    VkPhysicalDevice16BitStorageFeatures storage16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                          .pNext = &storage16};
    c->api.vkGetPhysicalDeviceFeatures2(c->physical, &features);
    c->has_16bit_storage = storage16.storageBuffer16BitAccess == VK_TRUE;
    c->fp16 = options->want_fp16 && c->has_16bit_storage;
}

/* The logical device with one compute queue, and the one-line description. */
static LiteStatus create_device(VkContext *c, char *reason, size_t capacity) {
    const float priority = 1.0f;
    const VkDeviceQueueCreateInfo queue_info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = c->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    // Enabled whenever the device has it (not only for fp16), so one device serves either
    // precision: the probe's context is handed to the first delegate (plugin.c).
    VkPhysicalDevice16BitStorageFeatures enable16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
        .storageBuffer16BitAccess = VK_TRUE,
    };
    const VkDeviceCreateInfo device_info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = c->has_16bit_storage ? &enable16 : NULL,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue_info,
    };
    const VkResult result = c->api.vkCreateDevice(c->physical, &device_info, NULL, &c->device);
    if (result != VK_SUCCESS) {
        c->device = VK_NULL_HANDLE;
        snprintf(reason, capacity, "vkCreateDevice failed on %s (%s)", c->properties.deviceName,
                 vk_result_name(result));
        return LITE_STATUS_DEVICE_UNAVAILABLE;
    }
    vk_load_device(&c->api, c->device);
    c->api.vkGetDeviceQueue(c->device, c->queue_family, 0, &c->queue);
    const uint32_t api_version = c->properties.apiVersion;
    snprintf(c->description, sizeof(c->description), "%s (%s, %s%s%s, Vulkan %u.%u.%u)",
             c->properties.deviceName, vk_device_type_name(c->properties.deviceType),
             c->driver.driverName[0] ? c->driver.driverName : "driver",
             c->driver.driverInfo[0] ? " " : "", c->driver.driverInfo,
             VK_API_VERSION_MAJOR(api_version), VK_API_VERSION_MINOR(api_version),
             VK_API_VERSION_PATCH(api_version));
    return LITE_STATUS_OK;
}

LiteStatus vk_context_create(VkContext *c, const VkContextOptions *options, char *reason,
                             size_t capacity) {
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->message_lock, NULL);
    uint32_t version;
    LiteStatus status = loader_version(c, &version, reason, capacity);
    if (status == LITE_STATUS_OK) status = create_instance(c, options, version, reason, capacity);
    if (status == LITE_STATUS_OK) status = choose_device(c, options, reason, capacity);
    if (status == LITE_STATUS_OK) {
        query_properties(c, options);
        status = create_device(c, reason, capacity);
    }
    if (status != LITE_STATUS_OK) vk_context_destroy(c);
    return status;
}

const char *vk_result_name(VkResult result) {
    switch (result) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    case VK_ERROR_INVALID_SHADER_NV: return "VK_ERROR_INVALID_SHADER_NV";
    default: return "VkResult error";
    }
}
