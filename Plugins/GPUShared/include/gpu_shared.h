/*
 * gpu_shared.h — what the GPU delegates (Vulkan, OpenGL ES) share: the operator checks, the
 * planner that turns a partition into a list of compute dispatches over buffers in the
 * channel-sliced layout, and the kernel sources with their two dialects. Nothing here calls a
 * graphics API: a backend creates buffers, compiles the assembled sources and records the
 * dispatches.
 *
 * Layout: every float tensor inside a partition is 4-D [batch, height, width, channels] (lower
 * ranks padded with 1s on the left) stored as vec4 slices of 4 channels (see shaders/common.glsl).
 * Partition inputs and outputs are converted from and to the host's NHWC float32 by the
 * layout_in/layout_out kernels, through staging buffers the backend owns.
 *
 * Structure: the planner (gpu_plan.c, the pipeline; gpu_tensors.c, the tensor table and blobs;
 * gpu_emit.c, dispatches; gpu_memory_plan.c; transformations/, one file per graph rewrite; its
 * private header gpu_plan_internal.h), gpu_source.c (source assembly), gpu_common.c (checks, helpers), gpu_cache.c (writing kernel-cache files), ops/ (one
 * file per operator family: claim check and planning), generated/shaders.c (the kernel sources,
 * from scripts/embed_shaders.py).
 */
#ifndef GPU_SHARED_H
#define GPU_SHARED_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_kernel_params.h"
#include "lite_delegate.h"
#include "lite_plugin_support.h"

/* Everything declared from here on stays inside the plugin that links this library. */
#pragma GCC visibility push(hidden)

#define GPU_MAX_RANK 8        /* ranks the tensor table accepts (kernels see at most 4) */
#define GPU_KERNEL_RANK 4     /* the 4-D view every kernel works on */
#define GPU_MAX_BINDINGS 8    /* storage buffers of one dispatch */
#define GPU_MAX_EPILOGUE 4    /* fused elementwise steps of one dispatch */
#define GPU_PARAM_WORDS 32    /* 128 bytes: Vulkan's guaranteed push-constant size */
#define GPU_DEFINES_CAPACITY 1024
#define GPU_REASON_CAPACITY 160
#define GPU_ERROR_CAPACITY 512

typedef enum GpuPrecision { GPU_PRECISION_FP32 = 0, GPU_PRECISION_FP16 = 1 } GpuPrecision;
typedef enum GpuDialect { GPU_DIALECT_VULKAN = 0, GPU_DIALECT_GLES = 1 } GpuDialect;

/* ---------------------------------------------------------------------------------------------- */
/* Kernel sources                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

typedef struct GpuShaderSource {
    const char *name; /* file name without extension: "conv2d", "common", "prelude_vulkan" */
    const char *text;
} GpuShaderSource;

extern const GpuShaderSource gpu_shader_sources[];
extern const size_t gpu_shader_source_count;

/** The embedded text of shaders/NAME.comp or NAME.glsl, or NULL. */
const char *gpu_shader_text(const char *name);

/* ---------------------------------------------------------------------------------------------- */
/* The program: tensors, constant blobs and dispatches                                            */
/* ---------------------------------------------------------------------------------------------- */

typedef enum GpuTensorKind {
    GPU_TENSOR_INTERNAL = 0, /* produced and consumed inside: device memory (the arena) */
    GPU_TENSOR_INPUT = 1,    /* partition input: converted from the input staging buffer */
    GPU_TENSOR_OUTPUT = 2,   /* partition output: converted into the output staging buffer */
    GPU_TENSOR_CONSTANT = 3, /* model constant (or folded): uploaded as a blob when bound */
} GpuTensorKind;

typedef struct GpuShape {
    int32_t b, h, w, c;
} GpuShape;

typedef struct GpuTensor {
    int32_t graph_index;    /* -1 for a scratch tensor the planner added */
    LiteDataType type;
    int32_t rank;
    int32_t dims[GPU_MAX_RANK];
    GpuShape shape;         /* the 4-D view (valid when rank <= 4) */
    int32_t slices;         /* ceil(c / 4) */
    size_t vec4_count;      /* b * h * w * slices */
    GpuTensorKind kind;
    int32_t io_index;       /* position among the partition's inputs or outputs */
    const void *constant;   /* constant data (model memory or `folded`) */
    float *folded;          /* owned: a DEQUANTIZE folded at prepare */
    int32_t alias;          /* tensor whose storage this one shares (free RESHAPE), or -1 */
    int32_t blob;           /* constant bound as a tensor: its blob, or -1 */
    bool keep_fp32;         /* fp16 mode: stored as float32 all the same (storage roots only) */
    /* Memory plan (storage roots only). */
    int32_t first_use, last_use; /* dispatch indices; -1 when never bound */
    size_t arena_offset;         /* bytes */
} GpuTensor;

/** A constant buffer the backend uploads once: weights re-laid-out for a kernel, a bias, a
    table, or a constant tensor in the slice layout. In fp16 mode it is stored as halves unless
    keep_fp32 (tables read as vec4 whatever the precision). */
typedef struct GpuBlob {
    float *data; /* owned */
    size_t floats;
    bool keep_fp32;
    size_t offset; /* bytes, in the backend's constant buffer (set by gpu_program_layout_blobs) */
} GpuBlob;

typedef enum GpuResourceKind {
    GPU_RESOURCE_TENSOR = 0,         /* index: tensor (its storage root is bound) */
    GPU_RESOURCE_BLOB = 1,           /* index: blob */
    GPU_RESOURCE_INPUT_STAGING = 2,  /* the whole input staging buffer */
    GPU_RESOURCE_OUTPUT_STAGING = 3, /* the whole output staging buffer */
} GpuResourceKind;

typedef struct GpuBinding {
    GpuResourceKind kind;
    int32_t index;
    bool writes;
} GpuBinding;

typedef struct GpuDispatch {
    const char *kernel;                 /* shader name: "conv2d" */
    char defines[GPU_DEFINES_CAPACITY]; /* "#define ...\n" lines for the kernel */
    int32_t params[GPU_PARAM_WORDS];    /* ivec4/vec4 members, in declaration order */
    int32_t binding_count;
    GpuBinding bindings[GPU_MAX_BINDINGS];
    uint32_t grid[3];                   /* invocations */
    uint32_t local[3];                  /* workgroup size */
    int32_t node;                       /* graph node index for messages; -1 for conversions */
    const char *op_name;                /* "CONV_2D", or "layout conversion" */
    int32_t fused_nodes;                /* nodes this dispatch runs (1 + those fused into it) */
    bool epilogue;                      /* takes the fused steps (set by the operator) */
    /* The kernel's declared parameters (gpu_kernel_params.h; NULL when the kernel has none), which
       of their slots the operator has set by name, and the first name it set that the kernel does
       not declare or with the wrong type (the planner then refuses the dispatch). */
    const struct GpuKernelParams *param_table;
    uint32_t params_set;
    char param_error[32]; /* copied: the caller's name need not outlive the call; "" when none */
} GpuDispatch;

typedef struct GpuProgram {
    GpuPrecision precision;
    int32_t tensor_count;
    GpuTensor *tensors;
    int32_t blob_count, blob_capacity;
    GpuBlob *blobs;
    int32_t dispatch_count, dispatch_capacity;
    GpuDispatch *dispatches;
    int32_t input_count, output_count;
    int32_t *inputs;            /* tensor index of each partition input */
    int32_t *outputs;           /* tensor index of each partition output */
    size_t *input_offsets;      /* bytes, in the input staging buffer (NHWC float32/float16) */
    size_t *output_offsets;     /* bytes, in the output staging buffer */
    size_t input_staging_bytes, output_staging_bytes;
    size_t arena_bytes;         /* device memory for inputs, outputs and intermediates */
    size_t blob_bytes;          /* constant buffer size after gpu_program_layout_blobs */
    size_t element_bytes;       /* bytes of one stored vec4: 16, or 8 in fp16 */
    int32_t node_count;         /* nodes of the partition */
    /* Per node of the partition, in the order given: its graph index, and the graph node whose
       dispatches compute it (itself, or the node it was fused into); -1 for nodes that need no
       kernel (free reshapes, constants folded at prepare). For profile events. */
    int32_t *node_graph;
    int32_t *node_computed_by;
    int32_t kernel_dispatches;  /* dispatches that run operators (the rest convert layouts) */
    int32_t stored_tensors;     /* tensors with device storage (in the arena) */
    int32_t half_tensors;       /* of which stored as halves (fp16 mode, see choose_storage) */
} GpuProgram;

typedef struct GpuPlanOptions {
    GpuPrecision precision;
    size_t offset_alignment;   /* of every buffer binding (minStorageBufferOffsetAlignment) */
    size_t max_binding_bytes;  /* largest storage buffer binding (maxStorageBufferRange) */
    bool fp16_all_tensors;     /* fp16: every tensor as halves, not only bounded ones (option
                                  fp16_tensors=all; see transformations/choose_storage.c) */
} GpuPlanOptions;

/**
 * Plans a partition for the current shapes in `graph`: the tensor table, folding (DEQUANTIZE of
 * constants, free RESHAPEs, PAD into convolutions), fusion of elementwise nodes into the kernel
 * producing their input, the dispatch list in a valid order, and the memory plan. On failure
 * writes a message naming the node into `error` and returns false; `program` is then freed.
 */
bool gpu_plan_partition(const LiteGraph *graph, const int32_t *nodes, int32_t node_count,
                        const int32_t *inputs, int32_t input_count, const int32_t *outputs,
                        int32_t output_count, const GpuPlanOptions *options, GpuProgram *program,
                        char *error, size_t capacity);
void gpu_program_free(GpuProgram *program);

/* Fills what fits of `info` (LiteBackend.describe_partition) from a planned program; the backend adds
   the device memory it holds beyond the program's arena, constants and staging. */
void gpu_program_describe(const GpuProgram *program, size_t extra_device_bytes, LitePartitionInfo *info);

/** The storage root of tensor `index` (following free-RESHAPE aliases). */
int32_t gpu_storage_root(const GpuProgram *program, int32_t index);
/** Bytes of one element in the host's buffers (float32: 4; a float16 partition input: 2). */
size_t gpu_host_element_bytes(LiteDataType type);
/** Bytes of tensor `index` in the host's buffers (NHWC). */
size_t gpu_host_bytes(const GpuProgram *program, int32_t index);
/** Bytes a binding of tensor `index` spans (at least one vec4). */
size_t gpu_tensor_bytes(const GpuProgram *program, int32_t index);
/** Bytes of blob `index` as stored (halves in fp16 unless keep_fp32). */
size_t gpu_blob_bytes(const GpuProgram *program, int32_t index);
/** Writes blob `index` as stored into `destination` (gpu_blob_bytes bytes). */
void gpu_blob_write(const GpuProgram *program, int32_t index, void *destination);

/**
 * The complete source of a dispatch in a dialect: the version line, the precision and kernel
 * defines, the dialect prelude, common.glsl, epilogue.glsl and the kernel. Returns a malloc'd
 * string, or NULL with a message in `error`.
 */
char *gpu_assemble_source(GpuDialect dialect, GpuPrecision precision, const GpuDispatch *dispatch,
                          char *error, size_t capacity);

/** 64-bit FNV-1a over `bytes`, continuing from `hash` (start with GPU_HASH_SEED). */
#define GPU_HASH_SEED 0xcbf29ce484222325ull
uint64_t gpu_hash(uint64_t hash, const void *bytes, size_t size);

uint16_t gpu_float_to_half(float value);

/** Creates the missing folders of `file_path` (all but its last component, mode 0755). Returns 0,
    or the errno of the first folder that could not be created (gpu_cache.c). */
int gpu_cache_make_folders(const char *file_path);

/** Writes `header` then `payload` to `path`, creating its folders: through a temporary file of a
    name unique to this write (mkstemps) renamed over `path`, so concurrent readers and writers in
    any thread or process never see a partial file or remove another writer's. Returns 0, or an
    errno saying why nothing was written (gpu_cache.c). */
int gpu_cache_write_file(const char *path, const void *header, size_t header_size, const void *payload,
                         size_t payload_size);

/* ---------------------------------------------------------------------------------------------- */
/* Operators                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

/** One elementwise step fused into a dispatch (see shaders/epilogue.glsl for the kinds). */
typedef enum GpuEpilogueKind {
    GPU_EPI_NONE = 0,
    GPU_EPI_RELU = 1,
    GPU_EPI_RELU6 = 2,
    GPU_EPI_RELU_N1 = 3,
    GPU_EPI_TANH = 4,
    GPU_EPI_LOGISTIC = 5,
    GPU_EPI_HARD_SWISH = 6,
    GPU_EPI_LEAKY = 7,
    GPU_EPI_ADD = 8,
    GPU_EPI_SUB = 9,
    GPU_EPI_RSUB = 10,
    GPU_EPI_MUL = 11,
    GPU_EPI_PRELU = 12,
} GpuEpilogueKind;

typedef enum GpuOperandMode {
    GPU_OPERAND_FULL = 0,
    GPU_OPERAND_CHANNEL = 1,
    GPU_OPERAND_SCALAR = 2,
} GpuOperandMode;

typedef struct GpuEpilogueStep {
    GpuEpilogueKind kind;
    int32_t operand; /* tensor, or -1 */
    GpuOperandMode mode;
    float alpha;
} GpuEpilogueStep;

/** A node as the planner hands it to its operator: tensor-table indices, with fusion applied. */
typedef struct GpuNodePlan {
    const LiteNode *node;
    int32_t graph_node;
    const struct GpuOp *op;
    int32_t input_count;
    int32_t inputs[16];        /* tensor-table indices, -1 absent (inputs past 16 are refused) */
    int32_t output;            /* the tensor the dispatch writes (the last fused node's output) */
    int32_t fused_nodes;
    int32_t step_count;
    GpuEpilogueStep steps[GPU_MAX_EPILOGUE];
    /* A PAD folded into this convolution: inputs[0] is then the PAD's input, and these are its
       spatial paddings (the convolution's own padding still follows from the padded size). */
    int32_t pad_top, pad_left, pad_bottom, pad_right;
} GpuNodePlan;

typedef struct GpuPlanner GpuPlanner;

typedef struct GpuOp {
    int32_t builtin_code;
    const char *custom_name; /* for LITE_OP_CUSTOM */
    const char *name;        /* "CONV_2D" */
    int32_t min_version, max_version;
    size_t params_size;      /* params struct size the node must carry (0: none) */
    /** True if the node can run exactly; else a one-line reason. Params are present. */
    bool (*check)(const LpsCheckContext *context, char *reason, size_t capacity);
    /** Emits the node's dispatches (gpu_emit ...). False with a message via gpu_plan_fail. */
    bool (*plan)(GpuPlanner *planner, const GpuNodePlan *node);
    /** Its own fused activation as an epilogue step kind (NULL: none). */
    GpuEpilogueKind (*activation)(const LiteNode *node);
    /** For elementwise operators that can be fused into their input's producer: the step. */
    GpuEpilogueKind fusable_kind;
    bool epilogue;           /* its last dispatch accepts fused steps */
} GpuOp;

/** The GPU delegates' operator table (registry.c), for the lps_registry_* calls. */
extern LpsRegistry gpu_registry;
/** The operator for a node, or NULL when there is none. */
const GpuOp *gpu_find_op(int32_t builtin_code, const char *custom_name);
/** The claim decision for one node. */
bool gpu_node_supported(const LiteGraph *graph, int32_t node_index, const GpuOp **out_op,
                        char *reason, size_t capacity);

/* Check helpers (gpu_common.c; the ones every plugin shares are PluginSupport's: lps_check_io, ...). */
/** A float32 tensor of rank min..max with static dims. */
bool gpu_check_float(const LiteTensor *tensor, const char *role, int32_t min_rank, int32_t max_rank,
                     char *reason, size_t capacity);
/** One output and `min_inputs`..`max_inputs` inputs (lps_check_io), input 0 and the output float32
    tensors of rank `min_rank`..`max_rank` (gpu_check_float): the opening of the check of an
    operator that maps one tensor to another (any further inputs are parameters). */
bool gpu_check_float_in_out(const LpsCheckContext *context, int32_t min_inputs, int32_t max_inputs,
                            int32_t min_rank, int32_t max_rank, char *reason, size_t capacity);
/** Constant data, or a DEQUANTIZE of a constant float16 tensor (folded at prepare). */
bool gpu_check_constant_like(const LpsCheckContext *context, int32_t tensor_index);
bool gpu_check_activation(LiteActivation activation, char *reason, size_t capacity);
GpuEpilogueKind gpu_activation_step(LiteActivation activation);
/** The 4-D view of a shape (rank <= 4). */
GpuShape gpu_shape_of(int32_t rank, const int32_t *dims);

/* Planner services for operators (gpu_tensors.c, gpu_emit.c). */
GpuTensor *gpu_tensor(GpuPlanner *planner, int32_t index);
/** The float32 data of a constant(-like) tensor at prepare, or NULL. */
const float *gpu_constant_floats(GpuPlanner *planner, int32_t index);
/** Adds a scratch tensor of the given 4-D shape; returns its index or -1. */
int32_t gpu_add_scratch(GpuPlanner *planner, GpuShape shape);
/** Takes ownership of `data` (malloc'd, `floats` floats); returns the blob index or -1. */
int32_t gpu_add_blob(GpuPlanner *planner, float *data, size_t floats, bool keep_fp32);
/** A new dispatch of `kernel` for `node` (NULL for conversions); NULL on out-of-memory. */
GpuDispatch *gpu_emit(GpuPlanner *planner, const GpuNodePlan *node, const char *kernel);
bool gpu_bind_tensor(GpuPlanner *planner, GpuDispatch *dispatch, int32_t tensor, bool writes);
/** gpu_emit of a kernel that reads node input `input` and writes the node's output: binding 0 the
    output, binding 1 that input, and the kernel's `in_shape` and `out_shape` parameters set from
    them (gpu_param_shape). NULL when emitting or binding failed (the planner has the message). */
GpuDispatch *gpu_emit_in_out(GpuPlanner *planner, const GpuNodePlan *node, const char *kernel, int32_t input);
void gpu_bind_blob(GpuDispatch *dispatch, int32_t blob);
void gpu_define(GpuDispatch *dispatch, const char *format, ...) __attribute__((format(printf, 2, 3)));
/** Sets the kernel's ivec4 parameter `name`, as its PARAMS_BEGIN block declares it (see
    gpu_kernel_params.h); a name the kernel does not declare, or a vec4, fails the plan. */
void gpu_param_ivec4(GpuDispatch *dispatch, const char *name, int32_t x, int32_t y, int32_t z, int32_t w);
/** Sets the kernel's vec4 parameter `name` (checked like gpu_param_ivec4). */
void gpu_param_vec4(GpuDispatch *dispatch, const char *name, float x, float y, float z, float w);
/** Sets the ivec4 parameter `name` to (height, width, channels, slices) of a tensor. */
void gpu_param_shape(GpuDispatch *dispatch, const char *name, const GpuTensor *tensor);
/** NULL when every parameter the dispatch's kernel declares was set by name and nothing else was;
    else writes which parameter is unknown, of the wrong type or unset into `message`, returns it. */
const char *gpu_dispatch_params_problem(const GpuDispatch *dispatch, char *message, size_t capacity);
/** Sets the grid (in invocations) and picks a workgroup size for it. */
void gpu_set_grid(GpuDispatch *dispatch, uint32_t x, uint32_t y, uint32_t z);
/** Grid over a tensor: x = width, y = height, z = batch * slices. */
void gpu_grid_over(GpuDispatch *dispatch, const GpuTensor *tensor);
/** Pixels per invocation of the register-blocked kernels (conv2d, conv2d_1x1, depthwise_conv2d)
    for a row of `count`: 8, or 4 where that leaves fewer pixels computed past the end, or all of
    a row of at most 4. Eight pixels with four output slices is 32 vec4 accumulators: each weight
    vec4 is read once for 8 pixels, which is what the software drivers (one load per lane) gain
    most from, and still within a desktop GPU's register file. */
int32_t gpu_pixel_tile(int32_t count);
/** Emits a copy of `input` into `output` that keeps the row-major element order (a RESHAPE that
    changes the channel count, or a flattening); returns the dispatch or NULL. */
GpuDispatch *gpu_emit_reshape(GpuPlanner *planner, const GpuNodePlan *node, int32_t input,
                              int32_t output);
bool gpu_plan_fail(GpuPlanner *planner, const GpuNodePlan *node, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/** At plan time, before any window arithmetic: lps_check_window_axis along height and width of the
    current shapes, a PAD folded into `node` counted in the input extent; false through
    gpu_plan_fail when the arithmetic would overflow int32. */
bool gpu_plan_check_window(GpuPlanner *planner, const GpuNodePlan *node, int32_t in_h, int32_t in_w,
                           int32_t out_h, int32_t out_w, int32_t kernel_h, int32_t kernel_w, int32_t stride_h,
                           int32_t stride_w, int32_t dilation_h, int32_t dilation_w);

/* Operators, one table entry each (defined in ops/). */
extern const GpuOp gpu_op_add, gpu_op_sub, gpu_op_mul, gpu_op_prelu;
extern const GpuOp gpu_op_relu, gpu_op_relu6, gpu_op_relu_n1_to_1, gpu_op_logistic, gpu_op_tanh,
    gpu_op_hard_swish, gpu_op_leaky_relu, gpu_op_dequantize;
extern const GpuOp gpu_op_average_pool_2d, gpu_op_max_pool_2d;
extern const GpuOp gpu_op_concatenation, gpu_op_reshape, gpu_op_pad, gpu_op_strided_slice,
    gpu_op_depth_to_space;
extern const GpuOp gpu_op_conv_2d, gpu_op_fully_connected, gpu_op_depthwise_conv_2d;
extern const GpuOp gpu_op_transpose_conv, gpu_op_conv_2d_transpose_bias;
extern const GpuOp gpu_op_resize_bilinear, gpu_op_softmax, gpu_op_mean;

#pragma GCC visibility pop

#endif /* GPU_SHARED_H */
