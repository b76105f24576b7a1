// Buffers and their memory: a memory type with the required properties (and the preferred ones
// where a type has them), mapped when the host can see it; flushes and invalidations for memory
// that is not coherent.
#include "vulkan_delegate.h"

static int32_t memory_type(const VkContext *c, uint32_t type_bits, VkMemoryPropertyFlags required,
                           VkMemoryPropertyFlags preferred) {
    for (int pass = 0; pass < 2; pass++) {
        const VkMemoryPropertyFlags wanted = pass == 0 ? required | preferred : required;
        for (uint32_t i = 0; i < c->memory.memoryTypeCount; i++)
            if ((type_bits & (1u << i)) && (c->memory.memoryTypes[i].propertyFlags & wanted) == wanted)
                return (int32_t)i;
    }
    return -1;
}

void vk_buffer_free(VkContext *c, VkBufferAllocation *b) {
    if (b->mapped) c->api.vkUnmapMemory(c->device, b->memory);
    if (b->buffer) c->api.vkDestroyBuffer(c->device, b->buffer, NULL);
    if (b->memory) c->api.vkFreeMemory(c->device, b->memory, NULL);
    memset(b, 0, sizeof(*b));
}

LiteStatus vk_buffer_create(VkDelegateState *delegate, const char *what, VkDeviceSize size,
                            VkBufferUsageFlags usage, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred, VkBufferAllocation *b) {
    VkContext *c = &delegate->context;
    memset(b, 0, sizeof(*b));
    b->size = size;
    const VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = usage,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VkResult result = c->api.vkCreateBuffer(c->device, &info, NULL, &b->buffer);
    if (result != VK_SUCCESS) {
        b->buffer = VK_NULL_HANDLE;
        return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot create the %s buffer "
                       "(%llu bytes): %s", what, (unsigned long long)size, vk_result_name(result));
    }
    VkMemoryRequirements requirements;
    c->api.vkGetBufferMemoryRequirements(c->device, b->buffer, &requirements);
    int32_t type = memory_type(c, requirements.memoryTypeBits, required, preferred);
    if (type < 0) {
        vk_buffer_free(c, b);
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: no memory type for the %s buffer", what);
    }
    const VkMemoryAllocateInfo allocate = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = requirements.size,
        .memoryTypeIndex = (uint32_t)type,
    };
    result = c->api.vkAllocateMemory(c->device, &allocate, NULL, &b->memory);
    if (result != VK_SUCCESS) {
        b->memory = VK_NULL_HANDLE;
        vk_buffer_free(c, b);
        return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot allocate %llu bytes "
                       "for the %s buffer: %s", (unsigned long long)requirements.size, what,
                       vk_result_name(result));
    }
    c->api.vkBindBufferMemory(c->device, b->buffer, b->memory, 0);
    const VkMemoryPropertyFlags flags = c->memory.memoryTypes[type].propertyFlags;
    b->coherent = (flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
    if (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
        result = c->api.vkMapMemory(c->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped);
        if (result != VK_SUCCESS) {
            b->mapped = NULL;
            vk_buffer_free(c, b);
            return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: cannot map the %s buffer: %s",
                           what, vk_result_name(result));
        }
    }
    return LITE_STATUS_OK;
}

void vk_buffer_flush(VkContext *c, const VkBufferAllocation *b) {
    if (b->coherent) return;
    const VkMappedMemoryRange range = {.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
                                       .memory = b->memory, .size = VK_WHOLE_SIZE};
    c->api.vkFlushMappedMemoryRanges(c->device, 1, &range);
}

void vk_buffer_invalidate(VkContext *c, const VkBufferAllocation *b) {
    if (b->coherent) return;
    const VkMappedMemoryRange range = {.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
                                       .memory = b->memory, .size = VK_WHOLE_SIZE};
    c->api.vkInvalidateMappedMemoryRanges(c->device, 1, &range);
}
