/*
 * pool_stress.c — the CPU delegate's thread pool (threadpool.c) under load: pools of 2, 3 and 4
 * threads (more threads than this machine's cores, so workers are descheduled, steal and sleep) run
 * many jobs of random sizes and grains, some after a pause long enough for the workers to fall
 * asleep; every item of every job must be run exactly once, by a thread the pool has, and
 * cpu_parallel_for must return only when all of them are done.
 *
 *   cc -O2 -I Sources/DelegateABI/include -I Plugins/PluginSupport/include -I Plugins/CPUDelegate \
 *      Plugins/CPUDelegate/tests/pool_stress.c -lpthread -o /tmp/pool_stress && /tmp/pool_stress
 *
 * Exit status 0: pass; anything else: fail (the first wrong item is printed).
 */
#include "../threadpool.c"

#include <stdio.h>
#include <unistd.h>

/* threadpool.c's only outside dependencies (common.c has more). */
void *cpu_aligned_alloc(size_t bytes) {
    void *pointer = NULL;
    return posix_memalign(&pointer, 64, (bytes + 63) & ~(size_t)63) == 0 ? pointer : NULL;
}
void cpu_aligned_free(void *pointer) { free(pointer); }

typedef struct Job {
    _Atomic uint8_t *hits;
    int threads;
    atomic_int bad_thread;
} Job;

static void mark(void *context, size_t begin, size_t end, int thread) {
    Job *job = context;
    if (thread < 0 || thread >= job->threads) atomic_store(&job->bad_thread, 1);
    for (size_t i = begin; i < end; i++) atomic_fetch_add_explicit(&job->hits[i], 1, memory_order_relaxed);
}

static uint64_t next_random(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static int run_jobs(CpuThreadPool *pool, int threads, int jobs, size_t max_count, uint64_t seed) {
    _Atomic uint8_t *hits = calloc(max_count, 1);
    if (!hits) return 1;
    uint64_t state = seed;
    for (int j = 0; j < jobs; j++) {
        const size_t count = 1 + next_random(&state) % max_count;
        const size_t grain = 1 + next_random(&state) % 64;
        if (next_random(&state) % 200 == 0) usleep(500); // longer than the workers spin: they sleep
        memset((void *)hits, 0, count);
        Job job = {.hits = hits, .threads = threads};
        atomic_init(&job.bad_thread, 0);
        cpu_parallel_for(pool, count, grain, mark, &job);
        for (size_t i = 0; i < count; i++)
            if (atomic_load_explicit(&hits[i], memory_order_relaxed) != 1) {
                fprintf(stderr, "pool_stress: %d threads, job %d (count %zu, grain %zu): item %zu ran %d times\n",
                        threads, j, count, grain, i, (int)hits[i]);
                free((void *)hits);
                return 1;
            }
        if (atomic_load(&job.bad_thread)) {
            fprintf(stderr, "pool_stress: %d threads, job %d: a chunk ran with a thread index out of range\n",
                    threads, j);
            free((void *)hits);
            return 1;
        }
    }
    free((void *)hits);
    return 0;
}

int main(void) {
    long jobs_run = 0;
    for (int threads = 2; threads <= 4; threads++) {
        CpuThreadPool *pool = cpu_pool_create(threads);
        if (!pool || cpu_pool_threads(pool) != threads) {
            fprintf(stderr, "pool_stress: cannot create a pool of %d threads\n", threads);
            return 1;
        }
        if (run_jobs(pool, threads, 20000, 4096, 0x9E3779B97F4A7C15ull * (uint64_t)threads) != 0) return 1;
        if (run_jobs(pool, threads, 200, 200000, 12345u + (uint64_t)threads) != 0) return 1;
        jobs_run += 20200;
        cpu_pool_destroy(pool);
    }
    // More chunks than the job word can count: the grain grows so that they fit.
    CpuThreadPool *pool = cpu_pool_create(2);
    const size_t huge = ((size_t)1 << 24) + 5;
    _Atomic uint8_t *hits = calloc(huge, 1);
    if (!pool || !hits) return 1;
    Job job = {.hits = hits, .threads = 2};
    atomic_init(&job.bad_thread, 0);
    cpu_parallel_for(pool, huge, 1, mark, &job);
    for (size_t i = 0; i < huge; i++)
        if (hits[i] != 1) {
            fprintf(stderr, "pool_stress: %zu items with grain 1: item %zu ran %d times\n", huge, i, (int)hits[i]);
            return 1;
        }
    free((void *)hits);
    cpu_pool_destroy(pool);
    printf("pool_stress: %ld jobs on pools of 2-4 threads and one of %zu items, every item run once\n",
           jobs_run + 1, huge);
    return 0;
}
