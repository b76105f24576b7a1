// A small fork-join pool: parallel_for over a range, the caller working alongside the workers.
// Workers spin briefly before sleeping, because a model runs many short kernels back to back.
#include "cpu_delegate.h"

#include <stdatomic.h>

#define SPIN_ITERATIONS 20000

struct CpuThreadPool {
    int thread_count; /* including the caller */
    pthread_t *workers;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    pthread_cond_t done;
    atomic_uint generation; /* bumped for every job; workers wait for it to change */
    atomic_int busy;        /* workers still inside the current job */
    bool stopping;

    /* The current job. */
    CpuTaskFn fn;
    void *context;
    size_t count, grain;
    atomic_size_t next; /* next chunk start */
};

typedef struct WorkerStart {
    CpuThreadPool *pool;
    int index;
} WorkerStart;

static inline void cpu_relax(void) {
#if CPU_HAVE_X86
    __builtin_ia32_pause();
#endif
}

static void run_chunks(CpuThreadPool *pool, int thread) {
    for (;;) {
        size_t begin = atomic_fetch_add(&pool->next, pool->grain);
        if (begin >= pool->count) break;
        size_t end = begin + pool->grain < pool->count ? begin + pool->grain : pool->count;
        pool->fn(pool->context, begin, end, thread);
    }
}

static void *worker_main(void *argument) {
    WorkerStart start = *(WorkerStart *)argument;
    free(argument);
    CpuThreadPool *pool = start.pool;
    // Jobs are counted from the pool's creation: a job posted before this thread got here must
    // still be seen as new, or the caller would wait for this worker forever.
    unsigned seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&pool->generation, memory_order_acquire) == seen &&
               spins < SPIN_ITERATIONS) {
            cpu_relax();
            spins++;
        }
        pthread_mutex_lock(&pool->mutex);
        while (atomic_load(&pool->generation) == seen && !pool->stopping)
            pthread_cond_wait(&pool->wake, &pool->mutex);
        if (pool->stopping) {
            pthread_mutex_unlock(&pool->mutex);
            break;
        }
        seen = atomic_load(&pool->generation);
        pthread_mutex_unlock(&pool->mutex);

        run_chunks(pool, start.index);

        if (atomic_fetch_sub(&pool->busy, 1) == 1) {
            pthread_mutex_lock(&pool->mutex);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->mutex);
        }
    }
    return NULL;
}

CpuThreadPool *cpu_pool_create(int threads) {
    CpuThreadPool *pool = calloc(1, sizeof(*pool));
    if (!pool) return NULL;
    pool->thread_count = 1;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->busy, 0);
    atomic_init(&pool->next, 0);
    if (threads > 1) {
        pool->workers = calloc((size_t)threads - 1, sizeof(pthread_t));
        if (!pool->workers) {
            cpu_pool_destroy(pool);
            return NULL;
        }
        for (int i = 1; i < threads; i++) {
            WorkerStart *start = malloc(sizeof(*start));
            if (!start) break;
            start->pool = pool;
            start->index = i;
            if (pthread_create(&pool->workers[i - 1], NULL, worker_main, start) != 0) {
                free(start);
                break;
            }
            pool->thread_count++;
        }
    }
    return pool;
}

void cpu_pool_destroy(CpuThreadPool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 0; i + 1 < pool->thread_count; i++) pthread_join(pool->workers[i], NULL);
    free(pool->workers);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    free(pool);
}

int cpu_pool_threads(const CpuThreadPool *pool) { return pool ? pool->thread_count : 1; }

void cpu_parallel_for(CpuThreadPool *pool, size_t count, size_t grain, CpuTaskFn fn,
                      void *context) {
    if (count == 0) return;
    if (grain == 0) grain = 1;
    if (!pool || pool->thread_count == 1 || count <= grain) {
        fn(context, 0, count, 0);
        return;
    }
    const int workers = pool->thread_count - 1;
    pthread_mutex_lock(&pool->mutex);
    pool->fn = fn;
    pool->context = context;
    pool->count = count;
    pool->grain = grain;
    atomic_store(&pool->next, 0);
    atomic_store(&pool->busy, workers);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);

    run_chunks(pool, 0);

    int spins = 0;
    while (atomic_load_explicit(&pool->busy, memory_order_acquire) > 0 && spins < SPIN_ITERATIONS) {
        cpu_relax();
        spins++;
    }
    pthread_mutex_lock(&pool->mutex);
    while (atomic_load(&pool->busy) > 0) pthread_cond_wait(&pool->done, &pool->mutex);
    pthread_mutex_unlock(&pool->mutex);
}
