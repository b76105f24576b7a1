// The Vulkan headers (Debian libvulkan-dev). The plugin loads libvulkan itself at run time
// (VK_NO_PROTOTYPES + dlopen), so that it loads, and reports why, on machines without it.
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>
