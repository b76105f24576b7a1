// The thread that owns a delegate's GL context. A GL context is current on one thread at a time,
// so rather than tie the delegate to the thread that created it (LITE_THREADING_CREATOR_THREAD),
// every call that touches GL is handed to this thread and the caller waits: the backend is
// free-threaded, an app may invoke from any thread, and two delegates (two interpreters) run on
// two workers with two contexts, concurrently.
//
// Why not LITE_THREADING_CREATOR_THREAD and the host's pinned thread instead (docs/delegate-abi.md,
// Threading): the ABI says nothing of when a creator thread ends, and the host's PinnedThread is
// not joined when its delegate is destroyed. A GL driver keeps thread-local state on the thread that
// ran GL (llvmpipe compiles kernels with LLVM on the dispatching thread); a thread that winds down
// while the process exits races the driver's and LLVM's exit-time teardown. Measured: `lite run`
// with this plugin declaring creator-thread and its context on the host's pinned thread corrupted
// the heap at exit in 3 of 400 runs ("corrupted double-linked list", "double free"), against 0 of
// 400 with this worker, which destroy_delegate joins (gles_worker_stop) after releasing the
// context, so no thread that ran GL outlives its delegate. The host's mechanism becomes enough
// once the ABI promises that a creator thread is joined when its delegate is destroyed.
#include "gles_delegate.h"

struct GlesWorker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_mutex_t submit; /* one caller at a time (the host already serialises a delegate) */
    GlesJob job;
    void *argument;
    bool pending, stopping;
    char name[16];
};

static void *worker_main(void *opaque) {
    GlesWorker *w = opaque;
    pthread_setname_np(pthread_self(), w->name);
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->stopping) pthread_cond_wait(&w->changed, &w->lock);
        if (w->pending) {
            GlesJob job = w->job;
            void *argument = w->argument;
            pthread_mutex_unlock(&w->lock);
            job(argument);
            pthread_mutex_lock(&w->lock);
            w->pending = false;
            pthread_cond_broadcast(&w->changed);
            continue;
        }
        break; // stopping, nothing pending
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

GlesWorker *gles_worker_start(const char *name) {
    GlesWorker *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    snprintf(w->name, sizeof(w->name), "%s", name);
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->submit, NULL);
    pthread_cond_init(&w->changed, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_mutex_destroy(&w->submit);
        pthread_cond_destroy(&w->changed);
        free(w);
        return NULL;
    }
    return w;
}

void gles_worker_run(GlesWorker *w, GlesJob job, void *argument) {
    pthread_mutex_lock(&w->submit);
    pthread_mutex_lock(&w->lock);
    w->job = job;
    w->argument = argument;
    w->pending = true;
    pthread_cond_broadcast(&w->changed);
    while (w->pending) pthread_cond_wait(&w->changed, &w->lock);
    pthread_mutex_unlock(&w->lock);
    pthread_mutex_unlock(&w->submit);
}

void gles_worker_stop(GlesWorker *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->submit);
    pthread_cond_destroy(&w->changed);
    free(w);
}
