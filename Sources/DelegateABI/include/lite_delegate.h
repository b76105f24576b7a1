/*
 * lite_delegate.h — the stable C ABI between the Lite host and delegate plugins.
 *
 * A delegate plugin is a shared object that exports one function, LITE_PLUGIN_ENTRY_SYMBOL.
 * The host opens it with dlopen(RTLD_NOW | RTLD_LOCAL), calls the entry with its ABI version and a
 * host-services table, and receives the plugin's library table: one or more backends, each with an
 * identity, a static capability report and the function table of its lifecycle:
 *
 *   backend --create_delegate(options)--> delegate --claim_nodes(graph)--> verdict per node
 *   delegate --create_partition(graph, nodes)--> partition --prepare--> (--invoke--)* --destroy
 *
 * This header is all a plugin needs: plugins never link against the host. (One file on purpose,
 * documentation included: it is what a third party builds against.) Everything a plugin needs
 * from the host (logging, error reporting) comes through LiteHostServices.
 *
 * Compatibility rules (see docs/delegate-abi.md):
 *  - Every struct that crosses the boundary starts with `size_t struct_size`, set by whoever fills it
 *    to sizeof() of its own definition. Fields are only ever appended. A reader uses a field only if it
 *    fits inside the struct_size the other side gave (LITE_FIELD_FITS); a zero or absurd size is
 *    refused. Function pointers that do not fit read as NULL.
 *  - Arrays of structs that the plugin hands to the host are indexed with the struct_size of their
 *    first element as the stride (LITE_ARRAY_AT); every element must have the same struct_size.
 *    Arrays the host hands to the plugin are arrays of pointers, so plugins can index them naively.
 *  - A different major version is incompatible and refused by both sides; a different minor version
 *    is compatible in both directions.
 *  - Status values are open: an unknown value must be treated as LITE_STATUS_ERROR.
 *  - Enums have explicit values and a _MAX_ENUM member so that they stay 32 bits wide.
 *
 * Changelog:
 *  1.0  First stable version: library/backends, capability report, claiming with reasons,
 *       partition lifecycle over host buffers, key/value options, host services.
 *  1.1  Params structs for GATHER, PACK, UNPACK, SQUEEZE and SPLIT (LiteGatherParams, ...), with
 *       axes normalised by the host; LITE_OP_CAST, LITE_OP_FILL, LITE_OP_REDUCE_PROD named.
 *  1.2  Optional LiteBackend.describe_partition and LitePartitionInfo: what a prepared partition
 *       became (dispatches, kernels, device memory), for diagnostics such as `lite inspect`.
 *       Optional LiteBackend.query_device_info and LiteDeviceInfo: the device probe with the kind of
 *       device, so that hosts can pass over a GPU API emulated on the CPU by default.
 *  1.3  Profiling: LiteHostServices.profile_event and LiteProfileEvent, the option "profile", so that
 *       a delegate reports timed events (per node or per fused kernel, on the host's clock or the
 *       device's) during invoke_partition.
 */
#ifndef LITE_DELEGATE_H
#define LITE_DELEGATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LITE_ABI_VERSION_MAJOR 1
#define LITE_ABI_VERSION_MINOR 3

/** The one symbol a plugin exports; its type is LitePluginEntryFn. */
#define LITE_PLUGIN_ENTRY_SYMBOL "lite_plugin_entry"

#if defined(_WIN32)
#define LITE_PLUGIN_EXPORT __declspec(dllexport)
#else
#define LITE_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/** True when `field` of struct `type` lies inside a struct whose producer declared `size` bytes. */
#define LITE_FIELD_FITS(type, field, size) \
    (offsetof(type, field) + sizeof(((type *)0)->field) <= (size_t)(size))

/** Element `index` of an array of structs whose stride is the struct_size of its first element. */
#define LITE_ARRAY_AT(type, base, index) \
    ((const type *)((const char *)(base) + (size_t)(index) * ((const type *)(base))->struct_size))

/* ------------------------------------------------------------------------------------------------ */
/* Status, enums                                                                                    */
/* ------------------------------------------------------------------------------------------------ */

/** Result of every call. Open: an unknown value means a generic error. */
typedef enum LiteStatus {
    LITE_STATUS_OK = 0,
    LITE_STATUS_ERROR = 1,              /**< Generic failure; the message went to report_error. */
    LITE_STATUS_INVALID_ARGUMENT = 2,   /**< A bad pointer, size, option value or graph. */
    LITE_STATUS_UNSUPPORTED = 3,        /**< The request is valid but this plugin cannot do it. */
    LITE_STATUS_OUT_OF_MEMORY = 4,
    LITE_STATUS_DEVICE_UNAVAILABLE = 5, /**< No usable device (no GPU, no driver, ...). */
    LITE_STATUS_DEVICE_LOST = 6,
    LITE_STATUS_INCOMPATIBLE_ABI = 7,
    LITE_STATUS_MAX_ENUM = 0x7FFFFFFF
} LiteStatus;

/** Element types. Values are this ABI's own (not TFLite's TensorType). */
typedef enum LiteDataType {
    LITE_DATA_TYPE_UNKNOWN = 0,
    LITE_DATA_TYPE_FLOAT32 = 1,
    LITE_DATA_TYPE_FLOAT16 = 2,
    LITE_DATA_TYPE_INT32 = 3,
    LITE_DATA_TYPE_INT64 = 4,
    LITE_DATA_TYPE_INT8 = 5,
    LITE_DATA_TYPE_UINT8 = 6,
    LITE_DATA_TYPE_BOOL = 7,
    LITE_DATA_TYPE_INT16 = 8,
    LITE_DATA_TYPE_MAX_ENUM = 0x7FFFFFFF
} LiteDataType;

/** Bit for a data type in LiteBackend.data_type_mask. */
#define LITE_DATA_TYPE_BIT(type) (1u << (uint32_t)(type))

typedef enum LiteBackendKind {
    LITE_BACKEND_KIND_CPU = 1,
    LITE_BACKEND_KIND_GPU = 2,
    LITE_BACKEND_KIND_ACCELERATOR = 3,
    LITE_BACKEND_KIND_MAX_ENUM = 0x7FFFFFFF
} LiteBackendKind;

/** Precision modes (bits of LiteBackend.precision_mask). Chosen with the option "precision", which
    the host sends only with a value the backend's precision_mask declares: a backend without fp16
    is not sent precision=fp16 (it computes in fp32) when a user asks for fp16. */
typedef enum LitePrecision {
    LITE_PRECISION_FP32 = 1, /**< Full float32 storage and arithmetic. */
    LITE_PRECISION_FP16 = 2, /**< float16 storage, float32 accumulation. */
    LITE_PRECISION_MAX_ENUM = 0x7FFFFFFF
} LitePrecision;

/** How the host may call a backend's functions. */
typedef enum LiteThreadingModel {
    /** Any thread may call; distinct delegates and partitions may be used concurrently. Calls on one
        delegate (and its partitions) are never concurrent: the host serialises them. */
    LITE_THREADING_FREE = 0,
    /** Every call on a delegate and its partitions must come from the thread that created the
        delegate. The host runs all of them on one dedicated thread per delegate, which it joins
        after destroy_delegate (its thread-local state is destroyed before the host goes on). */
    LITE_THREADING_CREATOR_THREAD = 1,
    LITE_THREADING_MAX_ENUM = 0x7FFFFFFF
} LiteThreadingModel;

typedef enum LiteLogLevel {
    LITE_LOG_DEBUG = 0,
    LITE_LOG_INFO = 1,
    LITE_LOG_WARNING = 2,
    LITE_LOG_ERROR = 3,
    LITE_LOG_MAX_ENUM = 0x7FFFFFFF
} LiteLogLevel;

/** A plugin's answer for one node in claim_nodes. */
typedef enum LiteVerdict {
    LITE_VERDICT_TAKEN = 0,
    LITE_VERDICT_DECLINED = 1,
    LITE_VERDICT_MAX_ENUM = 0x7FFFFFFF
} LiteVerdict;

/** Operator codes: the values of TFLite's schema BuiltinOperator (those this ABI names params for
    and a few more; any schema value may appear in LiteNode.builtin_code). */
typedef enum LiteBuiltinOperator {
    LITE_OP_ADD = 0,
    LITE_OP_AVERAGE_POOL_2D = 1,
    LITE_OP_CONCATENATION = 2,
    LITE_OP_CONV_2D = 3,
    LITE_OP_DEPTHWISE_CONV_2D = 4,
    LITE_OP_DEPTH_TO_SPACE = 5,
    LITE_OP_DEQUANTIZE = 6,
    LITE_OP_FULLY_CONNECTED = 9,
    LITE_OP_LOGISTIC = 14,
    LITE_OP_MAX_POOL_2D = 17,
    LITE_OP_MUL = 18,
    LITE_OP_RELU = 19,
    LITE_OP_RELU_N1_TO_1 = 20,
    LITE_OP_RELU6 = 21,
    LITE_OP_RESHAPE = 22,
    LITE_OP_RESIZE_BILINEAR = 23,
    LITE_OP_SOFTMAX = 25,
    LITE_OP_TANH = 28,
    LITE_OP_CUSTOM = 32,
    LITE_OP_PAD = 34,
    LITE_OP_GATHER = 36,
    LITE_OP_BATCH_TO_SPACE_ND = 37,
    LITE_OP_SPACE_TO_BATCH_ND = 38,
    LITE_OP_TRANSPOSE = 39,
    LITE_OP_MEAN = 40,
    LITE_OP_SUB = 41,
    LITE_OP_DIV = 42,
    LITE_OP_SQUEEZE = 43,
    LITE_OP_STRIDED_SLICE = 45,
    LITE_OP_EXP = 47,
    LITE_OP_SPLIT = 49,
    LITE_OP_PRELU = 54,
    LITE_OP_MAXIMUM = 55,
    LITE_OP_MINIMUM = 57,
    LITE_OP_TRANSPOSE_CONV = 67,
    LITE_OP_EXPAND_DIMS = 70,
    LITE_OP_RSQRT = 76,
    LITE_OP_SHAPE = 77,
    LITE_OP_PACK = 83,
    LITE_OP_UNPACK = 88,
    LITE_OP_LEAKY_RELU = 98,
    LITE_OP_SQUARED_DIFFERENCE = 99,
    LITE_OP_HARD_SWISH = 117,
    LITE_OP_DENSIFY = 124,
    /* Since 1.1. */
    LITE_OP_CAST = 53,
    LITE_OP_REDUCE_PROD = 81,
    LITE_OP_FILL = 94,
    LITE_OP_MAX_ENUM = 0x7FFFFFFF
} LiteBuiltinOperator;

/** Padding of convolutions and pools, as in TFLite's schema. */
typedef enum LitePadding {
    LITE_PADDING_SAME = 0,
    LITE_PADDING_VALID = 1,
    LITE_PADDING_MAX_ENUM = 0x7FFFFFFF
} LitePadding;

/** Fused activations, as in TFLite's schema ActivationFunctionType. */
typedef enum LiteActivation {
    LITE_ACTIVATION_NONE = 0,
    LITE_ACTIVATION_RELU = 1,
    LITE_ACTIVATION_RELU_N1_TO_1 = 2,
    LITE_ACTIVATION_RELU6 = 3,
    LITE_ACTIVATION_TANH = 4,
    LITE_ACTIVATION_SIGN_BIT = 5,
    LITE_ACTIVATION_MAX_ENUM = 0x7FFFFFFF
} LiteActivation;

/* ------------------------------------------------------------------------------------------------ */
/* Operator parameters. LiteNode.params points to the struct named for its builtin_code, or is NULL  */
/* for operators without parameters. Each starts with struct_size (check LITE_FIELD_FITS).           */
/* ------------------------------------------------------------------------------------------------ */

/** CONV_2D. */
typedef struct LiteConv2DParams {
    size_t struct_size;
    LitePadding padding;
    int32_t stride_width;
    int32_t stride_height;
    int32_t dilation_width;
    int32_t dilation_height;
    LiteActivation activation;
} LiteConv2DParams;

/** DEPTHWISE_CONV_2D. */
typedef struct LiteDepthwiseConv2DParams {
    size_t struct_size;
    LitePadding padding;
    int32_t stride_width;
    int32_t stride_height;
    int32_t dilation_width;
    int32_t dilation_height;
    int32_t depth_multiplier;
    LiteActivation activation;
} LiteDepthwiseConv2DParams;

/** AVERAGE_POOL_2D, MAX_POOL_2D. */
typedef struct LitePool2DParams {
    size_t struct_size;
    LitePadding padding;
    int32_t stride_width;
    int32_t stride_height;
    int32_t filter_width;
    int32_t filter_height;
    LiteActivation activation;
} LitePool2DParams;

/** ADD, SUB, MUL, DIV: the fused activation. */
typedef struct LiteElementwiseParams {
    size_t struct_size;
    LiteActivation activation;
} LiteElementwiseParams;

/** CONCATENATION. axis is already normalised to [0, rank). */
typedef struct LiteConcatenationParams {
    size_t struct_size;
    int32_t axis;
    LiteActivation activation;
} LiteConcatenationParams;

/** FULLY_CONNECTED (weights_format is always DEFAULT for float models). */
typedef struct LiteFullyConnectedParams {
    size_t struct_size;
    LiteActivation activation;
    int32_t keep_num_dims;
} LiteFullyConnectedParams;

/** SOFTMAX. */
typedef struct LiteSoftmaxParams {
    size_t struct_size;
    float beta;
} LiteSoftmaxParams;

/** RESIZE_BILINEAR. The output size is the second input (a constant int32 [2] = height, width). */
typedef struct LiteResizeBilinearParams {
    size_t struct_size;
    int32_t align_corners;
    int32_t half_pixel_centers;
} LiteResizeBilinearParams;

/** STRIDED_SLICE. begin/end/strides are inputs 1..3. */
typedef struct LiteStridedSliceParams {
    size_t struct_size;
    int32_t begin_mask;
    int32_t end_mask;
    int32_t ellipsis_mask;
    int32_t new_axis_mask;
    int32_t shrink_axis_mask;
    int32_t offset;
} LiteStridedSliceParams;

/** TRANSPOSE_CONV (inputs: output_shape, weights [O,H,W,I], input, optional bias), and MediaPipe's
    custom Convolution2DTransposeBias (inputs: input, weights, bias), whose custom_options the host
    decodes into this struct too. */
typedef struct LiteTransposeConvParams {
    size_t struct_size;
    LitePadding padding;
    int32_t stride_width;
    int32_t stride_height;
    LiteActivation activation;
} LiteTransposeConvParams;

/** MEAN and other reductions. The axes are input 1. */
typedef struct LiteReducerParams {
    size_t struct_size;
    int32_t keep_dims;
} LiteReducerParams;

/** DEPTH_TO_SPACE. */
typedef struct LiteDepthToSpaceParams {
    size_t struct_size;
    int32_t block_size;
} LiteDepthToSpaceParams;

/** LEAKY_RELU. */
typedef struct LiteLeakyReluParams {
    size_t struct_size;
    float alpha;
} LiteLeakyReluParams;

/** GATHER (since 1.1). Inputs: params, indices (int32 or int64). axis is normalised to
    [0, rank of params); batch_dims to [0, rank of indices]. */
typedef struct LiteGatherParams {
    size_t struct_size;
    int32_t axis;
    int32_t batch_dims;
} LiteGatherParams;

/** PACK (since 1.1): values_count inputs of one shape stacked along axis, normalised to
    [0, rank of the output). */
typedef struct LitePackParams {
    size_t struct_size;
    int32_t values_count;
    int32_t axis;
} LitePackParams;

/** UNPACK (since 1.1): the input split into num outputs along axis, normalised to
    [0, rank of the input). */
typedef struct LiteUnpackParams {
    size_t struct_size;
    int32_t num;
    int32_t axis;
} LiteUnpackParams;

/** At most this many squeeze_dims in LiteSqueezeParams (TFLite's own limit). */
#define LITE_SQUEEZE_MAX_DIMS 8

/** SQUEEZE (since 1.1). squeeze_dims_count == 0 means every extent-1 axis; the dims are
    normalised to [0, rank of the input). */
typedef struct LiteSqueezeParams {
    size_t struct_size;
    int32_t squeeze_dims_count;
    int32_t squeeze_dims[LITE_SQUEEZE_MAX_DIMS];
} LiteSqueezeParams;

/** SPLIT (since 1.1). Inputs: axis (a constant int32 scalar), the tensor; num_splits outputs. */
typedef struct LiteSplitParams {
    size_t struct_size;
    int32_t num_splits;
} LiteSplitParams;

/* ------------------------------------------------------------------------------------------------ */
/* The graph a plugin is shown                                                                      */
/* ------------------------------------------------------------------------------------------------ */

/** LiteTensor.flags bits. */
#define LITE_TENSOR_FLAG_GRAPH_INPUT 0x1u  /**< An input of the model. */
#define LITE_TENSOR_FLAG_GRAPH_OUTPUT 0x2u /**< An output of the model. */
#define LITE_TENSOR_FLAG_CONSTANT 0x4u     /**< Has constant_data. */

typedef struct LiteTensor {
    size_t struct_size;
    const char *name;          /**< NUL-terminated; never NULL (may be empty). */
    LiteDataType type;
    int32_t rank;
    const int32_t *dims;       /**< rank entries; the current shape (after any input resize). */
    const void *constant_data; /**< Non-NULL for constants: byte_size bytes, 16-byte aligned. */
    size_t byte_size;          /**< Bytes of the tensor at its current shape. */
    uint32_t flags;            /**< LITE_TENSOR_FLAG_* */
} LiteTensor;

typedef struct LiteNode {
    size_t struct_size;
    int32_t builtin_code;        /**< TFLite BuiltinOperator value (LiteBuiltinOperator). */
    const char *custom_name;     /**< For LITE_OP_CUSTOM, the custom code; else NULL. */
    int32_t version;             /**< The operator version from the model. */
    int32_t input_count;
    const int32_t *inputs;       /**< Tensor indices; -1 marks an absent optional input. */
    int32_t output_count;
    const int32_t *outputs;      /**< Tensor indices. */
    const void *params;          /**< Typed params struct for builtin_code (see above), or NULL. */
    const void *custom_options;  /**< Raw custom_options bytes of the model, or NULL. */
    size_t custom_options_size;
} LiteNode;

typedef struct LiteGraph {
    size_t struct_size;
    int32_t tensor_count;
    const LiteTensor *const *tensors; /**< tensor_count pointers. */
    int32_t node_count;
    const LiteNode *const *nodes;     /**< node_count pointers, in a valid execution order. */
    int32_t input_count;
    const int32_t *inputs;            /**< Model input tensor indices. */
    int32_t output_count;
    const int32_t *outputs;           /**< Model output tensor indices. */
} LiteGraph;

/* ------------------------------------------------------------------------------------------------ */
/* Host services                                                                                    */
/* ------------------------------------------------------------------------------------------------ */

/**
 * Functions the host offers to plugins. The host owns the table; it stays valid until the object it
 * was given with (the library at entry, a delegate at create_delegate) is destroyed. Pass the table's
 * host_context back as the first argument. Messages are copied by the host; they may be freed after
 * the call.
 */
/** Which clock measured a profile event (since 1.3). */
typedef enum LiteProfileClock {
    /** The host's monotonic wall clock, as seen by the calling thread (a CPU kernel's run). */
    LITE_PROFILE_CLOCK_HOST = 0,
    /** The device's own timestamps (Vulkan timestamp queries, GL timer queries), converted to ns. */
    LITE_PROFILE_CLOCK_DEVICE = 1,
    LITE_PROFILE_CLOCK_MAX_ENUM = 0x7FFFFFFF
} LiteProfileClock;

/**
 * One timed piece of an invoke_partition call (since 1.3): a node's kernel, a fused kernel naming
 * every node it computes, or the partition's own work (uploads, downloads, waits: node_count 0).
 * Everything is copied by the host during profile_event; the pointers need not outlive the call.
 */
typedef struct LiteProfileEvent {
    size_t struct_size;
    /** What ran: an operator or kernel name, e.g. "CONV_2D" or "conv+relu"; NUL-terminated. */
    const char *name;
    /** The graph nodes it computes (LiteGraph node indices, in the partition); may be NULL with
        node_count 0 for the partition's own work. */
    const int32_t *nodes;
    int32_t node_count;
    LiteProfileClock clock;
    /** Start, in ns since invoke_partition was entered (device events: placed on that scale by the
        plugin, e.g. from the submission time), and duration in ns. */
    uint64_t start_ns;
    uint64_t duration_ns;
} LiteProfileEvent;

typedef struct LiteHostServices {
    size_t struct_size;
    uint32_t abi_version_major;
    uint32_t abi_version_minor;
    void *host_context;
    /** Log a message (any thread). */
    void (*log)(void *host_context, LiteLogLevel level, const char *message);
    /** Report why the current call fails. Call before returning a non-OK status; the last report
        of a call wins. Messages (here and in log) are cut to 512 characters and stripped of
        control characters and terminal escape sequences before they reach a terminal or a log. */
    void (*report_error)(void *host_context, LiteStatus status, const char *message);

    /* Since 1.3 (check LITE_FIELD_FITS before use). */

    /** Report a profile event. Only while the host profiles (the delegate was created with option
        "profile" = "1") and only during invoke_partition, from the calling thread; the host ignores
        and counts events outside an invoke or with node indices outside the graph. NULL in tables
        given to a library's entry function. */
    void (*profile_event)(void *host_context, const LiteProfileEvent *event);
} LiteHostServices;

/* ------------------------------------------------------------------------------------------------ */
/* Backends                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

/** Opaque objects owned by the plugin. */
typedef struct LiteDelegate LiteDelegate;
typedef struct LitePartition LitePartition;

/** One supported builtin operator with its version range. */
typedef struct LiteOperatorSupport {
    size_t struct_size;
    int32_t builtin_code;
    int32_t min_version;
    int32_t max_version;
} LiteOperatorSupport;

/** Called by claim_nodes once per node it decides on. reason: why it declined (copied by the host,
    cut to 512 characters and stripped of control characters; NULL or empty allowed for TAKEN). A
    node without a verdict counts as declined. Valid only during claim_nodes: the host ignores (and
    counts) a call after claim_nodes returned, a node outside [0, node_count), and a second verdict
    for a node (the first stands). A TAKEN for a node whose operator the capability report does not
    declare (builtin code and version range, or custom name) is refused: it counts as declined. */
typedef void (*LiteVerdictFn)(void *verdict_context, int32_t node_index, LiteVerdict verdict,
                              const char *reason);

/** What kind of device a backend found (since 1.2). */
typedef enum LiteDeviceKind {
    LITE_DEVICE_KIND_UNKNOWN = 0,
    LITE_DEVICE_KIND_DISCRETE_GPU = 1,
    LITE_DEVICE_KIND_INTEGRATED_GPU = 2,
    LITE_DEVICE_KIND_VIRTUAL_GPU = 3,
    /** The host's processor itself (a CPU backend). */
    LITE_DEVICE_KIND_CPU = 4,
    /** A GPU API implemented in software on the CPU (Mesa lavapipe/llvmpipe, SwiftShader): correct
        but slow, so hosts skip it unless it is asked for by name. */
    LITE_DEVICE_KIND_SOFTWARE_EMULATION = 5,
    LITE_DEVICE_KIND_MAX_ENUM = 0x7FFFFFFF
} LiteDeviceKind;

/** What query_device_info reports (since 1.2). */
typedef struct LiteDeviceInfo {
    size_t struct_size;
    LiteDeviceKind kind;
    /** One line, NUL-terminated: the device, or why none is usable. */
    char description[256];
} LiteDeviceInfo;

/** What describe_partition reports (since 1.2). Zero means "not reported". */
typedef struct LitePartitionInfo {
    size_t struct_size;
    /** Kernel launches (GPU dispatches, CPU kernel calls) per invoke, after fusion. */
    int32_t dispatch_count;
    /** Distinct compiled kernels or pipelines the partition uses. */
    int32_t kernel_count;
    /** Device memory the partition holds (weights, intermediates, staging), in bytes. */
    size_t device_bytes;
    /** A one-line, NUL-terminated summary, e.g. "54 kernels + 3 layout conversions". */
    char summary[256];
} LitePartitionInfo;

typedef struct LiteBackend {
    size_t struct_size;

    /* Identity. Static strings owned by the plugin, valid while the library is loaded. */
    const char *name;    /**< Short lowercase name users select it by: "cpu", "vulkan", "gles". */
    const char *vendor;
    const char *version; /**< The plugin's own version, e.g. "1.0.0". */
    LiteBackendKind kind;

    /* Capability report, available before any graph. */
    const LiteOperatorSupport *operators; /**< Stride: operators[0].struct_size (LITE_ARRAY_AT). */
    size_t operator_count;
    const char *const *custom_operators;  /**< Custom op names it may claim. */
    size_t custom_operator_count;
    uint32_t data_type_mask;              /**< LITE_DATA_TYPE_BIT of each supported type. */
    uint32_t precision_mask;              /**< LitePrecision bits. */
    LiteThreadingModel threading;

    /**
     * Probe the device. Writes a one-line description of the device into `text` (NUL-terminated,
     * truncated to capacity) and returns OK; or returns LITE_STATUS_DEVICE_UNAVAILABLE and writes the
     * reason into `text`. Optional (NULL means always available).
     */
    LiteStatus (*query_device)(char *text, size_t capacity);

    /**
     * Create a delegate: one configured instance, used by one interpreter.
     * options: `option_count` key/value pairs, copied by the plugin if kept. Well-known keys:
     *   "precision" = "fp32" | "fp16";  "num_threads" = decimal;  "cache_dir" = folder for compiled
     *   kernels;  "model_token" = a fingerprint of the model (cache key part);  "profile" = "1": report
     *   profile events during invoke_partition (since 1.3; sent only to plugins of ABI 1.3 or later).
     *   With profiling off a plugin must not time anything.
     * The host keeps "min_partition_nodes" and "max_partitions" (its partition policy) for itself.
     * Unknown keys are logged as warnings, never an error. `services` stays valid until
     * destroy_delegate. On success *out_delegate is set; the plugin owns it.
     */
    LiteStatus (*create_delegate)(const LiteHostServices *services, const char *const *option_keys,
                                  const char *const *option_values, size_t option_count,
                                  LiteDelegate **out_delegate);
    void (*destroy_delegate)(LiteDelegate *delegate);

    /**
     * Look at the whole graph and give a verdict for the nodes it can run, through
     * verdict(verdict_context, node, ...), which is valid only until claim_nodes returns. The graph
     * is valid only during the call, except that constant_data pointers stay valid until the
     * delegate is destroyed. The graph is the model after the host's load-time rewrites (float16
     * DEQUANTIZE and DENSIFY folded into constants, the optimiser's passes); docs/operators.md says
     * what every operator's inputs, layouts and params mean.
     */
    LiteStatus (*claim_nodes)(LiteDelegate *delegate, const LiteGraph *graph, LiteVerdictFn verdict,
                              void *verdict_context);

    /**
     * Create a partition from claimed nodes (in execution order). The host forms partitions from the
     * nodes it gave this delegate: any convex subset of them, so a plugin must not assume it gets
     * all its nodes at once, or one partition per delegate. The host decides the partition's
     * inputs (tensors read but not produced inside, excluding constants) and outputs (tensors produced
     * inside that are read outside or are model outputs); invoke binds buffers in that order.
     * The plugin copies what it keeps of the graph; constant_data stays valid until
     * destroy_delegate.
     *
     * Refusing: return LITE_STATUS_UNSUPPORTED (after report_error with the reason) to decline a
     * partition the plugin took node by node but does not want as a whole (too small to be worth a
     * transfer, too large for the device, ...). The host then hands its nodes to the next delegate
     * in priority order that took them, records the reason in the plan, and may call
     * create_partition again with other node sets. Any other failure falls back the same way, with a
     * warning; a node no other delegate takes makes the interpreter fail, naming every reason.
     */
    LiteStatus (*create_partition)(LiteDelegate *delegate, const LiteGraph *graph,
                                   const int32_t *node_indices, int32_t node_count,
                                   const int32_t *input_tensors, int32_t input_count,
                                   const int32_t *output_tensors, int32_t output_count,
                                   LitePartition **out_partition);

    /**
     * Prepare for the shapes in `graph` (compile kernels, allocate device memory). Called before the
     * first invoke and again after any input resize. The graph is valid only during the call.
     */
    LiteStatus (*prepare_partition)(LitePartition *partition, const LiteGraph *graph);

    /**
     * Run the partition. inputs[i]/outputs[i]: host buffers for the partition's i-th input/output
     * tensor, with their byte sizes; they may change between invokes and are valid only during the
     * call. Output buffers are written completely.
     */
    LiteStatus (*invoke_partition)(LitePartition *partition, const void *const *inputs,
                                   const size_t *input_sizes, void *const *outputs,
                                   const size_t *output_sizes);

    void (*destroy_partition)(LitePartition *partition);

    /* Since 1.2. */

    /**
     * Optional. Describe what a prepared partition became, for diagnostics. The host zero-fills
     * `info` and sets info->struct_size; the plugin fills the fields that fit (LITE_FIELD_FITS) and
     * leaves the others zero. Called only after a successful prepare_partition.
     */
    LiteStatus (*describe_partition)(LitePartition *partition, LitePartitionInfo *info);

    /**
     * Optional; when present, hosts call it instead of query_device. The host zero-fills `info` and
     * sets info->struct_size; the plugin fills what fits and returns OK, or
     * LITE_STATUS_DEVICE_UNAVAILABLE with the reason in info->description.
     */
    LiteStatus (*query_device_info)(LiteDeviceInfo *info);
} LiteBackend;


/** What the entry function returns: static data owned by the plugin, valid until dlclose. */
typedef struct LitePluginLibrary {
    size_t struct_size;
    uint32_t abi_version_major; /**< LITE_ABI_VERSION_MAJOR the plugin was built with. */
    uint32_t abi_version_minor;
    uint32_t backend_count;
    const LiteBackend *const *backends;
} LitePluginLibrary;

/**
 * The entry point, exported as LITE_PLUGIN_ENTRY_SYMBOL. Returns the library table, or NULL with a
 * NUL-terminated reason in `reason` (capacity bytes) — e.g. when host_abi_major differs from the
 * plugin's. `services` (logging only; no error context yet) stays valid until the host unloads the
 * library.
 */
typedef const LitePluginLibrary *(*LitePluginEntryFn)(uint32_t host_abi_major,
                                                      uint32_t host_abi_minor,
                                                      const LiteHostServices *services,
                                                      char *reason, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* LITE_DELEGATE_H */
