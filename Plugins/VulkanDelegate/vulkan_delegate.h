/*
 * vulkan_delegate.h — internal declarations of the Vulkan compute delegate (not installed).
 *
 * Structure: plugin.c (entry point, backend table, options, claiming), loader.c (libvulkan opened
 * at run time, so the plugin loads without it and says what is missing; shaderc is linked
 * statically, see Package.swift),
 * device.c (instance, device choice, validation messages), partition.c (the partition lifecycle:
 * create, prepare's steps, invoke), buffers.c (buffers and their memory), kernels.c (SPIR-V and
 * pipelines, built on several threads), record.c (descriptor sets, the one command buffer per
 * partition with its barriers), cache.c (SPIR-V and VkPipelineCache on disk).
 * What the kernels compute, and in which order, comes from Plugins/GPUShared (gpu_shared.h).
 */
#ifndef VULKAN_DELEGATE_H
#define VULKAN_DELEGATE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VK_NO_PROTOTYPES /* every entry point comes from vkGetInstanceProcAddr */
#include <shaderc/shaderc.h>
#include <vulkan/vulkan.h>

#include "gpu_backend.h"
#include "gpu_shared.h"
#include "lite_delegate.h"
#include "lite_plugin_support.h"

#pragma GCC visibility push(hidden)

#define VK_PLUGIN_VERSION "1.0.0"
#define VK_MESSAGE_CAPACITY 1024

/* ---------------------------------------------------------------------------------------------- */
/* Loader (loader.c)                                                                              */
/* ---------------------------------------------------------------------------------------------- */

#define VK_GLOBAL_FUNCTIONS(X)                                                                     \
    X(vkCreateInstance) X(vkEnumerateInstanceLayerProperties)                                      \
    X(vkEnumerateInstanceExtensionProperties)

#define VK_INSTANCE_FUNCTIONS(X)                                                                   \
    X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties)           \
    X(vkGetPhysicalDeviceProperties2) X(vkGetPhysicalDeviceFeatures2)                              \
    X(vkGetPhysicalDeviceQueueFamilyProperties) X(vkGetPhysicalDeviceMemoryProperties)             \
    X(vkCreateDevice) X(vkGetDeviceProcAddr)

#define VK_DEVICE_FUNCTIONS(X)                                                                     \
    X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkCreateBuffer) X(vkDestroyBuffer)                    \
    X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory)     \
    X(vkMapMemory) X(vkUnmapMemory) X(vkInvalidateMappedMemoryRanges)                              \
    X(vkFlushMappedMemoryRanges) X(vkCreateShaderModule) X(vkDestroyShaderModule)                  \
    X(vkCreateDescriptorSetLayout) X(vkDestroyDescriptorSetLayout) X(vkCreatePipelineLayout)       \
    X(vkDestroyPipelineLayout) X(vkCreatePipelineCache) X(vkDestroyPipelineCache)                  \
    X(vkGetPipelineCacheData) X(vkCreateComputePipelines) X(vkDestroyPipeline)                     \
    X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) X(vkAllocateDescriptorSets)               \
    X(vkUpdateDescriptorSets) X(vkCreateCommandPool) X(vkDestroyCommandPool)                       \
    X(vkAllocateCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer)                      \
    X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) X(vkCmdDispatch)         \
    X(vkCmdPipelineBarrier) X(vkCmdCopyBuffer) X(vkCreateFence) X(vkDestroyFence)                  \
    X(vkResetFences) X(vkWaitForFences) X(vkQueueSubmit) X(vkDeviceWaitIdle)                      \
    X(vkCreateQueryPool) X(vkDestroyQueryPool) X(vkCmdResetQueryPool) X(vkCmdWriteTimestamp)       \
    X(vkGetQueryPoolResults)

#define VK_DECLARE_POINTER(name) PFN_##name name;

/** Entry points of one instance and one device. */
typedef struct VkApi {
    VK_GLOBAL_FUNCTIONS(VK_DECLARE_POINTER)
    VK_INSTANCE_FUNCTIONS(VK_DECLARE_POINTER)
    VK_DEVICE_FUNCTIONS(VK_DECLARE_POINTER)
    PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
    PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
} VkApi;

/** Opens libvulkan.so.1 once; its vkGetInstanceProcAddr, or NULL with the reason in `reason`. */
PFN_vkGetInstanceProcAddr vk_loader(char *reason, size_t capacity);
/** Loads the global entry points into `api`. */
bool vk_load_global(VkApi *api, char *reason, size_t capacity);
void vk_load_instance(VkApi *api, VkInstance instance);
void vk_load_device(VkApi *api, VkDevice device);

/* ---------------------------------------------------------------------------------------------- */
/* Device (device.c)                                                                              */
/* ---------------------------------------------------------------------------------------------- */

typedef struct VkContext {
    VkApi api;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice physical;
    VkPhysicalDeviceProperties properties;
    VkPhysicalDeviceDriverProperties driver;
    VkPhysicalDeviceMemoryProperties memory;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    bool has_16bit_storage; /* the device can store fp16 in storage buffers */
    bool fp16;              /* ... and it was enabled (precision=fp16) */
    bool validation;
    char description[256];
    /* Validation messages since the last check (any thread may add one). */
    pthread_mutex_t message_lock;
    int message_count;
    char message[VK_MESSAGE_CAPACITY];
} VkContext;

typedef struct VkContextOptions {
    int device_index;      /* -1: choose (discrete > integrated > virtual > CPU) */
    bool want_fp16;
    bool validation;
} VkContextOptions;

/** Creates instance and device. On failure returns a status (DEVICE_UNAVAILABLE for a missing
    loader, device or feature) with the reason in `reason`, and frees what it made. */
LiteStatus vk_context_create(VkContext *context, const VkContextOptions *options, char *reason,
                             size_t capacity);
void vk_context_destroy(VkContext *context);
/** Moves pending validation messages into `message`; returns how many there were. */
int vk_context_take_messages(VkContext *context, char *message, size_t capacity);
const char *vk_device_type_name(VkPhysicalDeviceType type);

/* ---------------------------------------------------------------------------------------------- */
/* Delegate, kernels, partitions                                                                  */
/* ---------------------------------------------------------------------------------------------- */

/* The most threads that build kernels at prepare (option compile_threads). */
#define VK_MAX_COMPILE_THREADS 16

/** A delegate: its device, compiler and pipeline cache; its kernels (base.kernels) are VkPipelines
    shared by its partitions. */
typedef struct VkDelegateState {
    GpuDelegateBase base;
    VkContext context;
    shaderc_compiler_t compiler;
    VkPipelineCache pipeline_cache;
    uint64_t device_key;         /* device, driver and plugin identity, for cache entries */
    bool pipeline_cache_dirty;
    VkDescriptorSetLayout set_layouts[GPU_MAX_BINDINGS + 1];     /* by binding count */
    VkPipelineLayout pipeline_layouts[GPU_MAX_BINDINGS + 1];
    int compile_threads;         /* option compile_threads: threads that build kernels at prepare */
    uint32_t timestamp_bits;     /* valid bits of the queue's timestamps when profiling; 0: none */
    /* Statistics of the last prepare, for the log. */
    int32_t spirv_compiled, spirv_from_cache;
} VkDelegateState;

typedef struct VkBufferAllocation {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;
    void *mapped;   /* when host-visible */
    bool coherent;
} VkBufferAllocation;

typedef struct VkPartitionState {
    GpuPartitionBase base;
    VkDelegateState *delegate;
    VkBufferAllocation arena, constants, input_staging, output_staging;
    VkDescriptorPool descriptor_pool;
    VkCommandPool command_pool;
    VkCommandBuffer commands;
    VkFence fence;
    /* Profiling (profile.c): two timestamps per dispatch, when the delegate profiles and the
       queue has timestamps. */
    VkQueryPool timestamps;
    uint32_t timestamp_count;
} VkPartitionState;

/* Profiling (profile.c): device timestamps around every dispatch, reported as profile events. */
/** The queue's timestamp bits (0: none), after the context exists. */
uint32_t vk_timestamp_bits(const VkContext *context);
/** Creates the partition's query pool when the delegate profiles (after planning). */
LiteStatus vk_profile_prepare(VkPartitionState *partition);
void vk_profile_release(VkPartitionState *partition);
/** Records the pool's reset (before the first dispatch) and a timestamp before (`after` false) or
    after dispatch `index`; nothing when the partition has no pool. */
void vk_profile_record_reset(const VkPartitionState *partition);
void vk_profile_record_timestamp(const VkPartitionState *partition, int32_t index, bool after);
/** After the fence: reports the upload (entered..submitted), each dispatch on the device's clock
    placed from `submitted`, and the download (waited..now), times in ns since invoke began. */
void vk_profile_report(const VkPartitionState *partition, uint64_t entered, uint64_t submitted, uint64_t waited);

/* Buffers (buffers.c). */
/** Creates a buffer in memory with `required` properties (and `preferred` ones when a type has
    them), mapped when host-visible. `what` names it in messages. */
LiteStatus vk_buffer_create(VkDelegateState *delegate, const char *what, VkDeviceSize size,
                            VkBufferUsageFlags usage, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred, VkBufferAllocation *buffer);
void vk_buffer_free(VkContext *context, VkBufferAllocation *buffer);
/** Makes host writes visible to the device (nothing for coherent memory). */
void vk_buffer_flush(VkContext *context, const VkBufferAllocation *buffer);
/** Makes device writes visible to the host (nothing for coherent memory). */
void vk_buffer_invalidate(VkContext *context, const VkBufferAllocation *buffer);

/* Kernels (kernels.c). */
/** Each dispatch's kernel (an index into delegate->base.kernels), building those the delegate
    lacks: SPIR-V from the disk cache or shaderc, then the pipeline, on up to compile_threads
    threads. */
LiteStatus vk_build_kernels(VkPartitionState *partition, int32_t *kernels);

/* Recording (record.c). */
/** Allocates the descriptor sets and records the partition into its command buffer, with the
    barriers of gpu_plan_barriers; `barrier_count` says how many. */
LiteStatus vk_record_partition(VkPartitionState *partition, const int32_t *kernels, int32_t *barrier_count);

LiteStatus vk_create_partition(LiteDelegate *delegate, const LiteGraph *graph,
                               const int32_t *node_indices, int32_t node_count,
                               const int32_t *input_tensors, int32_t input_count,
                               const int32_t *output_tensors, int32_t output_count,
                               LitePartition **out_partition);
LiteStatus vk_prepare_partition(LitePartition *partition, const LiteGraph *graph);
LiteStatus vk_invoke_partition(LitePartition *partition, const void *const *inputs,
                               const size_t *input_sizes, void *const *outputs,
                               const size_t *output_sizes);
void vk_destroy_partition(LitePartition *partition);
LiteStatus vk_describe_partition(LitePartition *partition, LitePartitionInfo *info);

/* Validation messages (plugin.c). */
/** Fails the current call if the validation layer said anything since the last check. */
LiteStatus vk_check_validation(VkDelegateState *delegate, const char *call);
const char *vk_result_name(VkResult result);

/* ---------------------------------------------------------------------------------------------- */
/* Compiled-kernel cache (cache.c)                                                                */
/* ---------------------------------------------------------------------------------------------- */

/** Reads cached SPIR-V for `key` (malloc'd words; *size in bytes), or NULL. Any thread. */
uint32_t *vk_cache_load_spirv(const VkDelegateState *delegate, uint64_t key, size_t *size);
/** Stores SPIR-V for `key`. A failure is logged: the first of the delegate as a warning (with the
    reason), the others at debug level. Only on the thread calling the delegate. */
void vk_cache_store_spirv(VkDelegateState *delegate, uint64_t key, const void *spirv, size_t size);
/** Creates the delegate's VkPipelineCache, seeded from disk when a matching entry exists. */
VkResult vk_cache_open_pipelines(VkDelegateState *delegate);
/** Writes the VkPipelineCache back to disk if it changed. */
void vk_cache_save_pipelines(VkDelegateState *delegate);

#pragma GCC visibility pop

#endif /* VULKAN_DELEGATE_H */
