// Partition lifecycle: copy what the nodes need at create, plan memory and prepare kernels at
// prepare, bind host buffers and run the nodes in order at invoke.
#include "cpu_delegate.h"

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
        node->fused_into = -1;
    }
    for (int32_t i = 0; i < p->tensor_count; i++) {
        CpuTensor *t = &p->tensors[i];
        cpu_aligned_free(t->folded);
        t->folded = NULL;
        if (t->base_kind != CPU_TENSOR_CONSTANT) t->constant = NULL;
        t->kind = t->base_kind;
    }
    cpu_prepare_free_all(p); // after the operators' release: their packed weights live there
    p->arena = NULL;
    p->arena_bytes = 0;
    p->prepared = false;
}

void cpu_destroy_partition(LitePartition *handle) {
    CpuPartitionState *p = (CpuPartitionState *)handle;
    if (!p) return;
    cpu_profile_finish(p);
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

/* What create_partition builds the tensor table with: graph tensor -> table index (-1: not yet in
   the table), and which graph tensors the partition's nodes have written so far. */
typedef struct TableBuilder {
    CpuPartitionState *p;
    const LiteGraph *graph;
    int32_t *map;
    bool *produced;
} TableBuilder;

/* Adds graph tensor `index` to the table once; returns its table index. */
static int32_t add_tensor(TableBuilder *b, int32_t index) {
    if (b->map[index] >= 0) return b->map[index];
    CpuPartitionState *p = b->p;
    CpuTensor *t = &p->tensors[p->tensor_count];
    memset(t, 0, sizeof(*t));
    const LiteTensor *source = b->graph->tensors[index];
    t->graph_index = index;
    t->type = source->type;
    t->io_index = -1;
    if (source->constant_data) {
        t->base_kind = t->kind = CPU_TENSOR_CONSTANT;
        t->constant = source->constant_data;
    } else {
        t->base_kind = t->kind = CPU_TENSOR_INTERNAL;
    }
    b->map[index] = p->tensor_count;
    return p->tensor_count++;
}

/* The request's arguments: every node one this plugin claims, every tensor index in range. Sets
   *max_tensors to a bound on the tensor table's size. */
static LiteStatus check_request(CpuDelegateState *delegate, const LiteGraph *graph,
                                const int32_t *node_indices, int32_t node_count,
                                const int32_t *input_tensors, int32_t input_count,
                                const int32_t *output_tensors, int32_t output_count,
                                size_t *max_tensors) {
    if (node_count <= 0 || !node_indices || input_count < 0 || output_count <= 0 ||
        (input_count > 0 && !input_tensors) || !output_tensors)
        return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: create_partition needs nodes and outputs");
    *max_tensors = (size_t)input_count + (size_t)output_count;
    for (int32_t i = 0; i < node_count; i++) {
        int32_t index = node_indices[i];
        if (index < 0 || index >= graph->node_count)
            return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: partition node index %d out of range", index);
        char reason[CPU_REASON_CAPACITY];
        const void *op;
        if (!lps_registry_claim(&cpu_registry, graph, index, &op, reason, sizeof(reason)))
            return cpu_fail(delegate, LITE_STATUS_UNSUPPORTED, "cpu: node %d: %s", index, reason);
        *max_tensors += (size_t)graph->nodes[index]->input_count +
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
    return LITE_STATUS_OK;
}

/* The partition's arrays, zeroed; NULL when out of memory. */
static CpuPartitionState *allocate_partition(CpuDelegateState *delegate, size_t max_tensors,
                                             int32_t node_count, int32_t input_count,
                                             int32_t output_count) {
    CpuPartitionState *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->delegate = delegate;
    p->tensors = calloc(max_tensors, sizeof(CpuTensor));
    p->nodes = calloc((size_t)node_count, sizeof(CpuNode));
    p->order = calloc((size_t)node_count, sizeof(int32_t));
    p->inputs = calloc((size_t)input_count + 1, sizeof(int32_t));
    p->outputs = calloc((size_t)output_count, sizeof(int32_t));
    if (!p->tensors || !p->nodes || !p->order || !p->inputs || !p->outputs) {
        cpu_destroy_partition((LitePartition *)p);
        return NULL;
    }
    for (int32_t n = 0; n < node_count; n++) p->nodes[n].fused_into = -1;
    return p;
}

/* The partition's inputs (kind CPU_TENSOR_INPUT: never constants) or outputs (CPU_TENSOR_OUTPUT:
   neither inputs nor constants) enter the table, with their positions in `slots`. */
static LiteStatus add_boundary(TableBuilder *b, const int32_t *tensors, int32_t count, CpuTensorKind kind,
                               int32_t *slots) {
    CpuPartitionState *p = b->p;
    const bool inputs = kind == CPU_TENSOR_INPUT;
    for (int32_t i = 0; i < count; i++) {
        int32_t t = add_tensor(b, tensors[i]);
        if (inputs ? p->tensors[t].kind == CPU_TENSOR_CONSTANT : p->tensors[t].kind != CPU_TENSOR_INTERNAL)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: partition %s tensor %d is %s",
                            inputs ? "input" : "output", tensors[i],
                            inputs ? "a constant" : "also an input or a constant");
        p->tensors[t].base_kind = p->tensors[t].kind = kind;
        p->tensors[t].io_index = i;
        slots[i] = t;
    }
    return LITE_STATUS_OK;
}

/* A node's inputs: each absent, a partition input, a constant, or written by an earlier node. */
static LiteStatus add_node_inputs(TableBuilder *b, CpuNode *node, const LiteNode *source) {
    CpuPartitionState *p = b->p;
    for (int32_t j = 0; j < source->input_count; j++) {
        int32_t index = source->inputs[j];
        if (index < 0) {
            node->inputs[j] = -1;
            continue;
        }
        if (index >= b->graph->tensor_count) // the claim checks decline these; never index past map
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: node %d input %d: tensor index %d out of range", node->graph_node,
                            j, index);
        int32_t t = add_tensor(b, index);
        if ((p->tensors[t].kind == CPU_TENSOR_INTERNAL || p->tensors[t].kind == CPU_TENSOR_OUTPUT) &&
            !b->produced[index])
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: node %d reads tensor %d ('%s'), which is neither a partition "
                            "input, a constant, nor produced earlier in the partition",
                            node->graph_node, index, b->graph->tensors[index]->name);
        node->inputs[j] = t;
    }
    return LITE_STATUS_OK;
}

/* A node's outputs: each written once, never a partition input or a constant. */
static LiteStatus add_node_outputs(TableBuilder *b, CpuNode *node, const LiteNode *source) {
    CpuPartitionState *p = b->p;
    for (int32_t j = 0; j < source->output_count; j++) {
        int32_t index = source->outputs[j];
        if (index < 0 || index >= b->graph->tensor_count)
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: node %d output %d: tensor index %d out of range",
                            node->graph_node, j, index);
        int32_t t = add_tensor(b, index);
        if (p->tensors[t].kind == CPU_TENSOR_INPUT || p->tensors[t].kind == CPU_TENSOR_CONSTANT ||
            b->produced[index])
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: node %d writes tensor %d, which is an input, a constant or "
                            "written twice", node->graph_node, index);
        b->produced[index] = true;
        node->outputs[j] = t;
    }
    return LITE_STATUS_OK;
}

/* Copies node `i` of the partition (graph node `graph_node`): its operator, params and tensors.
   p->node_count counts the nodes filled in so far, so that a failure part way cleans up those
   only (cpu_destroy_partition unfuses and frees p->node_count nodes). Each node is counted once
   its restore fields say "nothing fused" and before anything of it is allocated. */
static LiteStatus add_node(TableBuilder *b, int32_t i, int32_t graph_node) {
    CpuPartitionState *p = b->p;
    const LiteNode *source = b->graph->nodes[graph_node];
    CpuNode *node = &p->nodes[i];
    node->op = lps_registry_find(&cpu_registry, source->builtin_code, source->custom_name);
    node->graph_node = graph_node;
    node->original_output = node->original_input = -1;
    p->node_count = i + 1;
    node->input_count = source->input_count;
    node->output_count = source->output_count;
    node->inputs = malloc(sizeof(int32_t) * (size_t)(source->input_count + 1));
    node->outputs = malloc(sizeof(int32_t) * (size_t)(source->output_count + 1));
    if (!node->inputs || !node->outputs)
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    if (node->op->params_size > 0) memcpy(&node->params, source->params, node->op->params_size);
    LiteStatus status = add_node_inputs(b, node, source);
    return status == LITE_STATUS_OK ? add_node_outputs(b, node, source) : status;
}

/* The nodes in the partition's order, then a check that they write every partition output. */
static LiteStatus add_nodes(TableBuilder *b, const int32_t *node_indices, int32_t node_count,
                            const int32_t *output_tensors, int32_t output_count) {
    for (int32_t i = 0; i < node_count; i++) b->p->order[i] = i;
    for (int32_t i = 0; i < node_count; i++) {
        LiteStatus status = add_node(b, i, node_indices[i]);
        if (status != LITE_STATUS_OK) return status;
    }
    for (int32_t i = 0; i < output_count; i++)
        if (!b->produced[output_tensors[i]])
            return cpu_fail(b->p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: partition output tensor %d is not produced by its nodes",
                            output_tensors[i]);
    return LITE_STATUS_OK;
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
    size_t max_tensors = 0;
    LiteStatus status = check_request(delegate, graph, node_indices, node_count, input_tensors,
                                      input_count, output_tensors, output_count, &max_tensors);
    if (status != LITE_STATUS_OK) return status;

    const size_t graph_tensors = (size_t)(graph->tensor_count > 0 ? graph->tensor_count : 1);
    TableBuilder b = {
        .p = allocate_partition(delegate, max_tensors, node_count, input_count, output_count),
        .graph = graph,
        .map = malloc(sizeof(int32_t) * graph_tensors),
        .produced = calloc(graph_tensors, 1),
    };
    if (!b.p || !b.map || !b.produced) {
        status = cpu_fail(delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    } else {
        for (int32_t i = 0; i < graph->tensor_count; i++) b.map[i] = -1;
        b.p->input_count = input_count;
        b.p->output_count = output_count;
        status = add_boundary(&b, input_tensors, input_count, CPU_TENSOR_INPUT, b.p->inputs);
        if (status == LITE_STATUS_OK)
            status = add_boundary(&b, output_tensors, output_count, CPU_TENSOR_OUTPUT, b.p->outputs);
        if (status == LITE_STATUS_OK)
            status = add_nodes(&b, node_indices, node_count, output_tensors, output_count);
        if (status == LITE_STATUS_OK) cpu_profile_start(b.p);
    }
    free(b.map);
    free(b.produced);
    if (status != LITE_STATUS_OK) {
        cpu_destroy_partition((LitePartition *)b.p);
        return status;
    }
    *out_partition = (LitePartition *)b.p;
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
        p->arena = cpu_prepare_alloc(p, total);
        if (!p->arena)
            return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY,
                            "cpu: cannot allocate %zu bytes of intermediate tensors", total);
        // Every page of the arena is written by the first invoke: fault them in here (a fresh
        // huge page is cleared when first touched, 2 MiB at a time).
        cpu_prepare_fault_in(p->arena, total);
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
            cpu_log(p->delegate, LITE_LOG_DEBUG, "prepare failed at node %d (%s)",
                    node->graph_node, node->op->name);
    }
    if (status != LITE_STATUS_OK) {
        release_prepared(p);
        return status;
    }
    p->prepared = true;
    return LITE_STATUS_OK;
}

/* A buffer bound at invoke for tensor `t`: present unless the tensor is empty, and at least its size. */
static bool buffer_fits(const void *buffer, size_t size, const CpuTensor *t) {
    return (buffer || t->bytes == 0) && size >= t->bytes;
}

static LiteStatus buffer_too_small(const CpuPartitionState *p, const char *role, int32_t index,
                                   const void *buffer, size_t size, const CpuTensor *t) {
    if (!buffer)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s %d: no buffer (NULL), tensor needs %zu bytes", role, index, t->bytes);
    return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: %s %d: buffer of %zu bytes, tensor needs %zu",
                    role, index, size, t->bytes);
}

LiteStatus cpu_invoke_partition(LitePartition *handle, const void *const *inputs,
                                const size_t *input_sizes, void *const *outputs,
                                const size_t *output_sizes) {
    CpuPartitionState *p = (CpuPartitionState *)handle;
    if (!p) return LITE_STATUS_INVALID_ARGUMENT;
    const uint64_t entered_ns = p->delegate->profile_events ? lps_now_ns() : 0;
    if (!p->prepared)
        return cpu_fail(p->delegate, LITE_STATUS_ERROR, "cpu: invoke before a successful prepare");
    if ((p->input_count > 0 && (!inputs || !input_sizes)) || !outputs || !output_sizes)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: invoke buffers are NULL");
    for (int32_t i = 0; i < p->input_count; i++) {
        CpuTensor *t = &p->tensors[p->inputs[i]];
        if (!buffer_fits(inputs[i], input_sizes[i], t))
            return buffer_too_small(p, "input", i, inputs[i], input_sizes[i], t);
        t->data = (void *)inputs[i]; // inputs are only ever read
    }
    for (int32_t i = 0; i < p->output_count; i++) {
        CpuTensor *t = &p->tensors[p->outputs[i]];
        if (!buffer_fits(outputs[i], output_sizes[i], t))
            return buffer_too_small(p, "output", i, outputs[i], output_sizes[i], t);
        t->data = outputs[i];
    }
    for (int32_t i = 0; i < p->tensor_count; i++) {
        CpuTensor *t = &p->tensors[i];
        if (t->kind == CPU_TENSOR_INTERNAL) t->data = (char *)p->arena + t->arena_offset;
    }
    if (p->delegate->profile_events) return cpu_profile_report(p, entered_ns);
    if (p->profile_ns) return cpu_profile_run(p);
    for (int32_t i = 0; i < p->node_count; i++) {
        CpuNode *node = &p->nodes[p->order[i]];
        if (node->folded) continue;
        LiteStatus status = node->op->run(p, node);
        if (status != LITE_STATUS_OK) return status;
    }
    return LITE_STATUS_OK;
}
