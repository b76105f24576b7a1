// The Vulkan loader is opened at run time (never linked), so the plugin always loads, and a
// machine without it gets "unavailable: no Vulkan loader (...)" instead of a dlopen failure.
// The library is never closed: the host never unloads plugins either.
#include "vulkan_delegate.h"

#include <dlfcn.h>

static pthread_once_t vulkan_once = PTHREAD_ONCE_INIT;
static PFN_vkGetInstanceProcAddr get_instance_proc;
static char vulkan_error[256];

static void open_vulkan(void) {
    void *library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libvulkan.so", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(vulkan_error, sizeof(vulkan_error), "no Vulkan loader (%s)",
                 why ? why : "libvulkan.so.1 not found");
        return;
    }
    get_instance_proc = (PFN_vkGetInstanceProcAddr)dlsym(library, "vkGetInstanceProcAddr");
    if (!get_instance_proc)
        snprintf(vulkan_error, sizeof(vulkan_error), "the Vulkan loader has no vkGetInstanceProcAddr");
}

PFN_vkGetInstanceProcAddr vk_loader(char *reason, size_t capacity) {
    pthread_once(&vulkan_once, open_vulkan);
    if (!get_instance_proc && reason) snprintf(reason, capacity, "%s", vulkan_error);
    return get_instance_proc;
}

bool vk_load_global(VkApi *api, char *reason, size_t capacity) {
    PFN_vkGetInstanceProcAddr get = vk_loader(reason, capacity);
    if (!get) return false;
#define VK_LOAD_GLOBAL(name) api->name = (PFN_##name)get(VK_NULL_HANDLE, #name);
    VK_GLOBAL_FUNCTIONS(VK_LOAD_GLOBAL)
#undef VK_LOAD_GLOBAL
    if (!api->vkCreateInstance || !api->vkEnumerateInstanceLayerProperties ||
        !api->vkEnumerateInstanceExtensionProperties) {
        snprintf(reason, capacity, "the Vulkan loader lacks global entry points");
        return false;
    }
    return true;
}

void vk_load_instance(VkApi *api, VkInstance instance) {
    PFN_vkGetInstanceProcAddr get = vk_loader(NULL, 0);
#define VK_LOAD_INSTANCE(name) api->name = (PFN_##name)get(instance, #name);
    VK_INSTANCE_FUNCTIONS(VK_LOAD_INSTANCE)
#undef VK_LOAD_INSTANCE
    api->vkCreateDebugUtilsMessengerEXT =
        (PFN_vkCreateDebugUtilsMessengerEXT)get(instance, "vkCreateDebugUtilsMessengerEXT");
    api->vkDestroyDebugUtilsMessengerEXT =
        (PFN_vkDestroyDebugUtilsMessengerEXT)get(instance, "vkDestroyDebugUtilsMessengerEXT");
}

void vk_load_device(VkApi *api, VkDevice device) {
#define VK_LOAD_DEVICE(name) api->name = (PFN_##name)api->vkGetDeviceProcAddr(device, #name);
    VK_DEVICE_FUNCTIONS(VK_LOAD_DEVICE)
#undef VK_LOAD_DEVICE
}
