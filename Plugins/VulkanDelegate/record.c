// Recording a partition: one descriptor set per dispatch, and one command buffer with every
// dispatch in order, a vkCmdPipelineBarrier wherever gpu_plan_barriers puts a barrier (one buffer
// barrier per range written since the previous one), and a last barrier that hands the output
// staging buffer to the host.
#include "vulkan_delegate.h"

static VkBuffer buffer_of(const VkPartitionState *p, GpuBuffer buffer) {
    switch (buffer) {
    case GPU_BUFFER_ARENA: return p->arena.buffer;
    case GPU_BUFFER_CONSTANTS: return p->constants.buffer;
    case GPU_BUFFER_INPUT_STAGING: return p->input_staging.buffer;
    case GPU_BUFFER_OUTPUT_STAGING: return p->output_staging.buffer;
    }
    return VK_NULL_HANDLE;
}

/* What a binding's descriptor covers: the bytes of its tensor or blob, or the whole staging
   buffer (the conversion kernels address it by offset). */
static VkDescriptorBufferInfo descriptor_of(const VkPartitionState *p, const GpuBinding *b) {
    const GpuRange range = gpu_binding_range(&p->base.program, b);
    if (b->kind == GPU_RESOURCE_INPUT_STAGING || b->kind == GPU_RESOURCE_OUTPUT_STAGING)
        return (VkDescriptorBufferInfo){buffer_of(p, range.buffer), 0, VK_WHOLE_SIZE};
    return (VkDescriptorBufferInfo){buffer_of(p, range.buffer), range.offset, range.size};
}

static LiteStatus write_descriptor_sets(VkPartitionState *p, VkDescriptorSet *sets) {
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    const GpuProgram *program = &p->base.program;
    uint32_t descriptors = 0;
    for (int32_t i = 0; i < program->dispatch_count; i++)
        descriptors += (uint32_t)program->dispatches[i].binding_count;
    const VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors + 1};
    const VkDescriptorPoolCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = (uint32_t)program->dispatch_count + 1,
        .poolSizeCount = 1,
        .pPoolSizes = &size,
    };
    if (c->api.vkCreateDescriptorPool(c->device, &info, NULL, &p->descriptor_pool) != VK_SUCCESS)
        return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot create a descriptor pool");
    for (int32_t i = 0; i < program->dispatch_count; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        const VkDescriptorSetAllocateInfo allocate = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
            .descriptorPool = p->descriptor_pool,
            .descriptorSetCount = 1,
            .pSetLayouts = &delegate->set_layouts[d->binding_count],
        };
        if (c->api.vkAllocateDescriptorSets(c->device, &allocate, &sets[i]) != VK_SUCCESS)
            return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot allocate descriptor sets");
        VkDescriptorBufferInfo infos[GPU_MAX_BINDINGS];
        VkWriteDescriptorSet writes[GPU_MAX_BINDINGS];
        for (int32_t b = 0; b < d->binding_count; b++) {
            infos[b] = descriptor_of(p, &d->bindings[b]);
            writes[b] = (VkWriteDescriptorSet){
                .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                .dstSet = sets[i],
                .dstBinding = (uint32_t)b,
                .descriptorCount = 1,
                .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                .pBufferInfo = &infos[b],
            };
        }
        c->api.vkUpdateDescriptorSets(c->device, (uint32_t)d->binding_count, writes, 0, NULL);
    }
    return LITE_STATUS_OK;
}

/* A barrier of the plan: the writes since the previous one made visible to later reads and
   writes; with no write, an execution dependency that orders earlier reads before later writes. */
static void record_barrier(const VkPartitionState *p, const GpuBarrierPlan *plan, const GpuBarrier *barrier,
                           VkBufferMemoryBarrier *scratch) {
    const VkContext *c = &p->delegate->context;
    for (int32_t w = 0; w < barrier->write_count; w++) {
        const GpuRange *range = &plan->writes[barrier->first_write + w];
        scratch[w] = (VkBufferMemoryBarrier){
            .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
            .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
            .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
            .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
            .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
            .buffer = buffer_of(p, range->buffer),
            .offset = range->offset,
            .size = range->size,
        };
    }
    c->api.vkCmdPipelineBarrier(p->commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, NULL,
                                (uint32_t)barrier->write_count, scratch, 0, NULL);
}

static LiteStatus record_dispatch(const VkPartitionState *p, const GpuDispatch *d, const GpuKernel *kernel,
                                  VkDescriptorSet set) {
    VkDelegateState *delegate = p->delegate;
    const VkContext *c = &delegate->context;
    const uint32_t *max_groups = c->properties.limits.maxComputeWorkGroupCount;
    uint32_t groups[3];
    for (int k = 0; k < 3; k++) {
        groups[k] = (d->grid[k] + d->local[k] - 1) / d->local[k];
        if (groups[k] > max_groups[k])
            return gpu_fail(&delegate->base, LITE_STATUS_UNSUPPORTED, "vulkan: node %d (%s): %u workgroups in "
                            "dimension %d exceed the device's %u", d->node, d->op_name, groups[k], k,
                            max_groups[k]);
    }
    const VkPipelineLayout layout = delegate->pipeline_layouts[d->binding_count];
    c->api.vkCmdBindPipeline(p->commands, VK_PIPELINE_BIND_POINT_COMPUTE, (VkPipeline)kernel->handle);
    c->api.vkCmdBindDescriptorSets(p->commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, NULL);
    c->api.vkCmdPushConstants(p->commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, GPU_PARAM_WORDS * 4, d->params);
    c->api.vkCmdDispatch(p->commands, groups[0], groups[1], groups[2]);
    return LITE_STATUS_OK;
}

/* The outputs, for the host to read after the fence. */
static void record_to_host(const VkPartitionState *p) {
    const VkContext *c = &p->delegate->context;
    const VkBufferMemoryBarrier to_host = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
        .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
        .buffer = p->output_staging.buffer,
        .offset = 0,
        .size = VK_WHOLE_SIZE,
    };
    c->api.vkCmdPipelineBarrier(p->commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                                0, 0, NULL, 1, &to_host, 0, NULL);
}

static LiteStatus record_commands(VkPartitionState *p, const int32_t *kernels, const VkDescriptorSet *sets,
                                  const GpuBarrierPlan *plan, VkBufferMemoryBarrier *scratch) {
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    const GpuProgram *program = &p->base.program;
    const VkCommandBufferAllocateInfo allocate = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = p->command_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    if (c->api.vkAllocateCommandBuffers(c->device, &allocate, &p->commands) != VK_SUCCESS)
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: cannot allocate a command buffer");
    const VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    c->api.vkBeginCommandBuffer(p->commands, &begin);
    LiteStatus status = LITE_STATUS_OK;
    vk_profile_record_reset(p);
    for (int32_t i = 0; i < program->dispatch_count && status == LITE_STATUS_OK; i++) {
        if (plan->before[i] >= 0) record_barrier(p, plan, &plan->barriers[plan->before[i]], scratch);
        vk_profile_record_timestamp(p, i, false);
        status = record_dispatch(p, &program->dispatches[i], &delegate->base.kernels.kernels[kernels[i]], sets[i]);
        vk_profile_record_timestamp(p, i, true);
    }
    record_to_host(p);
    if (c->api.vkEndCommandBuffer(p->commands) != VK_SUCCESS && status == LITE_STATUS_OK)
        status = gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: vkEndCommandBuffer failed");
    return status;
}

LiteStatus vk_record_partition(VkPartitionState *p, const int32_t *kernels, int32_t *barrier_count) {
    const GpuProgram *program = &p->base.program;
    GpuBarrierPlan plan;
    VkDescriptorSet *sets = calloc((size_t)program->dispatch_count + 1, sizeof(VkDescriptorSet));
    const bool planned = gpu_plan_barriers(program, &plan);
    VkBufferMemoryBarrier *scratch =
        planned ? calloc((size_t)plan.write_count + 1, sizeof(VkBufferMemoryBarrier)) : NULL;
    LiteStatus status = sets && scratch ? LITE_STATUS_OK
                                        : gpu_fail(&p->delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    if (status == LITE_STATUS_OK) status = write_descriptor_sets(p, sets);
    if (status == LITE_STATUS_OK) status = record_commands(p, kernels, sets, &plan, scratch);
    *barrier_count = planned ? plan.barrier_count : 0;
    if (planned) gpu_barrier_plan_free(&plan);
    free(scratch);
    free(sets);
    return status;
}
