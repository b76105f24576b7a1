/*
 * cpu_delegate.h — internal declarations of the CPU delegate plugin (not installed, not public).
 *
 * Structure: plugin.c (entry point, backend table, delegate and claiming), partition.c (partition
 * lifecycle, tensor table, memory plan), profile.c (LITE_CPU_PROFILE), fusion.c, registry.c
 * (builtin code -> operator), isa.c (the kernel path), prepared_memory.c, threadpool.c, gemm.c
 * (packing, tiling) and one file per operator family under ops/. The kernels that differ by path
 * are written once for any vector width over cpu_vector.h (gemm_kernels.h, ops/depthwise_kernels.h)
 * and compiled once per path in a file of their own (gemm_portable.c, gemm_avx2.c, gemm_avx512.c,
 * ops/depthwise_avx2.c, ops/depthwise_avx512.c); the rest use cpu_simd.h's AVX2 helpers.
 */
#ifndef CPU_DELEGATE_H
#define CPU_DELEGATE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* posix_memalign, sysconf under strict -std=c11 */
#endif

/* System headers come first: the visibility pragma below must not apply to libc declarations. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lite_delegate.h"
#include "lite_plugin_support.h"

/* Only lite_plugin_entry is exported; everything declared from here on stays inside the .so. */
#pragma GCC visibility push(hidden)

#define CPU_MAX_RANK 8
#define CPU_REASON_CAPACITY LPS_REASON_CAPACITY

#if defined(__GNUC__) || defined(__clang__)
#define CPU_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CPU_ALWAYS_INLINE inline
#endif

#if defined(__x86_64__) || defined(__i386__)
#define CPU_HAVE_X86 1
#define CPU_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define CPU_HAVE_X86 0
#endif

/* 1 in the avx512-on-avx2 test build of the plugin (isa.c). */
#ifndef CPU_AVX512_ON_AVX2
#define CPU_AVX512_ON_AVX2 0
#endif

/* CPU_TARGET_PUSH("avx2,fma") ... CPU_TARGET_POP: the functions between them compiled for that
   target, under Clang (the package build) and GCC (the sanitizer builds of c_tests.sh) alike. */
#define CPU_PRAGMA_(text) _Pragma(#text)
#if defined(__clang__)
#define CPU_TARGET_PUSH(isa_)                                                                    \
    CPU_PRAGMA_(clang attribute push(__attribute__((target(isa_))), apply_to = function))
#define CPU_TARGET_POP _Pragma("clang attribute pop")
#else
#define CPU_TARGET_PUSH(isa_) _Pragma("GCC push_options") CPU_PRAGMA_(GCC target(isa_))
#define CPU_TARGET_POP _Pragma("GCC pop_options")
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Thread pool (threadpool.c)                                                                     */
/* ---------------------------------------------------------------------------------------------- */

typedef struct CpuThreadPool CpuThreadPool;

/** Runs items [begin, end) on worker `thread` (0 = the calling thread, < cpu_pool_threads()). */
typedef void (*CpuTaskFn)(void *context, size_t begin, size_t end, int thread);

/** Creates a pool with `threads` threads in all (the caller counts as one); NULL on failure. */
CpuThreadPool *cpu_pool_create(int threads);
void cpu_pool_destroy(CpuThreadPool *pool);
/** Number of threads that may run tasks, including the caller; 1 for a NULL pool. */
int cpu_pool_threads(const CpuThreadPool *pool);
/** Smallest amount of work (multiply-adds, or elements for memory-bound operators, times 4) worth
    a fork-join: below it the caller runs alone. On a quiet machine a fork-join costs about a
    microsecond; on a busy one a worker descheduled mid-chunk can stall the caller far longer, so
    only work of a few microseconds is split. The value suits the pool's contiguous per-thread
    ranges (threadpool.c); smaller and larger thresholds were slower at 2 threads
    (docs/performance.md). */
#define CPU_PARALLEL_MIN_WORK ((size_t)1 << 16)

/** `pool` if `work` is worth splitting, else NULL (run on the calling thread). */
static inline CpuThreadPool *cpu_pool_for(CpuThreadPool *pool, size_t work) {
    return work >= CPU_PARALLEL_MIN_WORK ? pool : NULL;
}

/** Runs fn over [0, count) in chunks of `grain` items, spread over the pool; returns when done. */
void cpu_parallel_for(CpuThreadPool *pool, size_t count, size_t grain, CpuTaskFn fn, void *context);

/* ---------------------------------------------------------------------------------------------- */
/* Kernel path (isa.c)                                                                            */
/* ---------------------------------------------------------------------------------------------- */

/** The instruction set a delegate's kernels use, chosen once per delegate. Every path computes
    the same operators and passes the same tests; results differ only by float rounding (the
    order and fusing of multiply-adds). */
typedef enum CpuIsa {
    CPU_ISA_PORTABLE = 0, /**< Plain C (SSE2 on x86-64, as the compiler emits it): any CPU. */
    CPU_ISA_AVX2 = 1,     /**< AVX2 + FMA kernels (x86-64). */
    CPU_ISA_AVX512 = 2,   /**< AVX-512F GEMM kernels, the AVX2 + FMA ones elsewhere (x86-64). */
} CpuIsa;

/** True when the path runs the AVX2 + FMA kernels (the wider paths include them). */
static inline bool cpu_isa_has_avx2(CpuIsa isa) { return isa >= CPU_ISA_AVX2; }

/** CPU features the paths need, as cpu_isa_features reports them. */
#define CPU_FEATURE_AVX2 (1u << 0)
#define CPU_FEATURE_FMA (1u << 1)
#define CPU_FEATURE_AVX512F (1u << 2)

/** The CPU_FEATURE_* bits this CPU and its OS support. */
uint32_t cpu_isa_features(void);
/** The widest path `features` allow. */
CpuIsa cpu_isa_best(uint32_t features);
/** "avx512", "avx2", "portable": the value of the option isa= that selects it. */
const char *cpu_isa_name(CpuIsa isa);
/** "AVX-512F GEMM, AVX2+FMA", "AVX2+FMA", "portable C": for the device description. */
const char *cpu_isa_description(CpuIsa isa);
/** The path named `value` (cpu_isa_name's words). False with a one-line message in `error`
    (naming `source`, the option or variable it came from) for another value, or for a path that
    needs a feature `features` lacks (the message names each missing feature). */
bool cpu_isa_parse(const char *value, uint32_t features, const char *source, CpuIsa *isa,
                   char *error, size_t capacity);
/** The path a delegate gets without the option: LITE_CPU_ISA when set (parsed as cpu_isa_parse
    does), else the widest `features` allow. */
bool cpu_isa_default(uint32_t features, CpuIsa *isa, char *error, size_t capacity);

/* ---------------------------------------------------------------------------------------------- */
/* Delegate and partition                                                                         */
/* ---------------------------------------------------------------------------------------------- */

typedef struct CpuDelegateState {
    const LiteHostServices *services;
    int num_threads;
    /** The kernel path every partition of this delegate runs (isa.c). */
    CpuIsa isa;
    /** Option "profile=1" with a host whose services have profile_event (ABI 1.3): every invoke
        reports one event per kernel run (profile.c). */
    bool profile_events;
    CpuThreadPool *pool;
} CpuDelegateState;

typedef enum CpuTensorKind {
    CPU_TENSOR_CONSTANT = 0, /**< Model constant, or folded at prepare (data in `constant`). */
    CPU_TENSOR_INPUT = 1,    /**< Partition input: a host buffer bound per invoke. */
    CPU_TENSOR_OUTPUT = 2,   /**< Partition output: a host buffer bound per invoke. */
    CPU_TENSOR_INTERNAL = 3, /**< Produced and consumed inside: lives in the partition's arena. */
} CpuTensorKind;

typedef struct CpuTensor {
    int32_t graph_index;
    LiteDataType type;
    int32_t rank;
    int32_t dims[CPU_MAX_RANK]; /**< Current shape (refreshed at every prepare). */
    size_t count;               /**< Elements. */
    size_t bytes;
    CpuTensorKind kind;
    CpuTensorKind base_kind; /**< The kind decided at create_partition (before any folding). */
    int32_t io_index;     /**< Position among the partition's inputs or outputs. */
    const void *constant; /**< CPU_TENSOR_CONSTANT: the data (model memory or `folded`). */
    void *folded;         /**< Owned storage of a tensor folded at prepare. */
    size_t arena_offset;  /**< CPU_TENSOR_INTERNAL: byte offset in the arena. */
    void *data;           /**< Bound before each node runs (const tensors too, cast away). */
} CpuTensor;

/** All operator parameter structs this plugin understands, copied out of the graph. */
typedef union CpuParams {
    LiteConv2DParams conv;
    LiteDepthwiseConv2DParams depthwise;
    LitePool2DParams pool;
    LiteElementwiseParams elementwise;
    LiteConcatenationParams concat;
    LiteFullyConnectedParams fully_connected;
    LiteSoftmaxParams softmax;
    LiteResizeBilinearParams resize;
    LiteStridedSliceParams strided_slice;
    LiteTransposeConvParams transpose_conv;
    LiteReducerParams reducer;
    LiteDepthToSpaceParams depth_to_space;
    LiteLeakyReluParams leaky_relu;
    LiteGatherParams gather;
    LitePackParams pack;
    LiteUnpackParams unpack;
    LiteSqueezeParams squeeze;
    LiteSplitParams split;
} CpuParams;

struct CpuOp;
struct CpuPartitionState;
typedef struct CpuMemoryBlock CpuMemoryBlock;

/* ---------------------------------------------------------------------------------------------- */
/* Fusion (fusion.c): elementwise consumers applied in a producer's store                         */
/* ---------------------------------------------------------------------------------------------- */

#define CPU_MAX_EPILOGUE 4

typedef enum CpuEpilogueKind {
    CPU_EPILOGUE_CLAMP = 0,      /**< v = min(max(v, lo), hi): RELU, RELU6, an ADD's activation. */
    CPU_EPILOGUE_PRELU = 1,      /**< v = v >= 0 ? v : v * alpha[channel]. */
    CPU_EPILOGUE_ADD = 2,        /**< v = v + residual[same offset]. */
    CPU_EPILOGUE_HARD_SWISH = 3, /**< v = v * clamp(v + 3, 0, 6) / 6. */
} CpuEpilogueKind;

/** One fused elementwise operator. Each step does exactly the arithmetic of the node it replaces,
    in the same order, so fusing never changes a result. */
typedef struct CpuEpilogueStep {
    CpuEpilogueKind kind;
    float lo, hi;     /**< CLAMP bounds. */
    float *alpha;     /**< PRELU: owned, channels rounded up to 16 (the widest path), zero-padded. */
    int32_t tensor;   /**< ADD: the residual's tensor-table index (same shape as the output). */
    const float *residual; /**< ADD: bound before each run. */
} CpuEpilogueStep;

/** What a producer (CONV_2D, DEPTHWISE_CONV_2D) applies to each output value after its own fused
    activation, in order. */
typedef struct CpuEpilogue {
    int32_t count;
    CpuEpilogueStep steps[CPU_MAX_EPILOGUE];
} CpuEpilogue;

typedef struct CpuNode {
    const struct CpuOp *op;
    int32_t graph_node;    /**< Index of the node in the host graph (for messages). */
    int32_t input_count;
    int32_t output_count;
    int32_t *inputs;       /**< Indices into the partition's tensor table; -1 = absent. */
    int32_t *outputs;
    CpuParams params;
    bool folded;           /**< Evaluated once at prepare, or fused into another node; skipped at
                                invoke. */
    int32_t fused_into;    /**< The node whose kernel computes this folded node; -1 otherwise. */
    void *state;           /**< What the operator's prepare built; freed by op->release. */
    /* Partition-level fusion, decided at prepare (fusion.c) and undone by release_prepared. */
    CpuEpilogue epilogue;  /**< Elementwise consumers this node applies in its store. */
    int32_t original_output; /**< outputs[0] before fusion redirected it. */
    int32_t original_input;  /**< inputs[0] before a PAD was folded in. */
    int32_t pad_top, pad_bottom, pad_left, pad_right; /**< Zero padding of a folded PAD. */
} CpuNode;

typedef struct CpuPartitionState {
    CpuDelegateState *delegate;
    int32_t tensor_count;
    CpuTensor *tensors;
    int32_t node_count;
    CpuNode *nodes;
    /** The order nodes run in (indices into `nodes`): the graph's order, except that fusion may
        run a convolution later, just before the residual ADD it absorbs (fusion.c). Memory
        planning and invoke follow it. */
    int32_t *order;
    int32_t input_count;
    int32_t *inputs;  /**< Tensor-table index of each partition input. */
    int32_t output_count;
    int32_t *outputs; /**< Tensor-table index of each partition output. */
    void *arena;          /**< From cpu_prepare_alloc. */
    size_t arena_bytes;
    /** What cpu_prepare_alloc handed out since the last prepare (prepared_memory.c). */
    CpuMemoryBlock *prepared_blocks;
    bool prepared;
    /** LITE_CPU_PROFILE=1: nanoseconds spent per node over all invokes, and the invoke count;
        printed to stderr at destroy_partition. NULL when profiling is off. */
    uint64_t *profile_ns;
    uint64_t *profile_min_ns; /**< Fastest single run of each node: robust on a busy machine. */
    uint64_t profile_invokes;
} CpuPartitionState;

/** Fuses elementwise consumers and PADs into convolutions (fusion.c); call after constant folding
    and before memory planning. Undone by cpu_unfuse. */
LiteStatus cpu_fuse_partition(CpuPartitionState *partition);
void cpu_unfuse_partition(CpuPartitionState *partition);
/** Binds the residual pointers of a node's epilogue (call at run, before the kernel). */
void cpu_epilogue_bind(CpuPartitionState *partition, CpuNode *node);
/** Applies `epilogue` to rows [0, rows) x channels [c0, c1) of an NHWC block at `out` with row
    stride `ld` floats; `offset` is the block's first element's offset in the output tensor (the
    residual of an ADD step is read at the same offsets), with the kernels of path `isa` (the
    producer's delegate's). */
void cpu_epilogue_apply(const CpuEpilogue *epilogue, CpuIsa isa, float *out, size_t ld,
                        size_t offset, size_t rows, size_t c0, size_t c1);

/** LITE_CPU_PROFILE (profile.c): set to 1 (wall time) or cpu (the calling thread's CPU time),
    per-node times of every invoke, printed to stderr at destroy_partition. cpu_profile_start
    allocates the counters once the partition's nodes are known (profile_ns stays NULL when off);
    cpu_profile_run runs the nodes in order, timing each; cpu_profile_finish prints and frees. */
void cpu_profile_start(CpuPartitionState *partition);
LiteStatus cpu_profile_run(CpuPartitionState *partition);
void cpu_profile_finish(CpuPartitionState *partition);
/** Option "profile=1" (ABI 1.3): runs the nodes in order and reports each kernel run to the host
    as a LiteProfileEvent naming the graph nodes it computes (its own and those fused into it), plus
    one zero-length event for the nodes folded into constants at prepare. `entered_ns` is when
    invoke_partition began (lps_now_ns). */
LiteStatus cpu_profile_report(CpuPartitionState *partition, uint64_t entered_ns);

/* Partition lifecycle (partition.c). */
LiteStatus cpu_create_partition(LiteDelegate *delegate, const LiteGraph *graph,
                                const int32_t *node_indices, int32_t node_count,
                                const int32_t *input_tensors, int32_t input_count,
                                const int32_t *output_tensors, int32_t output_count,
                                LitePartition **out_partition);
LiteStatus cpu_prepare_partition(LitePartition *partition, const LiteGraph *graph);
LiteStatus cpu_invoke_partition(LitePartition *partition, const void *const *inputs,
                                const size_t *input_sizes, void *const *outputs,
                                const size_t *output_sizes);
void cpu_destroy_partition(LitePartition *partition);
/** Checks the graph's struct sizes and arrays; reports and returns false when malformed. */
bool cpu_validate_graph(const CpuDelegateState *delegate, const LiteGraph *graph);

/* ---------------------------------------------------------------------------------------------- */
/* Operators (registry.c, ops/)                                                                   */
/* ---------------------------------------------------------------------------------------------- */

/** One operator. The members from builtin_code to check are the ones PluginSupport's registry reads
    (LpsOperatorIdentity, same names); the rest are this plugin's kernel. */
typedef struct CpuOp {
    int32_t builtin_code;
    const char *custom_name; /**< For LITE_OP_CUSTOM; else NULL. */
    const char *name;        /**< For messages: "CONV_2D". */
    int32_t min_version;
    int32_t max_version;
    /** Size of the params struct the node must carry (0: none needed). */
    size_t params_size;
    /** True if the node can run; else writes a one-line reason. Params are already validated. */
    bool (*check)(const LpsCheckContext *context, char *reason, size_t capacity);
    /** Validates current shapes and builds node->state. Tensor data is not bound yet, except
        constants. Optional. */
    LiteStatus (*prepare)(CpuPartitionState *partition, CpuNode *node);
    /** Runs the node; every tensor's data is bound. */
    LiteStatus (*run)(CpuPartitionState *partition, CpuNode *node);
    void (*release)(void *state);
} CpuOp;

/** This plugin's operator table (registry.c): lps_registry_find gives a node's CpuOp,
    lps_registry_claim the claim decision, lps_registry_supported the capability report. */
extern LpsRegistry cpu_registry;

/* ---------------------------------------------------------------------------------------------- */
/* Helpers shared by operators (common.c)                                                         */
/* ---------------------------------------------------------------------------------------------- */

/** The host's services of `delegate` (NULL for a NULL delegate). */
static inline const LiteHostServices *cpu_services(const CpuDelegateState *delegate) {
    return delegate ? delegate->services : NULL;
}
/** True when the partition's delegate runs the AVX2+FMA kernels (its path is avx2 or wider):
    what every kernel asks at prepare (and keeps in its state for its tasks) instead of probing
    the CPU. */
static inline bool cpu_use_avx2(const CpuPartitionState *p) {
    return CPU_HAVE_X86 && cpu_isa_has_avx2(p->delegate->isa);
}
/** Reports an error through the host (printf-style) and returns `status`: lps_fail. */
#define cpu_fail(delegate, status, ...) lps_fail(cpu_services(delegate), (status), __VA_ARGS__)
/** A log line through the host (printf-style): lps_logf. The host prefixes the plugin's name, so
    the line does not repeat it. */
#define cpu_log(delegate, level, ...) lps_logf(cpu_services(delegate), (level), __VA_ARGS__)
/** True if the tensor has constant data, or is produced by a DEQUANTIZE of a constant float16
    tensor (which the partition folds at prepare). */
bool cpu_check_is_constant_like(const LpsCheckContext *context, int32_t tensor_index);

/** A tensor of one of the types in `type_mask`, rank min_rank..max_rank, with static dims. */
bool cpu_check_tensor(const LpsCheckContext *context, const LiteTensor *tensor, const char *role,
                      uint32_t type_mask, int32_t min_rank, int32_t max_rank, char *reason,
                      size_t capacity);
/** The opening of a one-input operator's check: `min_inputs`..`max_inputs` inputs and one output
    (lps_check_io), input 0 and the output of `type_mask` with rank min_rank..max_rank
    (cpu_check_tensor), both of one type ("input and output types differ"). */
bool cpu_check_in_out(const LpsCheckContext *context, int32_t min_inputs, int32_t max_inputs, uint32_t type_mask,
                      int32_t min_rank, int32_t max_rank, char *reason, size_t capacity);
/** The optional bias of a convolution or FULLY_CONNECTED at input `slot`: absent, or a constant
    float32 vector of `channels` entries ("bias size 3 != output `channel_word` 4"). */
bool cpu_check_bias(const LpsCheckContext *context, int32_t slot, const char *op, int32_t channels,
                    const char *channel_word, char *reason, size_t capacity);
/** Fused activation check: NONE, RELU, RELU_N1_TO_1 and RELU6 are supported. */
bool cpu_check_activation(const char *op, LiteActivation activation, char *reason, size_t capacity);

/** Clamp bounds of a fused activation. */
void cpu_activation_range(LiteActivation activation, float *out_min, float *out_max);

static inline CpuTensor *cpu_in(CpuPartitionState *p, const CpuNode *n, int32_t slot) {
    return (slot < n->input_count && n->inputs[slot] >= 0) ? &p->tensors[n->inputs[slot]] : NULL;
}
static inline CpuTensor *cpu_out(CpuPartitionState *p, const CpuNode *n, int32_t slot) {
    return &p->tensors[n->outputs[slot]];
}
/** Dimension `axis` counted from the end of a rank-4 NHWC view (missing leading dims are 1). */
static inline int32_t cpu_dim(const CpuTensor *t, int32_t axis) { return t->dims[axis]; }

bool cpu_same_shape(const CpuTensor *a, const CpuTensor *b);

/** A convolution window's leading padding along `axis` (0: height, 1: width), counting a PAD folded
    into `node`: the padding rule sees the padded extent, the kernels read the unpadded input. */
int32_t cpu_window_pad_before(const CpuNode *node, int axis, LitePadding padding, int32_t in, int32_t out,
                              int32_t stride, int32_t kernel, int32_t dilation);

/** At prepare, before any window arithmetic: lps_check_window_axis along height and width of the
    current shapes, a PAD folded into `node` counted in the input extent. UNSUPPORTED with the
    reason (through report_error) when the arithmetic would overflow int32. */
LiteStatus cpu_check_node_window(const CpuPartitionState *p, const CpuNode *node, int32_t in_h, int32_t in_w,
                                 int32_t out_h, int32_t out_w, int32_t kernel_h, int32_t kernel_w,
                                 int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w);

/** A convolution's or pool's window as its kernels read it: the NHWC extents of the window's
    input and output, the kernel's, and the stride, dilation and leading padding along height and
    width. A kernel state that wants the members by name holds it as CPU_WINDOW_UNION. */
#define CPU_WINDOW_MEMBERS                                                                         \
    int32_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;                                       \
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
typedef struct CpuWindow {
    CPU_WINDOW_MEMBERS
} CpuWindow;
/** `window` filled whole (cpu_window, cpu_prepare_window) and its members read by name (s->in_h):
    C11 anonymous members, two views of one layout. */
#define CPU_WINDOW_UNION                                                                           \
    union {                                                                                        \
        CpuWindow window;                                                                          \
        struct {                                                                                   \
            CPU_WINDOW_MEMBERS                                                                     \
        };                                                                                         \
    }

/** The extents of a window from `in` to `out` (rank 4) with a `k_h` x `k_w` kernel; no padding. */
CpuWindow cpu_window(const CpuTensor *in, const CpuTensor *out, int32_t k_h, int32_t k_w, int32_t stride_h,
                     int32_t stride_w, int32_t dilation_h, int32_t dilation_w);

/** The window of a convolution or pool `node` from `in` to `out`: cpu_check_node_window on the
    current shapes, then cpu_window with `padding`'s leading padding (cpu_window_pad_before, a PAD
    folded into the node counted). UNSUPPORTED, reported, when the window's arithmetic would
    overflow; `*window` is then unset. */
LiteStatus cpu_prepare_window(const CpuPartitionState *p, const CpuNode *node, const CpuTensor *in,
                              const CpuTensor *out, int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w,
                              int32_t dilation_h, int32_t dilation_w, LitePadding padding, CpuWindow *window);

/** Memory for what prepare builds (packed weights, the arena): 64-byte aligned, owned by the
    partition and valid until its next prepare or its destruction, which free it all at once
    (cpu_prepare_free_all; never free it otherwise). Large requests share blocks backed by
    transparent huge pages where the kernel offers them (prepared_memory.c says why). NULL when out
    of memory. */
void *cpu_prepare_alloc(CpuPartitionState *p, size_t bytes);
void cpu_prepare_free_all(CpuPartitionState *p);
/** Writes a zero to one byte of every page of `memory` (`bytes` long, contents not yet meaningful),
    so that its page faults are taken now, in prepare, rather than by the first invoke. */
void cpu_prepare_fault_in(void *memory, size_t bytes);

/** 64-byte aligned allocation (free with cpu_aligned_free); NULL on failure or overflow. */
void *cpu_aligned_alloc(size_t bytes);
void cpu_aligned_free(void *pointer);

/* Operators, one table entry each (defined in ops/). */
extern const CpuOp cpu_op_add, cpu_op_sub, cpu_op_mul, cpu_op_prelu;
extern const CpuOp cpu_op_relu, cpu_op_relu6, cpu_op_relu_n1_to_1, cpu_op_logistic, cpu_op_tanh,
    cpu_op_hard_swish, cpu_op_leaky_relu, cpu_op_dequantize;
extern const CpuOp cpu_op_average_pool_2d, cpu_op_max_pool_2d;
extern const CpuOp cpu_op_concatenation, cpu_op_reshape, cpu_op_pad, cpu_op_strided_slice,
    cpu_op_depth_to_space;
extern const CpuOp cpu_op_conv_2d, cpu_op_fully_connected, cpu_op_depthwise_conv_2d;
extern const CpuOp cpu_op_transpose_conv, cpu_op_conv_2d_transpose_bias;
extern const CpuOp cpu_op_resize_bilinear, cpu_op_softmax, cpu_op_mean;
/* Layout operators (ops/transpose.c, gather.c, pack.c, space_batch.c, shape_ops.c) and more
   elementwise ones (ops/binary_extra.c, unary_extra.c). */
extern const CpuOp cpu_op_transpose, cpu_op_gather, cpu_op_pack, cpu_op_unpack, cpu_op_split,
    cpu_op_space_to_batch_nd, cpu_op_batch_to_space_nd, cpu_op_shape, cpu_op_squeeze,
    cpu_op_expand_dims;
extern const CpuOp cpu_op_maximum, cpu_op_minimum, cpu_op_div, cpu_op_squared_difference,
    cpu_op_rsqrt, cpu_op_exp;

#pragma GCC visibility pop

#endif /* CPU_DELEGATE_H */
