// Partition lifecycle. create: the checked node and tensor lists (gpu_partition_request_init).
// prepare, in named steps: plan (GPUShared), allocate the arena, constant and staging buffers,
// upload the constants, build the kernels (kernels.c, through the disk cache), and record the whole
// partition into one command buffer with the barriers the shared tracker places (record.c).
// invoke: copy the inputs into the staging buffer, one submit, one fence wait, copy the outputs out.
#include "vulkan_delegate.h"

#define INVOKE_TIMEOUT_NS 120000000000ull /* 2 minutes: far beyond any model on lavapipe */

/* Submits `commands` and waits for the partition's fence (then resets it). */
static VkResult submit_and_wait(VkPartitionState *p, const VkCommandBuffer *commands) {
    VkContext *c = &p->delegate->context;
    const VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                                 .pCommandBuffers = commands};
    VkResult result = c->api.vkQueueSubmit(c->queue, 1, &submit, p->fence);
    if (result == VK_SUCCESS) result = c->api.vkWaitForFences(c->device, 1, &p->fence, VK_TRUE, INVOKE_TIMEOUT_NS);
    c->api.vkResetFences(c->device, 1, &p->fence);
    return result;
}

static LiteStatus status_of(VkResult result) {
    return result == VK_ERROR_DEVICE_LOST ? LITE_STATUS_DEVICE_LOST : LITE_STATUS_ERROR;
}

/* Copies `source` into the constant buffer in a one-time command buffer and waits (devices whose
   device-local memory the host cannot map). */
static LiteStatus upload_constants(VkPartitionState *p, const VkBufferAllocation *source) {
    VkContext *c = &p->delegate->context;
    VkCommandBuffer commands;
    const VkCommandBufferAllocateInfo allocate = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = p->command_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    if (c->api.vkAllocateCommandBuffers(c->device, &allocate, &commands) != VK_SUCCESS)
        return gpu_fail(&p->delegate->base, LITE_STATUS_ERROR, "vulkan: cannot allocate a command buffer");
    const VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                            .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    c->api.vkBeginCommandBuffer(commands, &begin);
    const VkBufferCopy region = {.size = p->constants.size};
    c->api.vkCmdCopyBuffer(commands, source->buffer, p->constants.buffer, 1, &region);
    c->api.vkEndCommandBuffer(commands);
    // The pool is reset with the partition; this command buffer is simply left to it.
    const VkResult result = submit_and_wait(p, &commands);
    if (result != VK_SUCCESS)
        return gpu_fail(&p->delegate->base, status_of(result), "vulkan: constant upload failed: %s",
                        vk_result_name(result));
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Lifecycle                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

static void release_prepared(VkPartitionState *p) {
    VkContext *c = &p->delegate->context;
    if (c->device) c->api.vkDeviceWaitIdle(c->device);
    if (p->fence) c->api.vkDestroyFence(c->device, p->fence, NULL);
    if (p->command_pool) c->api.vkDestroyCommandPool(c->device, p->command_pool, NULL);
    if (p->descriptor_pool) c->api.vkDestroyDescriptorPool(c->device, p->descriptor_pool, NULL);
    vk_profile_release(p);
    vk_buffer_free(c, &p->arena);
    vk_buffer_free(c, &p->constants);
    vk_buffer_free(c, &p->input_staging);
    vk_buffer_free(c, &p->output_staging);
    p->fence = VK_NULL_HANDLE;
    p->command_pool = VK_NULL_HANDLE;
    p->descriptor_pool = VK_NULL_HANDLE;
    p->commands = VK_NULL_HANDLE;
    gpu_program_free(&p->base.program);
    p->base.prepared = false;
}

void vk_destroy_partition(LitePartition *handle) {
    VkPartitionState *p = (VkPartitionState *)handle;
    if (!p) return;
    release_prepared(p);
    gpu_partition_free(&p->base);
}

LiteStatus vk_create_partition(LiteDelegate *handle, const LiteGraph *graph,
                               const int32_t *node_indices, int32_t node_count,
                               const int32_t *input_tensors, int32_t input_count,
                               const int32_t *output_tensors, int32_t output_count,
                               LitePartition **out_partition) {
    VkDelegateState *delegate = (VkDelegateState *)handle;
    if (!delegate) return LITE_STATUS_INVALID_ARGUMENT;
    const LiteStatus status = gpu_partition_create(&delegate->base, "vulkan", sizeof(VkPartitionState), graph,
                                                   node_indices, node_count, input_tensors, input_count,
                                                   output_tensors, output_count, out_partition);
    if (status != LITE_STATUS_OK) return status;
    ((VkPartitionState *)*out_partition)->delegate = delegate;
    return vk_check_validation(delegate, "create_partition");
}

/* ---------------------------------------------------------------------------------------------- */
/* Prepare                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

/* Times of prepare's steps, for the debug log. */
typedef struct PrepareTimes {
    double start, planned, uploaded, compiled;
} PrepareTimes;

static LiteStatus plan(VkPartitionState *p, const LiteGraph *graph) {
    VkDelegateState *delegate = p->delegate;
    const VkPhysicalDeviceLimits *limits = &delegate->context.properties.limits;
    const GpuPlanOptions options = {
        .precision = delegate->base.precision,
        .fp16_all_tensors = delegate->base.fp16_all_tensors,
        .offset_alignment = limits->minStorageBufferOffsetAlignment > 16 ? limits->minStorageBufferOffsetAlignment : 16,
        .max_binding_bytes = limits->maxStorageBufferRange,
    };
    char error[GPU_ERROR_CAPACITY];
    if (!gpu_plan_request(graph, &p->base.request, &options, &p->base.program, error, sizeof(error)))
        return gpu_fail(&delegate->base, LITE_STATUS_UNSUPPORTED, "vulkan: partition %d: %s", p->base.index, error);
    return LITE_STATUS_OK;
}

/* The arena, constant and staging buffers, the command pool and the fence. */
static LiteStatus make_buffers(VkPartitionState *p) {
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    const GpuProgram *program = &p->base.program;
    const VkBufferUsageFlags storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    LiteStatus status = vk_buffer_create(delegate, "arena", program->arena_bytes, storage,
                                         VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, &p->arena);
    if (status == LITE_STATUS_OK)
        status = vk_buffer_create(delegate, "constant", program->blob_bytes, storage | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                  VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
                                  &p->constants);
    if (status == LITE_STATUS_OK)
        status = vk_buffer_create(delegate, "input staging", program->input_staging_bytes, storage,
                                  VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                  0, &p->input_staging);
    if (status == LITE_STATUS_OK)
        status = vk_buffer_create(delegate, "output staging", program->output_staging_bytes, storage,
                                  VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
                                  &p->output_staging);
    if (status != LITE_STATUS_OK) return status;
    const VkCommandPoolCreateInfo pool_info = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                               .queueFamilyIndex = c->queue_family};
    const VkFenceCreateInfo fence_info = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if (c->api.vkCreateCommandPool(c->device, &pool_info, NULL, &p->command_pool) != VK_SUCCESS ||
        c->api.vkCreateFence(c->device, &fence_info, NULL, &p->fence) != VK_SUCCESS)
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: cannot create a command pool or fence");
    return LITE_STATUS_OK;
}

/* Constants: written in place when the memory is host-visible, else through a staging copy. */
static LiteStatus write_constants(VkPartitionState *p) {
    VkContext *c = &p->delegate->context;
    const GpuProgram *program = &p->base.program;
    if (p->constants.mapped) {
        for (int32_t i = 0; i < program->blob_count; i++)
            gpu_blob_write(program, i, (char *)p->constants.mapped + program->blobs[i].offset);
        vk_buffer_flush(c, &p->constants);
        return LITE_STATUS_OK;
    }
    VkBufferAllocation upload;
    LiteStatus status = vk_buffer_create(p->delegate, "upload", program->blob_bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                         VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                         0, &upload);
    if (status != LITE_STATUS_OK) return status;
    for (int32_t i = 0; i < program->blob_count; i++)
        gpu_blob_write(program, i, (char *)upload.mapped + program->blobs[i].offset);
    status = upload_constants(p, &upload);
    vk_buffer_free(c, &upload);
    return status;
}

/* Kernels, descriptor sets and the command buffer; `barriers` says how many the recording has. */
static LiteStatus build_and_record(VkPartitionState *p, PrepareTimes *times, int32_t *new_kernels,
                                   int32_t *barriers) {
    VkDelegateState *delegate = p->delegate;
    int32_t *kernels = calloc((size_t)p->base.program.dispatch_count + 1, sizeof(int32_t));
    if (!kernels) return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    const int32_t kernels_before = delegate->base.kernels.count;
    delegate->spirv_compiled = delegate->spirv_from_cache = 0;
    LiteStatus status = vk_build_kernels(p, kernels);
    times->compiled = gpu_now_ms();
    *new_kernels = delegate->base.kernels.count - kernels_before;
    *barriers = 0;
    if (status == LITE_STATUS_OK) status = vk_profile_prepare(p);
    if (status == LITE_STATUS_OK) status = vk_record_partition(p, kernels, barriers);
    free(kernels);
    return status;
}

static void log_prepared(const VkPartitionState *p, const PrepareTimes *t, int32_t new_kernels, int32_t barriers) {
    const VkDelegateState *delegate = p->delegate;
    const GpuProgram *program = &p->base.program;
    char halves[64] = "";
    if (program->precision == GPU_PRECISION_FP16)
        snprintf(halves, sizeof(halves), ", %d of %d tensors stored as halves", program->half_tensors,
                 program->stored_tensors);
    const double now = gpu_now_ms();
    gpu_log(&delegate->base, LITE_LOG_DEBUG, "partition %d prepared in %.1f ms: plan %.1f, buffers and "
            "constants %.1f, kernels %.1f, descriptors and recording %.1f", p->base.index, now - t->start,
            t->planned - t->start, t->uploaded - t->planned, t->compiled - t->uploaded, now - t->compiled);
    gpu_log(&delegate->base, LITE_LOG_INFO,
            "partition %d: %d nodes, %d dispatches (%d kernels + %d layout conversions), "
            "%d barriers, %d new pipelines (SPIR-V: %d compiled, %d from cache), arena %.1f MiB, "
            "constants %.1f MiB%s", p->base.index, program->node_count, program->dispatch_count,
            program->kernel_dispatches, program->dispatch_count - program->kernel_dispatches, barriers,
            new_kernels, delegate->spirv_compiled, delegate->spirv_from_cache,
            (double)program->arena_bytes / 1048576.0, (double)program->blob_bytes / 1048576.0, halves);
}

static LiteStatus prepare(VkPartitionState *p, const LiteGraph *graph) {
    PrepareTimes times = {.start = gpu_now_ms()};
    LiteStatus status = plan(p, graph);
    if (status != LITE_STATUS_OK) return status;
    times.planned = gpu_now_ms();
    status = make_buffers(p);
    if (status == LITE_STATUS_OK) status = write_constants(p);
    if (status != LITE_STATUS_OK) return status;
    times.uploaded = gpu_now_ms();
    int32_t new_kernels = 0, barriers = 0;
    status = build_and_record(p, &times, &new_kernels, &barriers);
    if (status != LITE_STATUS_OK) return status;
    vk_cache_save_pipelines(p->delegate);
    log_prepared(p, &times, new_kernels, barriers);
    return LITE_STATUS_OK;
}

LiteStatus vk_describe_partition(LitePartition *handle, LitePartitionInfo *info) {
    return gpu_partition_describe((const GpuPartitionBase *)handle, info); // its first member
}

LiteStatus vk_prepare_partition(LitePartition *handle, const LiteGraph *graph) {
    VkPartitionState *p = (VkPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    release_prepared(p);
    LiteStatus status = prepare(p, graph);
    if (status == LITE_STATUS_OK) status = vk_check_validation(p->delegate, "prepare_partition");
    if (status != LITE_STATUS_OK) {
        release_prepared(p);
        return status;
    }
    p->base.prepared = true;
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Invoke                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

LiteStatus vk_invoke_partition(LitePartition *handle, const void *const *inputs, const size_t *input_sizes,
                               void *const *outputs, const size_t *output_sizes) {
    VkPartitionState *p = (VkPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    const uint64_t entered = delegate->base.profile_events ? lps_now_ns() : 0;
    if (!p->base.prepared) return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: invoke before a successful prepare");
    const GpuProgram *program = &p->base.program;
    char error[GPU_ERROR_CAPACITY];
    if (!gpu_check_invoke_buffers(program, inputs, input_sizes, outputs, output_sizes, error, sizeof(error)))
        return gpu_fail(&delegate->base, LITE_STATUS_INVALID_ARGUMENT, "vulkan: partition %d: %s", p->base.index, error);
    for (int32_t i = 0; i < program->input_count; i++) {
        const size_t bytes = gpu_host_bytes(program, program->inputs[i]);
        if (bytes > 0) memcpy((char *)p->input_staging.mapped + program->input_offsets[i], inputs[i], bytes);
    }
    vk_buffer_flush(c, &p->input_staging);
    const uint64_t submitted = delegate->base.profile_events ? lps_now_ns() : 0;
    const VkResult result = submit_and_wait(p, &p->commands);
    const uint64_t waited = delegate->base.profile_events ? lps_now_ns() : 0;
    if (result != VK_SUCCESS)
        return gpu_fail(&delegate->base, status_of(result), "vulkan: partition %d: %s failed: %s", p->base.index,
                        result == VK_TIMEOUT ? "waiting for the GPU" : "submission", vk_result_name(result));
    vk_buffer_invalidate(c, &p->output_staging);
    for (int32_t i = 0; i < program->output_count; i++) {
        const size_t bytes = gpu_host_bytes(program, program->outputs[i]);
        if (bytes > 0) memcpy(outputs[i], (const char *)p->output_staging.mapped + program->output_offsets[i], bytes);
    }
    if (delegate->base.profile_events) vk_profile_report(p, entered, submitted, waited);
    return vk_check_validation(delegate, "invoke_partition");
}
