/*
 * The C API's own test: error paths (missing file, malformed model, NULL handles, bad delegate and
 * option values, wrong sizes and indices, calls in the wrong order), the same outputs from a file
 * and from a buffer, in-place data against copies, a resize, and two interpreters on two threads
 * giving the single-threaded outputs bit for bit.
 *
 *   capi_test MODEL [DELEGATE]      (built and run by scripts/test/c_api.sh)
 */
#include <lite.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static const char *delegate;

static LiteInterpreterOptions *make_options(void) {
    LiteInterpreterOptions *options = lite_interpreter_options_create();
    if (delegate) lite_interpreter_options_add_delegate(options, delegate);
    return options;
}

static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    void *data = malloc(*size);
    if (fread(data, 1, *size, f) != *size) { free(data); data = NULL; }
    fclose(f);
    return data;
}

/* A deterministic input pattern in [0, 1) for every float input. */
static void fill_inputs(LiteInterpreter *interp, int in_place) {
    for (int32_t i = 0; i < lite_interpreter_input_count(interp); i++) {
        LiteTensor *t = lite_interpreter_input(interp, i);
        size_t bytes = lite_tensor_byte_size(t);
        float *values = malloc(bytes);
        for (size_t k = 0; k < bytes / sizeof(float); k++) values[k] = (float)((k * 7919 + i * 13) % 1000) / 1000.0f;
        if (in_place) {
            void *data = lite_tensor_data(t);
            CHECK(data != NULL, "input %d has no data pointer after allocation", i);
            if (data) memcpy(data, values, bytes);
        } else {
            CHECK(lite_tensor_copy_from(t, values, bytes) == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
        }
        free(values);
    }
}

/* Runs the model once on the pattern; returns output 0's bytes (malloc'd), or NULL. */
static unsigned char *run_once(const LiteModel *model, int in_place, size_t *size) {
    LiteInterpreterOptions *options = make_options();
    LiteInterpreter *interp = NULL;
    LiteResult r = lite_interpreter_create(model, options, &interp);
    lite_interpreter_options_delete(options);
    CHECK(r == LITE_RESULT_OK, "create: %s", lite_last_error());
    if (r != LITE_RESULT_OK) return NULL;
    CHECK(lite_interpreter_allocate_tensors(interp) == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
    fill_inputs(interp, in_place);
    CHECK(lite_interpreter_invoke(interp) == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
    const LiteTensor *out = lite_interpreter_output(interp, 0);
    *size = lite_tensor_byte_size(out);
    unsigned char *bytes = malloc(*size);
    CHECK(lite_tensor_copy_to(out, bytes, *size) == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
    if (in_place) {
        const void *data = lite_tensor_data((LiteTensor *)out);
        CHECK(data && memcmp(data, bytes, *size) == 0, "output data pointer differs from its copy");
    }
    lite_interpreter_delete(interp);
    return bytes;
}

static void test_errors(const char *model_path) {
    LiteModel *model = (LiteModel *)1;
    CHECK(lite_model_create_from_file("/nonexistent/m.tflite", &model) == LITE_RESULT_MODEL_ERROR, "missing file");
    CHECK(model == NULL, "model not cleared on failure");
    CHECK(strstr(lite_last_error(), "/nonexistent/m.tflite") != NULL, "message names the file: %s", lite_last_error());
    CHECK(strchr(lite_last_error(), '\n') == NULL, "one-line message");

    unsigned char junk[256];
    for (int i = 0; i < 256; i++) junk[i] = (unsigned char)(i * 37);
    CHECK(lite_model_create_from_buffer(junk, sizeof junk, &model) == LITE_RESULT_MODEL_ERROR, "malformed buffer");
    memcpy(junk + 4, "TFL3", 4);
    CHECK(lite_model_create_from_buffer(junk, sizeof junk, &model) == LITE_RESULT_MODEL_ERROR, "malformed TFL3 buffer");
    CHECK(lite_model_create_from_buffer(junk, 0, &model) == LITE_RESULT_MODEL_ERROR, "empty buffer");
    CHECK(lite_model_create_from_buffer(NULL, 10, &model) == LITE_RESULT_INVALID_ARGUMENT, "NULL buffer");
    CHECK(lite_model_create_from_file(NULL, &model) == LITE_RESULT_INVALID_ARGUMENT, "NULL path");
    CHECK(lite_model_create_from_file(model_path, NULL) == LITE_RESULT_INVALID_ARGUMENT, "NULL out");

    LiteInterpreter *interp = (LiteInterpreter *)1;
    CHECK(lite_interpreter_create(NULL, NULL, &interp) == LITE_RESULT_INVALID_ARGUMENT && interp == NULL, "NULL model");
    CHECK(lite_interpreter_invoke(NULL) == LITE_RESULT_INVALID_ARGUMENT, "invoke NULL");
    CHECK(lite_interpreter_allocate_tensors(NULL) == LITE_RESULT_INVALID_ARGUMENT, "allocate NULL");
    CHECK(lite_interpreter_input(NULL, 0) == NULL, "input of NULL");
    CHECK(lite_tensor_copy_from(NULL, junk, 4) == LITE_RESULT_INVALID_ARGUMENT, "copy into NULL");
    CHECK(lite_tensor_byte_size(NULL) == 0 && lite_tensor_rank(NULL) == 0 && lite_tensor_data(NULL) == NULL, "NULL tensor");
    CHECK(strcmp(lite_interpreter_last_error(NULL), "") == 0, "last error of NULL");
    CHECK(strcmp(lite_result_name(LITE_RESULT_NOT_ALLOCATED), "LITE_RESULT_NOT_ALLOCATED") == 0, "result name");
    CHECK(strcmp(lite_result_name((LiteResult)1234), "LITE_RESULT_UNKNOWN") == 0, "unknown result name");

    LiteInterpreterOptions *options = lite_interpreter_options_create();
    CHECK(lite_interpreter_options_set_precision(options, "fp8") == LITE_RESULT_INVALID_ARGUMENT, "bad precision");
    CHECK(strstr(lite_last_error(), "fp8") != NULL, "%s", lite_last_error());
    CHECK(lite_interpreter_options_set_num_threads(options, -1) == LITE_RESULT_INVALID_ARGUMENT, "negative threads");
    CHECK(lite_interpreter_options_set_delegate_option(options, "", "1") == LITE_RESULT_INVALID_ARGUMENT, "empty key");
    CHECK(lite_interpreter_options_add_delegate(options, "") == LITE_RESULT_INVALID_ARGUMENT, "empty delegate");
    CHECK(lite_interpreter_options_add_delegate(NULL, "cpu") == LITE_RESULT_INVALID_ARGUMENT, "NULL options");
    CHECK(lite_interpreter_options_add_delegate(options, "no_such_delegate") == LITE_RESULT_OK, "add");

    CHECK(lite_model_create_from_file(model_path, &model) == LITE_RESULT_OK, "%s", lite_last_error());
    CHECK(lite_interpreter_create(model, options, &interp) == LITE_RESULT_DELEGATE_ERROR, "unknown delegate");
    CHECK(strstr(lite_last_error(), "no_such_delegate") != NULL, "%s", lite_last_error());
    lite_interpreter_options_delete(options);

    options = make_options();
    CHECK(lite_interpreter_create(model, options, &interp) == LITE_RESULT_OK, "%s", lite_last_error());
    lite_interpreter_options_delete(options);
    lite_model_delete(model); /* the interpreter keeps what it needs */
    CHECK(lite_interpreter_invoke(interp) == LITE_RESULT_NOT_ALLOCATED, "invoke before allocate");
    CHECK(strstr(lite_interpreter_last_error(interp), "allocateTensors") != NULL || strstr(lite_interpreter_last_error(interp), "allocate") != NULL,
          "%s", lite_interpreter_last_error(interp));
    LiteTensor *in = lite_interpreter_input(interp, 0);
    CHECK(lite_tensor_data(in) == NULL, "data before allocate");
    CHECK(lite_tensor_copy_from(in, junk, 4) == LITE_RESULT_NOT_ALLOCATED, "copy before allocate");
    CHECK(lite_interpreter_input(interp, 99) == NULL, "input 99");
    CHECK(strstr(lite_interpreter_last_error(interp), "out of range") != NULL, "%s", lite_interpreter_last_error(interp));
    CHECK(lite_interpreter_output(interp, -1) == NULL, "output -1");
    CHECK(lite_interpreter_allocate_tensors(interp) == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
    CHECK(lite_tensor_copy_from(in, junk, 3) == LITE_RESULT_INVALID_ARGUMENT, "wrong size");
    CHECK(strstr(lite_interpreter_last_error(interp), "expected") != NULL, "%s", lite_interpreter_last_error(interp));
    CHECK(lite_tensor_copy_from(lite_interpreter_output(interp, 0), junk, 4) == LITE_RESULT_INVALID_ARGUMENT, "write output");
    int32_t zero[4] = {1, 0, 3, 3};
    CHECK(lite_interpreter_resize_input(interp, 0, zero, 4) == LITE_RESULT_INVALID_ARGUMENT, "zero extent");
    CHECK(lite_interpreter_resize_input(interp, 0, NULL, 0) == LITE_RESULT_INVALID_ARGUMENT, "rank 0");
    CHECK(lite_interpreter_resize_input(interp, 5, zero, 4) == LITE_RESULT_INVALID_ARGUMENT, "resize input 5");
    CHECK(lite_interpreter_invoke(interp) == LITE_RESULT_OK, "invoke after failures: %s", lite_interpreter_last_error(interp));

    /* The plan. */
    int32_t partitions = lite_interpreter_partition_count(interp);
    CHECK(partitions >= 1, "partitions %d", partitions);
    CHECK(lite_interpreter_partition_delegate(interp, 0) != NULL, "partition 0 delegate");
    CHECK(lite_interpreter_partition_delegate(interp, partitions) == NULL, "partition out of range");
    CHECK(lite_interpreter_partition_node_count(interp, 0) > 0, "nodes");
    /* Every key lite.h documents for the plan's JSON (a partition's details are lite inspect's only). */
    const char *plan = lite_interpreter_plan_json(interp);
    static const char *const plan_keys[] = {
        "\"delegates\":[{", "\"library\":", "\"precision\":", "\"min_partition_nodes\":", "\"max_partitions\":",
        "\"partitions\":[{", "\"inputs\":", "\"outputs\":", "\"nodes\":[{", "\"node\":", "\"operator\":",
        "\"declined\":", "\"rejections\":", "\"notes\":", "\"warnings\":",
    };
    for (size_t i = 0; i < sizeof plan_keys / sizeof plan_keys[0]; i++) {
        CHECK(strstr(plan, plan_keys[i]) != NULL, "plan JSON lacks %s: %s", plan_keys[i], plan);
    }
    CHECK(strstr(plan, "\"dispatches\"") == NULL, "plan JSON has partition details: %s", plan);
    lite_interpreter_delete(interp);

    const char *delegates = lite_delegates_json();
    CHECK(strstr(delegates, "\"plugins\"") != NULL && strstr(delegates, "liblite_delegate_cpu.so") != NULL, "%s", delegates);
}

/* A resize of the batch extent to 2 gives each batch item the batch-1 output (the pattern repeats). */
static void test_resize(const LiteModel *model) {
    LiteInterpreterOptions *options = make_options();
    LiteInterpreter *interp = NULL;
    lite_interpreter_create(model, options, &interp);
    lite_interpreter_options_delete(options);
    LiteTensor *in = lite_interpreter_input(interp, 0);
    int32_t rank = lite_tensor_rank(in), dims[8];
    for (int32_t i = 0; i < rank && i < 8; i++) dims[i] = lite_tensor_dim(in, i);
    size_t before = lite_tensor_byte_size(in);
    dims[0] = 2;
    LiteResult r = lite_interpreter_resize_input(interp, 0, dims, rank);
    CHECK(r == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
    r = lite_interpreter_allocate_tensors(interp);
    if (r == LITE_RESULT_OK) {
        CHECK(lite_tensor_dim(in, 0) == 2 && lite_tensor_byte_size(in) == 2 * before, "resized shape");
        CHECK(lite_interpreter_invoke(interp) == LITE_RESULT_OK, "%s", lite_interpreter_last_error(interp));
    } else {
        /* A model whose folded shapes do not follow a batch change says so in one line. */
        CHECK(r == LITE_RESULT_INVALID_ARGUMENT || r == LITE_RESULT_SHAPE_ERROR, "resize allocate: %s", lite_interpreter_last_error(interp));
        CHECK(strchr(lite_interpreter_last_error(interp), '\n') == NULL, "one line");
    }
    lite_interpreter_delete(interp);
}

struct job {
    const LiteModel *model;
    const unsigned char *expected;
    size_t size;
    int mismatches;
};

static void *thread_main(void *argument) {
    struct job *job = argument;
    for (int i = 0; i < 5; i++) {
        size_t size = 0;
        unsigned char *bytes = run_once(job->model, i % 2, &size);
        if (!bytes || size != job->size || memcmp(bytes, job->expected, size) != 0) job->mismatches++;
        free(bytes);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: capi_test MODEL [DELEGATE]\n");
        return 2;
    }
    delegate = argc > 2 ? argv[2] : NULL;
    CHECK(lite_api_version() >> 16 == LITE_API_VERSION_MAJOR, "major version %u", lite_api_version() >> 16);
    CHECK((lite_api_version() & 0xffff) >= LITE_API_VERSION_MINOR, "minor version");

    test_errors(argv[1]);

    LiteModel *from_file = NULL, *from_buffer = NULL;
    CHECK(lite_model_create_from_file(argv[1], &from_file) == LITE_RESULT_OK, "%s", lite_last_error());
    size_t file_size = 0;
    void *file = read_file(argv[1], &file_size);
    CHECK(file && lite_model_create_from_buffer(file, file_size, &from_buffer) == LITE_RESULT_OK, "%s", lite_last_error());
    memset(file, 0, file_size); /* the model copied what it needs */
    free(file);
    if (!from_file || !from_buffer) return 1;

    size_t size_a = 0, size_b = 0, size_c = 0;
    unsigned char *a = run_once(from_file, 0, &size_a);
    unsigned char *b = run_once(from_buffer, 0, &size_b);
    unsigned char *c = run_once(from_file, 1, &size_c);
    CHECK(a && b && size_a == size_b && memcmp(a, b, size_a) == 0, "file and buffer models differ");
    CHECK(a && c && size_a == size_c && memcmp(a, c, size_a) == 0, "in-place input differs from copied input");
    test_resize(from_file);

    struct job jobs[2] = {{from_file, a, size_a, 0}, {from_buffer, a, size_a, 0}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, thread_main, &jobs[i]);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    CHECK(jobs[0].mismatches == 0 && jobs[1].mismatches == 0, "threads: %d and %d runs differ", jobs[0].mismatches,
          jobs[1].mismatches);

    free(a); free(b); free(c);
    lite_model_delete(from_file);
    lite_model_delete(from_buffer);
    printf("capi_test %s on %s: %s\n", argv[1], delegate ? delegate : "default delegates", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
