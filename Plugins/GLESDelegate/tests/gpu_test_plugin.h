/*
 * gpu_test_plugin.h — what the GPU plugins' ABI tests (gles_threads.c, gpu_cache.c, gpu_rules.c)
 * share: a one-RELU graph, and loading a plugin the way a host does and taking its one backend.
 */
#ifndef GPU_TEST_PLUGIN_H
#define GPU_TEST_PLUGIN_H

#include "lite_delegate.h"

#include <dlfcn.h>
#include <stdio.h>

#ifdef GPU_TEST_RELU_GRAPH
/* The graph gles_threads and gpu_rules run: one RELU node, tensor 0 -> tensor 1, both float32
   [1, 7, 5, 6] (node_index, input_index and output_index are its partition lists). */
#define ELEMENTS 210 /* 1 x 7 x 5 x 6 */
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
#endif

/* The test's exit status for a plugin whose device is unavailable: a skip. */
#define GPU_TEST_SKIP 77

/**
 * Opens the plugin at `path` (RTLD_NOW | RTLD_LOCAL), calls its entry with `services` and probes
 * the device. Returns its first backend; or NULL with *exit_status set (1: the plugin does not
 * load or refuses the host, GPU_TEST_SKIP: no device) after saying why on stderr as `test`.
 */
static inline const LiteBackend *gpu_test_load_backend(const char *test, const char *path,
                                                       const LiteHostServices *services, int *exit_status) {
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    LitePluginEntryFn entry = library ? (LitePluginEntryFn)dlsym(library, LITE_PLUGIN_ENTRY_SYMBOL) : NULL;
    *exit_status = 1;
    if (!entry) {
        fprintf(stderr, "%s: cannot load %s: %s\n", test, path, dlerror());
        return NULL;
    }
    char reason[512];
    const LitePluginLibrary *table = entry(LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR, services, reason,
                                           sizeof(reason));
    if (!table || table->backend_count < 1) {
        fprintf(stderr, "%s: entry refused: %s\n", test, reason);
        return NULL;
    }
    const LiteBackend *backend = table->backends[0];
    if (backend->query_device && backend->query_device(reason, sizeof(reason)) != LITE_STATUS_OK) {
        fprintf(stderr, "%s: %s skipped, device unavailable: %s\n", test, backend->name, reason);
        *exit_status = GPU_TEST_SKIP;
        return NULL;
    }
    *exit_status = 0;
    return backend;
}

/**
 * For a test run as `TEST PLUGIN.so`: gpu_test_load_backend of argv[1]; with other arguments, NULL
 * and *exit_status 2 after a usage line naming the plugins it takes (`plugins`).
 */
static inline const LiteBackend *gpu_test_backend_of_arguments(const char *test, const char *plugins, int argc,
                                                               char **argv, const LiteHostServices *services,
                                                               int *exit_status) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/%s\n", test, plugins);
        *exit_status = 2;
        return NULL;
    }
    return gpu_test_load_backend(test, argv[1], services, exit_status);
}

#endif /* GPU_TEST_PLUGIN_H */
