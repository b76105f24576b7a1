// The thread that owns a delegate's GL context. A GL context is current on one thread at a time,
// so rather than tie the delegate to the thread that created it (LITE_THREADING_CREATOR_THREAD),
// every call that touches GL is handed to this thread and the caller waits: the backend is
// free-threaded, an app may invoke from any thread, and two delegates (two interpreters) run on
// two workers with two contexts, concurrently.
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
