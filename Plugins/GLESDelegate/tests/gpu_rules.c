/*
 * gpu_rules.c — what the vulkan and gles plugins must do alike, checked through the ABI alone
 * against either plugin:
 *   - create_partition refuses node and partition tensor indices out of range (INVALID_ARGUMENT,
 *     with a message), before it keeps anything;
 *   - invoke accepts host buffers at least as large as their tensors (only the tensor's bytes are
 *     read or written) and refuses smaller ones;
 *   - the boolean option (vulkan: validation, gles: profile) accepts the same words, any case:
 *     1/0, true/false, yes/no, on/off; anything else is INVALID_ARGUMENT.
 *
 *   scripts/test/c_tests.sh builds it and runs it against both plugins.
 *
 * Exit status 0: pass; 77: the plugin says its device is unavailable (skip); anything else: fail.
 */
#define GPU_TEST_RELU_GRAPH
#include "gpu_test_plugin.h"
#include "lite_delegate.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>


static int failures;
static int errors_reported;
static char last_error[1024];

#define CHECK(condition, ...)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "gpu_rules: %s: ", backend->name);                                     \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void on_log(void *context, LiteLogLevel level, const char *message) {
    (void)context;
    (void)level;
    (void)message;
}

static void on_error(void *context, LiteStatus status, const char *message) {
    (void)context;
    (void)status;
    errors_reported++;
    snprintf(last_error, sizeof(last_error), "%s", message);
}

static LiteHostServices services = {sizeof(LiteHostServices), LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR,
                                    NULL, on_log, on_error};
static const LiteBackend *backend;

/* create_partition with one list changed: must be refused with a message, no partition made. */
static void expect_refused(LiteDelegate *delegate, const char *what, const int32_t *node_list,
                           const int32_t *input_list, const int32_t *output_list) {
    LitePartition *partition = (LitePartition *)&partition; /* must be reset to NULL */
    const int before = errors_reported;
    last_error[0] = '\0';
    const LiteStatus status =
        backend->create_partition(delegate, &graph, node_list, 1, input_list, 1, output_list, 1, &partition);
    CHECK(status == LITE_STATUS_INVALID_ARGUMENT, "%s: status %d, expected INVALID_ARGUMENT", what, (int)status);
    CHECK(partition == NULL, "%s: a partition came back", what);
    CHECK(errors_reported > before && strstr(last_error, "out of range"), "%s: message '%s'", what, last_error);
    if (status == LITE_STATUS_OK && partition) backend->destroy_partition(partition);
}

static void index_ranges(LiteDelegate *delegate) {
    expect_refused(delegate, "input tensor 2 of 2", node_index, (int32_t[]){2}, output_index);
    expect_refused(delegate, "input tensor -1", node_index, (int32_t[]){-1}, output_index);
    expect_refused(delegate, "output tensor 7 of 2", node_index, input_index, (int32_t[]){7});
    expect_refused(delegate, "output tensor -3", node_index, input_index, (int32_t[]){-3});
    expect_refused(delegate, "node 1 of 1", (int32_t[]){1}, input_index, output_index);
}

/* Invokes with buffers of `input_floats` and `output_floats` floats; checks the status and, when
   it is OK, RELU in the tensor's part and the sentinel past it untouched. */
static void invoke_with(LitePartition *partition, size_t input_floats, size_t output_floats, bool accepted) {
    float in[ELEMENTS + 8], out[ELEMENTS + 8];
    for (int i = 0; i < ELEMENTS + 8; i++) {
        in[i] = (float)(i % 11) - 5.0f;
        out[i] = 1234.0f;
    }
    const void *inputs[1] = {in};
    void *outputs[1] = {out};
    const size_t input_sizes[1] = {input_floats * sizeof(float)}, output_sizes[1] = {output_floats * sizeof(float)};
    const int before = errors_reported;
    const LiteStatus status = backend->invoke_partition(partition, inputs, input_sizes, outputs, output_sizes);
    if (!accepted) {
        CHECK(status == LITE_STATUS_INVALID_ARGUMENT && errors_reported > before,
              "input of %zu floats, output of %zu: status %d, expected INVALID_ARGUMENT with a message",
              input_floats, output_floats, (int)status);
        return;
    }
    CHECK(status == LITE_STATUS_OK, "input of %zu floats, output of %zu: status %d (%s)", input_floats,
          output_floats, (int)status, last_error);
    if (status != LITE_STATUS_OK) return;
    for (int i = 0; i < ELEMENTS; i++)
        if (out[i] != (in[i] > 0 ? in[i] : 0.0f)) {
            CHECK(false, "input of %zu floats: output %d is %g", input_floats, i, out[i]);
            return;
        }
    for (int i = ELEMENTS; i < ELEMENTS + 8; i++)
        CHECK(out[i] == 1234.0f, "output of %zu floats: byte %zu past the tensor written", output_floats,
              i * sizeof(float));
}

static void buffer_sizes(LiteDelegate *delegate) {
    LitePartition *partition = NULL;
    if (backend->create_partition(delegate, &graph, node_index, 1, input_index, 1, output_index, 1, &partition) !=
            LITE_STATUS_OK ||
        backend->prepare_partition(partition, &graph) != LITE_STATUS_OK) {
        CHECK(false, "cannot prepare a RELU partition: %s", last_error);
        if (partition) backend->destroy_partition(partition);
        return;
    }
    invoke_with(partition, ELEMENTS, ELEMENTS, true);
    invoke_with(partition, ELEMENTS + 8, ELEMENTS, true);
    invoke_with(partition, ELEMENTS, ELEMENTS + 8, true);
    invoke_with(partition, ELEMENTS - 1, ELEMENTS, false);
    invoke_with(partition, ELEMENTS, ELEMENTS - 1, false);
    invoke_with(partition, 0, ELEMENTS, false);
    backend->destroy_partition(partition);
}

static void boolean_words(void) {
    const char *option = strcmp(backend->name, "vulkan") == 0 ? "validation" : "profile";
    static const char *const accepted[] = {"1", "true", "YES", "On", "0", "False", "no", "OFF"};
    static const char *const refused[] = {"2", "maybe", "", "y", "enabled", " true"};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]) + sizeof(refused) / sizeof(refused[0]); i++) {
        const bool accept = i < sizeof(accepted) / sizeof(accepted[0]);
        const char *word = accept ? accepted[i] : refused[i - sizeof(accepted) / sizeof(accepted[0])];
        const char *keys[1] = {option}, *values[1] = {word};
        LiteDelegate *delegate = NULL;
        const LiteStatus status = backend->create_delegate(&services, keys, values, 1, &delegate);
        if (accept)
            CHECK(status == LITE_STATUS_OK, "%s=%s refused (%d: %s)", option, word, (int)status, last_error);
        else
            CHECK(status == LITE_STATUS_INVALID_ARGUMENT && !delegate, "%s='%s': status %d, expected "
                  "INVALID_ARGUMENT", option, word, (int)status);
        if (delegate) backend->destroy_delegate(delegate);
    }
}

int main(int argc, char **argv) {
    int exit_status;
    backend = gpu_test_backend_of_arguments("gpu_rules", "liblite_delegate_{vulkan,gles}.so", argc, argv, &services, &exit_status);
    if (!backend) return exit_status;
    LiteDelegate *delegate = NULL;
    if (backend->create_delegate(&services, NULL, NULL, 0, &delegate) != LITE_STATUS_OK) {
        fprintf(stderr, "gpu_rules: %s: create_delegate failed: %s\n", backend->name, last_error);
        return 1;
    }
    index_ranges(delegate);
    buffer_sizes(delegate);
    backend->destroy_delegate(delegate);
    boolean_words();
    printf("gpu_rules: %s: %d failure%s\n", backend->name, failures, failures == 1 ? "" : "s");
    return failures == 0 ? 0 : 1;
}
