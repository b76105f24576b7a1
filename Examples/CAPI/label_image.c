/*
 * label_image: runs a model on an image file with Lite's C API and prints the largest outputs, as
 * TensorFlow Lite's label_image example does. Valid C and C++.
 *
 *   cc label_image.c $(pkg-config --cflags --libs lite) -o label_image
 *   ./label_image MODEL IMAGE [--delegate NAME] [--labels FILE] [--top K] [--range 0,1|-1,1]
 */
#include <lite.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *message) {
    fprintf(stderr, "label_image: %s: %s\n", what, message);
    return 1;
}

/* Line `index` of the labels file, or NULL. */
static char *label(const char *path, int index) {
    static char line[256];
    FILE *file = path ? fopen(path, "r") : NULL;
    if (!file) return NULL;
    char *found = NULL;
    for (int i = 0; fgets(line, sizeof line, file); i++) {
        if (i == index) {
            line[strcspn(line, "\r\n")] = 0;
            found = line;
            break;
        }
    }
    fclose(file);
    return found;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: label_image MODEL IMAGE [--delegate NAME] [--labels FILE] [--top K] [--range 0,1|-1,1]\n");
        return 2;
    }
    const char *delegate = NULL, *labels = NULL;
    int top = 5;
    float mean = 0.0f, std = 255.0f;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--delegate") == 0) delegate = argv[i + 1];
        else if (strcmp(argv[i], "--labels") == 0) labels = argv[i + 1];
        else if (strcmp(argv[i], "--top") == 0) top = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--range") == 0 && strcmp(argv[i + 1], "-1,1") == 0) mean = std = 127.5f;
        else if (strcmp(argv[i], "--range") != 0 || strcmp(argv[i + 1], "0,1") != 0) return fail(argv[i], "unknown option");
    }

    LiteModel *model = NULL;
    if (lite_model_create_from_file(argv[1], &model) != LITE_RESULT_OK) return fail("model", lite_last_error());
    LiteInterpreterOptions *options = lite_interpreter_options_create();
    if (delegate && lite_interpreter_options_add_delegate(options, delegate) != LITE_RESULT_OK) return fail("delegate", lite_last_error());
    LiteInterpreter *interpreter = NULL;
    LiteResult result = lite_interpreter_create(model, options, &interpreter);
    lite_interpreter_options_delete(options);
    lite_model_delete(model);
    if (result != LITE_RESULT_OK) return fail("interpreter", lite_last_error());

    int status = 1;
    if (lite_interpreter_allocate_tensors(interpreter) != LITE_RESULT_OK ||
        lite_tensor_set_image(lite_interpreter_input(interpreter, 0), argv[2], mean, std) != LITE_RESULT_OK ||
        lite_interpreter_invoke(interpreter) != LITE_RESULT_OK) {
        fail("run", lite_interpreter_last_error(interpreter));
        goto done;
    }
    for (int32_t p = 0; p < lite_interpreter_partition_count(interpreter); p++) {
        printf("partition %d: %d nodes on %s\n", p, lite_interpreter_partition_node_count(interpreter, p),
               lite_interpreter_partition_delegate(interpreter, p));
    }

    {
        const LiteTensor *output = lite_interpreter_output(interpreter, 0);
        if (lite_tensor_type(output) != LITE_ELEMENT_FLOAT32) {
            fail("output 0", "not float32");
            goto done;
        }
        const float *scores = (const float *)lite_tensor_data((LiteTensor *)output);
        size_t count = lite_tensor_byte_size(output) / sizeof(float);
        printf("output 0 '%s': %zu values; the largest:\n", lite_tensor_name(output), count);
        /* Selection of the top K by repeated scans: K is small. */
        char *taken = (char *)calloc(count, 1);
        for (int k = 0; k < top && (size_t)k < count; k++) {
            size_t best = 0;
            int have = 0;
            for (size_t i = 0; i < count; i++) {
                if (!taken[i] && (!have || scores[i] > scores[best])) best = i, have = 1;
            }
            taken[best] = 1;
            const char *name = label(labels, (int)best);
            printf("  %8.5f  %zu%s%s\n", scores[best], best, name ? "  " : "", name ? name : "");
        }
        free(taken);
        status = 0;
    }
done:
    lite_interpreter_delete(interpreter);
    return status;
}
