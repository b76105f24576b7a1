// Partition lifecycle. create: keep the node and tensor lists. prepare: plan (GPUShared), allocate
// the arena, constant and staging buffers, upload the constants, compile the kernels (through the
// disk cache), and record the whole partition into one command buffer, with buffer barriers only
// where a dispatch reads or overwrites what an earlier one touched. invoke: copy the inputs into
// the staging buffer, one submit, one fence wait, copy the outputs out.
#include "vulkan_delegate.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>

#define SPIRV_SETTINGS "shaderc glsl450 vulkan1.1 spirv1.3 O=performance " VK_PLUGIN_VERSION
#define INVOKE_TIMEOUT_NS 120000000000ull /* 2 minutes: far beyond any model on lavapipe */

/* ---------------------------------------------------------------------------------------------- */
/* Buffers                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

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

static void free_buffer(VkContext *c, VkBufferAllocation *b) {
    if (b->mapped) c->api.vkUnmapMemory(c->device, b->memory);
    if (b->buffer) c->api.vkDestroyBuffer(c->device, b->buffer, NULL);
    if (b->memory) c->api.vkFreeMemory(c->device, b->memory, NULL);
    memset(b, 0, sizeof(*b));
}

static LiteStatus create_buffer(VkPartitionState *p, const char *what, VkDeviceSize size,
                                VkBufferUsageFlags usage, VkMemoryPropertyFlags required,
                                VkMemoryPropertyFlags preferred, VkBufferAllocation *b) {
    VkContext *c = &p->delegate->context;
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
        return vk_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot create the %s buffer "
                       "(%llu bytes): %s", what, (unsigned long long)size, vk_result_name(result));
    }
    VkMemoryRequirements requirements;
    c->api.vkGetBufferMemoryRequirements(c->device, b->buffer, &requirements);
    int32_t type = memory_type(c, requirements.memoryTypeBits, required, preferred);
    if (type < 0) {
        free_buffer(c, b);
        return vk_fail(p->delegate, LITE_STATUS_ERROR, "vulkan: no memory type for the %s buffer", what);
    }
    const VkMemoryAllocateInfo allocate = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = requirements.size,
        .memoryTypeIndex = (uint32_t)type,
    };
    result = c->api.vkAllocateMemory(c->device, &allocate, NULL, &b->memory);
    if (result != VK_SUCCESS) {
        b->memory = VK_NULL_HANDLE;
        free_buffer(c, b);
        return vk_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot allocate %llu bytes "
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
            free_buffer(c, b);
            return vk_fail(p->delegate, LITE_STATUS_ERROR, "vulkan: cannot map the %s buffer: %s",
                           what, vk_result_name(result));
        }
    }
    return LITE_STATUS_OK;
}

static void flush(VkContext *c, const VkBufferAllocation *b) {
    if (b->coherent) return;
    const VkMappedMemoryRange range = {.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
                                       .memory = b->memory, .size = VK_WHOLE_SIZE};
    c->api.vkFlushMappedMemoryRanges(c->device, 1, &range);
}

static void invalidate(VkContext *c, const VkBufferAllocation *b) {
    if (b->coherent) return;
    const VkMappedMemoryRange range = {.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
                                       .memory = b->memory, .size = VK_WHOLE_SIZE};
    c->api.vkInvalidateMappedMemoryRanges(c->device, 1, &range);
}

/* Runs `record` in a one-time command buffer and waits (the constant upload on devices whose
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
        return vk_fail(p->delegate, LITE_STATUS_ERROR, "vulkan: cannot allocate a command buffer");
    const VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                            .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
    c->api.vkBeginCommandBuffer(commands, &begin);
    const VkBufferCopy region = {.size = p->constants.size};
    c->api.vkCmdCopyBuffer(commands, source->buffer, p->constants.buffer, 1, &region);
    c->api.vkEndCommandBuffer(commands);
    const VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                                 .pCommandBuffers = &commands};
    VkResult result = c->api.vkQueueSubmit(c->queue, 1, &submit, p->fence);
    if (result == VK_SUCCESS) result = c->api.vkWaitForFences(c->device, 1, &p->fence, VK_TRUE, INVOKE_TIMEOUT_NS);
    c->api.vkResetFences(c->device, 1, &p->fence);
    // The pool is reset with the partition; this buffer is simply left to it.
    if (result != VK_SUCCESS)
        return vk_fail(p->delegate, result == VK_ERROR_DEVICE_LOST ? LITE_STATUS_DEVICE_LOST : LITE_STATUS_ERROR,
                       "vulkan: constant upload failed: %s", vk_result_name(result));
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Kernels                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus layouts_for(VkDelegateState *delegate, int32_t bindings) {
    VkContext *c = &delegate->context;
    if (delegate->pipeline_layouts[bindings]) return LITE_STATUS_OK;
    VkDescriptorSetLayoutBinding entries[GPU_MAX_BINDINGS];
    for (int32_t i = 0; i < bindings; i++)
        entries[i] = (VkDescriptorSetLayoutBinding){
            .binding = (uint32_t)i,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    const VkDescriptorSetLayoutCreateInfo set_info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = (uint32_t)bindings,
        .pBindings = entries,
    };
    if (c->api.vkCreateDescriptorSetLayout(c->device, &set_info, NULL, &delegate->set_layouts[bindings]) != VK_SUCCESS)
        return vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: vkCreateDescriptorSetLayout failed");
    const VkPushConstantRange push = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0,
                                      .size = GPU_PARAM_WORDS * 4};
    const VkPipelineLayoutCreateInfo layout_info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &delegate->set_layouts[bindings],
        .pushConstantRangeCount = 1,
        .pPushConstantRanges = &push,
    };
    if (c->api.vkCreatePipelineLayout(c->device, &layout_info, NULL, &delegate->pipeline_layouts[bindings]) != VK_SUCCESS) {
        delegate->pipeline_layouts[bindings] = VK_NULL_HANDLE;
        return vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: vkCreatePipelineLayout failed");
    }
    return LITE_STATUS_OK;
}

/*
 * Kernels are built in three steps. (1) On the calling thread, each dispatch's source is assembled
 * and hashed; a kernel the delegate already has is reused, and each new one becomes a job. (2) The
 * jobs run on up to `compile_threads` threads: SPIR-V from the disk cache or from shaderc
 * (shaderc_compile_into_spv may share one compiler between threads), then the shader module and
 * the pipeline (vkCreate* on one device from several threads needs no locking; the pipeline cache
 * is internally synchronised). Nothing in a job touches the delegate's tables or reports to the
 * host: a failure is kept as the job's message. (3) On the calling thread again, in dispatch
 * order: the first failure is reported (with the message one thread alone would give), or the
 * pipelines join the delegate's kernels and new SPIR-V is stored in the cache.
 */
typedef struct KernelJob {
    const GpuDispatch *d; /* the first dispatch that needs the kernel, for messages */
    char *text;           /* the assembled source (owned) */
    uint64_t hash;        /* of the source: the delegate's kernel key */
    uint64_t spirv_key;   /* of the source and the compiler settings: the disk cache's key */
    uint32_t *words;      /* SPIR-V (owned) */
    size_t size;
    bool compiled;        /* by shaderc, not from the cache: to be stored */
    VkPipeline pipeline;
    LiteStatus status;
    char error[1024];
} KernelJob;

typedef struct KernelBuild {
    VkDelegateState *delegate;
    KernelJob *jobs;
    int32_t count;
    _Atomic int32_t next;
} KernelBuild;

static LiteStatus job_fail(KernelJob *job, LiteStatus status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(job->error, sizeof(job->error), format, args);
    va_end(args);
    job->status = status;
    return status;
}

/* SPIR-V for a job's source: from the disk cache, else compiled. */
static LiteStatus job_spirv(VkDelegateState *delegate, KernelJob *job) {
    const GpuDispatch *d = job->d;
    job->words = vk_cache_load_spirv(delegate, job->spirv_key, &job->size);
    if (job->words) return LITE_STATUS_OK;
    shaderc_compile_options_t options = shaderc_compile_options_initialize();
    if (!options) return job_fail(job, LITE_STATUS_OUT_OF_MEMORY, "vulkan: shaderc options failed");
    shaderc_compile_options_set_target_env(options, shaderc_target_env_vulkan, shaderc_env_version_vulkan_1_1);
    shaderc_compile_options_set_optimization_level(options, shaderc_optimization_level_performance);
    char name[64];
    snprintf(name, sizeof(name), "%s.comp", d->kernel);
    shaderc_compilation_result_t result = shaderc_compile_into_spv(
        delegate->compiler, job->text, strlen(job->text), shaderc_compute_shader, name, "main", options);
    shaderc_compile_options_release(options);
    if (!result || shaderc_result_get_compilation_status(result) != shaderc_compilation_status_success) {
        const char *message = result ? shaderc_result_get_error_message(result) : "no result";
        if (d->node >= 0)
            job_fail(job, LITE_STATUS_ERROR, "vulkan: node %d (%s): kernel '%s' failed to compile: %s",
                     d->node, d->op_name, d->kernel, message);
        else
            job_fail(job, LITE_STATUS_ERROR, "vulkan: kernel '%s' (%s) failed to compile: %s", d->kernel,
                     d->op_name, message);
    } else {
        job->size = shaderc_result_get_length(result);
        job->words = malloc(job->size);
        if (!job->words) job_fail(job, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
        else memcpy(job->words, shaderc_result_get_bytes(result), job->size);
        job->compiled = job->words != NULL;
    }
    if (result) shaderc_result_release(result);
    return job->status;
}

static void run_job(VkDelegateState *delegate, KernelJob *job) {
    VkContext *c = &delegate->context;
    const GpuDispatch *d = job->d;
    if (job_spirv(delegate, job) != LITE_STATUS_OK) return;
    const VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = job->size, .pCode = job->words};
    VkShaderModule module;
    VkResult result = c->api.vkCreateShaderModule(c->device, &module_info, NULL, &module);
    if (result != VK_SUCCESS) {
        job_fail(job, LITE_STATUS_ERROR, "vulkan: node %d (%s): vkCreateShaderModule failed for kernel "
                 "'%s': %s", d->node, d->op_name, d->kernel, vk_result_name(result));
        return;
    }
    const VkComputePipelineCreateInfo pipeline_info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                  .stage = VK_SHADER_STAGE_COMPUTE_BIT, .module = module, .pName = "main"},
        .layout = delegate->pipeline_layouts[d->binding_count],
    };
    result = c->api.vkCreateComputePipelines(c->device, delegate->pipeline_cache, 1, &pipeline_info,
                                             NULL, &job->pipeline);
    c->api.vkDestroyShaderModule(c->device, module, NULL);
    if (result != VK_SUCCESS) {
        job->pipeline = VK_NULL_HANDLE;
        job_fail(job, LITE_STATUS_ERROR, "vulkan: node %d (%s): cannot create the pipeline of kernel "
                 "'%s': %s", d->node, d->op_name, d->kernel, vk_result_name(result));
    }
}

static void *build_thread(void *argument) {
    KernelBuild *build = argument;
    for (;;) {
        const int32_t j = atomic_fetch_add(&build->next, 1);
        if (j >= build->count) return NULL;
        run_job(build->delegate, &build->jobs[j]);
    }
}

/* Runs the jobs on up to `threads` threads, the caller among them. */
static void run_jobs(VkDelegateState *delegate, KernelJob *jobs, int32_t count, int threads) {
    KernelBuild build = {.delegate = delegate, .jobs = jobs, .count = count};
    atomic_init(&build.next, 0);
    if (threads > count) threads = count;
    if (threads > VK_MAX_COMPILE_THREADS) threads = VK_MAX_COMPILE_THREADS;
    pthread_t helpers[VK_MAX_COMPILE_THREADS];
    int started = 0;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&helpers[started], NULL, build_thread, &build) != 0) break; // fewer threads
        started++;
    }
    build_thread(&build);
    for (int t = 0; t < started; t++) pthread_join(helpers[t], NULL);
}

/* Each dispatch's kernel (an index into the delegate's kernels), building those it lacks. */
static LiteStatus build_kernels(VkPartitionState *p, int32_t *kernels) {
    VkDelegateState *delegate = p->delegate;
    const GpuProgram *program = &p->program;
    KernelJob *jobs = calloc((size_t)program->dispatch_count + 1, sizeof(KernelJob));
    if (!jobs) return vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    int32_t job_count = 0;
    LiteStatus status = LITE_STATUS_OK;
    for (int32_t i = 0; i < program->dispatch_count && status == LITE_STATUS_OK; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        char error[GPU_ERROR_CAPACITY];
        char *text = gpu_assemble_source(GPU_DIALECT_VULKAN, delegate->precision, d, error, sizeof(error));
        if (!text) {
            status = vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: node %d (%s): %s", d->node, d->op_name, error);
            break;
        }
        uint64_t hash = gpu_hash(GPU_HASH_SEED, text, strlen(text));
        hash = gpu_hash(hash, &d->binding_count, sizeof(d->binding_count));
        kernels[i] = INT32_MIN;
        for (int32_t k = 0; k < delegate->kernel_count && kernels[i] == INT32_MIN; k++)
            if (delegate->kernels[k].hash == hash) kernels[i] = k;
        for (int32_t j = 0; j < job_count && kernels[i] == INT32_MIN; j++)
            if (jobs[j].hash == hash) kernels[i] = -1 - j; // built below
        if (kernels[i] != INT32_MIN) {
            free(text);
            continue;
        }
        status = layouts_for(delegate, d->binding_count);
        if (status != LITE_STATUS_OK) {
            free(text);
            break;
        }
        jobs[job_count] = (KernelJob){.d = d, .text = text, .hash = hash,
                                      .spirv_key = gpu_hash(hash, SPIRV_SETTINGS, strlen(SPIRV_SETTINGS))};
        kernels[i] = -1 - job_count++;
    }
    if (status == LITE_STATUS_OK && job_count > 0) run_jobs(delegate, jobs, job_count, delegate->compile_threads);

    for (int32_t j = 0; j < job_count && status == LITE_STATUS_OK; j++)
        if (jobs[j].status != LITE_STATUS_OK) status = vk_fail(delegate, jobs[j].status, "%s", jobs[j].error);
    if (status == LITE_STATUS_OK && delegate->kernel_count + job_count > delegate->kernel_capacity) {
        int32_t capacity = delegate->kernel_capacity ? delegate->kernel_capacity : 32;
        while (capacity < delegate->kernel_count + job_count) capacity *= 2;
        VkKernel *grown = realloc(delegate->kernels, sizeof(VkKernel) * (size_t)capacity);
        if (!grown) status = vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
        else {
            delegate->kernels = grown;
            delegate->kernel_capacity = capacity;
        }
    }
    const int32_t first = delegate->kernel_count;
    for (int32_t j = 0; j < job_count; j++) {
        KernelJob *job = &jobs[j];
        if (status == LITE_STATUS_OK) {
            delegate->kernels[delegate->kernel_count++] = (VkKernel){job->hash, job->d->binding_count, job->pipeline};
            delegate->pipeline_cache_dirty = true;
            if (job->compiled) {
                delegate->spirv_compiled++;
                vk_cache_store_spirv(delegate, job->spirv_key, job->words, job->size);
            } else {
                delegate->spirv_from_cache++;
            }
        } else if (job->pipeline) {
            delegate->context.api.vkDestroyPipeline(delegate->context.device, job->pipeline, NULL);
        }
        free(job->text);
        free(job->words);
    }
    free(jobs);
    if (status != LITE_STATUS_OK) return status;
    for (int32_t i = 0; i < program->dispatch_count; i++)
        if (kernels[i] < 0) kernels[i] = first + (-1 - kernels[i]);
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Recording                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

typedef struct Range {
    VkBuffer buffer;
    VkDeviceSize offset, size;
} Range;

typedef struct Hazards {
    Range *written, *read;
    int32_t written_count, read_count, capacity;
} Hazards;

static bool overlaps(const Range *a, const Range *b) {
    return a->buffer == b->buffer && a->offset < b->offset + b->size && b->offset < a->offset + a->size;
}

/* The descriptor range (whole staging buffers) and hazard range (the part the dispatch touches). */
static void binding_ranges(const VkPartitionState *p, const GpuDispatch *d, const GpuBinding *b,
                           VkDescriptorBufferInfo *descriptor, Range *hazard) {
    const GpuProgram *program = &p->program;
    switch (b->kind) {
    case GPU_RESOURCE_TENSOR:
        *descriptor = (VkDescriptorBufferInfo){p->arena.buffer, program->tensors[b->index].arena_offset,
                                               gpu_tensor_bytes(program, b->index)};
        break;
    case GPU_RESOURCE_BLOB:
        *descriptor = (VkDescriptorBufferInfo){p->constants.buffer, program->blobs[b->index].offset,
                                               gpu_blob_bytes(program, b->index)};
        break;
    case GPU_RESOURCE_INPUT_STAGING:
    case GPU_RESOURCE_OUTPUT_STAGING: {
        const bool input = b->kind == GPU_RESOURCE_INPUT_STAGING;
        const VkBufferAllocation *staging = input ? &p->input_staging : &p->output_staging;
        *descriptor = (VkDescriptorBufferInfo){staging->buffer, 0, VK_WHOLE_SIZE};
        const int32_t tensor = input ? program->inputs[b->index] : program->outputs[b->index];
        const size_t offset = input ? program->input_offsets[b->index] : program->output_offsets[b->index];
        *hazard = (Range){staging->buffer, offset, program->tensors[tensor].vec4_count * 16 + 16};
        (void)d;
        return;
    }
    }
    *hazard = (Range){descriptor->buffer, descriptor->offset, descriptor->range};
}

static LiteStatus record(VkPartitionState *p, const int32_t *kernels, const VkDescriptorSet *sets,
                         int32_t *barrier_count) {
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    const GpuProgram *program = &p->program;
    Hazards h = {0};
    h.capacity = program->dispatch_count * GPU_MAX_BINDINGS + 1;
    h.written = calloc((size_t)h.capacity, sizeof(Range));
    h.read = calloc((size_t)h.capacity, sizeof(Range));
    VkBufferMemoryBarrier *barriers = calloc((size_t)h.capacity, sizeof(VkBufferMemoryBarrier));
    if (!h.written || !h.read || !barriers) {
        free(h.written);
        free(h.read);
        free(barriers);
        return vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    }
    const VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    c->api.vkBeginCommandBuffer(p->commands, &begin);
    *barrier_count = 0;
    const uint32_t *max_groups = c->properties.limits.maxComputeWorkGroupCount;
    LiteStatus status = LITE_STATUS_OK;
    for (int32_t i = 0; i < program->dispatch_count && status == LITE_STATUS_OK; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        Range ranges[GPU_MAX_BINDINGS];
        bool conflict = false;
        for (int32_t b = 0; b < d->binding_count; b++) {
            VkDescriptorBufferInfo descriptor;
            binding_ranges(p, d, &d->bindings[b], &descriptor, &ranges[b]);
            // Read after write, write after write.
            for (int32_t w = 0; w < h.written_count && !conflict; w++)
                conflict = overlaps(&ranges[b], &h.written[w]);
            // Write after read.
            if (d->bindings[b].writes)
                for (int32_t r = 0; r < h.read_count && !conflict; r++)
                    conflict = overlaps(&ranges[b], &h.read[r]);
        }
        if (conflict) {
            // One barrier makes every write since the previous one visible (the tracking forgets
            // them all), and orders the earlier reads before this dispatch's writes.
            for (int32_t w = 0; w < h.written_count; w++)
                barriers[w] = (VkBufferMemoryBarrier){
                    .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
                    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
                    .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                    .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                    .buffer = h.written[w].buffer,
                    .offset = h.written[w].offset,
                    .size = h.written[w].size,
                };
            c->api.vkCmdPipelineBarrier(p->commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0, NULL,
                                        (uint32_t)h.written_count, barriers, 0, NULL);
            (*barrier_count)++;
            h.written_count = h.read_count = 0;
        }
        for (int32_t b = 0; b < d->binding_count; b++) {
            if (d->bindings[b].writes) h.written[h.written_count++] = ranges[b];
            else h.read[h.read_count++] = ranges[b];
        }
        uint32_t groups[3];
        for (int k = 0; k < 3; k++) {
            groups[k] = (d->grid[k] + d->local[k] - 1) / d->local[k];
            if (groups[k] > max_groups[k])
                status = vk_fail(delegate, LITE_STATUS_UNSUPPORTED, "vulkan: node %d (%s): %u "
                                 "workgroups in dimension %d exceed the device's %u", d->node,
                                 d->op_name, groups[k], k, max_groups[k]);
        }
        const VkKernel *kernel = &delegate->kernels[kernels[i]];
        c->api.vkCmdBindPipeline(p->commands, VK_PIPELINE_BIND_POINT_COMPUTE, kernel->pipeline);
        c->api.vkCmdBindDescriptorSets(p->commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                                       delegate->pipeline_layouts[d->binding_count], 0, 1, &sets[i], 0, NULL);
        c->api.vkCmdPushConstants(p->commands, delegate->pipeline_layouts[d->binding_count],
                                  VK_SHADER_STAGE_COMPUTE_BIT, 0, GPU_PARAM_WORDS * 4, d->params);
        c->api.vkCmdDispatch(p->commands, groups[0], groups[1], groups[2]);
    }
    // The outputs, for the host to read after the fence.
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
    c->api.vkCmdPipelineBarrier(p->commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                VK_PIPELINE_STAGE_HOST_BIT, 0, 0, NULL, 1, &to_host, 0, NULL);
    if (c->api.vkEndCommandBuffer(p->commands) != VK_SUCCESS && status == LITE_STATUS_OK)
        status = vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: vkEndCommandBuffer failed");
    free(h.written);
    free(h.read);
    free(barriers);
    return status;
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
    free_buffer(c, &p->arena);
    free_buffer(c, &p->constants);
    free_buffer(c, &p->input_staging);
    free_buffer(c, &p->output_staging);
    p->fence = VK_NULL_HANDLE;
    p->command_pool = VK_NULL_HANDLE;
    p->descriptor_pool = VK_NULL_HANDLE;
    p->commands = VK_NULL_HANDLE;
    gpu_program_free(&p->program);
    p->prepared = false;
}

void vk_destroy_partition(LitePartition *handle) {
    VkPartitionState *p = (VkPartitionState *)handle;
    if (!p) return;
    release_prepared(p);
    free(p->nodes);
    free(p->inputs);
    free(p->outputs);
    free(p);
}

LiteStatus vk_create_partition(LiteDelegate *handle, const LiteGraph *graph,
                               const int32_t *node_indices, int32_t node_count,
                               const int32_t *input_tensors, int32_t input_count,
                               const int32_t *output_tensors, int32_t output_count,
                               LitePartition **out_partition) {
    VkDelegateState *delegate = (VkDelegateState *)handle;
    if (!delegate) return LITE_STATUS_INVALID_ARGUMENT;
    if (!out_partition) return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: out_partition is NULL");
    *out_partition = NULL;
    char error[GPU_ERROR_CAPACITY];
    if (!lps_validate_graph(graph, error, sizeof(error)))
        return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: %s", error);
    if (node_count <= 0 || !node_indices || input_count < 0 || output_count <= 0 ||
        (input_count > 0 && !input_tensors) || !output_tensors)
        return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: create_partition needs nodes and outputs");
    for (int32_t i = 0; i < node_count; i++) {
        if (node_indices[i] < 0 || node_indices[i] >= graph->node_count)
            return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: node index %d out of range",
                           node_indices[i]);
        char reason[GPU_REASON_CAPACITY];
        const GpuOp *op;
        if (!gpu_node_supported(graph, node_indices[i], &op, reason, sizeof(reason)))
            return vk_fail(delegate, LITE_STATUS_UNSUPPORTED, "vulkan: node %d: %s", node_indices[i], reason);
    }
    for (int32_t i = 0; i < input_count + output_count; i++) {
        int32_t t = i < input_count ? input_tensors[i] : output_tensors[i - input_count];
        if (t < 0 || t >= graph->tensor_count)
            return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: partition tensor %d out of range", t);
    }
    VkPartitionState *p = calloc(1, sizeof(*p));
    if (p) {
        p->nodes = malloc(sizeof(int32_t) * (size_t)node_count);
        p->inputs = malloc(sizeof(int32_t) * (size_t)(input_count + 1));
        p->outputs = malloc(sizeof(int32_t) * (size_t)output_count);
    }
    if (!p || !p->nodes || !p->inputs || !p->outputs) {
        vk_destroy_partition((LitePartition *)p);
        return vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    }
    p->delegate = delegate;
    p->index = delegate->partitions_created++;
    p->node_count = node_count;
    p->input_count = input_count;
    p->output_count = output_count;
    memcpy(p->nodes, node_indices, sizeof(int32_t) * (size_t)node_count);
    if (input_count > 0) memcpy(p->inputs, input_tensors, sizeof(int32_t) * (size_t)input_count);
    memcpy(p->outputs, output_tensors, sizeof(int32_t) * (size_t)output_count);
    *out_partition = (LitePartition *)p;
    return vk_check_validation(delegate, "create_partition");
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static LiteStatus prepare(VkPartitionState *p, const LiteGraph *graph) {
    const double start = now_ms();
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    const VkPhysicalDeviceLimits *limits = &c->properties.limits;
    char error[GPU_ERROR_CAPACITY];
    const GpuPlanOptions options = {
        .precision = delegate->precision,
        .fp16_all_tensors = delegate->fp16_all_tensors,
        .offset_alignment = limits->minStorageBufferOffsetAlignment > 16 ? limits->minStorageBufferOffsetAlignment : 16,
        .max_binding_bytes = limits->maxStorageBufferRange,
    };
    if (!gpu_plan_partition(graph, p->nodes, p->node_count, p->inputs, p->input_count, p->outputs,
                            p->output_count, &options, &p->program, error, sizeof(error)))
        return vk_fail(delegate, LITE_STATUS_UNSUPPORTED, "vulkan: partition %d: %s", p->index, error);
    GpuProgram *program = &p->program;
    const double planned = now_ms();

    // Buffers.
    const VkBufferUsageFlags storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    LiteStatus status = create_buffer(p, "arena", program->arena_bytes, storage,
                                      VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, &p->arena);
    if (status == LITE_STATUS_OK)
        status = create_buffer(p, "constant", program->blob_bytes, storage | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                               VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
                               &p->constants);
    if (status == LITE_STATUS_OK)
        status = create_buffer(p, "input staging", program->input_staging_bytes, storage,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                               0, &p->input_staging);
    if (status == LITE_STATUS_OK)
        status = create_buffer(p, "output staging", program->output_staging_bytes, storage,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
                               &p->output_staging);
    if (status != LITE_STATUS_OK) return status;

    const VkCommandPoolCreateInfo pool_info = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                               .queueFamilyIndex = c->queue_family};
    const VkFenceCreateInfo fence_info = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if (c->api.vkCreateCommandPool(c->device, &pool_info, NULL, &p->command_pool) != VK_SUCCESS ||
        c->api.vkCreateFence(c->device, &fence_info, NULL, &p->fence) != VK_SUCCESS)
        return vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: cannot create a command pool or fence");

    // Constants: written in place when the memory is host-visible, else through a staging copy.
    if (p->constants.mapped) {
        for (int32_t i = 0; i < program->blob_count; i++)
            gpu_blob_write(program, i, (char *)p->constants.mapped + program->blobs[i].offset);
        flush(c, &p->constants);
    } else {
        VkBufferAllocation upload;
        status = create_buffer(p, "upload", program->blob_bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                               0, &upload);
        if (status != LITE_STATUS_OK) return status;
        for (int32_t i = 0; i < program->blob_count; i++)
            gpu_blob_write(program, i, (char *)upload.mapped + program->blobs[i].offset);
        status = upload_constants(p, &upload);
        free_buffer(c, &upload);
        if (status != LITE_STATUS_OK) return status;
    }

    // Kernels, descriptor sets, the command buffer.
    const double uploaded = now_ms();
    int32_t *kernels = calloc((size_t)program->dispatch_count + 1, sizeof(int32_t));
    VkDescriptorSet *sets = calloc((size_t)program->dispatch_count + 1, sizeof(VkDescriptorSet));
    if (!kernels || !sets) {
        free(kernels);
        free(sets);
        return vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    }
    const int32_t kernels_before = delegate->kernel_count;
    delegate->spirv_compiled = delegate->spirv_from_cache = 0;
    uint32_t descriptors = 0;
    status = build_kernels(p, kernels);
    for (int32_t i = 0; i < program->dispatch_count; i++)
        descriptors += (uint32_t)program->dispatches[i].binding_count;
    const double compiled = now_ms();
    if (status == LITE_STATUS_OK) {
        const VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors + 1};
        const VkDescriptorPoolCreateInfo info = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
            .maxSets = (uint32_t)program->dispatch_count + 1,
            .poolSizeCount = 1,
            .pPoolSizes = &size,
        };
        if (c->api.vkCreateDescriptorPool(c->device, &info, NULL, &p->descriptor_pool) != VK_SUCCESS)
            status = vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot create a descriptor pool");
    }
    for (int32_t i = 0; i < program->dispatch_count && status == LITE_STATUS_OK; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        const VkDescriptorSetAllocateInfo allocate = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
            .descriptorPool = p->descriptor_pool,
            .descriptorSetCount = 1,
            .pSetLayouts = &delegate->set_layouts[d->binding_count],
        };
        if (c->api.vkAllocateDescriptorSets(c->device, &allocate, &sets[i]) != VK_SUCCESS) {
            status = vk_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "vulkan: cannot allocate descriptor sets");
            break;
        }
        VkDescriptorBufferInfo infos[GPU_MAX_BINDINGS];
        VkWriteDescriptorSet writes[GPU_MAX_BINDINGS];
        for (int32_t b = 0; b < d->binding_count; b++) {
            Range unused;
            binding_ranges(p, d, &d->bindings[b], &infos[b], &unused);
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
    int32_t barriers = 0;
    if (status == LITE_STATUS_OK) {
        const VkCommandBufferAllocateInfo allocate = {
            .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
            .commandPool = p->command_pool,
            .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
            .commandBufferCount = 1,
        };
        if (c->api.vkAllocateCommandBuffers(c->device, &allocate, &p->commands) != VK_SUCCESS)
            status = vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: cannot allocate a command buffer");
        else
            status = record(p, kernels, sets, &barriers);
    }
    free(kernels);
    free(sets);
    if (status != LITE_STATUS_OK) return status;
    vk_cache_save_pipelines(delegate);
    char halves[64] = "";
    if (program->precision == GPU_PRECISION_FP16)
        snprintf(halves, sizeof(halves), ", %d of %d tensors stored as halves", program->half_tensors,
                 program->stored_tensors);
    vk_log(delegate, LITE_LOG_DEBUG, "partition %d prepared in %.1f ms: plan %.1f, buffers and "
           "constants %.1f, kernels %.1f, descriptors and recording %.1f", p->index, now_ms() - start,
           planned - start, uploaded - planned, compiled - uploaded, now_ms() - compiled);
    vk_log(delegate, LITE_LOG_INFO,
           "partition %d: %d nodes, %d dispatches (%d kernels + %d layout conversions), "
           "%d barriers, %d new pipelines (SPIR-V: %d compiled, %d from cache), arena %.1f MiB, "
           "constants %.1f MiB%s", p->index, program->node_count, program->dispatch_count,
           program->kernel_dispatches, program->dispatch_count - program->kernel_dispatches, barriers,
           delegate->kernel_count - kernels_before, delegate->spirv_compiled,
           delegate->spirv_from_cache, (double)program->arena_bytes / 1048576.0,
           (double)program->blob_bytes / 1048576.0, halves);
    return LITE_STATUS_OK;
}

LiteStatus vk_describe_partition(LitePartition *handle, LitePartitionInfo *info) {
    VkPartitionState *p = (VkPartitionState *)handle;
    if (!p || !info || !p->prepared) return LITE_STATUS_INVALID_ARGUMENT;
    gpu_program_describe(&p->program, 0, info);
    return LITE_STATUS_OK;
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
    p->prepared = true;
    return LITE_STATUS_OK;
}

LiteStatus vk_invoke_partition(LitePartition *handle, const void *const *inputs, const size_t *input_sizes,
                               void *const *outputs, const size_t *output_sizes) {
    VkPartitionState *p = (VkPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    VkDelegateState *delegate = p->delegate;
    VkContext *c = &delegate->context;
    if (!p->prepared) return vk_fail(delegate, LITE_STATUS_ERROR, "vulkan: invoke before a successful prepare");
    if ((p->input_count > 0 && (!inputs || !input_sizes)) || !outputs || !output_sizes)
        return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: invoke buffers are NULL");
    const GpuProgram *program = &p->program;
    for (int32_t i = 0; i < program->input_count; i++) {
        const size_t bytes = gpu_host_bytes(program, program->inputs[i]);
        if ((!inputs[i] && bytes > 0) || input_sizes[i] < bytes)
            return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: input %d: buffer of %zu "
                           "bytes, tensor needs %zu", i, input_sizes[i], bytes);
        if (bytes > 0) memcpy((char *)p->input_staging.mapped + program->input_offsets[i], inputs[i], bytes);
    }
    for (int32_t i = 0; i < program->output_count; i++) {
        const size_t bytes = gpu_host_bytes(program, program->outputs[i]);
        if ((!outputs[i] && bytes > 0) || output_sizes[i] < bytes)
            return vk_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "vulkan: output %d: buffer of %zu "
                           "bytes, tensor needs %zu", i, output_sizes[i], bytes);
    }
    flush(c, &p->input_staging);
    const VkSubmitInfo submit = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                                 .pCommandBuffers = &p->commands};
    VkResult result = c->api.vkQueueSubmit(c->queue, 1, &submit, p->fence);
    if (result == VK_SUCCESS) result = c->api.vkWaitForFences(c->device, 1, &p->fence, VK_TRUE, INVOKE_TIMEOUT_NS);
    c->api.vkResetFences(c->device, 1, &p->fence);
    if (result != VK_SUCCESS)
        return vk_fail(delegate, result == VK_ERROR_DEVICE_LOST ? LITE_STATUS_DEVICE_LOST : LITE_STATUS_ERROR,
                       "vulkan: partition %d: %s failed: %s", p->index,
                       result == VK_TIMEOUT ? "waiting for the GPU" : "submission", vk_result_name(result));
    invalidate(c, &p->output_staging);
    for (int32_t i = 0; i < program->output_count; i++) {
        const size_t bytes = gpu_host_bytes(program, program->outputs[i]);
        if (bytes > 0) memcpy(outputs[i], (const char *)p->output_staging.mapped + program->output_offsets[i], bytes);
    }
    return vk_check_validation(delegate, "invoke_partition");
}
