/*
 * lite.h — the Lite interpreter's C API, for host applications (C, C++, and the Python package).
 *
 * One shared library, liblite.so, exports it. It loads a TensorFlow Lite model, chooses delegate
 * plugins (liblite_delegate_NAME.so, found in liblite.so's own folder, in LITE_DELEGATE_PATH, or
 * named by path), partitions the graph between them and runs it. Behaviour is the Swift API's and the
 * `lite` command line's: the same delegates, options, partitions and one-line error messages.
 *
 *   LiteModel *model;            lite_model_create_from_file("m.tflite", &model);
 *   LiteInterpreter *interp;     lite_interpreter_create(model, NULL, &interp);
 *   lite_interpreter_allocate_tensors(interp);
 *   LiteTensor *in = lite_interpreter_input(interp, 0);
 *   lite_tensor_copy_from(in, pixels, sizeof pixels);
 *   lite_interpreter_invoke(interp);
 *   lite_tensor_copy_to(lite_interpreter_output(interp, 0), scores, sizeof scores);
 *   lite_interpreter_delete(interp); lite_model_delete(model);
 *
 * Errors: every call that can fail returns a LiteResult. The message of the last failure (one line,
 * no trailing newline) is lite_interpreter_last_error() for calls on an interpreter or its tensors,
 * and lite_last_error() for any call on the calling thread (the only way to read why a create
 * call failed). No input, however malformed, makes the library abort; a NULL handle where one is
 * required returns LITE_RESULT_INVALID_ARGUMENT.
 *
 * Threads: one interpreter (and its tensors) must not be used from two threads at once; separate
 * interpreters may run on separate threads at once, from one model or several. A LiteModel is
 * read-only after creation and may be shared by interpreters on several threads.
 *
 * Compatibility rules:
 *  - LITE_API_VERSION_MAJOR changes only when an existing function's meaning or signature changes;
 *    a program built against one major version needs a library of the same major version
 *    (lite_api_version() says which one is loaded).
 *  - Minor versions only add functions and enum values; a program built against minor N runs on a
 *    library of minor N or later. Each function says the version it appeared in (\since).
 *  - Enums have explicit values and a _MAX_ENUM member that keeps them 32 bits wide; an unknown
 *    LiteResult value is an error.
 *  - Handles are opaque: their layout is not part of the API.
 *
 * Changelog:
 *  1.0  Models from a file or a buffer, options (delegates, per-delegate options, precision,
 *       threads), allocate/resize/invoke, tensors (name, type, shape, in-place data, copies),
 *       the partition plan, warnings, the delegates found, PNG/JPEG images into inputs,
 *       per-invoke profiles.
 */
#ifndef LITE_H
#define LITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LITE_API_VERSION_MAJOR 1
#define LITE_API_VERSION_MINOR 0

#if defined(_WIN32)
#define LITE_API __declspec(dllimport)
#else
#define LITE_API __attribute__((visibility("default")))
#endif

/** What a call returned. LITE_RESULT_OK is 0; every other value is a failure with a message. */
typedef enum LiteResult {
    LITE_RESULT_OK = 0,
    /** A NULL handle, an index out of range, a wrong size or shape, an unknown option value. */
    LITE_RESULT_INVALID_ARGUMENT = 1,
    /** The model file could not be read, or is not a valid or supported TFLite model. */
    LITE_RESULT_MODEL_ERROR = 2,
    /** A delegate plugin could not be found, opened or initialised, or a plugin call failed. */
    LITE_RESULT_DELEGATE_ERROR = 3,
    /** No delegate takes one of the model's nodes (the message names the node and the reasons). */
    LITE_RESULT_UNSUPPORTED_NODE = 4,
    /** The call needs lite_interpreter_allocate_tensors() first (or again, after a resize). */
    LITE_RESULT_NOT_ALLOCATED = 5,
    /** A shape could not be computed, e.g. after resizing an input. */
    LITE_RESULT_SHAPE_ERROR = 6,
    /** Any other failure. */
    LITE_RESULT_ERROR = 7,
    LITE_RESULT_MAX_ENUM = 0x7fffffff
} LiteResult;

/** Element types; the values are TensorFlow Lite's TfLiteType codes. */
typedef enum LiteElementType {
    LITE_ELEMENT_UNKNOWN = 0,
    LITE_ELEMENT_FLOAT32 = 1,
    LITE_ELEMENT_INT32 = 2,
    LITE_ELEMENT_INT64 = 4,
    LITE_ELEMENT_BOOL = 6,
    LITE_ELEMENT_FLOAT16 = 10,
    LITE_ELEMENT_MAX_ENUM = 0x7fffffff
} LiteElementType;

typedef struct LiteModel LiteModel;
typedef struct LiteInterpreterOptions LiteInterpreterOptions;
typedef struct LiteInterpreter LiteInterpreter;
/** A model input or output of one interpreter; valid as long as that interpreter. */
typedef struct LiteTensor LiteTensor;

/* ---- Version and errors ------------------------------------------------------------------- */

/** (LITE_API_VERSION_MAJOR << 16) | LITE_API_VERSION_MINOR of the loaded library. \since 1.0 */
LITE_API uint32_t lite_api_version(void);

/** The message of the last failed call on this thread ("" if none); valid until the thread's next
 *  failing call. \since 1.0 */
LITE_API const char *lite_last_error(void);

/** A static name for `result`, e.g. "LITE_RESULT_MODEL_ERROR". \since 1.0 */
LITE_API const char *lite_result_name(LiteResult result);

/* ---- Models ------------------------------------------------------------------------------- */

/** Reads, parses and validates the .tflite file at `path`. On failure *model is NULL. \since 1.0 */
LITE_API LiteResult lite_model_create_from_file(const char *path, LiteModel **model);

/** Parses the model held in `data` (`size` bytes). The model copies what it needs: the caller may
 *  free or reuse the buffer as soon as the call returns. On failure *model is NULL. \since 1.0 */
LITE_API LiteResult lite_model_create_from_buffer(const void *data, size_t size, LiteModel **model);

/** Frees a model (NULL is ignored). Interpreters created from it stay valid. \since 1.0 */
LITE_API void lite_model_delete(LiteModel *model);

/* ---- Interpreter options ------------------------------------------------------------------ */

/** New options: delegates from LITE_DELEGATES or the defaults, fp32, the delegates' own thread
 *  counts. Never NULL except when memory runs out. \since 1.0 */
LITE_API LiteInterpreterOptions *lite_interpreter_options_create(void);

/** Frees options (NULL is ignored). \since 1.0 */
LITE_API void lite_interpreter_options_delete(LiteInterpreterOptions *options);

/** Appends a delegate to use, in priority order: a backend name ("cpu", "vulkan", "gles") or a
 *  plugin path (containing '/'). Once any is added, only the added ones are used, as with
 *  LITE_DELEGATES=a,b. \since 1.0 */
LITE_API LiteResult lite_interpreter_options_add_delegate(LiteInterpreterOptions *options, const char *delegate);

/** Sets a delegate option: "KEY" goes to every delegate, "NAME.KEY" to delegate NAME only (as
 *  `lite run --option`). Setting a key again replaces its value. \since 1.0 */
LITE_API LiteResult lite_interpreter_options_set_delegate_option(
    LiteInterpreterOptions *options, const char *key, const char *value);

/** "fp32" (default) or "fp16": the precision GPU delegates may use (a delegate that does not
 *  support fp16 runs fp32). Other values: LITE_RESULT_INVALID_ARGUMENT. \since 1.0 */
LITE_API LiteResult lite_interpreter_options_set_precision(LiteInterpreterOptions *options, const char *precision);

/** Threads for delegates that use them (> 0), or 0 for each delegate's default. \since 1.0 */
LITE_API LiteResult lite_interpreter_options_set_num_threads(LiteInterpreterOptions *options, int32_t threads);

/** Non-zero: profile every invoke (see lite_interpreter_profile_json). \since 1.0 */
LITE_API LiteResult lite_interpreter_options_set_profiling(LiteInterpreterOptions *options, int32_t enabled);

/* ---- Interpreter -------------------------------------------------------------------------- */

/** Opens the delegates and plans the partitions for `model`. `options` may be NULL (defaults) and
 *  may be freed after the call. On failure *interpreter is NULL and lite_last_error() says why.
 *  \since 1.0 */
LITE_API LiteResult lite_interpreter_create(
    const LiteModel *model, const LiteInterpreterOptions *options, LiteInterpreter **interpreter);

/** Frees an interpreter, its tensors and its delegates' partitions (NULL is ignored). \since 1.0 */
LITE_API void lite_interpreter_delete(LiteInterpreter *interpreter);

/** The message of the last failed call on this interpreter or its tensors ("" if none); valid until
 *  the next call on the interpreter. NULL gives "". \since 1.0 */
LITE_API const char *lite_interpreter_last_error(const LiteInterpreter *interpreter);

/** Model input and output counts (0 for NULL). \since 1.0 */
LITE_API int32_t lite_interpreter_input_count(const LiteInterpreter *interpreter);
LITE_API int32_t lite_interpreter_output_count(const LiteInterpreter *interpreter);

/** Input / output `index`, or NULL when out of range (the interpreter's last error says so).
 *  \since 1.0 */
LITE_API LiteTensor *lite_interpreter_input(LiteInterpreter *interpreter, int32_t index);
LITE_API LiteTensor *lite_interpreter_output(LiteInterpreter *interpreter, int32_t index);

/** Gives input `index` a new shape (`rank` extents, each > 0); takes effect at the next
 *  lite_interpreter_allocate_tensors(), which must come before the next invoke. \since 1.0 */
LITE_API LiteResult lite_interpreter_resize_input(
    LiteInterpreter *interpreter, int32_t index, const int32_t *dims, int32_t rank);

/** Computes shapes, allocates tensors and prepares every partition. Data pointers from before are
 *  invalid afterwards; input contents are zero. \since 1.0 */
LITE_API LiteResult lite_interpreter_allocate_tensors(LiteInterpreter *interpreter);

/** Runs the model on the current inputs. \since 1.0 */
LITE_API LiteResult lite_interpreter_invoke(LiteInterpreter *interpreter);

/** The partition plan: how many partitions, and for each its delegate's name and its nodes (indices
 *  into the model's operators after load-time optimisation). Out-of-range arguments give 0 / NULL.
 *  Strings are valid as long as the interpreter. \since 1.0 */
LITE_API int32_t lite_interpreter_partition_count(const LiteInterpreter *interpreter);
LITE_API const char *lite_interpreter_partition_delegate(const LiteInterpreter *interpreter, int32_t partition);
LITE_API int32_t lite_interpreter_partition_node_count(const LiteInterpreter *interpreter, int32_t partition);
LITE_API int32_t lite_interpreter_partition_node(const LiteInterpreter *interpreter, int32_t partition, int32_t i);

/** The whole plan as one JSON object: "delegates" in priority order (name, library, precision: null
 *  when the delegate does not offer the one asked for, min_partition_nodes, max_partitions: null for
 *  no limit), "partitions" (delegate, nodes, inputs, outputs), "nodes" (node, operator, delegate, and
 *  "declined": the delegates that declined it, each with delegate and reason), "rejections"
 *  (partitions passed on to another delegate: delegate, nodes, cause "policy" or "refused", reason),
 *  "notes" and "warnings". `lite inspect --json` holds the same keys, its partitions also with what
 *  their delegates made of them (summary, dispatches, kernels, device_bytes). Valid as long as the
 *  interpreter. \since 1.0 */
LITE_API const char *lite_interpreter_plan_json(const LiteInterpreter *interpreter);

/** The last invoke's profile, when the options asked for profiling, as one JSON object:
 *  "duration_ns" and "events", each with "kind" ("partition": a partition's call as the host timed
 *  it; "kernel": what its delegate reported; "host": the host's work between partitions), "name",
 *  "delegate", "partition", "nodes", "on_device", "start_ns" (since the invoke began) and
 *  "duration_ns". "{}" before the first profiled invoke. Valid until the next call on the
 *  interpreter. \since 1.0 */
LITE_API const char *lite_interpreter_profile_json(LiteInterpreter *interpreter);

/** Warnings from choosing and using delegates (skipped plugins, failed partitions, ...). \since 1.0 */
LITE_API int32_t lite_interpreter_warning_count(const LiteInterpreter *interpreter);
LITE_API const char *lite_interpreter_warning(const LiteInterpreter *interpreter, int32_t index);

/* ---- Tensors ------------------------------------------------------------------------------ */

/** The tensor's name in the model ("" for NULL). \since 1.0 */
LITE_API const char *lite_tensor_name(const LiteTensor *tensor);
/** Its index in the model's tensor table (TFLite's tensor index), or -1 for NULL. \since 1.0 */
LITE_API int32_t lite_tensor_index(const LiteTensor *tensor);
/** Its element type. \since 1.0 */
LITE_API LiteElementType lite_tensor_type(const LiteTensor *tensor);
/** Its current rank, and extent `i` (0 when out of range); a resize shows after allocation. \since 1.0 */
LITE_API int32_t lite_tensor_rank(const LiteTensor *tensor);
LITE_API int32_t lite_tensor_dim(const LiteTensor *tensor, int32_t i);
/** Its size in bytes at the current shape. \since 1.0 */
LITE_API size_t lite_tensor_byte_size(const LiteTensor *tensor);

/** The tensor's bytes in place: inputs may be written before invoke, outputs read after it. NULL
 *  before lite_interpreter_allocate_tensors(); invalid after the next allocation or resize. An
 *  output that is a constant of the model points at read-only data. \since 1.0 */
LITE_API void *lite_tensor_data(LiteTensor *tensor);

/** Copies `size` bytes into an input tensor / out of a tensor; `size` must equal its byte size.
 *  \since 1.0 */
LITE_API LiteResult lite_tensor_copy_from(LiteTensor *tensor, const void *data, size_t size);
LITE_API LiteResult lite_tensor_copy_to(const LiteTensor *tensor, void *data, size_t size);

/** Decodes the PNG or JPEG file at `path`, resizes it bilinearly to the input's height and width and
 *  stores (value - mean) / std, per channel, into a float32 input of shape [1, height, width, 1 or 3]
 *  (grayscale or RGB). mean 0, std 255 gives [0, 1]; mean 127.5, std 127.5 gives [-1, 1]. Needs
 *  allocated tensors. \since 1.0 */
LITE_API LiteResult lite_tensor_set_image(LiteTensor *tensor, const char *path, float mean, float std);

/* ---- Delegates ---------------------------------------------------------------------------- */

/** Every delegate plugin found, as the JSON object `lite delegates --json` prints: "search_path" (the
 *  folders searched) and "plugins" (each with "path", "error" when it did not load, and "backends":
 *  name, kind, version, ABI version, operators, "available" with "device" or "unavailable_reason").
 *  Valid until the calling thread's next call of this function. \since 1.0 */
LITE_API const char *lite_delegates_json(void);

#ifdef __cplusplus
}
#endif

#endif /* LITE_H */
