/*
 * gpu_cache.c — the GPU plugins' kernel cache under `cache_dir`, through the ABI alone; for either
 * GPU plugin (vulkan or gles; it lives here because this tests folder is the one SwiftPM leaves out
 * of a GPU plugin's sources).
 *
 *  1. Many delegates at once: 8 threads each create a delegate on one empty cache_dir at the same
 *     moment, prepare and invoke a small partition (every delegate compiles and stores the same
 *     kernels), and destroy it, three rounds. No warning may be logged, no temporary file may be
 *     left, every cache file must be whole (its header's size and checksum match), and a delegate
 *     created afterwards must build every kernel from the cache.
 *  2. Corrupt files: one byte flipped in the payload of every cache file. The next delegate must
 *     still compute the right output, without a warning, and rewrite every file (a new inode, a
 *     header that matches again); the one after it builds from the cache again.
 *  3. An unusable cache_dir (a folder the process may not write; as root the check runs in a fresh
 *     process of this program that drops to uid/gid 65534 first): one warning for the delegate, not
 *     one per kernel, naming the real reason (Permission denied), and the right output.
 *
 *   cc -I Sources/DelegateABI/include Plugins/GLESDelegate/tests/gpu_cache.c -ldl -lpthread \
 *      -o /tmp/gpu_cache && /tmp/gpu_cache .build/debug/liblite_delegate_vulkan.so
 *
 * Exit status 0: pass; 77: the plugin says its device is unavailable (skip); anything else: fail.
 */
#define _GNU_SOURCE
#include "gpu_test_plugin.h"
#include "lite_delegate.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ELEMENTS 210 /* 1 x 7 x 5 x 6 */
#define THREADS 8
#define ROUNDS 3
#define MAX_FILES 256

static const LiteBackend *backend;
static const char *backend_name;
static int failures;

/* Log lines of interest, counted by the host callbacks (all delegates, all threads). */
static atomic_int warnings;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_warning[600];
static int built_compiled, built_from_cache; /* from the prepare log line of the last delegate */

static void on_log(void *context, LiteLogLevel level, const char *message) {
    (void)context;
    pthread_mutex_lock(&log_lock);
    if (level >= LITE_LOG_WARNING) {
        atomic_fetch_add(&warnings, 1);
        snprintf(last_warning, sizeof(last_warning), "%s", message);
    }
    int compiled, cached;
    const char *spirv = strstr(message, "SPIR-V: "); /* vulkan: "(SPIR-V: 3 compiled, 0 from cache)" */
    const char *programs = strstr(message, " programs compiled, "); /* gles: "3 programs compiled, 0 from the cache" */
    if (spirv && sscanf(spirv, "SPIR-V: %d compiled, %d from cache", &compiled, &cached) == 2) {
        built_compiled = compiled;
        built_from_cache = cached;
    } else if (programs) {
        const char *start = programs;
        while (start > message && start[-1] >= '0' && start[-1] <= '9') start--;
        if (sscanf(start, "%d programs compiled, %d from the cache", &compiled, &cached) == 2) {
            built_compiled = compiled;
            built_from_cache = cached;
        }
    }
    pthread_mutex_unlock(&log_lock);
}

static void on_error(void *context, LiteStatus status, const char *message) {
    (void)context;
    fprintf(stderr, "gpu_cache: plugin error %d: %s\n", (int)status, message);
}

static LiteHostServices services = {sizeof(LiteHostServices), LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR,
                                    NULL, on_log, on_error};

/* ADD(x, x) then RELU, tensor 0 -> 1 -> 2, float32 [1, 7, 5, 6]: a few kernels (layout in, the
   fused add and relu or two dispatches, layout out). */
static int32_t dims[4] = {1, 7, 5, 6};
static LiteTensor input = {sizeof(LiteTensor), "in", LITE_DATA_TYPE_FLOAT32, 4, dims, NULL,
                           ELEMENTS * sizeof(float), LITE_TENSOR_FLAG_GRAPH_INPUT};
static LiteTensor middle = {sizeof(LiteTensor), "mid", LITE_DATA_TYPE_FLOAT32, 4, dims, NULL,
                            ELEMENTS * sizeof(float), 0};
static LiteTensor output = {sizeof(LiteTensor), "out", LITE_DATA_TYPE_FLOAT32, 4, dims, NULL,
                            ELEMENTS * sizeof(float), LITE_TENSOR_FLAG_GRAPH_OUTPUT};
static int32_t add_inputs[2] = {0, 0}, add_outputs[1] = {1}, relu_inputs[1] = {1}, relu_outputs[1] = {2};
static int32_t graph_inputs[1] = {0}, graph_outputs[1] = {2}, node_indices[2] = {0, 1};
static LiteElementwiseParams add_params = {sizeof(LiteElementwiseParams), LITE_ACTIVATION_NONE};
static LiteNode add = {sizeof(LiteNode), LITE_OP_ADD, NULL, 1, 2, add_inputs, 1, add_outputs, &add_params, NULL, 0};
static LiteNode relu = {sizeof(LiteNode), LITE_OP_RELU, NULL, 1, 1, relu_inputs, 1, relu_outputs, NULL, NULL, 0};
static const LiteTensor *tensors[3] = {&input, &middle, &output};
static const LiteNode *nodes[2] = {&add, &relu};
static LiteGraph graph = {sizeof(LiteGraph), 3, tensors, 2, nodes, 1, graph_inputs, 1, graph_outputs};

/* Creates a delegate on `cache_dir`, runs the partition once and checks its output; destroys it.
   Returns whether every call succeeded and the output was right. */
static bool run_once(const char *cache_dir) {
    const char *keys[1] = {"cache_dir"}, *values[1] = {cache_dir};
    LiteDelegate *delegate = NULL;
    LitePartition *partition = NULL;
    bool ok = backend->create_delegate(&services, keys, values, 1, &delegate) == LITE_STATUS_OK &&
              backend->create_partition(delegate, &graph, node_indices, 2, graph_inputs, 1, graph_outputs, 1,
                                        &partition) == LITE_STATUS_OK &&
              backend->prepare_partition(partition, &graph) == LITE_STATUS_OK;
    if (ok) {
        float in[ELEMENTS], out[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) in[i] = (float)((i * 7) % 13) - 6.0f;
        const void *inputs[1] = {in};
        void *outputs[1] = {out};
        size_t sizes[1] = {sizeof(in)};
        ok = backend->invoke_partition(partition, inputs, sizes, outputs, sizes) == LITE_STATUS_OK;
        for (int i = 0; ok && i < ELEMENTS; i++)
            if (out[i] != (in[i] + in[i] < 0 ? 0.0f : in[i] + in[i])) ok = false;
    }
    if (partition) backend->destroy_partition(partition);
    if (delegate) backend->destroy_delegate(delegate);
    return ok;
}

static void fail(const char *format, const char *detail) {
    fprintf(stderr, "gpu_cache: %s: ", backend_name);
    fprintf(stderr, format, detail);
    fputc('\n', stderr);
    failures++;
}

/* ---------------------------------------------------------------------------------------------- */
/* The cache files                                                                                */
/* ---------------------------------------------------------------------------------------------- */

typedef struct CacheFile {
    char path[4096];
    ino_t inode;
} CacheFile;

static CacheFile files[MAX_FILES];
static int file_count, temporary_count;

static int collect(const char *path, const struct stat *info, int type, struct FTW *ftw) {
    (void)ftw;
    if (type != FTW_F) return 0;
    if (strstr(path, ".tmp")) {
        temporary_count++;
        return 0;
    }
    if (file_count < MAX_FILES) {
        snprintf(files[file_count].path, sizeof(files[file_count].path), "%s", path);
        files[file_count].inode = info->st_ino;
        file_count++;
    }
    return 0;
}

static void list_files(const char *root) {
    file_count = temporary_count = 0;
    nftw(root, collect, 16, FTW_PHYS);
}

static uint64_t fnv1a(const unsigned char *bytes, size_t size) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++) hash = (hash ^ bytes[i]) * 0x100000001b3ull;
    return hash;
}

/* The payload offset of a cache file and whether its header matches its contents: Vulkan's
   {magic "LITESPV1"/"LITEPCC1", key, size, checksum} and GLES's {magic "LITEGLB2", identity,
   source hash, checksum, format, length} (the plugins' cache.c). */
static bool file_is_whole(const char *path, size_t *payload_offset) {
    FILE *file = fopen(path, "rb");
    if (!file) return false;
    static unsigned char data[8 << 20];
    const size_t size = fread(data, 1, sizeof(data), file);
    fclose(file);
    uint64_t fields[4];
    if (size < 40) return false;
    memcpy(fields, data + 8, sizeof(fields));
    if (memcmp(data, "LITESPV1", 8) == 0 || memcmp(data, "LITEPCC1", 8) == 0) {
        *payload_offset = 32;
        return fields[1] == size - 32 && fields[2] == fnv1a(data + 32, size - 32);
    }
    if (memcmp(data, "LITEGLB2", 8) == 0) {
        uint32_t length;
        memcpy(&length, data + 36, sizeof(length));
        *payload_offset = 40;
        return length == size - 40 && fields[2] == fnv1a(data + 40, size - 40);
    }
    return false;
}

static void check_files(const char *root, const char *when) {
    list_files(root);
    if (file_count == 0) fail("no cache file after %s", when);
    if (temporary_count > 0) fail("temporary files left after %s", when);
    size_t offset;
    for (int i = 0; i < file_count; i++)
        if (!file_is_whole(files[i].path, &offset)) {
            fprintf(stderr, "gpu_cache: %s: %s after %s\n", backend_name, files[i].path, when);
            fail("a cache file is not whole (%s)", when);
        }
}

/* ---------------------------------------------------------------------------------------------- */
/* 1. Many delegates at once                                                                      */
/* ---------------------------------------------------------------------------------------------- */

static pthread_barrier_t start_line;
static atomic_int wrong_runs;

static void *storm_thread(void *cache_dir) {
    pthread_barrier_wait(&start_line);
    if (!run_once(cache_dir)) atomic_fetch_add(&wrong_runs, 1);
    return NULL;
}

static void storm(const char *cache_dir) {
    pthread_barrier_init(&start_line, NULL, THREADS);
    atomic_store(&warnings, 0);
    for (int round = 0; round < ROUNDS; round++) {
        pthread_t threads[THREADS];
        for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, storm_thread, (void *)cache_dir);
        for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    }
    pthread_barrier_destroy(&start_line);
    printf("gpu_cache: %s: %d delegates on %d threads at once, %d wrong, %d warnings\n", backend_name,
           THREADS * ROUNDS, THREADS, atomic_load(&wrong_runs), atomic_load(&warnings));
    if (atomic_load(&wrong_runs)) fail("%s", "a delegate of the storm failed or computed a wrong output");
    if (atomic_load(&warnings)) fail("warning during the storm: %s", last_warning);
    check_files(cache_dir, "the storm");
    built_compiled = built_from_cache = -1;
    if (!run_once(cache_dir)) fail("%s", "the run after the storm failed");
    if (built_compiled != 0 || built_from_cache < 1) {
        char detail[64];
        snprintf(detail, sizeof(detail), "%d compiled, %d from the cache", built_compiled, built_from_cache);
        fail("the run after the storm did not build from the cache (%s)", detail);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* 2. Corrupt files                                                                               */
/* ---------------------------------------------------------------------------------------------- */

static void corrupt(const char *cache_dir) {
    list_files(cache_dir);
    CacheFile before[MAX_FILES];
    const int count = file_count;
    memcpy(before, files, sizeof(CacheFile) * (size_t)count);
    for (int i = 0; i < count; i++) {
        size_t offset;
        struct stat info;
        if (!file_is_whole(before[i].path, &offset) || stat(before[i].path, &info) != 0) continue;
        FILE *file = fopen(before[i].path, "r+b");
        if (!file) continue;
        const long at = (long)(offset + ((size_t)info.st_size - offset) / 2); /* the payload's middle */
        fseek(file, at, SEEK_SET);
        const int byte = fgetc(file);
        fseek(file, at, SEEK_SET);
        fputc(byte ^ 0x5a, file);
        fclose(file);
    }
    atomic_store(&warnings, 0);
    if (!run_once(cache_dir)) fail("%s", "the run on corrupted cache files failed or computed a wrong output");
    if (atomic_load(&warnings)) fail("warning on corrupted cache files: %s", last_warning);
    check_files(cache_dir, "the run on corrupted files");
    int rewritten = 0;
    for (int i = 0; i < count; i++) {
        struct stat info;
        if (stat(before[i].path, &info) == 0 && info.st_ino != before[i].inode) rewritten++;
    }
    printf("gpu_cache: %s: %d cache files corrupted, %d rewritten\n", backend_name, count, rewritten);
    if (rewritten != count) fail("%s", "not every corrupted cache file was rewritten");
    built_compiled = built_from_cache = -1;
    if (!run_once(cache_dir)) fail("%s", "the run after the rewrite failed");
    if (built_compiled != 0 || built_from_cache < 1) fail("%s", "the run after the rewrite did not build from the cache");
}

/* ---------------------------------------------------------------------------------------------- */
/* 3. An unusable cache_dir                                                                       */
/* ---------------------------------------------------------------------------------------------- */

/* Runs in a process that may not write `locked`. Returns the exit status for the parent. */
static int unusable(const char *locked) {
    char cache_dir[4200];
    snprintf(cache_dir, sizeof(cache_dir), "%s/cache", locked);
    atomic_store(&warnings, 0);
    if (!run_once(cache_dir)) {
        fprintf(stderr, "gpu_cache: %s: the run with an unwritable cache_dir failed\n", backend_name);
        return 1;
    }
    printf("gpu_cache: %s: unwritable cache_dir: %d warning(s)%s%s\n", backend_name, atomic_load(&warnings),
           atomic_load(&warnings) ? ": " : "", last_warning);
    if (atomic_load(&warnings) != 1) {
        fprintf(stderr, "gpu_cache: %s: expected one warning for the delegate\n", backend_name);
        return 1;
    }
    if (!strstr(last_warning, strerror(EACCES))) {
        fprintf(stderr, "gpu_cache: %s: the warning does not say '%s'\n", backend_name, strerror(EACCES));
        return 1;
    }
    return 0;
}

static void unusable_cache_dir(const char *self, const char *plugin, const char *root) {
    char locked[4096];
    snprintf(locked, sizeof(locked), "%s/locked", root);
    char mesa_cache[4096];
    snprintf(mesa_cache, sizeof(mesa_cache), "%s/mesa", root);
    if (mkdir(locked, 0555) != 0 || chmod(locked, 0555) != 0 || chmod(root, 0755) != 0 ||
        mkdir(mesa_cache, 0777) != 0 || chmod(mesa_cache, 0777) != 0) {
        fail("cannot create %s", locked);
        return;
    }
    if (geteuid() != 0) {
        if (unusable(locked) != 0) failures++;
        return;
    }
    // root writes anywhere: the check runs in a new process of this program as nobody (exec'd, not
    // just forked: the graphics stack's threads do not survive a fork).
    fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(77);
        // Mesa offers program binaries only with its own shader cache on, and nobody has no home.
        setenv("MESA_SHADER_CACHE_DIR", mesa_cache, 1);
        execl(self, self, plugin, "--unwritable", locked, (char *)NULL);
        _exit(77);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
        printf("gpu_cache: %s: unwritable cache_dir skipped: cannot drop root\n", backend_name);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        failures++;
}

static int remove_entry(const char *path, const struct stat *info, int type, struct FTW *ftw) {
    (void)info;
    (void)type;
    (void)ftw;
    chmod(path, 0755);
    return remove(path);
}

int main(int argc, char **argv) {
    const bool child = argc == 4 && strcmp(argv[2], "--unwritable") == 0;
    if (argc != 2 && !child) {
        fprintf(stderr, "usage: gpu_cache path/to/liblite_delegate_{vulkan,gles}.so\n");
        return 2;
    }
    int exit_status;
    backend = gpu_test_load_backend("gpu_cache", argv[1], &services, &exit_status);
    if (!backend) return exit_status;
    backend_name = backend->name;
    if (child) return unusable(argv[3]);
    char root[] = "/tmp/lite-gpu-cache-XXXXXX";
    if (!mkdtemp(root)) {
        perror("gpu_cache: mkdtemp");
        return 1;
    }
    chmod(root, 0755); // the unprivileged child of part 3 must reach its folder
    char cache_dir[4200];
    snprintf(cache_dir, sizeof(cache_dir), "%s/cache", root);
    storm(cache_dir);
    corrupt(cache_dir);
    unusable_cache_dir(argv[0], argv[1], root);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("gpu_cache: %s: %d failures\n", backend_name, failures);
    return failures == 0 ? 0 : 1;
}
