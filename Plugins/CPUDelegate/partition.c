// Partition lifecycle: copy what the nodes need at create, plan memory and prepare kernels at
// prepare, bind host buffers and run the nodes in order at invoke.
#include "cpu_delegate.h"

#include <time.h>

static size_t element_size(LiteDataType type) {
    switch (type) {
    case LITE_DATA_TYPE_FLOAT32:
    case LITE_DATA_TYPE_INT32: return 4;
    case LITE_DATA_TYPE_FLOAT16:
    case LITE_DATA_TYPE_INT16: return 2;
    case LITE_DATA_TYPE_INT64: return 8;
    case LITE_DATA_TYPE_INT8:
    case LITE_DATA_TYPE_UINT8:
    case LITE_DATA_TYPE_BOOL: return 1;
    default: return 0;
    }
}

static void release_prepared(CpuPartitionState *p) {
    cpu_unfuse_partition(p);
    for (int32_t i = 0; i < p->node_count; i++) {
        CpuNode *node = &p->nodes[i];
        if (node->state && node->op->release) node->op->release(node->state);
        node->state = NULL;
        node->folded = false;
    }
    for (int32_t i = 0; i < p->tensor_count; i++) {
        CpuTensor *t = &p->tensors[i];
        cpu_aligned_free(t->folded);
        t->folded = NULL;
        if (t->base_kind != CPU_TENSOR_CONSTANT) t->constant = NULL;
        t->kind = t->base_kind;
    }
    cpu_aligned_free(p->arena);
    p->arena = NULL;
    p->arena_bytes = 0;
    p->prepared = false;
}

/* LITE_CPU_PROFILE=1 measures wall time (what a caller waits for); =cpu measures the calling
   thread's CPU time, which ignores time descheduled on a busy machine (meaningful at 1 thread). */
static clockid_t profile_clock = CLOCK_MONOTONIC;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(profile_clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Prints the per-operator time table of LITE_CPU_PROFILE: by operator, then the slowest nodes. */
static void print_profile(const CpuPartitionState *p) {
    if (!p->profile_ns || p->profile_invokes == 0) return;
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
    if (!done) return;
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
    // LITE_CPU_PROFILE_ALL=1 lists every node in order (to compare runs node by node).
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
    free(done);
}

void cpu_destroy_partition(LitePartition *handle) {
    CpuPartitionState *p = (CpuPartitionState *)handle;
    if (!p) return;
    print_profile(p);
    free(p->profile_ns);
    free(p->profile_min_ns);
    release_prepared(p);
    for (int32_t i = 0; i < p->node_count; i++) {
        free(p->nodes[i].inputs);
        free(p->nodes[i].outputs);
    }
    free(p->nodes);
    free(p->order);
    free(p->tensors);
    free(p->inputs);
    free(p->outputs);
    free(p);
}

/* Adds graph tensor `index` to the table once; returns its table index. */
static int32_t add_tensor(CpuPartitionState *p, int32_t *map, const LiteGraph *graph,
                          int32_t index) {
    if (map[index] >= 0) return map[index];
    CpuTensor *t = &p->tensors[p->tensor_count];
    memset(t, 0, sizeof(*t));
    const LiteTensor *source = graph->tensors[index];
    t->graph_index = index;
    t->type = source->type;
    t->io_index = -1;
    if (source->constant_data) {
        t->base_kind = t->kind = CPU_TENSOR_CONSTANT;
        t->constant = source->constant_data;
    } else {
        t->base_kind = t->kind = CPU_TENSOR_INTERNAL;
    }
    map[index] = p->tensor_count;
    return p->tensor_count++;
}

LiteStatus cpu_create_partition(LiteDelegate *handle, const LiteGraph *graph,
                                const int32_t *node_indices, int32_t node_count,
                                const int32_t *input_tensors, int32_t input_count,
                                const int32_t *output_tensors, int32_t output_count,
                                LitePartition **out_partition) {
    CpuDelegateState *delegate = (CpuDelegateState *)handle;
    if (!delegate) return LITE_STATUS_INVALID_ARGUMENT;
    if (!out_partition)
        return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: out_partition is NULL");
    *out_partition = NULL;
    if (!cpu_validate_graph(delegate, graph)) return LITE_STATUS_INVALID_ARGUMENT;
    if (node_count <= 0 || !node_indices || input_count < 0 || output_count <= 0 ||
        (input_count > 0 && !input_tensors) || !output_tensors)
        return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: create_partition needs nodes and outputs");

    // Every node must still be one this plugin claims.
    size_t max_tensors = (size_t)input_count + (size_t)output_count;
    for (int32_t i = 0; i < node_count; i++) {
        int32_t index = node_indices[i];
        if (index < 0 || index >= graph->node_count)
            return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: partition node index %d out of range", index);
        char reason[CPU_REASON_CAPACITY];
        const void *op;
        if (!lps_registry_claim(&cpu_registry, graph, index, &op, reason, sizeof(reason)))
            return cpu_fail(delegate, LITE_STATUS_UNSUPPORTED, "cpu: node %d: %s", index, reason);
        max_tensors += (size_t)graph->nodes[index]->input_count +
                       (size_t)graph->nodes[index]->output_count;
    }
    for (int32_t i = 0; i < input_count; i++)
        if (input_tensors[i] < 0 || input_tensors[i] >= graph->tensor_count)
            return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: partition input tensor %d out of range", input_tensors[i]);
    for (int32_t i = 0; i < output_count; i++)
        if (output_tensors[i] < 0 || output_tensors[i] >= graph->tensor_count)
            return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: partition output tensor %d out of range", output_tensors[i]);

    CpuPartitionState *p = calloc(1, sizeof(*p));
    int32_t *map = malloc(sizeof(int32_t) * (size_t)(graph->tensor_count > 0 ? graph->tensor_count : 1));
    bool *produced = calloc((size_t)(graph->tensor_count > 0 ? graph->tensor_count : 1), 1);
    if (p) {
        p->delegate = delegate;
        p->tensors = calloc(max_tensors, sizeof(CpuTensor));
        p->nodes = calloc((size_t)node_count, sizeof(CpuNode));
        p->order = calloc((size_t)node_count, sizeof(int32_t));
        p->inputs = calloc((size_t)input_count + 1, sizeof(int32_t));
        p->outputs = calloc((size_t)output_count, sizeof(int32_t));
    }
    if (!p || !map || !produced || !p->tensors || !p->nodes || !p->order || !p->inputs ||
        !p->outputs) {
        free(map);
        free(produced);
        cpu_destroy_partition((LitePartition *)p);
        return cpu_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    }
    for (int32_t i = 0; i < graph->tensor_count; i++) map[i] = -1;

    LiteStatus status = LITE_STATUS_OK;
    p->input_count = input_count;
    for (int32_t i = 0; i < input_count; i++) {
        int32_t t = add_tensor(p, map, graph, input_tensors[i]);
        if (p->tensors[t].kind == CPU_TENSOR_CONSTANT) {
            status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                              "cpu: partition input tensor %d is a constant", input_tensors[i]);
            goto done;
        }
        p->tensors[t].base_kind = p->tensors[t].kind = CPU_TENSOR_INPUT;
        p->tensors[t].io_index = i;
        p->inputs[i] = t;
    }
    p->output_count = output_count;
    for (int32_t i = 0; i < output_count; i++) {
        int32_t t = add_tensor(p, map, graph, output_tensors[i]);
        if (p->tensors[t].kind != CPU_TENSOR_INTERNAL) {
            status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                              "cpu: partition output tensor %d is also an input or a constant",
                              output_tensors[i]);
            goto done;
        }
        p->tensors[t].base_kind = p->tensors[t].kind = CPU_TENSOR_OUTPUT;
        p->tensors[t].io_index = i;
        p->outputs[i] = t;
    }

    for (int32_t i = 0; i < node_count; i++) p->order[i] = i;
    // p->node_count counts the nodes filled in so far, so that a failure part way cleans up those
    // only (cpu_destroy_partition unfuses and frees p->node_count nodes). Each node is counted once
    // its restore fields say "nothing fused" and before anything of it is allocated.
    for (int32_t i = 0; i < node_count; i++) {
        const LiteNode *source = graph->nodes[node_indices[i]];
        CpuNode *node = &p->nodes[i];
        node->op = lps_registry_find(&cpu_registry, source->builtin_code, source->custom_name);
        node->graph_node = node_indices[i];
        node->original_output = node->original_input = -1;
        p->node_count = i + 1;
        node->input_count = source->input_count;
        node->output_count = source->output_count;
        node->inputs = malloc(sizeof(int32_t) * (size_t)(source->input_count + 1));
        node->outputs = malloc(sizeof(int32_t) * (size_t)(source->output_count + 1));
        if (!node->inputs || !node->outputs) {
            status = cpu_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
            goto done;
        }
        if (node->op->params_size > 0) memcpy(&node->params, source->params, node->op->params_size);
        for (int32_t j = 0; j < source->input_count; j++) {
            int32_t index = source->inputs[j];
            if (index < 0) {
                node->inputs[j] = -1;
                continue;
            }
            if (index >= graph->tensor_count) { // the claim checks decline these; never index past map
                status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                                  "cpu: node %d input %d: tensor index %d out of range",
                                  node_indices[i], j, index);
                goto done;
            }
            int32_t t = add_tensor(p, map, graph, index);
            if (p->tensors[t].kind == CPU_TENSOR_INTERNAL || p->tensors[t].kind == CPU_TENSOR_OUTPUT) {
                if (!produced[index]) {
                    status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                                      "cpu: node %d reads tensor %d ('%s'), which is neither a "
                                      "partition input, a constant, nor produced earlier in the "
                                      "partition", node_indices[i], index,
                                      graph->tensors[index]->name);
                    goto done;
                }
            }
            node->inputs[j] = t;
        }
        for (int32_t j = 0; j < source->output_count; j++) {
            int32_t index = source->outputs[j];
            if (index < 0 || index >= graph->tensor_count) {
                status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                                  "cpu: node %d output %d: tensor index %d out of range",
                                  node_indices[i], j, index);
                goto done;
            }
            int32_t t = add_tensor(p, map, graph, index);
            if (p->tensors[t].kind == CPU_TENSOR_INPUT || p->tensors[t].kind == CPU_TENSOR_CONSTANT ||
                produced[index]) {
                status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                                  "cpu: node %d writes tensor %d, which is an input, a constant "
                                  "or written twice", node_indices[i], index);
                goto done;
            }
            produced[index] = true;
            node->outputs[j] = t;
        }
    }
    for (int32_t i = 0; i < output_count; i++) {
        if (!produced[output_tensors[i]]) {
            status = cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                              "cpu: partition output tensor %d is not produced by its nodes",
                              output_tensors[i]);
            goto done;
        }
    }

    const char *profile = getenv("LITE_CPU_PROFILE");
    if (profile && *profile && strcmp(profile, "0") != 0)
    {
        p->profile_ns = calloc((size_t)node_count, sizeof(uint64_t)); // NULL: profiling stays off
        p->profile_min_ns = calloc((size_t)node_count, sizeof(uint64_t));
        if (!p->profile_min_ns) {
            free(p->profile_ns);
            p->profile_ns = NULL;
        }
        if (strcmp(profile, "cpu") == 0) profile_clock = CLOCK_THREAD_CPUTIME_ID;
    }

done:
    free(map);
    free(produced);
    if (status != LITE_STATUS_OK) {
        cpu_destroy_partition((LitePartition *)p);
        return status;
    }
    *out_partition = (LitePartition *)p;
    return LITE_STATUS_OK;
}

/* Reads the current shapes of the partition's tensors from the graph. */
static LiteStatus refresh_shapes(CpuPartitionState *p, const LiteGraph *graph) {
    for (int32_t i = 0; i < p->tensor_count; i++) {
        CpuTensor *t = &p->tensors[i];
        if (t->graph_index >= graph->tensor_count)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: prepare graph lacks tensor %d", t->graph_index);
        const LiteTensor *source = graph->tensors[t->graph_index];
        if (source->type != t->type)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: tensor %d changed type since create_partition", t->graph_index);
        if (source->rank > CPU_MAX_RANK)
            return cpu_fail(p->delegate, LITE_STATUS_UNSUPPORTED, "cpu: tensor %d rank %d > %d",
                            t->graph_index, source->rank, CPU_MAX_RANK);
        t->rank = source->rank;
        size_t count = 1;
        for (int32_t d = 0; d < source->rank; d++) {
            int32_t dim = source->dims[d];
            if (dim < 0)
                return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                                "cpu: tensor %d ('%s') has an unknown dimension", t->graph_index,
                                source->name);
            t->dims[d] = dim;
            if (dim != 0 && count > SIZE_MAX / 16 / (size_t)dim)
                return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                                "cpu: tensor %d is too large", t->graph_index);
            count *= (size_t)dim;
        }
        t->count = count;
        t->bytes = count * element_size(t->type);
        if (t->base_kind == CPU_TENSOR_CONSTANT) {
            t->constant = source->constant_data;
            if (!t->constant || source->byte_size < t->bytes)
                return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                                "cpu: constant tensor %d ('%s') holds %zu bytes, its shape needs %zu",
                                t->graph_index, source->name, source->byte_size, t->bytes);
        }
    }
    return LITE_STATUS_OK;
}

/* Assigns arena offsets to internal tensors: greedy by size, sharing space between tensors whose
   lifetimes (first write .. last read, in node order) do not overlap. */
static int compare_by_size(const void *a, const void *b) {
    const LpsInterval *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    return x->tensor - y->tensor;
}

static LiteStatus plan_memory(CpuPartitionState *p) {
    LpsInterval *intervals = calloc((size_t)p->tensor_count + 1, sizeof(LpsInterval));
    int32_t *slot = malloc(sizeof(int32_t) * ((size_t)p->tensor_count + 1));
    if (!intervals || !slot) {
        free(intervals);
        free(slot);
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    }
    int32_t count = 0;
    for (int32_t i = 0; i < p->tensor_count; i++) slot[i] = -1;
    for (int32_t n = 0; n < p->node_count; n++) { // n: position in the execution order
        const CpuNode *node = &p->nodes[p->order[n]];
        if (node->folded) continue;
        const int32_t reads = node->input_count + node->epilogue.count;
        for (int32_t j = 0; j < node->output_count + reads; j++) {
            int32_t t;
            if (j < node->output_count) t = node->outputs[j];
            else if (j < node->output_count + node->input_count) t = node->inputs[j - node->output_count];
            else t = node->epilogue.steps[j - node->output_count - node->input_count].tensor;
            if (t < 0 || p->tensors[t].kind != CPU_TENSOR_INTERNAL) continue;
            if (slot[t] < 0) {
                slot[t] = count;
                intervals[count] = (LpsInterval){.tensor = t, .first = n, .last = n,
                                              .bytes = (p->tensors[t].bytes + 63) & ~(size_t)63};
                count++;
            }
            intervals[slot[t]].last = n;
        }
    }
    qsort(intervals, (size_t)count, sizeof(LpsInterval), compare_by_size);
    const size_t total = lps_place_intervals(intervals, count);
    for (int32_t i = 0; i < count; i++) p->tensors[intervals[i].tensor].arena_offset = intervals[i].offset;
    free(intervals);
    free(slot);
    if (total > 0) {
        p->arena = cpu_aligned_alloc(total);
        if (!p->arena)
            return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY,
                            "cpu: cannot allocate %zu bytes of intermediate tensors", total);
    }
    p->arena_bytes = total;
    return LITE_STATUS_OK;
}

/* DEQUANTIZE of a constant (float16 weights) whose result stays inside: computed once here, and
   its output becomes a constant that the consumers pack at prepare. */
static LiteStatus fold_constants(CpuPartitionState *p) {
    for (int32_t n = 0; n < p->node_count; n++) {
        CpuNode *node = &p->nodes[n];
        if (node->op != &cpu_op_dequantize) continue;
        CpuTensor *in = &p->tensors[node->inputs[0]];
        CpuTensor *out = &p->tensors[node->outputs[0]];
        if (in->kind != CPU_TENSOR_CONSTANT || out->kind != CPU_TENSOR_INTERNAL) continue;
        LiteStatus status = node->op->prepare ? node->op->prepare(p, node) : LITE_STATUS_OK;
        if (status != LITE_STATUS_OK) return status;
        out->folded = cpu_aligned_alloc(out->bytes);
        if (!out->folded)
            return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
        in->data = (void *)in->constant;
        out->data = out->folded;
        status = node->op->run(p, node);
        if (status != LITE_STATUS_OK) return status;
        if (node->state && node->op->release) node->op->release(node->state);
        node->state = NULL;
        out->kind = CPU_TENSOR_CONSTANT;
        out->constant = out->folded;
        node->folded = true;
    }
    return LITE_STATUS_OK;
}

LiteStatus cpu_prepare_partition(LitePartition *handle, const LiteGraph *graph) {
    CpuPartitionState *p = (CpuPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    if (!cpu_validate_graph(p->delegate, graph)) return LITE_STATUS_INVALID_ARGUMENT;
    release_prepared(p);
    LiteStatus status = refresh_shapes(p, graph);
    if (status == LITE_STATUS_OK) status = fold_constants(p);
    if (status == LITE_STATUS_OK) status = cpu_fuse_partition(p);
    if (status == LITE_STATUS_OK) status = plan_memory(p);
    for (int32_t i = 0; i < p->tensor_count && status == LITE_STATUS_OK; i++) {
        CpuTensor *t = &p->tensors[i];
        t->data = t->kind == CPU_TENSOR_CONSTANT ? (void *)t->constant : NULL;
    }
    for (int32_t n = 0; n < p->node_count && status == LITE_STATUS_OK; n++) {
        CpuNode *node = &p->nodes[n];
        if (node->folded || !node->op->prepare) continue;
        status = node->op->prepare(p, node);
        if (status != LITE_STATUS_OK)
            cpu_log(p->delegate, LITE_LOG_DEBUG, "cpu: prepare failed at node %d (%s)",
                    node->graph_node, node->op->name);
    }
    if (status != LITE_STATUS_OK) {
        release_prepared(p);
        return status;
    }
    p->prepared = true;
    return LITE_STATUS_OK;
}

LiteStatus cpu_invoke_partition(LitePartition *handle, const void *const *inputs,
                                const size_t *input_sizes, void *const *outputs,
                                const size_t *output_sizes) {
    CpuPartitionState *p = (CpuPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    if (!p->prepared)
        return cpu_fail(p->delegate, LITE_STATUS_ERROR, "cpu: invoke before a successful prepare");
    if ((p->input_count > 0 && (!inputs || !input_sizes)) || !outputs || !output_sizes)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: invoke buffers are NULL");
    for (int32_t i = 0; i < p->input_count; i++) {
        CpuTensor *t = &p->tensors[p->inputs[i]];
        if ((!inputs[i] && t->bytes > 0) || input_sizes[i] < t->bytes)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: input %d: buffer of %zu bytes, tensor needs %zu", i,
                            input_sizes[i], t->bytes);
        t->data = (void *)inputs[i]; // inputs are only ever read
    }
    for (int32_t i = 0; i < p->output_count; i++) {
        CpuTensor *t = &p->tensors[p->outputs[i]];
        if ((!outputs[i] && t->bytes > 0) || output_sizes[i] < t->bytes)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: output %d: buffer of %zu bytes, tensor needs %zu", i,
                            output_sizes[i], t->bytes);
        t->data = outputs[i];
    }
    for (int32_t i = 0; i < p->tensor_count; i++) {
        CpuTensor *t = &p->tensors[i];
        if (t->kind == CPU_TENSOR_INTERNAL) t->data = (char *)p->arena + t->arena_offset;
    }
    if (p->profile_ns) {
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
    for (int32_t i = 0; i < p->node_count; i++) {
        CpuNode *node = &p->nodes[p->order[i]];
        if (node->folded) continue;
        LiteStatus status = node->op->run(p, node);
        if (status != LITE_STATUS_OK) return status;
    }
    return LITE_STATUS_OK;
}
