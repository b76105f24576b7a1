/*
 * gles_threads.c — the gles plugin's threading promise, checked through the ABI alone, as a host
 * that honours the backend's declared threading model:
 *   - LITE_THREADING_CREATOR_THREAD: two threads at once each create a delegate, invoke it 200
 *     times and destroy it; then a call from a thread other than the creator's must fail with a
 *     message (never run GL from two threads), and the delegate still works on its own thread;
 *     and on a thread where the app has its own GLES context current, a delegate created and
 *     called there works and leaves the app's context current after every call;
 *   - LITE_THREADING_FREE: two delegates created on the main thread, each invoked 200 times from
 *     its own thread at the same time, then destroyed from a third thread.
 * Every output must equal RELU of its input.
 *
 *   cc -I Sources/DelegateABI/include Plugins/GLESDelegate/tests/gles_threads.c -ldl -lpthread \
 *      -o /tmp/gles_threads && /tmp/gles_threads .build/debug/liblite_delegate_gles.so
 *
 * Exit status 0: pass; 77: the plugin says its device is unavailable (skip); anything else: fail.
 */
#define GPU_TEST_RELU_GRAPH
#include "gpu_test_plugin.h"
#include "lite_delegate.h"

#include <EGL/egl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define RUNS 200

static void on_log(void *context, LiteLogLevel level, const char *message) {
    (void)context;
    if (level >= LITE_LOG_WARNING) fprintf(stderr, "gles_threads: plugin: %s\n", message);
}

static int errors_reported;
static char last_error[1024];
static bool quiet_errors; /* while a refusal is expected */

static void on_error(void *context, LiteStatus status, const char *message) {
    (void)context;
    __atomic_add_fetch(&errors_reported, 1, __ATOMIC_SEQ_CST);
    snprintf(last_error, sizeof(last_error), "%s", message);
    if (!quiet_errors) fprintf(stderr, "gles_threads: plugin error %d: %s\n", (int)status, message);
}

static LiteHostServices services = {sizeof(LiteHostServices), LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR,
                                    NULL, on_log, on_error};
static const LiteBackend *backend;

typedef struct Job {
    LitePartition *partition;
    float offset;
    int wrong;
    bool own_delegate; /* creator-thread model: the thread makes and destroys its own delegate */
} Job;

static LiteDelegate *delegates[2];
static LitePartition *partitions[2];

static bool make_delegate(LiteDelegate **delegate, LitePartition **partition) {
    return backend->create_delegate(&services, NULL, NULL, 0, delegate) == LITE_STATUS_OK &&
           backend->create_partition(*delegate, &graph, node_index, 1, input_index, 1, output_index, 1,
                                     partition) == LITE_STATUS_OK &&
           backend->prepare_partition(*partition, &graph) == LITE_STATUS_OK;
}

/* One invoke; false when it fails or an output is not RELU of its input. */
static bool invoke_once(LitePartition *partition, float offset, int run) {
    float in[ELEMENTS], out[ELEMENTS];
    for (int i = 0; i < ELEMENTS; i++) in[i] = (float)((i * 7 + run) % 13) - 6.0f + offset;
    const void *inputs[1] = {in};
    void *outputs[1] = {out};
    size_t sizes[1] = {sizeof(in)};
    if (backend->invoke_partition(partition, inputs, sizes, outputs, sizes) != LITE_STATUS_OK) return false;
    for (int i = 0; i < ELEMENTS; i++)
        if (out[i] != (in[i] > 0 ? in[i] : 0.0f)) return false;
    return true;
}

static void *invoke_many(void *argument) {
    Job *job = argument;
    LiteDelegate *delegate = NULL;
    if (job->own_delegate && !make_delegate(&delegate, &job->partition)) {
        job->wrong = RUNS;
        return NULL;
    }
    for (int run = 0; run < RUNS; run++)
        if (!invoke_once(job->partition, job->offset, run)) job->wrong++;
    if (job->own_delegate) {
        backend->destroy_partition(job->partition);
        backend->destroy_delegate(delegate);
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

/* A call from another thread than the creator's. */
static void *foreign_invoke(void *result) {
    *(bool *)result = invoke_once(partitions[0], 0.0f, 0);
    return NULL;
}

/* An app's own GLES context, current on the thread that also creates and calls a delegate: after
   every call it must be current again (a host honouring the creator-thread model from an app's GL
   thread). Through libEGL opened here, on Mesa's surfaceless platform; 77 when there is none. */
#define EGL_PLATFORM_SURFACELESS 0x31DD

static void *app_context_thread(void *result) {
    int *outcome = result;
    *outcome = GPU_TEST_SKIP;
    void *egl = dlopen("libEGL.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!egl) return NULL;
#define EGL_FN(name) __typeof__(&name) name##_ = (__typeof__(&name))dlsym(egl, #name)
    EGL_FN(eglGetPlatformDisplay);
    EGL_FN(eglInitialize);
    EGL_FN(eglBindAPI);
    EGL_FN(eglCreateContext);
    EGL_FN(eglMakeCurrent);
    EGL_FN(eglGetCurrentContext);
    EGL_FN(eglDestroyContext);
#undef EGL_FN
    if (!eglGetPlatformDisplay_ || !eglInitialize_ || !eglBindAPI_ || !eglCreateContext_ || !eglMakeCurrent_ ||
        !eglGetCurrentContext_ || !eglDestroyContext_)
        return NULL;
    EGLDisplay display = eglGetPlatformDisplay_(EGL_PLATFORM_SURFACELESS, EGL_DEFAULT_DISPLAY, NULL);
    const EGLint attributes[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE};
    EGLContext app = EGL_NO_CONTEXT;
    if (display == EGL_NO_DISPLAY || !eglInitialize_(display, NULL, NULL) || !eglBindAPI_(EGL_OPENGL_ES_API) ||
        (app = eglCreateContext_(display, (EGLConfig)0, EGL_NO_CONTEXT, attributes)) == EGL_NO_CONTEXT ||
        !eglMakeCurrent_(display, EGL_NO_SURFACE, EGL_NO_SURFACE, app))
        return NULL;
    LiteDelegate *delegate = NULL;
    LitePartition *partition = NULL;
    int kept = 0, calls = 0;
    const bool made = make_delegate(&delegate, &partition);
    kept += eglGetCurrentContext_() == app, calls++;
    const bool invoked = made && invoke_once(partition, 0.0f, 0);
    kept += eglGetCurrentContext_() == app, calls++;
    if (partition) backend->destroy_partition(partition);
    if (delegate) backend->destroy_delegate(delegate);
    kept += eglGetCurrentContext_() == app, calls++;
    printf("gles_threads: with the app's own context current: delegate %s, the app's context current again "
           "after %d of %d calls\n", made && invoked ? "works" : "FAILS", kept, calls);
    *outcome = made && invoked && kept == calls ? 0 : 1;
    eglMakeCurrent_(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext_(display, app);
    return NULL;
}

/* Creator-thread model: two threads, each with its own delegate, at once; then a delegate of the
   main thread invoked from another thread is refused and still works here. */
static int creator_threads(void) {
    Job jobs[2] = {{NULL, 0.5f, 0, true}, {NULL, -0.25f, 0, true}};
    pthread_t threads[2];
    for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, invoke_many, &jobs[k]);
    for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
    int wrong = jobs[0].wrong + jobs[1].wrong;
    printf("gles_threads: %d invokes on 2 threads at once, each on its own delegate, %d wrong\n", 2 * RUNS, wrong);

    if (!make_delegate(&delegates[0], &partitions[0])) return 1;
    bool foreign_ok = true;
    pthread_t foreign;
    const int before = errors_reported;
    quiet_errors = true;
    pthread_create(&foreign, NULL, foreign_invoke, &foreign_ok);
    pthread_join(foreign, NULL);
    quiet_errors = false;
    const bool refused = !foreign_ok && errors_reported > before;
    printf("gles_threads: an invoke off the creator thread %s: %s\n", refused ? "is refused" : "RAN",
           refused ? last_error : "(a GL context used from two threads)");
    const bool still_works = invoke_once(partitions[0], 0.0f, 1);
    if (!still_works) fprintf(stderr, "gles_threads: the delegate fails on its own thread after the refusal\n");
    backend->destroy_partition(partitions[0]);
    backend->destroy_delegate(delegates[0]);

    int app_outcome = 1;
    pthread_t app_thread;
    pthread_create(&app_thread, NULL, app_context_thread, &app_outcome);
    pthread_join(app_thread, NULL);
    if (app_outcome == GPU_TEST_SKIP) printf("gles_threads: no surfaceless EGL display here: app-context check skipped\n");
    return wrong == 0 && refused && still_works && app_outcome != 1 ? 0 : 1;
}

/* Free-threaded model: delegates made here, invoked on two threads at once, destroyed on a third. */
static int free_threads(void) {
    for (int k = 0; k < 2; k++)
        if (!make_delegate(&delegates[k], &partitions[k])) return 1;
    Job jobs[2] = {{partitions[0], 0.5f, 0, false}, {partitions[1], -0.25f, 0, false}};
    pthread_t threads[2], destroyer;
    for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, invoke_many, &jobs[k]);
    for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
    pthread_create(&destroyer, NULL, destroy_all, NULL);
    pthread_join(destroyer, NULL);
    printf("gles_threads: %d invokes on 2 threads at once, %d wrong\n", 2 * RUNS, jobs[0].wrong + jobs[1].wrong);
    return jobs[0].wrong + jobs[1].wrong == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    int exit_status;
    backend = gpu_test_backend_of_arguments("gles_threads", "liblite_delegate_gles.so", argc, argv, &services, &exit_status);
    if (!backend) return exit_status;
    switch (backend->threading) {
    case LITE_THREADING_CREATOR_THREAD: return creator_threads();
    case LITE_THREADING_FREE: return free_threads();
    default: fprintf(stderr, "gles_threads: unknown threading model %d\n", (int)backend->threading); return 1;
    }
}
