// LITE_CPU_PROFILE: per-node times of every invoke, printed to stderr when the partition is
// destroyed (by operator, then the slowest nodes).
#include "cpu_delegate.h"

#include <time.h>

/* LITE_CPU_PROFILE=1 measures wall time (what a caller waits for); =cpu measures the calling
   thread's CPU time, which ignores time descheduled on a busy machine (meaningful at 1 thread). */
static clockid_t profile_clock = CLOCK_MONOTONIC;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(profile_clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cpu_profile_start(CpuPartitionState *p) {
    const char *profile = getenv("LITE_CPU_PROFILE");
    if (!profile || !*profile || strcmp(profile, "0") == 0) return;
    p->profile_ns = calloc((size_t)p->node_count, sizeof(uint64_t)); // NULL: profiling stays off
    p->profile_min_ns = calloc((size_t)p->node_count, sizeof(uint64_t));
    if (!p->profile_min_ns) {
        free(p->profile_ns);
        p->profile_ns = NULL;
    }
    if (strcmp(profile, "cpu") == 0) profile_clock = CLOCK_THREAD_CPUTIME_ID;
}

LiteStatus cpu_profile_run(CpuPartitionState *p) {
    p->profile_invokes++;
    for (int32_t i = 0; i < p->node_count; i++) {
        const int32_t n = p->order[i];
        CpuNode *node = &p->nodes[n];
        if (node->folded) continue;
        const uint64_t start = now_ns();
        LiteStatus status = node->op->run(p, node);
        const uint64_t elapsed = now_ns() - start;
        p->profile_ns[n] += elapsed;
        if (p->profile_invokes == 1 || elapsed < p->profile_min_ns[n]) p->profile_min_ns[n] = elapsed;
        if (status != LITE_STATUS_OK) return status;
    }
    return LITE_STATUS_OK;
}

/* The per-operator lines: time per invoke, share of the total, and the sum of per-node minimums. */
static void print_by_operator(const CpuPartitionState *p, bool *done, double per_invoke,
                              uint64_t total) {
    for (int32_t n = 0; n < p->node_count; n++) {
        if (done[n]) continue;
        uint64_t sum = 0, sum_min = 0;
        int count = 0;
        for (int32_t m = n; m < p->node_count; m++) {
            if (p->nodes[m].op != p->nodes[n].op) continue;
            done[m] = true;
            sum += p->profile_ns[m];
            sum_min += p->profile_min_ns[m];
            count += !p->nodes[m].folded;
        }
        fprintf(stderr, "  %-28s %3d nodes %8.3f ms %5.1f%%  min %8.3f ms\n", p->nodes[n].op->name,
                count, (double)sum * per_invoke, total ? 100.0 * (double)sum / (double)total : 0.0,
                (double)sum_min * 1e-6);
    }
}

/* The 15 slowest nodes by their fastest run, with their shapes; LITE_CPU_PROFILE_ALL=1 lists every
   node in order instead (to compare runs node by node). */
static void print_nodes(const CpuPartitionState *p, bool *done) {
    const bool all = getenv("LITE_CPU_PROFILE_ALL") != NULL;
    fprintf(stderr, all ? "  nodes:\n" : "  slowest nodes:\n");
    memset(done, 0, (size_t)p->node_count);
    for (int k = 0; k < (all ? p->node_count : 15) && k < p->node_count; k++) {
        int32_t best = all ? k : -1;
        for (int32_t n = 0; n < p->node_count && !all; n++)
            if (!done[n] && (best < 0 || p->profile_min_ns[n] > p->profile_min_ns[best])) best = n;
        done[best] = true;
        if (all && p->nodes[best].folded) continue;
        const CpuNode *node = &p->nodes[best];
        const CpuTensor *out = &p->tensors[node->outputs[0]];
        const CpuTensor *in = node->input_count > 0 && node->inputs[0] >= 0
                                  ? &p->tensors[node->inputs[0]] : out;
        const CpuTensor *w = node->input_count > 1 && node->inputs[1] >= 0
                                 ? &p->tensors[node->inputs[1]] : NULL;
        char filter[48] = "";
        if (w && w->rank == 4)
            snprintf(filter, sizeof(filter), " filter [%d %d %d %d]", w->dims[0], w->dims[1],
                     w->dims[2], w->dims[3]);
        fprintf(stderr, "  node %4d %-20s min %7.3f ms  in [%d %d %d %d] out [%d %d %d %d]%s%s\n",
                node->graph_node, node->op->name, (double)p->profile_min_ns[best] * 1e-6,
                in->dims[0], in->rank > 1 ? in->dims[1] : 0, in->rank > 2 ? in->dims[2] : 0,
                in->rank > 3 ? in->dims[3] : 0, out->dims[0], out->rank > 1 ? out->dims[1] : 0,
                out->rank > 2 ? out->dims[2] : 0, out->rank > 3 ? out->dims[3] : 0, filter,
                node->epilogue.count ? " +fused" : "");
    }
}

void cpu_profile_finish(CpuPartitionState *p) {
    if (p->profile_ns && p->profile_invokes > 0) {
        const double per_invoke = 1e-6 / (double)p->profile_invokes; // ns total -> ms per invoke
        uint64_t total = 0, total_min = 0;
        for (int32_t n = 0; n < p->node_count; n++) {
            total += p->profile_ns[n];
            total_min += p->profile_min_ns[n];
        }
        fprintf(stderr, "cpu profile: %d nodes, %llu invokes, %.3f ms per invoke (sum of per-node "
                "minimums %.3f ms)\n", p->node_count, (unsigned long long)p->profile_invokes,
                (double)total * per_invoke, (double)total_min * 1e-6);
        bool *done = calloc((size_t)p->node_count, 1);
        if (done) {
            print_by_operator(p, done, per_invoke, total);
            print_nodes(p, done);
            free(done);
        }
    }
    free(p->profile_ns);
    free(p->profile_min_ns);
    p->profile_ns = p->profile_min_ns = NULL;
}

/* The graph nodes node `n`'s kernel computes: its own, then those fused into it. */
static int32_t covered_nodes(const CpuPartitionState *p, int32_t n, int32_t *out) {
    int32_t count = 0;
    out[count++] = p->nodes[n].graph_node;
    for (int32_t m = 0; m < p->node_count; m++)
        if (p->nodes[m].folded && p->nodes[m].fused_into == n) out[count++] = p->nodes[m].graph_node;
    return count;
}

static void report(const CpuPartitionState *p, const char *name, const int32_t *nodes, int32_t count,
                   uint64_t start, uint64_t duration) {
    lps_profile_event(p->delegate->services, name, nodes, count, LITE_PROFILE_CLOCK_HOST, start, duration);
}

LiteStatus cpu_profile_report(CpuPartitionState *p, uint64_t entered_ns) {
    // The kernels are timed first and reported after the last one, so that between two kernels
    // there are only two clock reads; the reporting itself is then reported as one more event.
    int32_t *nodes = malloc(((size_t)p->node_count + 1) * sizeof(int32_t));
    uint64_t *times = malloc(2 * ((size_t)p->node_count + 1) * sizeof(uint64_t));
    if (!nodes || !times) {
        free(nodes);
        free(times);
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    }
    LiteStatus status = LITE_STATUS_OK;
    for (int32_t i = 0; i < p->node_count && status == LITE_STATUS_OK; i++) {
        CpuNode *node = &p->nodes[p->order[i]];
        if (node->folded) continue;
        times[2 * i] = lps_now_ns();
        status = node->op->run(p, node);
        times[2 * i + 1] = lps_now_ns();
    }
    const uint64_t reporting = lps_now_ns();
    // Nodes folded into constants at prepare cost nothing per invoke: one zero-length event names them.
    int32_t folded = 0;
    for (int32_t n = 0; n < p->node_count; n++)
        if (p->nodes[n].folded && p->nodes[n].fused_into < 0) nodes[folded++] = p->nodes[n].graph_node;
    if (folded > 0) report(p, "folded at prepare", nodes, folded, 0, 0);
    for (int32_t i = 0; i < p->node_count && status == LITE_STATUS_OK; i++) {
        const int32_t n = p->order[i];
        if (p->nodes[n].folded) continue;
        const int32_t count = covered_nodes(p, n, nodes);
        report(p, p->nodes[n].op->name, nodes, count, times[2 * i] - entered_ns, times[2 * i + 1] - times[2 * i]);
    }
    if (status == LITE_STATUS_OK)
        report(p, "profiling: reporting events", NULL, 0, reporting - entered_ns, lps_now_ns() - reporting);
    free(nodes);
    free(times);
    return status;
}
