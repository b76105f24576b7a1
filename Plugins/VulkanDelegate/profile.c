// Profiling (option profile=1, ABI 1.3): a timestamp before and after every dispatch in the
// recorded command buffer, read after the fence and reported as events on the device's clock. The
// device's times are placed on the invoke's scale from the moment of submission (Vulkan has no
// common clock without VK_EXT_calibrated_timestamps), so their start is an estimate and their
// durations are exact; the upload and download are timed on the host.
#include "vulkan_delegate.h"

uint32_t vk_timestamp_bits(const VkContext *c) {
    if (!c->properties.limits.timestampComputeAndGraphics) return 0;
    uint32_t count = 0;
    c->api.vkGetPhysicalDeviceQueueFamilyProperties(c->physical, &count, NULL);
    VkQueueFamilyProperties *families = calloc(count ? count : 1, sizeof(*families));
    if (!families) return 0;
    c->api.vkGetPhysicalDeviceQueueFamilyProperties(c->physical, &count, families);
    const uint32_t bits = c->queue_family < count ? families[c->queue_family].timestampValidBits : 0;
    free(families);
    return bits;
}

LiteStatus vk_profile_prepare(VkPartitionState *p) {
    VkDelegateState *delegate = p->delegate;
    if (!delegate->base.profile_events || !delegate->timestamp_bits || p->base.program.dispatch_count == 0)
        return LITE_STATUS_OK;
    const VkContext *c = &delegate->context;
    const VkQueryPoolCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = 2 * (uint32_t)p->base.program.dispatch_count,
    };
    if (c->api.vkCreateQueryPool(c->device, &info, NULL, &p->timestamps) != VK_SUCCESS)
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: cannot create a query pool for profiling");
    p->timestamp_count = info.queryCount;
    return LITE_STATUS_OK;
}

void vk_profile_release(VkPartitionState *p) {
    const VkContext *c = &p->delegate->context;
    if (p->timestamps) c->api.vkDestroyQueryPool(c->device, p->timestamps, NULL);
    p->timestamps = VK_NULL_HANDLE;
    p->timestamp_count = 0;
}

void vk_profile_record_reset(const VkPartitionState *p) {
    if (!p->timestamps) return;
    p->delegate->context.api.vkCmdResetQueryPool(p->commands, p->timestamps, 0, p->timestamp_count);
}

void vk_profile_record_timestamp(const VkPartitionState *p, int32_t index, bool after) {
    if (!p->timestamps) return;
    p->delegate->context.api.vkCmdWriteTimestamp(
        p->commands, after ? VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT : VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, p->timestamps,
        2 * (uint32_t)index + (after ? 1 : 0));
}

/* The dispatches' start and duration in ns since the invoke began, from the timestamps; false
   when they cannot be read. */
static bool read_dispatch_times(const VkPartitionState *p, uint64_t submitted, uint64_t *start, uint64_t *duration) {
    const VkDelegateState *delegate = p->delegate;
    const VkContext *c = &delegate->context;
    const int32_t count = p->base.program.dispatch_count;
    uint64_t *ticks = malloc(sizeof(uint64_t) * p->timestamp_count);
    if (!ticks) return false;
    const VkResult result = c->api.vkGetQueryPoolResults(
        c->device, p->timestamps, 0, p->timestamp_count, sizeof(uint64_t) * p->timestamp_count, ticks, sizeof(uint64_t),
        VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    if (result != VK_SUCCESS) {
        free(ticks);
        return false;
    }
    const uint64_t mask = delegate->timestamp_bits >= 64 ? ~0ull : (1ull << delegate->timestamp_bits) - 1;
    const double period = c->properties.limits.timestampPeriod;
    const uint64_t first = ticks[0] & mask;
    for (int32_t i = 0; i < count; i++) {
        const uint64_t begin = ticks[2 * i] & mask, end = ticks[2 * i + 1] & mask;
        start[i] = submitted + (uint64_t)((double)((begin - first) & mask) * period);
        duration[i] = (uint64_t)((double)((end - begin) & mask) * period);
    }
    free(ticks);
    return true;
}

void vk_profile_report(const VkPartitionState *p, uint64_t entered, uint64_t submitted, uint64_t waited) {
    const GpuDelegateBase *base = &p->delegate->base;
    const GpuProgram *program = &p->base.program;
    const uint64_t now = lps_now_ns();
    lps_profile_event(base->services, "upload inputs", NULL, 0, LITE_PROFILE_CLOCK_HOST, 0, submitted - entered);
    const int32_t count = program->dispatch_count;
    bool timed = false;
    if (p->timestamps) {
        uint64_t *start = calloc((size_t)count + 1, sizeof(uint64_t));
        uint64_t *duration = calloc((size_t)count + 1, sizeof(uint64_t));
        timed = start && duration && read_dispatch_times(p, submitted - entered, start, duration);
        if (timed) gpu_profile_dispatches(base, program, start, duration, LITE_PROFILE_CLOCK_DEVICE);
        free(start);
        free(duration);
    }
    // No (readable) timestamps: the submission as one event that names every node.
    if (!timed)
        lps_profile_event(base->services, "submission (no device timestamps)", program->node_graph, program->node_count,
                          LITE_PROFILE_CLOCK_HOST, submitted - entered, waited - submitted);
    lps_profile_event(base->services, "download outputs", NULL, 0, LITE_PROFILE_CLOCK_HOST, waited - entered, now - waited);
}
