/*
 * gles_threads.c — the gles plugin's threading promise, checked through the ABI alone: two delegates
 * created on the main thread, each invoked 200 times from its own thread at the same time, then
 * destroyed from a third thread; every output must equal RELU of its input.
 *
 *   cc -I Sources/DelegateABI/include Plugins/GLESDelegate/tests/gles_threads.c -ldl -lpthread \
 *      -o /tmp/gles_threads && /tmp/gles_threads .build/debug/liblite_delegate_gles.so
 *
 * Exit status 0: pass; 77: the plugin says its device is unavailable (skip); anything else: fail.
 */
#include "lite_delegate.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define ELEMENTS 210 /* 1 x 7 x 5 x 6 */
#define RUNS 200

static void on_log(void *context, LiteLogLevel level, const char *message) {
    (void)context;
    if (level >= LITE_LOG_WARNING) fprintf(stderr, "gles_threads: plugin: %s\n", message);
}

static void on_error(void *context, LiteStatus status, const char *message) {
    (void)context;
    fprintf(stderr, "gles_threads: plugin error %d: %s\n", (int)status, message);
}

static LiteHostServices services = {sizeof(LiteHostServices), LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR,
                                    NULL, on_log, on_error};
static const LiteBackend *backend;

/* One RELU node: tensor 0 -> tensor 1, both float32 [1, 7, 5, 6]. */
static int32_t dims[4] = {1, 7, 5, 6};
static LiteTensor input = {sizeof(LiteTensor), "in", LITE_DATA_TYPE_FLOAT32, 4, dims, NULL,
                           ELEMENTS * sizeof(float), LITE_TENSOR_FLAG_GRAPH_INPUT};
static LiteTensor output = {sizeof(LiteTensor), "out", LITE_DATA_TYPE_FLOAT32, 4, dims, NULL,
                            ELEMENTS * sizeof(float), LITE_TENSOR_FLAG_GRAPH_OUTPUT};
static int32_t input_index[1] = {0}, output_index[1] = {1}, node_index[1] = {0};
static LiteNode relu = {sizeof(LiteNode), LITE_OP_RELU, NULL, 1, 1, input_index, 1, output_index, NULL, NULL, 0};
static const LiteTensor *tensors[2] = {&input, &output};
static const LiteNode *nodes[1] = {&relu};
static LiteGraph graph = {sizeof(LiteGraph), 2, tensors, 1, nodes, 1, input_index, 1, output_index};

typedef struct Job {
    LitePartition *partition;
    float offset;
    int wrong;
} Job;

static LiteDelegate *delegates[2];
static LitePartition *partitions[2];

static void *invoke_many(void *argument) {
    Job *job = argument;
    float in[ELEMENTS], out[ELEMENTS];
    for (int run = 0; run < RUNS; run++) {
        for (int i = 0; i < ELEMENTS; i++) in[i] = (float)((i * 7 + run) % 13) - 6.0f + job->offset;
        const void *inputs[1] = {in};
        void *outputs[1] = {out};
        size_t sizes[1] = {sizeof(in)};
        if (backend->invoke_partition(job->partition, inputs, sizes, outputs, sizes) != LITE_STATUS_OK) {
            job->wrong++;
            continue;
        }
        for (int i = 0; i < ELEMENTS; i++)
            if (out[i] != (in[i] > 0 ? in[i] : 0.0f)) {
                job->wrong++;
                break;
            }
    }
    return NULL;
}

static void *destroy_all(void *unused) {
    (void)unused;
    for (int k = 0; k < 2; k++) {
        backend->destroy_partition(partitions[k]);
        backend->destroy_delegate(delegates[k]);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: gles_threads path/to/liblite_delegate_gles.so\n");
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    LitePluginEntryFn entry = library ? (LitePluginEntryFn)dlsym(library, LITE_PLUGIN_ENTRY_SYMBOL) : NULL;
    if (!entry) {
        fprintf(stderr, "gles_threads: cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    char reason[512];
    const LitePluginLibrary *table = entry(LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR, &services, reason,
                                           sizeof(reason));
    if (!table || table->backend_count < 1) {
        fprintf(stderr, "gles_threads: entry refused: %s\n", reason);
        return 1;
    }
    backend = table->backends[0];
    if (backend->threading != LITE_THREADING_FREE) {
        fprintf(stderr, "gles_threads: the backend does not declare LITE_THREADING_FREE\n");
        return 1;
    }
    if (backend->query_device && backend->query_device(reason, sizeof(reason)) != LITE_STATUS_OK) {
        fprintf(stderr, "gles_threads: skipped, device unavailable: %s\n", reason);
        return 77;
    }
    for (int k = 0; k < 2; k++)
        if (backend->create_delegate(&services, NULL, NULL, 0, &delegates[k]) != LITE_STATUS_OK ||
            backend->create_partition(delegates[k], &graph, node_index, 1, input_index, 1, output_index, 1,
                                      &partitions[k]) != LITE_STATUS_OK ||
            backend->prepare_partition(partitions[k], &graph) != LITE_STATUS_OK)
            return 1;
    Job jobs[2] = {{partitions[0], 0.5f, 0}, {partitions[1], -0.25f, 0}};
    pthread_t threads[2], destroyer;
    for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, invoke_many, &jobs[k]);
    for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
    pthread_create(&destroyer, NULL, destroy_all, NULL);
    pthread_join(destroyer, NULL);
    printf("gles_threads: %d invokes on 2 threads at once, %d wrong\n", 2 * RUNS, jobs[0].wrong + jobs[1].wrong);
    return jobs[0].wrong + jobs[1].wrong == 0 ? 0 : 1;
}
