// Kernels: one VkPipeline per distinct assembled source, in the delegate's table (shared by its
// partitions), its SPIR-V from the disk cache or from shaderc.
#include "vulkan_delegate.h"

#include <stdarg.h>
#include <stdatomic.h>

#define SPIRV_SETTINGS "shaderc glsl450 vulkan1.1 spirv1.3 O=performance " VK_PLUGIN_VERSION

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
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: vkCreateDescriptorSetLayout failed");
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
        return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: vkCreatePipelineLayout failed");
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

/* Step 1: each dispatch's kernel when the delegate (or an earlier job) has it, else a new job;
   kernels[i] is then the delegate's index, or -1 - job. */
static LiteStatus collect_jobs(VkPartitionState *p, int32_t *kernels, KernelJob *jobs, int32_t *job_count) {
    VkDelegateState *delegate = p->delegate;
    const GpuProgram *program = &p->base.program;
    for (int32_t i = 0; i < program->dispatch_count; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        char error[GPU_ERROR_CAPACITY];
        char *text = gpu_assemble_source(GPU_DIALECT_VULKAN, delegate->base.precision, d, error, sizeof(error));
        if (!text)
            return gpu_fail(&delegate->base, LITE_STATUS_ERROR, "vulkan: node %d (%s): %s", d->node, d->op_name, error);
        uint64_t hash = gpu_hash(GPU_HASH_SEED, text, strlen(text));
        hash = gpu_hash(hash, &d->binding_count, sizeof(d->binding_count));
        const int32_t known = gpu_kernel_find(&delegate->base.kernels, hash);
        kernels[i] = known >= 0 ? known : INT32_MIN;
        for (int32_t j = 0; j < *job_count && kernels[i] == INT32_MIN; j++)
            if (jobs[j].hash == hash) kernels[i] = -1 - j; // built below
        if (kernels[i] != INT32_MIN) {
            free(text);
            continue;
        }
        const LiteStatus status = layouts_for(delegate, d->binding_count);
        if (status != LITE_STATUS_OK) {
            free(text);
            return status;
        }
        jobs[*job_count] = (KernelJob){.d = d, .text = text, .hash = hash,
                                       .spirv_key = gpu_hash(hash, SPIRV_SETTINGS, strlen(SPIRV_SETTINGS))};
        kernels[i] = -1 - (*job_count)++;
    }
    return LITE_STATUS_OK;
}

/* Step 3: the first failure reported, or every job's pipeline added to the delegate's kernels
   (and new SPIR-V stored); the jobs are freed either way. */
static LiteStatus adopt_jobs(VkDelegateState *delegate, KernelJob *jobs, int32_t job_count, LiteStatus status) {
    for (int32_t j = 0; j < job_count && status == LITE_STATUS_OK; j++)
        if (jobs[j].status != LITE_STATUS_OK) status = gpu_fail(&delegate->base, jobs[j].status, "%s", jobs[j].error);
    if (status == LITE_STATUS_OK && !gpu_kernel_reserve(&delegate->base.kernels, job_count))
        status = gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    for (int32_t j = 0; j < job_count; j++) {
        KernelJob *job = &jobs[j];
        if (status == LITE_STATUS_OK) {
            gpu_kernel_add(&delegate->base.kernels, job->hash, (uint64_t)job->pipeline, job->d->binding_count);
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
    return status;
}

LiteStatus vk_build_kernels(VkPartitionState *p, int32_t *kernels) {
    VkDelegateState *delegate = p->delegate;
    const GpuProgram *program = &p->base.program;
    KernelJob *jobs = calloc((size_t)program->dispatch_count + 1, sizeof(KernelJob));
    if (!jobs) return gpu_fail(&delegate->base, LITE_STATUS_OUT_OF_MEMORY, "vulkan: out of memory");
    int32_t job_count = 0;
    LiteStatus status = collect_jobs(p, kernels, jobs, &job_count);
    if (status == LITE_STATUS_OK && job_count > 0) run_jobs(delegate, jobs, job_count, delegate->compile_threads);
    const int32_t first = delegate->base.kernels.count;
    status = adopt_jobs(delegate, jobs, job_count, status);
    free(jobs);
    if (status != LITE_STATUS_OK) return status;
    for (int32_t i = 0; i < program->dispatch_count; i++)
        if (kernels[i] < 0) kernels[i] = first + (-1 - kernels[i]);
    return LITE_STATUS_OK;
}
