/*
 * gpu_backend.h — what the Vulkan and OpenGL ES delegates do the same way around the planner
 * (gpu_shared.h): the state every GPU delegate and partition carries, messages through the host's
 * services, the checks of create_partition and invoke, the table of compiled kernels, and the
 * barriers between dispatches. A backend keeps only what its API makes different: turning "a
 * barrier is needed before this dispatch" into vkCmdPipelineBarrier or glMemoryBarrier, compiling
 * a source into a VkPipeline or a GL program, and its buffers.
 *
 * Structure: gpu_backend.c (delegate and partition state, messages, checks, kernel table),
 * gpu_hazards.c (barriers).
 */
#ifndef GPU_BACKEND_H
#define GPU_BACKEND_H

#include "gpu_shared.h"

#pragma GCC visibility push(hidden)


/* ---------------------------------------------------------------------------------------------- */
/* Compiled kernels                                                                               */
/* ---------------------------------------------------------------------------------------------- */

/** A compiled kernel: one per distinct assembled source, shared by the delegate's partitions. */
typedef struct GpuKernel {
    uint64_t hash;          /* the backend's key: the source (and whatever else the object depends on) */
    uint64_t handle;        /* the backend's object: a VkPipeline, a GL program name */
    int32_t binding_count;
} GpuKernel;

typedef struct GpuKernelTable {
    int32_t count, capacity;
    GpuKernel *kernels;
} GpuKernelTable;

/** The index of the kernel with `hash`, or -1. */
int32_t gpu_kernel_find(const GpuKernelTable *table, uint64_t hash);
/** Room for `more` kernels beyond the current count; false when out of memory. */
bool gpu_kernel_reserve(GpuKernelTable *table, int32_t more);
/** Appends a kernel (room reserved or made); its index, or -1 when out of memory. */
int32_t gpu_kernel_add(GpuKernelTable *table, uint64_t hash, uint64_t handle, int32_t binding_count);
/** Frees the table's entries (the backend destroys their objects first). */
void gpu_kernel_table_free(GpuKernelTable *table);

/* ---------------------------------------------------------------------------------------------- */
/* Delegate and partition state                                                                   */
/* ---------------------------------------------------------------------------------------------- */

/** The part of a GPU delegate both backends have; the first member of VkDelegateState and
    GlesDelegateState. */
typedef struct GpuDelegateBase {
    const LiteHostServices *services;
    GpuPrecision precision;
    bool fp16_all_tensors;     /* option fp16_tensors=all */
    char *cache_dir;           /* NULL: no disk cache (owned) */
    bool cache_write_failed;   /* a cache file could not be written: warned once, then debug */
    /* Option profile=1 with a host whose services have profile_event (ABI 1.3): invokes report
       each dispatch (gpu_profile_*). */
    bool profile_events;
    int32_t partitions_created;
    GpuKernelTable kernels;
} GpuDelegateBase;

/** The host's services of `base` (NULL for a NULL base). */
static inline const LiteHostServices *gpu_services(const GpuDelegateBase *base) {
    return base ? base->services : NULL;
}
/** Reports `status` with a message (printf-style; up to LPS_MESSAGE_CAPACITY, room for a
    validation-layer message behind the delegate's own text) through the host's error callback, or
    nowhere for a NULL `base`; returns `status`: lps_fail. */
#define gpu_fail(base, status, ...) lps_fail(gpu_services(base), (status), __VA_ARGS__)
/** A log line through the host (printf-style): lps_logf. The host prefixes the plugin's name, so
    the line does not repeat it. */
#define gpu_log(base, level, ...) lps_logf(gpu_services(base), (level), __VA_ARGS__)
/** Logs a cache file that could not be written: the first of the delegate as a warning (an
    unusable cache_dir fails every entry the same way), the others at debug level. */
void gpu_log_cache_write_failure(GpuDelegateBase *base, const char *what, const char *path, int error);
/** Milliseconds of CLOCK_MONOTONIC, for the timings in the log. */
static inline double gpu_now_ms(void) { return (double)lps_now_ns() * 1e-6; }

/** What create_delegate's options set in both backends. */
typedef struct GpuOptions {
    bool fp16;               /* precision=fp16 (fp32 the default) */
    bool fp16_all_tensors;   /* fp16_tensors=all (bounded the default) */
    const char *cache_dir;   /* cache_dir, the caller's string (NULL, or empty: no disk cache) */
    bool profile;            /* profile=1: report profile events (ABI 1.3) */
} GpuOptions;

/** A backend's own options: returns false when `key` is not one of them; else reads `value`,
    setting *status to INVALID_ARGUMENT (after reporting why) when it is not valid. */
typedef bool (*GpuOwnOption)(void *context, const GpuDelegateBase *probe, const char *key, const char *value,
                             LiteStatus *status);

/**
 * create_delegate's arguments for both backends: the services table's size (an absurd one is
 * refused without a message: nothing can be reported through it), `out_delegate`, the option
 * arrays; then each option: precision, fp16_tensors and cache_dir into `options`, model_token and
 * num_threads ignored (kernels are keyed by their own text; threads are the CPU delegate's), the
 * backend's own through `own`, any other key warned about and ignored. `probe` reports failures.
 */
LiteStatus gpu_create_arguments(const GpuDelegateBase *probe, const char *backend, LiteDelegate **out_delegate,
                                const char *const *keys, const char *const *values, size_t count,
                                GpuOptions *options, GpuOwnOption own, void *own_context);
/** A boolean option's value (lps_parse_bool: 1/0, true/false, yes/no, on/off, any case); false
    after reporting INVALID_ARGUMENT for anything else. */
bool gpu_bool_option(const GpuDelegateBase *probe, const char *backend, const char *key, const char *value,
                     bool *out);

/** Whether a delegate created with `options` reports profile events: profile=1 and a host table
    that has profile_event (ABI 1.3). */
static inline bool gpu_profile_wanted(const LiteHostServices *services, const GpuOptions *options) {
    return options->profile && lps_profile_available(services);
}
/**
 * Reports one event per dispatch of `program` (its op name, the graph nodes it computes: the node's
 * own and those fused into it), start_ns[i] and duration_ns[i] on `clock`, then one zero-length
 * event at `start_ns[0]` naming the nodes no dispatch computes (free reshapes, constants folded at
 * prepare), so that every node of the partition appears.
 */
void gpu_profile_dispatches(const GpuDelegateBase *base, const GpuProgram *program, const uint64_t *start_ns,
                            const uint64_t *duration_ns, LiteProfileClock clock);

/** claim_nodes for both backends (no device involved): the graph checked, then each node taken or
    declined with the planner's reason (gpu_node_supported). */
LiteStatus gpu_claim_nodes(const GpuDelegateBase *delegate, const char *backend, const LiteGraph *graph,
                           LiteVerdictFn verdict, void *verdict_context);

/** The node and tensor lists create_partition received (copies the partition owns). */
typedef struct GpuPartitionRequest {
    int32_t node_count, input_count, output_count;
    int32_t *nodes, *inputs, *outputs; /* graph indices */
} GpuPartitionRequest;

/**
 * The checks of create_partition, the same in every GPU delegate: a valid graph, at least one
 * node and one output, node and tensor indices in range, every node one the planner supports.
 * Then copies the lists into `request`. Returns OK, or INVALID_ARGUMENT / UNSUPPORTED /
 * OUT_OF_MEMORY with a message in `error` (and `request` empty).
 */
LiteStatus gpu_partition_request_init(GpuPartitionRequest *request, const LiteGraph *graph,
                                      const int32_t *nodes, int32_t node_count, const int32_t *inputs,
                                      int32_t input_count, const int32_t *outputs, int32_t output_count,
                                      char *error, size_t capacity);
void gpu_partition_request_free(GpuPartitionRequest *request);
/** The part of a GPU partition both backends have; the first member of VkPartitionState and
    GlesPartitionState. */
typedef struct GpuPartitionBase {
    int32_t index;               /* the delegate's partition number, for messages */
    GpuPartitionRequest request;
    GpuProgram program;          /* the plan of the last prepare */
    bool prepared;               /* prepare succeeded: invoke may run */
} GpuPartitionBase;

/**
 * create_partition for both backends: `out_partition` NULL-checked, the request checked and copied
 * (gpu_partition_request_init), `size` bytes allocated and zeroed (the backend's partition state,
 * whose first member is a GpuPartitionBase) and numbered. Failures are reported as "BACKEND: ...".
 */
LiteStatus gpu_partition_create(GpuDelegateBase *delegate, const char *backend, size_t size,
                                const LiteGraph *graph, const int32_t *nodes, int32_t node_count,
                                const int32_t *inputs, int32_t input_count, const int32_t *outputs,
                                int32_t output_count, LitePartition **out_partition);
/** Frees what gpu_partition_create and prepare left in `partition` and the partition itself (the
    backend has released its own objects). */
void gpu_partition_free(GpuPartitionBase *partition);
/** describe_partition for both backends: the planned program, once prepared. */
LiteStatus gpu_partition_describe(const GpuPartitionBase *partition, LitePartitionInfo *info);

/** gpu_plan_partition for the request's lists. */
bool gpu_plan_request(const LiteGraph *graph, const GpuPartitionRequest *request,
                      const GpuPlanOptions *options, GpuProgram *program, char *error, size_t capacity);

/**
 * The one rule for the host's buffers at invoke (the CPU delegate's too): the arrays are present,
 * each buffer holds at least its tensor's bytes (the host passes exactly that; a larger one is
 * accepted and only the tensor's bytes are read or written) and is NULL only for an empty tensor.
 * False with a message in `error`.
 */
bool gpu_check_invoke_buffers(const GpuProgram *program, const void *const *inputs, const size_t *input_sizes,
                              void *const *outputs, const size_t *output_sizes, char *error,
                              size_t capacity);

/* ---------------------------------------------------------------------------------------------- */
/* Barriers (gpu_hazards.c)                                                                       */
/* ---------------------------------------------------------------------------------------------- */

/** The buffers a backend makes for a program, one per kind of resource. */
typedef enum GpuBuffer {
    GPU_BUFFER_ARENA = 0,          /* every tensor (GPU_RESOURCE_TENSOR) */
    GPU_BUFFER_CONSTANTS = 1,      /* every blob */
    GPU_BUFFER_INPUT_STAGING = 2,
    GPU_BUFFER_OUTPUT_STAGING = 3,
} GpuBuffer;

/** Bytes of one buffer that a dispatch reads or writes. */
typedef struct GpuRange {
    GpuBuffer buffer;
    size_t offset, size;
} GpuRange;

/** The bytes a binding touches: a tensor's or blob's span; in a staging buffer, the part of one
    partition input's or output's (what layout_in reads or layout_out writes). */
GpuRange gpu_binding_range(const GpuProgram *program, const GpuBinding *binding);

/** A barrier before dispatch `dispatch`: the writes since the previous barrier, made visible to
    it and every later dispatch (and ordering the reads since then before its writes). */
typedef struct GpuBarrier {
    int32_t dispatch;
    int32_t first_write, write_count; /* in GpuBarrierPlan.writes */
} GpuBarrier;

/**
 * Where a program's dispatches must wait: a barrier before a dispatch that reads bytes an earlier
 * dispatch wrote, or writes bytes an earlier one read or wrote, since the last barrier (read after
 * write, write after write, write after read). One barrier covers every write before it, so the
 * tracking starts over after each.
 */
typedef struct GpuBarrierPlan {
    int32_t barrier_count;
    GpuBarrier *barriers;     /* in dispatch order */
    int32_t *before;          /* per dispatch: its barrier's index, or -1 */
    int32_t write_count;
    GpuRange *writes;
} GpuBarrierPlan;

/** Computes the barriers of `program`; false when out of memory (`plan` then empty). */
bool gpu_plan_barriers(const GpuProgram *program, GpuBarrierPlan *plan);
void gpu_barrier_plan_free(GpuBarrierPlan *plan);

#pragma GCC visibility pop

#endif /* GPU_BACKEND_H */
