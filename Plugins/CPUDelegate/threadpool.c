// A small fork-join pool: parallel_for over a range, the caller working alongside the workers.
//
// Work is handed out in chunks, each thread claiming from its own contiguous range and then
// stealing from the others' (see ThreadRange below), and the caller waits only for the chunks to be
// finished, never for a worker to wake up: on a busy machine a worker may not be scheduled for
// milliseconds, and then the caller simply runs every chunk itself. Workers spin
// briefly before sleeping, because a model runs many short kernels back to back.
//
// On a machine with more runnable threads than cores the caller and a worker often share one
// core, and a thread that spins there takes the core from the one with work. So an idle worker
// spins only a few microseconds before it spins with sched_yield between checks (returns at once
// on a core of its own, lets the caller run on a shared one), and a caller waiting for a chunk in
// flight yields after a longer spin. The measurements behind the constants below are in
// docs/performance.md.
#include "cpu_delegate.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* How long an idle worker waits for the next job before sleeping: long enough to bridge the
   serial stretches between the parallel kernels of one inference (each sleep costs a wake-up
   system call and a scheduling delay), short enough not to busy a core between inferences. Past
   YIELD_AFTER_NANOSECONDS it yields between checks, which is what makes a long wait affordable on
   a loaded machine: a worker that spins without yielding can hold the very core the caller needs,
   making two threads slower than one. */
#define SPIN_NANOSECONDS 300000
#define YIELD_AFTER_NANOSECONDS 5000
/* A caller waiting for chunks still running elsewhere yields after this long: the worker holding
   them may be waiting for this very core. Not sooner: with a third process on this core, a yield
   may hand it a whole time slice. */
#define CALLER_YIELD_AFTER_NANOSECONDS 50000

/* Each thread owns a contiguous range of the job's chunks, [begin, end), held in one word:
   [generation:16][end:24][begin:24]. A thread takes chunks from the front of its own range and,
   when that is empty, steals from the back of the others'. A claim is one compare-and-swap of the
   whole word, so a chunk is only ever taken from the job it belongs to, however late a thread reads
   the word; the job's fields are read after a successful claim, while the job cannot finish (the
   claimed chunk is not done) and so cannot be replaced.

   Contiguous ranges keep each thread on the same part of every operator (the first half of the
   rows of one convolution and of the next), so what a thread reads was mostly written by itself
   and sits in its own core's cache. Chunks handed out from one shared counter would interleave the
   rows between the threads, and on cores that do not share a cache every operator would then read
   its input from the other core's. */
#define FIELD_BITS 24
#define FIELD_MASK ((UINT64_C(1) << FIELD_BITS) - 1)
#define GENERATION_SHIFT (2 * FIELD_BITS)
#define MAX_CHUNKS ((size_t)FIELD_MASK)

typedef struct ThreadRange {
    _Alignas(64) _Atomic uint64_t word;
} ThreadRange;

struct CpuThreadPool {
    int thread_count; /* including the caller */
    pthread_t *workers;
    ThreadRange *ranges; /* one per thread, the caller's first */
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_int sleeping;     /* workers blocked (or about to block) on `wake` */
    atomic_bool stopping;

    /* The current job; written by the caller only while no chunk is claimable. On a cache line
       of its own, away from the words every claim writes, so that reading it after a claim does
       not miss. */
    _Alignas(64) CpuTaskFn fn;
    void *context;
    size_t count, grain;

    _Alignas(64) _Atomic uint64_t generation; /* of the last job published */
    _Alignas(64) atomic_size_t remaining;     /* chunks of the current job not yet finished */
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

/* Takes the first (or, when stealing, the last) chunk of `range` if it belongs to `generation`. */
static bool claim(ThreadRange *range, uint64_t generation, bool from_back, size_t *chunk) {
    uint64_t word = atomic_load_explicit(&range->word, memory_order_acquire);
    for (;;) {
        if ((word >> GENERATION_SHIFT) != generation) return false;
        const uint64_t begin = word & FIELD_MASK, end = (word >> FIELD_BITS) & FIELD_MASK;
        if (begin >= end) return false;
        const uint64_t next = from_back ? word - (UINT64_C(1) << FIELD_BITS) : word + 1;
        if (atomic_compare_exchange_weak_explicit(&range->word, &word, next, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            *chunk = (size_t)(from_back ? end - 1 : begin);
            return true;
        }
    }
}

static void run_chunk(CpuThreadPool *pool, size_t chunk, int thread) {
    const size_t begin = chunk * pool->grain;
    const size_t end = begin + pool->grain < pool->count ? begin + pool->grain : pool->count;
    pool->fn(pool->context, begin, end, thread);
    atomic_fetch_sub_explicit(&pool->remaining, 1, memory_order_release);
}

/* Runs this thread's chunks of job `generation`, then steals the others' until none is left. */
static void run_chunks(CpuThreadPool *pool, int thread, uint64_t generation) {
    size_t chunk;
    while (claim(&pool->ranges[thread], generation, false, &chunk)) run_chunk(pool, chunk, thread);
    for (int step = 1; step < pool->thread_count; step++) {
        ThreadRange *victim = &pool->ranges[(thread + step) % pool->thread_count];
        while (claim(victim, generation, true, &chunk)) run_chunk(pool, chunk, thread);
    }
}

static void *worker_main(void *argument) {
    WorkerStart start = *(WorkerStart *)argument;
    free(argument);
    CpuThreadPool *pool = start.pool;
    uint64_t seen = 0; /* the last generation this worker took part in */
    for (;;) {
        uint64_t idle_since = monotonic_ns();
        int spins = 0;
        while (atomic_load_explicit(&pool->generation, memory_order_acquire) == seen &&
               !atomic_load_explicit(&pool->stopping, memory_order_relaxed)) {
            cpu_relax();
            if (++spins % 64 != 0) continue;
            const uint64_t idle = monotonic_ns() - idle_since;
            if (idle < SPIN_NANOSECONDS) {
                if (idle >= YIELD_AFTER_NANOSECONDS) sched_yield();
                continue;
            }
            pthread_mutex_lock(&pool->mutex);
            atomic_fetch_add(&pool->sleeping, 1); // seq_cst, paired with the caller's check
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stopping))
                pthread_cond_wait(&pool->wake, &pool->mutex);
            atomic_fetch_sub(&pool->sleeping, 1);
            pthread_mutex_unlock(&pool->mutex);
            idle_since = monotonic_ns();
        }
        if (atomic_load(&pool->stopping)) break;
        seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        run_chunks(pool, start.index, seen);
    }
    return NULL;
}

CpuThreadPool *cpu_pool_create(int threads) {
    CpuThreadPool *pool = cpu_aligned_alloc(sizeof(*pool)); // for the 64-byte aligned members
    if (!pool) return NULL;
    memset(pool, 0, sizeof(*pool));
    pool->thread_count = 1;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->remaining, 0);
    atomic_init(&pool->sleeping, 0);
    atomic_init(&pool->stopping, false);
    if (threads > 1) {
        pool->workers = calloc((size_t)threads - 1, sizeof(pthread_t));
        pool->ranges = cpu_aligned_alloc((size_t)threads * sizeof(ThreadRange));
        if (!pool->workers || !pool->ranges) {
            cpu_pool_destroy(pool);
            return NULL;
        }
        for (int i = 0; i < threads; i++) atomic_init(&pool->ranges[i].word, 0);
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
    atomic_store(&pool->stopping, true);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 0; i + 1 < pool->thread_count; i++) pthread_join(pool->workers[i], NULL);
    free(pool->workers);
    cpu_aligned_free(pool->ranges);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    cpu_aligned_free(pool);
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
    size_t chunks = (count + grain - 1) / grain;
    if (chunks > MAX_CHUNKS) {
        grain = (count + MAX_CHUNKS - 1) / MAX_CHUNKS;
        chunks = (count + grain - 1) / grain;
    }
    // The previous job is finished (remaining reached 0 and no chunk is claimable), so nobody
    // reads these fields until the new ranges below are published.
    pool->fn = fn;
    pool->context = context;
    pool->count = count;
    pool->grain = grain;
    atomic_store_explicit(&pool->remaining, chunks, memory_order_relaxed);
    const uint64_t generation =
        (atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1) & 0xFFFFu;
    const size_t threads = (size_t)pool->thread_count;
    for (size_t t = 0; t < threads; t++) {
        const uint64_t begin = chunks * t / threads, end = chunks * (t + 1) / threads;
        atomic_store_explicit(&pool->ranges[t].word,
                              (generation << GENERATION_SHIFT) | (end << FIELD_BITS) | begin,
                              memory_order_release);
    }
    atomic_store(&pool->generation, generation);
    if (atomic_load(&pool->sleeping) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }

    run_chunks(pool, 0, generation);

    // Only chunks a worker is running remain; a worker that never woke holds none.
    const uint64_t wait_start = monotonic_ns();
    int spins = 0;
    while (atomic_load_explicit(&pool->remaining, memory_order_acquire) > 0) {
        cpu_relax();
        if (++spins % 64 == 0 && monotonic_ns() - wait_start >= CALLER_YIELD_AFTER_NANOSECONDS)
            sched_yield();
    }
}
