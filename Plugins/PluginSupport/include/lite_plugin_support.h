/*
 * lite_plugin_support.h — helpers every delegate plugin of this repository needs in the same form:
 * reporting through the host's services, claim-check helpers, graph validation and the library
 * entry. A static library compiled into each plugin; it depends on the ABI header only, never on
 * the host. (Examples/SampleDelegate does not use it: it shows a plugin built from the header alone.)
 *
 * Every symbol starts with lps_ and has hidden visibility, so a plugin's dynamic symbol table still
 * lists only its lite_plugin_entry.
 */
#ifndef LITE_PLUGIN_SUPPORT_H
#define LITE_PLUGIN_SUPPORT_H

/* System headers come first: the visibility pragma below must not apply to libc declarations. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lite_delegate.h"

#pragma GCC visibility push(hidden)

/* ---------------------------------------------------------------------------------------------- */
/* Reporting through the host's services (report.c)                                               */
/* ---------------------------------------------------------------------------------------------- */

/** Formats a message into `message` (`capacity` bytes, truncated to fit) and passes it to the
    host's report_error when `services` has one (a table too small to hold the field has none).
    `services` may be NULL. Returns `status`. */
LiteStatus lps_report_error(const LiteHostServices *services, LiteStatus status, char *message,
                            size_t capacity, const char *format, va_list args)
    __attribute__((format(printf, 5, 0)));

/** Formats a message into `message` and passes it to the host's log when `services` has one;
    formats nothing when it has none. `services` may be NULL. */
void lps_log(const LiteHostServices *services, LiteLogLevel level, char *message, size_t capacity,
             const char *format, va_list args) __attribute__((format(printf, 5, 0)));

/** The longest message lps_fail and lps_logf pass on (longer ones are cut): room for a driver's or
    validation layer's text behind the plugin's own. */
#define LPS_MESSAGE_CAPACITY 1536

/** lps_report_error with its own message buffer, for a plugin's fail-and-return wrappers. */
LiteStatus lps_fail(const LiteHostServices *services, LiteStatus status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/** lps_log with its own message buffer. */
void lps_logf(const LiteHostServices *services, LiteLogLevel level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------------------------------------- */
/* Profile events (profile.c)                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/** Whether the host's table has profile_event (ABI 1.3): a delegate created with profile=1 reports
    events only then. */
bool lps_profile_available(const LiteHostServices *services);

/** Nanoseconds of CLOCK_MONOTONIC, the clock of LITE_PROFILE_CLOCK_HOST events. */
uint64_t lps_now_ns(void);

/** Reports one event (`nodes` NULL with count 0 for the partition's own work); `services` must have
    profile_event (lps_profile_available). */
void lps_profile_event(const LiteHostServices *services, const char *name, const int32_t *nodes, int32_t node_count,
                       LiteProfileClock clock, uint64_t start_ns, uint64_t duration_ns);

/* ---------------------------------------------------------------------------------------------- */
/* Claim checks and graph validation (check.c)                                                    */
/* ---------------------------------------------------------------------------------------------- */

/** What an operator's claim check sees: the host graph during claim_nodes or create_partition, and
    the node being decided. */
typedef struct LpsCheckContext {
    const LiteGraph *graph;
    const LiteNode *node;
} LpsCheckContext;

/** Formats into a reason buffer and returns false (for check functions). */
bool lps_decline(char *reason, size_t capacity, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/** TFLite's names ("FLOAT32", "RELU6"), or "UNKNOWN". */
const char *lps_type_name(LiteDataType type);
const char *lps_activation_name(LiteActivation activation);

/** Tensor `index` of the graph, or NULL when the index is out of range (-1: an absent input). */
const LiteTensor *lps_graph_tensor(const LiteGraph *graph, int32_t index);
/** The graph tensor for input/output slot `slot` of the node in `context`, or NULL if absent. */
const LiteTensor *lps_check_input(const LpsCheckContext *context, int32_t slot);
const LiteTensor *lps_check_output(const LpsCheckContext *context, int32_t slot);

/** True if tensor `tensor_index` is the output of a DEQUANTIZE of a constant float16 tensor: how a
    float16 model stores its weights (the plugins fold it at prepare, so it counts as a constant). */
bool lps_is_dequantized_fp16_constant(const LiteGraph *graph, int32_t tensor_index);

/** Input count in min_inputs..max_inputs, exactly `outputs` outputs, every tensor index in range
    (-1 allowed for an absent input) and no constant output; else a reason and false. */
bool lps_check_io(const LpsCheckContext *context, int32_t min_inputs, int32_t max_inputs,
                  int32_t outputs, char *reason, size_t capacity);

/** STRIDED_SLICE on one axis of `size` elements, as TFLite's reference resolves it
    (StridedSliceStartForAxis / StridedSliceEndForAxis): `begin` and `end` (negative counts from the
    end, `end` relative to the start when `offset`) clamped for the stride's direction, masked axes
    taking everything, a shrunk axis one element. Sets *start and *stop; returns the element count.
    `stride` must not be 0. */
int32_t lps_slice_axis(int32_t size, int32_t stride, int32_t begin, int32_t end, bool begin_masked,
                       bool end_masked, bool shrink, bool offset, int32_t *start, int32_t *stop);

/** Where TRANSPOSE_CONV (output_shape, weights, input, optional bias) and MediaPipe's
    Convolution2DTransposeBias (LITE_OP_CUSTOM: input, weights, bias) keep their tensors: node
    input slots. */
typedef struct LpsTransposeConvSlots {
    int32_t input, weights, bias;
    bool custom; /**< Convolution2DTransposeBias: MediaPipe's padding, no activation, bias required. */
} LpsTransposeConvSlots;

LpsTransposeConvSlots lps_transpose_conv_slots(int32_t builtin_code);

/** A padding TFLite defines (SAME or VALID); else "unknown padding N" and false. */
bool lps_check_padding(LitePadding padding, char *reason, size_t capacity);

/** A convolution window's padding (lps_check_padding), and strides and dilations of at least 1
    ("non-positive stride or dilation"). */
bool lps_check_conv_window(LitePadding padding, int32_t stride_height, int32_t stride_width,
                           int32_t dilation_height, int32_t dilation_width, char *reason, size_t capacity);

/** One spatial axis of a convolution or pool window whose arithmetic fits in int32: `in` the input
    extent (any padding folded into the node included, hence 64 bits), `out` the output extent,
    `kernel`, `stride` and `dilation` at least 1, and (out - 1)·stride + (kernel - 1)·dilation + 1
    + stride + in <= INT32_MAX, computed in 64 bits. Every position, padding and rounded-up
    division by the stride that the kernels form in int32 is bounded by a sum of at most two of
    those terms, so none overflows. For TRANSPOSE_CONV pass the convolution it inverts: `in` its
    output extent, `out` its input extent. Else "window along AXIS too large (...)" and false. */
bool lps_check_window_axis(const char *axis, int64_t in, int32_t out, int32_t kernel, int32_t stride,
                           int32_t dilation, char *reason, size_t capacity);

/** lps_check_window_axis along height and width of NHWC tensors (dims 1 and 2): `in`'s extents
    are the window's input, `out`'s its output. */
bool lps_check_window_2d(const LiteTensor *in, const LiteTensor *out, int32_t kernel_h, int32_t kernel_w,
                         int32_t stride_h, int32_t stride_w, int32_t dilation_h, int32_t dilation_w,
                         char *reason, size_t capacity);

/** CONV_2D's and DEPTHWISE_CONV_2D's window: lps_check_conv_window, then lps_check_window_2d
    from `in` to `out` with the kernel extents of `weights` (dims 1 and 2 of OHWI and [1, H, W, C]). */
bool lps_check_conv_geometry(LitePadding padding, const LiteTensor *in, const LiteTensor *weights,
                             const LiteTensor *out, int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                             int32_t dilation_w, char *reason, size_t capacity);

/** AVERAGE_POOL_2D's and MAX_POOL_2D's window (lps_check_padding; strides and filter sizes of at
    least 1; lps_check_window_2d) and shapes (4-D, the output's batch and channels those of the
    input). */
bool lps_check_pool(const LitePool2DParams *params, const LiteTensor *in, const LiteTensor *out,
                    char *reason, size_t capacity);

/** TRANSPOSE_CONV's and Convolution2DTransposeBias's shapes and window (NHWC input and output,
    OHWI weights): as many filter as input channels, the output's channels and batch those of the
    weights and input ("shapes of input, weights and output disagree"), lps_check_padding, strides
    of at least 1 ("non-positive stride"), and lps_check_window_2d of the convolution the node
    inverts (from `out` to `in`, dilation 1). */
bool lps_check_transpose_conv_geometry(const LiteTransposeConvParams *params, const LiteTensor *in,
                                       const LiteTensor *weights, const LiteTensor *out, char *reason,
                                       size_t capacity);

/** CONV_2D's shapes (NHWC input and output, OHWI weights): as many filter as input channels, the
    output's channels and batch those of the weights and input. */
bool lps_check_conv_shapes(const LiteTensor *in, const LiteTensor *weights, const LiteTensor *out,
                           char *reason, size_t capacity);

/** DEPTHWISE_CONV_2D's channels (weights [1, H, W, channels]): input channels times the depth
    multiplier equal to the weights', and the output's channels and batch those of the weights and
    input. */
bool lps_check_depthwise_channels(const LiteTensor *in, const LiteTensor *weights, const LiteTensor *out,
                                  int32_t depth_multiplier, char *reason, size_t capacity);

/** One CONCATENATION input against the output: the same rank, the same extents off `axis`
    ("input ranks differ", "input shapes differ off the axis"). */
bool lps_check_concat_input(const LiteTensor *in, const LiteTensor *out, int32_t axis, char *reason,
                            size_t capacity);

/** DEPTH_TO_SPACE's shapes (4-D NHWC): block_size at least 1, and the output the input's batch,
    height and width times block_size, channels divided by block_size². */
bool lps_check_depth_to_space(int32_t block_size, const LiteTensor *in, const LiteTensor *out, char *reason,
                              size_t capacity);

/** Checks the graph's struct sizes and arrays before anything reads them: every struct at least as
    large as the fields a plugin reads and not absurdly large, counts not negative, arrays present.
    Writes a message ("tensor 3 is malformed") and returns false when malformed. */
bool lps_validate_graph(const LiteGraph *graph, char *error, size_t capacity);

/* ---------------------------------------------------------------------------------------------- */
/* Operator registries (registry.c): lookup, claim decision and capability report                 */
/* ---------------------------------------------------------------------------------------------- */

/** Size of the reason buffers of claim decisions (lps_registry_claim writes at most this much). */
#define LPS_REASON_CAPACITY 160

/** What the shared registry code reads of an operator descriptor. Each plugin keeps its own
    descriptor type (CpuOp, GpuOp: these members, named alike, plus its kernels), so descriptors
    stay plain designated initializers; LPS_DEFINE_REGISTRY writes the one function that reads them. */
typedef struct LpsOperatorIdentity {
    int32_t builtin_code;    /**< TFLite's BuiltinOperator value (LITE_OP_CUSTOM for a custom operator). */
    const char *custom_name; /**< For a custom operator; else NULL. */
    const char *name;        /**< For messages: "CONV_2D". */
    int32_t min_version;
    int32_t max_version;
    size_t params_size;      /**< Size of the params struct the node must carry (0: none needed). */
    /** True if the node can run; else writes a one-line reason. Params are already validated. */
    bool (*check)(const LpsCheckContext *context, char *reason, size_t capacity);
} LpsOperatorIdentity;

/** A plugin's operator table, defined with LPS_DEFINE_REGISTRY. The report fields are filled on
    first use (lps_registry_supported); nothing else writes a registry. */
typedef struct LpsRegistry {
    const void *const *operators; /**< The plugin's descriptors; a missing entry means "not claimed". */
    size_t count;
    LpsOperatorIdentity (*identity)(const void *op);
    /** Nodes with more inputs are declined ("at most N"); 0: no limit. */
    int32_t max_inputs;
    LiteOperatorSupport *supported; /**< Storage for `count` entries. */
    const char **custom_names;      /**< Storage for `count` entries. */
    pthread_mutex_t lock;
    bool built;
    size_t supported_count, custom_count;
} LpsRegistry;

/** Defines `LpsRegistry NAME` over OPERATORS, a static array of `const void *` pointing at
    descriptors of type TYPE (which name the members of LpsOperatorIdentity alike), declining nodes
    with more than MAX_INPUTS inputs (0: no limit). Declare NAME in the plugin's internal header. */
#define LPS_DEFINE_REGISTRY(NAME, TYPE, OPERATORS, MAX_INPUTS)                                     \
    static LpsOperatorIdentity NAME##_identity(const void *op) {                                   \
        const TYPE *descriptor = op;                                                               \
        return (LpsOperatorIdentity){                                                              \
            .builtin_code = descriptor->builtin_code, .custom_name = descriptor->custom_name,     \
            .name = descriptor->name, .min_version = descriptor->min_version,                      \
            .max_version = descriptor->max_version, .params_size = descriptor->params_size,        \
            .check = descriptor->check,                                                            \
        };                                                                                         \
    }                                                                                              \
    static LiteOperatorSupport NAME##_supported[sizeof(OPERATORS) / sizeof(OPERATORS[0])];        \
    static const char *NAME##_custom_names[sizeof(OPERATORS) / sizeof(OPERATORS[0])];             \
    LpsRegistry NAME = {                                                                           \
        .operators = OPERATORS,                                                                    \
        .count = sizeof(OPERATORS) / sizeof(OPERATORS[0]),                                         \
        .identity = NAME##_identity,                                                               \
        .max_inputs = MAX_INPUTS,                                                                  \
        .supported = NAME##_supported,                                                             \
        .custom_names = NAME##_custom_names,                                                       \
        .lock = PTHREAD_MUTEX_INITIALIZER,                                                         \
    }

/** The schema name of `builtin_code` (lite_builtin_operator_name), or "builtin operator N" written
    into `buffer` for a code the table does not know. */
const char *lps_builtin_name(int32_t builtin_code, char *buffer, size_t capacity);

/** The descriptor for a builtin code (custom operators: by name), or NULL when there is none. */
const void *lps_registry_find(const LpsRegistry *registry, int32_t builtin_code, const char *custom_name);

/** The claim decision for node `node_index` of `graph`: an operator in the registry, its version
    in range, params at least params_size, at most max_inputs inputs, then the operator's own check
    (its reason prefixed with the operator's name unless it starts with it). Sets *out_op to the
    descriptor found (NULL when none); false with a one-line reason when declined. */
bool lps_registry_claim(const LpsRegistry *registry, const LiteGraph *graph, int32_t node_index,
                        const void **out_op, char *reason, size_t capacity);

/** The capability report: one entry per builtin operator of the registry, in table order. */
const LiteOperatorSupport *lps_registry_supported(LpsRegistry *registry, size_t *count);
/** The custom operators' names, in table order. */
const char *const *lps_registry_custom_names(LpsRegistry *registry, size_t *count);

/* ---------------------------------------------------------------------------------------------- */
/* The library entry (entry.c)                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/** The body of a plugin's lite_plugin_entry, for a library of one backend whose operators are
    `registry`'s: refuses a host whose ABI major version differs from the plugin's, writing "NAME
    delegate plugin: host ABI version ... (major versions differ)" (NAME the backend's name) into
    `reason` (when not NULL) and returning NULL; otherwise, on the first call, completes the
    backend's capability report from the registry (operators, custom operators) and returns the
    library. The library table lives here: PluginSupport is compiled into each plugin, so each has
    its own. */
const LitePluginLibrary *lps_plugin_entry(LiteBackend *backend, LpsRegistry *registry, uint32_t host_major,
                                          uint32_t host_minor, char *reason, size_t capacity);

/** Defines the plugin's lite_plugin_entry, the one symbol it exports (LITE_PLUGIN_ENTRY_SYMBOL),
    over lps_plugin_entry with BACKEND (a LiteBackend) and REGISTRY (an LpsRegistry), and checks the
    definition against the ABI's LitePluginEntryFn type. The library needs no host service at load
    time. */
#define LPS_DEFINE_PLUGIN_ENTRY(BACKEND, REGISTRY)                                                 \
    LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(                                 \
        uint32_t host_abi_major, uint32_t host_abi_minor, const LiteHostServices *services, char *reason, \
        size_t capacity) {                                                                         \
        (void)services;                                                                            \
        return lps_plugin_entry(&(BACKEND), &(REGISTRY), host_abi_major, host_abi_minor, reason, capacity); \
    }                                                                                              \
    static const LitePluginEntryFn lps_entry_type_check __attribute__((unused)) = lite_plugin_entry

/* ---------------------------------------------------------------------------------------------- */
/* Memory planning (numeric.c)                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/** A tensor's lifetime [first, last] (in steps of the plan) and size, and the offset placed for it. */
typedef struct LpsInterval {
    int32_t tensor;
    int32_t first, last;
    size_t bytes, offset;
} LpsInterval;

/** Places the intervals in the order given (the caller sorts them, largest first), each at the
    lowest offset that does not collide with an already placed one whose lifetime overlaps; sets
    each `offset` and returns the bytes the placement spans. */
size_t lps_place_intervals(LpsInterval *intervals, int32_t count);

/* ---------------------------------------------------------------------------------------------- */
/* Arithmetic the kernels share (numeric.c)                                                       */
/* ---------------------------------------------------------------------------------------------- */

/** TFLite's padding rule: total = max((out-1)*stride + (k-1)*dilation + 1 - in, 0); before = total/2. */
int32_t lps_padding_before(int32_t in, int32_t out, int32_t stride, int32_t kernel, int32_t dilation);

/** The leading padding of TRANSPOSE_CONV along one axis under SAME padding, with `in` its input
    and `out` its output extent. TFLite pads as if convolving the output: lps_padding_before(out,
    ceil(out / stride), stride, kernel, 1). MediaPipe's Convolution2DTransposeBias (`mediapipe`):
    total = max(0, kernel - (in - 1) % stride - 1), before = total / 2. `stride` at least 1. */
int32_t lps_transpose_conv_padding_before(bool mediapipe, int32_t in, int32_t out, int32_t stride,
                                          int32_t kernel);

/** An IEEE half (float16 weights in a model file) as a float, exactly: subnormals, signed zeros,
    infinities and NaN payloads included. */
float lps_half_to_float(uint16_t half);

/* ---------------------------------------------------------------------------------------------- */
/* Option values (options.c): one reading of every option's text for all plugins                  */
/* ---------------------------------------------------------------------------------------------- */

/** A decimal integer in [min, max], the whole text (no sign-only, no trailing characters). */
bool lps_parse_int(const char *text, long min, long max, long *value);

/** A boolean: 1/0, true/false, yes/no, on/off (any case). False for anything else, `value` untouched. */
bool lps_parse_bool(const char *text, bool *value);

#pragma GCC visibility pop

#endif /* LITE_PLUGIN_SUPPORT_H */
