// The planner: from a partition's nodes and the current shapes to a GpuProgram (tensor table,
// constant blobs, dispatches in order, memory plan). Graph rewrites happen here, before any
// operator is planned:
//  - DEQUANTIZE of a float16 constant is computed once; its output becomes a constant.
//  - RESHAPE that keeps the channel count is free: the output shares the input's storage.
//  - PAD of height/width only, read by one convolution, becomes that convolution's padding.
//  - An elementwise node (activations, ADD/SUB/MUL/PRELU with a tensor broadcasting as a whole
//    tensor, per channel or as a scalar) whose input comes from a dispatch that accepts fused
//    steps, and is read by nobody else, becomes a step of that dispatch, which then runs at the
//    fused node's place in the order (so the other operand is ready).
#include "gpu_shared.h"

typedef struct NodeRecord {
    const LiteNode *node;
    int32_t graph_node;
    const GpuOp *op;
    bool skipped;      /* folded, free, or fused into another record */
    int32_t last;      /* for chain roots: the record index where the chain ends */
    GpuNodePlan plan;  /* for chain roots */
} NodeRecord;

struct GpuPlanner {
    const LiteGraph *graph;
    GpuProgram *program;
    GpuPlanOptions options;
    int32_t tensor_capacity;
    char *error;
    size_t capacity;
    bool failed;
};

/* ---------------------------------------------------------------------------------------------- */
/* Tensor table                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static void set_shape(GpuTensor *t, int32_t rank, const int32_t *dims) {
    t->rank = rank;
    for (int32_t i = 0; i < rank && i < GPU_MAX_RANK; i++) t->dims[i] = dims[i];
    t->shape = gpu_shape_of(rank <= GPU_KERNEL_RANK ? rank : 0, dims);
    if (rank > GPU_KERNEL_RANK) {
        // Only constants (never bound as tensors) may have a higher rank; keep a flat view.
        int64_t count = 1;
        for (int32_t i = 0; i < rank; i++) count *= dims[i];
        t->shape = (GpuShape){1, 1, 1, (int32_t)count};
    }
    t->slices = (t->shape.c + 3) / 4;
    t->vec4_count = (size_t)t->shape.b * (size_t)t->shape.h * (size_t)t->shape.w * (size_t)t->slices;
}

static int32_t add_tensor(GpuPlanner *pl, int32_t *map, int32_t graph_index) {
    if (map[graph_index] >= 0) return map[graph_index];
    GpuProgram *p = pl->program;
    if (p->tensor_count >= pl->tensor_capacity) return -1;
    const LiteTensor *source = pl->graph->tensors[graph_index];
    GpuTensor *t = &p->tensors[p->tensor_count];
    memset(t, 0, sizeof(*t));
    t->graph_index = graph_index;
    t->type = source->type;
    set_shape(t, source->rank, source->dims);
    t->kind = source->constant_data ? GPU_TENSOR_CONSTANT : GPU_TENSOR_INTERNAL;
    t->constant = source->constant_data;
    t->io_index = -1;
    t->alias = -1;
    t->blob = -1;
    t->first_use = t->last_use = -1;
    map[graph_index] = p->tensor_count;
    return p->tensor_count++;
}

GpuTensor *gpu_tensor(GpuPlanner *pl, int32_t index) {
    if (index < 0 || index >= pl->program->tensor_count) return NULL;
    return &pl->program->tensors[index];
}

int32_t gpu_storage_root(const GpuProgram *program, int32_t index) {
    for (int32_t guard = 0; index >= 0 && program->tensors[index].alias >= 0 &&
                            guard < program->tensor_count; guard++)
        index = program->tensors[index].alias;
    return index;
}

size_t gpu_host_element_bytes(LiteDataType type) {
    return type == LITE_DATA_TYPE_FLOAT16 ? 2 : 4;
}

size_t gpu_host_bytes(const GpuProgram *program, int32_t index) {
    const GpuTensor *t = &program->tensors[index];
    return (size_t)t->shape.b * (size_t)t->shape.h * (size_t)t->shape.w * (size_t)t->shape.c *
           gpu_host_element_bytes(t->type);
}

size_t gpu_tensor_bytes(const GpuProgram *program, int32_t index) {
    size_t count = program->tensors[index].vec4_count;
    const bool fp32 = program->tensors[gpu_storage_root(program, index)].keep_fp32;
    return (count > 0 ? count : 1) * (fp32 ? 16 : program->element_bytes);
}

const float *gpu_constant_floats(GpuPlanner *pl, int32_t index) {
    GpuTensor *t = gpu_tensor(pl, index);
    if (!t) return NULL;
    t = gpu_tensor(pl, gpu_storage_root(pl->program, index));
    if (t->kind != GPU_TENSOR_CONSTANT || t->type != LITE_DATA_TYPE_FLOAT32) return NULL;
    return t->constant;
}

int32_t gpu_add_scratch(GpuPlanner *pl, GpuShape shape) {
    GpuProgram *p = pl->program;
    if (p->tensor_count >= pl->tensor_capacity) return -1;
    GpuTensor *t = &p->tensors[p->tensor_count];
    memset(t, 0, sizeof(*t));
    int32_t dims[4] = {shape.b, shape.h, shape.w, shape.c};
    t->graph_index = -1;
    t->type = LITE_DATA_TYPE_FLOAT32;
    set_shape(t, 4, dims);
    t->kind = GPU_TENSOR_INTERNAL;
    t->keep_fp32 = true; // fp16 mode: a copy of a tensor whose range is unknown here (choose_storage)
    t->io_index = -1;
    t->alias = -1;
    t->blob = -1;
    t->first_use = t->last_use = -1;
    return p->tensor_count++;
}

int32_t gpu_add_blob(GpuPlanner *pl, float *data, size_t floats, bool keep_fp32) {
    GpuProgram *p = pl->program;
    if (!data) return -1;
    if (p->blob_count == p->blob_capacity) {
        int32_t capacity = p->blob_capacity ? p->blob_capacity * 2 : 32;
        GpuBlob *blobs = realloc(p->blobs, sizeof(GpuBlob) * (size_t)capacity);
        if (!blobs) {
            free(data);
            return -1;
        }
        p->blobs = blobs;
        p->blob_capacity = capacity;
    }
    p->blobs[p->blob_count] = (GpuBlob){.data = data, .floats = floats, .keep_fp32 = keep_fp32};
    return p->blob_count++;
}

/* The constant tensor in the slice layout, as a blob (made once). */
static int32_t constant_blob(GpuPlanner *pl, int32_t index) {
    GpuTensor *t = gpu_tensor(pl, index);
    if (t->blob >= 0) return t->blob;
    if (t->type != LITE_DATA_TYPE_FLOAT32 || !t->constant || t->rank > GPU_KERNEL_RANK) return -1;
    const GpuShape s = t->shape;
    const size_t count = t->vec4_count > 0 ? t->vec4_count : 1;
    float *data = calloc(count * 4, sizeof(float));
    if (!data) return -1;
    const float *source = t->constant;
    size_t k = 0;
    for (int32_t b = 0; b < s.b; b++)
        for (int32_t y = 0; y < s.h; y++)
            for (int32_t x = 0; x < s.w; x++) {
                const size_t base = (((size_t)b * s.h + y) * s.w + x) * (size_t)t->slices * 4;
                for (int32_t c = 0; c < s.c; c++) data[base + (size_t)c] = source[k++];
            }
    t->blob = gpu_add_blob(pl, data, count * 4, false);
    return t->blob;
}

/* ---------------------------------------------------------------------------------------------- */
/* Dispatches                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

bool gpu_plan_fail(GpuPlanner *pl, const GpuNodePlan *node, const char *format, ...) {
    char message[GPU_ERROR_CAPACITY];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (node)
        snprintf(pl->error, pl->capacity, "node %d (%s): %s", node->graph_node, node->op->name, message);
    else
        snprintf(pl->error, pl->capacity, "%s", message);
    pl->failed = true;
    return false;
}

bool gpu_plan_check_window(GpuPlanner *pl, const GpuNodePlan *node, int32_t in_h, int32_t in_w, int32_t out_h,
                           int32_t out_w, int32_t kernel_h, int32_t kernel_w, int32_t stride_h, int32_t stride_w,
                           int32_t dilation_h, int32_t dilation_w) {
    char reason[GPU_ERROR_CAPACITY];
    if (lps_check_window_axis("height", (int64_t)in_h + node->pad_top + node->pad_bottom, out_h, kernel_h,
                              stride_h, dilation_h, reason, sizeof(reason)) &&
        lps_check_window_axis("width", (int64_t)in_w + node->pad_left + node->pad_right, out_w, kernel_w,
                              stride_w, dilation_w, reason, sizeof(reason)))
        return true;
    return gpu_plan_fail(pl, node, "%s", reason);
}

GpuDispatch *gpu_emit(GpuPlanner *pl, const GpuNodePlan *node, const char *kernel) {
    GpuProgram *p = pl->program;
    if (p->dispatch_count == p->dispatch_capacity) {
        int32_t capacity = p->dispatch_capacity ? p->dispatch_capacity * 2 : 64;
        GpuDispatch *dispatches = realloc(p->dispatches, sizeof(GpuDispatch) * (size_t)capacity);
        if (!dispatches) {
            gpu_plan_fail(pl, node, "out of memory");
            return NULL;
        }
        p->dispatches = dispatches;
        p->dispatch_capacity = capacity;
    }
    GpuDispatch *d = &p->dispatches[p->dispatch_count++];
    memset(d, 0, sizeof(*d));
    d->kernel = kernel;
    d->node = node ? node->graph_node : -1;
    d->op_name = node ? node->op->name : "layout conversion";
    d->fused_nodes = node ? node->fused_nodes : 0;
    d->local[0] = d->local[1] = d->local[2] = 1;
    return d;
}

bool gpu_bind_tensor(GpuPlanner *pl, GpuDispatch *d, int32_t tensor, bool writes) {
    if (d->binding_count >= GPU_MAX_BINDINGS) {
        pl->failed = true;
        snprintf(pl->error, pl->capacity, "node %d (%s): too many buffers", d->node, d->op_name);
        return false;
    }
    int32_t root = gpu_storage_root(pl->program, tensor);
    GpuTensor *t = gpu_tensor(pl, root);
    if (t->kind == GPU_TENSOR_CONSTANT) {
        int32_t blob = writes ? -1 : constant_blob(pl, root);
        if (blob < 0) {
            pl->failed = true;
            snprintf(pl->error, pl->capacity, "node %d (%s): cannot bind constant tensor '%s'",
                     d->node, d->op_name,
                     t->graph_index >= 0 ? pl->graph->tensors[t->graph_index]->name : "");
            return false;
        }
        d->bindings[d->binding_count++] = (GpuBinding){GPU_RESOURCE_BLOB, blob, false};
        return true;
    }
    d->bindings[d->binding_count++] = (GpuBinding){GPU_RESOURCE_TENSOR, root, writes};
    return true;
}

void gpu_bind_blob(GpuDispatch *d, int32_t blob) {
    if (d->binding_count < GPU_MAX_BINDINGS)
        d->bindings[d->binding_count++] = (GpuBinding){GPU_RESOURCE_BLOB, blob, false};
}

void gpu_define(GpuDispatch *d, const char *format, ...) {
    size_t used = strlen(d->defines);
    if (used >= sizeof(d->defines) - 1) return;
    va_list args;
    va_start(args, format);
    vsnprintf(d->defines + used, sizeof(d->defines) - used, format, args);
    va_end(args);
}

void gpu_param_vec4(GpuDispatch *d, int slot, float x, float y, float z, float w) {
    const float values[4] = {x, y, z, w};
    memcpy(&d->params[slot * 4], values, sizeof(values));
}

void gpu_param_shape(GpuDispatch *d, int slot, const GpuTensor *t) {
    gpu_param_ivec4(d, slot, t->shape.h, t->shape.w, t->shape.c, t->slices);
}

static uint32_t power_of_two_at_least(uint32_t n) {
    uint32_t p = 1;
    while (p < n && p < 64) p <<= 1;
    return p;
}

void gpu_set_grid(GpuDispatch *d, uint32_t x, uint32_t y, uint32_t z) {
    d->grid[0] = x ? x : 1;
    d->grid[1] = y ? y : 1;
    d->grid[2] = z ? z : 1;
    // 64 invocations per workgroup (8 subgroups of lavapipe's 8 lanes), spent on x first. Past 8,
    // x gets the power of two that leaves the fewest idle invocations on the row (18 -> 8, as
    // 3 x 8, not 32 of which 14 idle), the largest on a tie: idle invocations of the blocked
    // kernels still run their loads.
    uint32_t lx = power_of_two_at_least(d->grid[0]);
    for (uint32_t candidate = lx / 2; candidate >= 8; candidate /= 2) {
        const uint32_t waste = (d->grid[0] + candidate - 1) / candidate * candidate - d->grid[0];
        const uint32_t best = (d->grid[0] + lx - 1) / lx * lx - d->grid[0];
        if (waste < best) lx = candidate;
    }
    uint32_t ly = power_of_two_at_least(d->grid[1]);
    if (lx * ly > 64) ly = 64 / lx;
    uint32_t lz = power_of_two_at_least(d->grid[2]);
    if (lx * ly * lz > 64) lz = 64 / (lx * ly);
    d->local[0] = lx;
    d->local[1] = ly ? ly : 1;
    d->local[2] = lz ? lz : 1;
}

int32_t gpu_pixel_tile(int32_t count) {
    if (count <= 4) return count > 0 ? count : 1;
    const int32_t waste8 = (count + 7) / 8 * 8 - count, waste4 = (count + 3) / 4 * 4 - count;
    return waste8 <= waste4 ? 8 : 4;
}

void gpu_grid_over(GpuDispatch *d, const GpuTensor *t) {
    gpu_set_grid(d, (uint32_t)t->shape.w, (uint32_t)t->shape.h,
                 (uint32_t)t->shape.b * (uint32_t)t->slices);
}

/* Adds the fused steps of `node` to its dispatch: defines, and bindings after the kernel's own. */
static bool apply_epilogue(GpuPlanner *pl, const GpuNodePlan *node, GpuDispatch *d) {
    for (int32_t i = 0; i < node->step_count; i++) {
        const GpuEpilogueStep *step = &node->steps[i];
        gpu_define(d, "#define EPI_%d %d\n", i, (int)step->kind);
        if (step->operand >= 0) {
            int32_t binding = d->binding_count;
            if (!gpu_bind_tensor(pl, d, step->operand, false)) return false;
            gpu_define(d, "#define EPI_%d_BINDING %d\n#define EPI_%d_MODE %d\n#define EPI_%d_STORAGE STORAGE_%d\n",
                       i, binding, i, (int)step->mode, i, binding);
        }
        if (step->kind == GPU_EPI_LEAKY) {
            uint32_t bits;
            memcpy(&bits, &step->alpha, sizeof(bits));
            gpu_define(d, "#define EPI_%d_ALPHA uintBitsToFloat(0x%08xu)\n", i, bits);
        }
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------- */
/* Graph rewrites                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

static bool same_shape(const GpuTensor *a, const GpuTensor *b) {
    return a->shape.b == b->shape.b && a->shape.h == b->shape.h && a->shape.w == b->shape.w &&
           a->shape.c == b->shape.c;
}

static bool fold_dequantize(GpuPlanner *pl, NodeRecord *r) {
    GpuTensor *in = gpu_tensor(pl, r->plan.inputs[0]), *out = gpu_tensor(pl, r->plan.output);
    if (in->kind != GPU_TENSOR_CONSTANT) return true; // a float16 input, widened on upload
    if (in->type != LITE_DATA_TYPE_FLOAT16)
        return gpu_plan_fail(pl, &r->plan, "DEQUANTIZE of a constant that is not float16");
    size_t count = 1;
    for (int32_t i = 0; i < in->rank; i++) count *= (size_t)in->dims[i];
    out->folded = malloc((count ? count : 1) * sizeof(float));
    if (!out->folded) return gpu_plan_fail(pl, &r->plan, "out of memory");
    const uint16_t *half = in->constant;
    for (size_t i = 0; i < count; i++) out->folded[i] = lps_half_to_float(half[i]);
    out->kind = out->kind == GPU_TENSOR_OUTPUT ? GPU_TENSOR_OUTPUT : GPU_TENSOR_CONSTANT;
    out->constant = out->folded;
    r->skipped = out->kind == GPU_TENSOR_CONSTANT;
    return true;
}

/* The operand mode of `operand` against an output of shape `out`, or -1 when it does not fit. */
static int operand_mode(const GpuTensor *operand, const GpuTensor *out) {
    if (operand->type != LITE_DATA_TYPE_FLOAT32 || operand->rank > GPU_KERNEL_RANK) return -1;
    if (same_shape(operand, out)) return GPU_OPERAND_FULL;
    if (operand->shape.b == 1 && operand->shape.h == 1 && operand->shape.w == 1) {
        if (operand->shape.c == out->shape.c) return GPU_OPERAND_CHANNEL;
        if (operand->shape.c == 1) return GPU_OPERAND_SCALAR;
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------- */
/* Memory plan                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

static int compare_by_size(const void *a, const void *b) {
    const LpsInterval *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    return x->first - y->first;
}

static size_t align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

static bool plan_memory(GpuPlanner *pl) {
    GpuProgram *p = pl->program;
    const size_t alignment = pl->options.offset_alignment > 16 ? pl->options.offset_alignment : 16;
    for (int32_t d = 0; d < p->dispatch_count; d++) {
        const GpuDispatch *dispatch = &p->dispatches[d];
        for (int32_t b = 0; b < dispatch->binding_count; b++) {
            if (dispatch->bindings[b].kind != GPU_RESOURCE_TENSOR) continue;
            GpuTensor *t = &p->tensors[dispatch->bindings[b].index];
            if (t->first_use < 0) t->first_use = d;
            t->last_use = d;
        }
    }
    LpsInterval *intervals = calloc((size_t)p->tensor_count + 1, sizeof(LpsInterval));
    if (!intervals) return gpu_plan_fail(pl, NULL, "out of memory");
    int32_t count = 0;
    for (int32_t i = 0; i < p->tensor_count; i++) {
        const GpuTensor *t = &p->tensors[i];
        if (t->first_use < 0) continue;
        const size_t bytes = gpu_tensor_bytes(p, i);
        if (pl->options.max_binding_bytes && bytes > pl->options.max_binding_bytes) {
            free(intervals);
            return gpu_plan_fail(pl, NULL, "tensor '%s' needs %zu bytes, more than the largest "
                                 "storage buffer binding (%zu)",
                                 t->graph_index >= 0 ? pl->graph->tensors[t->graph_index]->name : "(scratch)",
                                 bytes, pl->options.max_binding_bytes);
        }
        intervals[count++] = (LpsInterval){.tensor = i, .first = t->first_use, .last = t->last_use,
                                        .bytes = align_up(bytes, alignment)};
        p->stored_tensors++;
        p->half_tensors += p->precision == GPU_PRECISION_FP16 && !t->keep_fp32;
    }
    qsort(intervals, (size_t)count, sizeof(LpsInterval), compare_by_size);
    const size_t total = lps_place_intervals(intervals, count);
    for (int32_t i = 0; i < count; i++) p->tensors[intervals[i].tensor].arena_offset = intervals[i].offset;
    free(intervals);
    p->arena_bytes = total > 0 ? total : alignment;

    size_t blob_offset = 0;
    for (int32_t i = 0; i < p->blob_count; i++) {
        p->blobs[i].offset = blob_offset;
        blob_offset = align_up(blob_offset + gpu_blob_bytes(p, i), alignment);
    }
    p->blob_bytes = blob_offset > 0 ? blob_offset : alignment;
    return true;
}

size_t gpu_blob_bytes(const GpuProgram *program, int32_t index) {
    const GpuBlob *blob = &program->blobs[index];
    const size_t element = (program->precision == GPU_PRECISION_FP16 && !blob->keep_fp32) ? 2 : 4;
    return (blob->floats > 0 ? blob->floats : 4) * element;
}

void gpu_blob_write(const GpuProgram *program, int32_t index, void *destination) {
    const GpuBlob *blob = &program->blobs[index];
    if (program->precision == GPU_PRECISION_FP16 && !blob->keep_fp32) {
        uint16_t *out = destination;
        for (size_t i = 0; i < blob->floats; i++) out[i] = gpu_float_to_half(blob->data[i]);
    } else {
        memcpy(destination, blob->data, blob->floats * sizeof(float));
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* The whole plan                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

void gpu_program_free(GpuProgram *p) {
    if (!p) return;
    for (int32_t i = 0; i < p->tensor_count; i++) free(p->tensors[i].folded);
    for (int32_t i = 0; i < p->blob_count; i++) free(p->blobs[i].data);
    free(p->tensors);
    free(p->blobs);
    free(p->dispatches);
    free(p->inputs);
    free(p->outputs);
    free(p->input_offsets);
    free(p->output_offsets);
    memset(p, 0, sizeof(*p));
}

static bool is_float_data(const GpuTensor *t) {
    return t->type == LITE_DATA_TYPE_FLOAT32 && t->rank <= GPU_KERNEL_RANK;
}

static bool build_records(GpuPlanner *pl, const int32_t *nodes, int32_t node_count, int32_t *map,
                          NodeRecord *records) {
    const LiteGraph *graph = pl->graph;
    for (int32_t i = 0; i < node_count; i++) {
        NodeRecord *r = &records[i];
        const LiteNode *node = graph->nodes[nodes[i]];
        char reason[GPU_REASON_CAPACITY];
        const GpuOp *op;
        r->node = node;
        r->graph_node = nodes[i];
        r->last = i;
        if (!gpu_node_supported(graph, nodes[i], &op, reason, sizeof(reason))) {
            snprintf(pl->error, pl->capacity, "node %d: %s", nodes[i], reason);
            return false;
        }
        r->op = op;
        GpuNodePlan *plan = &r->plan;
        plan->node = node;
        plan->graph_node = nodes[i];
        plan->op = op;
        plan->fused_nodes = 1;
        plan->input_count = node->input_count;
        for (int32_t j = 0; j < node->input_count; j++) {
            plan->inputs[j] = node->inputs[j] < 0 ? -1 : add_tensor(pl, map, node->inputs[j]);
            if (node->inputs[j] >= 0 && plan->inputs[j] < 0)
                return gpu_plan_fail(pl, plan, "too many tensors");
        }
        plan->output = add_tensor(pl, map, node->outputs[0]);
        if (plan->output < 0) return gpu_plan_fail(pl, plan, "too many tensors");
        if (op->fusable_kind != GPU_EPI_NONE && op->fusable_kind < GPU_EPI_ADD) {
            // A unary operator that runs on its own is a copy with itself as the only step.
            GpuEpilogueStep step = {op->fusable_kind, -1, GPU_OPERAND_FULL, 0.0f};
            if (op->fusable_kind == GPU_EPI_LEAKY)
                step.alpha = ((const LiteLeakyReluParams *)node->params)->alpha;
            plan->steps[plan->step_count++] = step;
        }
        if (op->epilogue && op->activation) {
            GpuEpilogueKind kind = op->activation(node);
            if (kind != GPU_EPI_NONE)
                plan->steps[plan->step_count++] = (GpuEpilogueStep){kind, -1, GPU_OPERAND_FULL, 0.0f};
        }
    }
    return true;
}

/* The dataflow the host promises and a hand-built graph may break: each node reads partition
   inputs, constants or what an earlier node wrote, and writes a tensor that is neither an input
   nor a constant and that no other node writes; every partition output is written. */
static bool check_dataflow(GpuPlanner *pl, const NodeRecord *records, int32_t node_count) {
    const GpuProgram *p = pl->program;
    bool *written = calloc((size_t)p->tensor_count + 1, sizeof(bool));
    if (!written) return gpu_plan_fail(pl, NULL, "out of memory");
    bool ok = true;
    for (int32_t i = 0; ok && i < node_count; i++) {
        const GpuNodePlan *plan = &records[i].plan;
        for (int32_t j = 0; ok && j < plan->input_count; j++) {
            const int32_t t = plan->inputs[j];
            if (t < 0) continue;
            const GpuTensorKind kind = p->tensors[t].kind;
            if ((kind == GPU_TENSOR_INTERNAL || kind == GPU_TENSOR_OUTPUT) && !written[t])
                ok = gpu_plan_fail(pl, plan, "reads tensor %d, which is neither a partition input, a "
                                   "constant, nor written by an earlier node", p->tensors[t].graph_index);
        }
        const int32_t out = plan->output;
        if (ok && (p->tensors[out].kind == GPU_TENSOR_INPUT || p->tensors[out].kind == GPU_TENSOR_CONSTANT ||
                   written[out]))
            ok = gpu_plan_fail(pl, plan, "writes tensor %d, which is an input, a constant or written twice",
                               p->tensors[out].graph_index);
        if (ok) written[out] = true;
    }
    for (int32_t i = 0; ok && i < p->output_count; i++)
        if (!written[p->outputs[i]])
            ok = gpu_plan_fail(pl, NULL, "partition output tensor %d is not written by its nodes",
                               p->tensors[p->outputs[i]].graph_index);
    free(written);
    return ok;
}

/* Folds PAD nodes into the convolution that alone reads their output. */
static void fold_pads(GpuPlanner *pl, NodeRecord *records, int32_t count, const int32_t *consumers,
                      const int32_t *producer) {
    GpuProgram *p = pl->program;
    for (int32_t i = 0; i < count; i++) {
        NodeRecord *pad = &records[i];
        if (pad->skipped || pad->op != &gpu_op_pad) continue;
        const int32_t out = pad->plan.output;
        if (consumers[out] != 1 || p->tensors[out].kind != GPU_TENSOR_INTERNAL ||
            p->tensors[out].rank != 4)
            continue;
        const GpuTensor *paddings = &p->tensors[pad->plan.inputs[1]];
        const int32_t *values = paddings->constant;
        if (!values || paddings->type != LITE_DATA_TYPE_INT32 || values[0] || values[1] ||
            values[6] || values[7] || values[2] < 0 || values[3] < 0 || values[4] < 0 || values[5] < 0)
            continue;
        // Only when the PAD's output is its input plus the paddings (in 64 bits), so that the
        // convolution's padded extent is a real int32 extent.
        const GpuTensor *unpadded = &p->tensors[pad->plan.inputs[0]];
        if (unpadded->rank != 4 ||
            (int64_t)unpadded->shape.h + values[2] + values[3] != p->tensors[out].shape.h ||
            (int64_t)unpadded->shape.w + values[4] + values[5] != p->tensors[out].shape.w)
            continue;
        for (int32_t j = i + 1; j < count; j++) {
            NodeRecord *conv = &records[j];
            if (conv->skipped) continue;
            bool reads = false;
            for (int32_t k = 0; k < conv->plan.input_count; k++) reads |= conv->plan.inputs[k] == out;
            if (!reads) continue;
            if ((conv->op == &gpu_op_conv_2d || conv->op == &gpu_op_depthwise_conv_2d) &&
                conv->plan.inputs[0] == out && conv->plan.pad_top == 0 && conv->plan.pad_left == 0 &&
                conv->plan.pad_bottom == 0 && conv->plan.pad_right == 0) {
                conv->plan.inputs[0] = pad->plan.inputs[0];
                conv->plan.pad_top = values[2];
                conv->plan.pad_bottom = values[3];
                conv->plan.pad_left = values[4];
                conv->plan.pad_right = values[5];
                conv->plan.fused_nodes += pad->plan.fused_nodes;
                pad->skipped = true;
            }
            break;
        }
    }
    (void)producer;
}

/* Fuses elementwise nodes into the chain producing their input (see the file comment). */
static void fuse_elementwise(GpuPlanner *pl, NodeRecord *records, int32_t count,
                             const int32_t *consumers, int32_t *producer) {
    GpuProgram *p = pl->program;
    for (int32_t i = 0; i < count; i++) {
        NodeRecord *y = &records[i];
        if (y->skipped || y->op->fusable_kind == GPU_EPI_NONE) continue;
        const bool binary = y->op->fusable_kind >= GPU_EPI_ADD;
        const int32_t slots = binary && y->op->fusable_kind != GPU_EPI_PRELU ? 2 : 1;
        GpuTensor *out = &p->tensors[y->plan.output];
        for (int32_t slot = 0; slot < slots; slot++) {
            const int32_t t = y->plan.inputs[slot];
            if (t < 0 || producer[t] < 0) continue;
            NodeRecord *root = &records[producer[t]];
            if (root->skipped || !root->op->epilogue || root->plan.output != t) continue;
            const GpuTensor *tensor = &p->tensors[t];
            if (consumers[t] != 1 || tensor->kind != GPU_TENSOR_INTERNAL || tensor->alias >= 0 ||
                !same_shape(tensor, out) || !is_float_data(tensor))
                continue;
            GpuEpilogueStep step = {y->op->fusable_kind, -1, GPU_OPERAND_FULL, 0.0f};
            if (y->op->fusable_kind == GPU_EPI_LEAKY)
                step.alpha = ((const LiteLeakyReluParams *)y->node->params)->alpha;
            if (binary) {
                const int32_t other = y->plan.inputs[1 - slot];
                if (other < 0 || other == t) continue;
                int mode = operand_mode(&p->tensors[gpu_storage_root(p, other)], out);
                if (mode < 0) continue;
                step.operand = other;
                step.mode = (GpuOperandMode)mode;
                if (slot == 1 && step.kind == GPU_EPI_SUB) step.kind = GPU_EPI_RSUB;
            }
            GpuEpilogueKind activation = y->op->activation ? y->op->activation(y->node) : GPU_EPI_NONE;
            const int32_t needed = 1 + (activation != GPU_EPI_NONE);
            if (root->plan.step_count + needed > GPU_MAX_EPILOGUE) continue;
            root->plan.steps[root->plan.step_count++] = step;
            if (activation != GPU_EPI_NONE)
                root->plan.steps[root->plan.step_count++] =
                    (GpuEpilogueStep){activation, -1, GPU_OPERAND_FULL, 0.0f};
            root->plan.output = y->plan.output;
            root->plan.fused_nodes += y->plan.fused_nodes;
            root->last = i;
            producer[y->plan.output] = (int32_t)(root - records);
            y->skipped = true;
            break;
        }
    }
}

/* True if the op's output lies within the range of its float inputs (or in [0, 1]), so a bound on
   the inputs holds for the output. */
static bool preserves_bounds(const GpuOp *op) {
    return op == &gpu_op_max_pool_2d || op == &gpu_op_average_pool_2d || op == &gpu_op_resize_bilinear ||
           op == &gpu_op_pad || op == &gpu_op_concatenation || op == &gpu_op_reshape ||
           op == &gpu_op_strided_slice || op == &gpu_op_depth_to_space || op == &gpu_op_mean ||
           op == &gpu_op_softmax;
}

static bool saturates(GpuEpilogueKind kind) {
    return kind == GPU_EPI_RELU6 || kind == GPU_EPI_RELU_N1 || kind == GPU_EPI_TANH || kind == GPU_EPI_LOGISTIC;
}

/*
 * Storage precision in fp16 mode. A half keeps 11 significant bits, so its rounding error is
 * proportional to the value: ~1e-3 absolute at 6, ~5e-2 at 100. Tensors bounded by a saturating
 * activation (RELU6, RELU_N1_TO_1, TANH, LOGISTIC, or ops such as pools, resize, concatenation and
 * softmax over such tensors) are stored as halves. The others stay float32: outputs of linear
 * layers, RELU and HARD_SWISH, and residual sums, which reach hundreds in these models
 * (selfie_segmentation: 87 after the first convolution, 101 before the last; pose_landmark_full:
 * 213 in its residual chain) and whose error the following layers add up; and the partition's
 * inputs and outputs, which the host hands over and reads back as float32. Weights and biases
 * stay halves: the models' weights are float16 to begin with, and storing them as float32 changes
 * no measured error (docs/vulkan.md). Option fp16_tensors=all stores every tensor as halves
 * (for models known to tolerate it).
 */
static void choose_storage(GpuPlanner *pl, NodeRecord *records, int32_t count) {
    GpuProgram *p = pl->program;
    if (p->precision != GPU_PRECISION_FP16 || pl->options.fp16_all_tensors) return;
    bool *bounded = calloc((size_t)p->tensor_count + 1, sizeof(bool));
    for (int32_t t = 0; t < p->tensor_count; t++) {
        GpuTensor *tensor = &p->tensors[t];
        tensor->keep_fp32 = tensor->kind != GPU_TENSOR_CONSTANT;
    }
    if (!bounded) return; // everything float32: correct, only larger
    for (int32_t i = 0; i < count; i++) {
        const NodeRecord *r = &records[i];
        if (r->skipped) continue;
        const GpuNodePlan *plan = &r->plan;
        bool is_bounded;
        if (plan->step_count > 0 && saturates(plan->steps[plan->step_count - 1].kind)) {
            is_bounded = true;
        } else if (r->op == &gpu_op_softmax && plan->step_count == 0) {
            is_bounded = true;
        } else {
            // Fused steps that are not saturating (a residual ADD, RELU, ...) may leave the range.
            is_bounded = preserves_bounds(r->op) && plan->step_count == 0;
            for (int32_t k = 0; is_bounded && k < plan->input_count; k++) {
                const int32_t input = plan->inputs[k];
                if (input < 0) continue;
                const GpuTensor *tensor = &p->tensors[gpu_storage_root(p, input)];
                if (tensor->type != LITE_DATA_TYPE_FLOAT32 || tensor->kind == GPU_TENSOR_CONSTANT) continue;
                is_bounded = bounded[gpu_storage_root(p, input)];
            }
        }
        const int32_t root = gpu_storage_root(p, plan->output);
        bounded[root] = is_bounded;
        if (is_bounded && p->tensors[root].kind == GPU_TENSOR_INTERNAL) p->tensors[root].keep_fp32 = false;
    }
    free(bounded);
}

/* In fp16 mode, tells each kernel which of its bindings hold float32 (see shaders/common.glsl). */
static void define_binding_storage(GpuProgram *p) {
    if (p->precision != GPU_PRECISION_FP16) return;
    for (int32_t d = 0; d < p->dispatch_count; d++) {
        GpuDispatch *dispatch = &p->dispatches[d];
        for (int32_t b = 0; b < dispatch->binding_count; b++) {
            const GpuBinding *binding = &dispatch->bindings[b];
            const bool fp32 = binding->kind == GPU_RESOURCE_TENSOR ? p->tensors[binding->index].keep_fp32
                              : binding->kind == GPU_RESOURCE_BLOB ? p->blobs[binding->index].keep_fp32
                                                                   : false;
            if (fp32) gpu_define(dispatch, "#define BINDING_%d_FP32 1\n", b);
        }
    }
}

static int compare_roots(const void *a, const void *b) {
    const NodeRecord *const *x = a, *const *y = b;
    return (*x)->last - (*y)->last;
}

bool gpu_plan_partition(const LiteGraph *graph, const int32_t *nodes, int32_t node_count,
                        const int32_t *inputs, int32_t input_count, const int32_t *outputs,
                        int32_t output_count, const GpuPlanOptions *options, GpuProgram *program,
                        char *error, size_t capacity) {
    memset(program, 0, sizeof(*program));
    GpuPlanner planner = {.graph = graph, .program = program, .options = *options,
                          .error = error, .capacity = capacity};
    GpuPlanner *pl = &planner;
    program->precision = options->precision;
    program->element_bytes = options->precision == GPU_PRECISION_FP16 ? 8 : 16;
    program->node_count = node_count;
    if (!lps_validate_graph(graph, error, capacity)) return false;

    int32_t tensor_slots = input_count + output_count;
    for (int32_t i = 0; i < node_count; i++) {
        if (nodes[i] < 0 || nodes[i] >= graph->node_count) {
            snprintf(error, capacity, "node index %d out of range", nodes[i]);
            return false;
        }
        tensor_slots += graph->nodes[nodes[i]]->input_count + graph->nodes[nodes[i]]->output_count;
    }
    pl->tensor_capacity = tensor_slots + 2 * node_count + 8; // + scratch tensors
    int32_t *map = malloc(sizeof(int32_t) * (size_t)(graph->tensor_count + 1));
    NodeRecord *records = calloc((size_t)node_count + 1, sizeof(NodeRecord));
    NodeRecord **roots = calloc((size_t)node_count + 1, sizeof(NodeRecord *));
    int32_t *consumers = NULL, *producer = NULL;
    program->tensors = calloc((size_t)pl->tensor_capacity, sizeof(GpuTensor));
    program->inputs = calloc((size_t)input_count + 1, sizeof(int32_t));
    program->outputs = calloc((size_t)output_count + 1, sizeof(int32_t));
    program->input_offsets = calloc((size_t)input_count + 1, sizeof(size_t));
    program->output_offsets = calloc((size_t)output_count + 1, sizeof(size_t));
    bool ok = map && records && roots && program->tensors && program->inputs && program->outputs &&
              program->input_offsets && program->output_offsets;
    if (!ok) snprintf(error, capacity, "out of memory");
    for (int32_t i = 0; ok && i < graph->tensor_count; i++) map[i] = -1;

    // Partition inputs and outputs first, so their kinds are known.
    program->input_count = input_count;
    program->output_count = output_count;
    for (int32_t i = 0; ok && i < input_count; i++) {
        if (inputs[i] < 0 || inputs[i] >= graph->tensor_count) {
            ok = gpu_plan_fail(pl, NULL, "partition input %d out of range", inputs[i]);
            break;
        }
        if (graph->tensors[inputs[i]]->constant_data || map[inputs[i]] >= 0) {
            ok = gpu_plan_fail(pl, NULL, "partition input %d is a constant or listed twice", inputs[i]);
            break;
        }
        int32_t t = add_tensor(pl, map, inputs[i]);
        program->tensors[t].kind = GPU_TENSOR_INPUT;
        program->tensors[t].io_index = i;
        program->inputs[i] = t;
    }
    for (int32_t i = 0; ok && i < output_count; i++) {
        if (outputs[i] < 0 || outputs[i] >= graph->tensor_count) {
            ok = gpu_plan_fail(pl, NULL, "partition output %d out of range", outputs[i]);
            break;
        }
        if (map[outputs[i]] >= 0) {
            ok = gpu_plan_fail(pl, NULL, "partition output %d is also an input or listed twice", outputs[i]);
            break;
        }
        int32_t t = add_tensor(pl, map, outputs[i]);
        program->tensors[t].kind = GPU_TENSOR_OUTPUT;
        program->tensors[t].io_index = i;
        program->outputs[i] = t;
    }
    for (int32_t i = 0; ok && i < input_count + output_count; i++) {
        const GpuTensor *t = &program->tensors[i < input_count ? program->inputs[i]
                                                               : program->outputs[i - input_count]];
        // float16 inputs (a model input read by DEQUANTIZE) are widened by layout_in.
        const bool half_input = i < input_count && t->type == LITE_DATA_TYPE_FLOAT16 && t->rank <= GPU_KERNEL_RANK;
        if (!is_float_data(t) && !half_input)
            ok = gpu_plan_fail(pl, NULL, "partition %s '%s' is not float32 of rank <= 4",
                               i < input_count ? "input" : "output", graph->tensors[t->graph_index]->name);
    }
    ok = ok && build_records(pl, nodes, node_count, map, records) && check_dataflow(pl, records, node_count);

    if (ok) {
        consumers = calloc((size_t)program->tensor_count + 2 * (size_t)node_count + 8, sizeof(int32_t));
        producer = malloc(sizeof(int32_t) * ((size_t)program->tensor_count + 2 * (size_t)node_count + 8));
        ok = consumers && producer;
        if (!ok) snprintf(error, capacity, "out of memory");
    }
    if (ok) {
        for (int32_t i = 0; i < program->tensor_count + 2 * node_count + 8; i++) producer[i] = -1;
        for (int32_t i = 0; ok && i < node_count; i++)
            if (records[i].op == &gpu_op_dequantize) ok = fold_dequantize(pl, &records[i]);
        for (int32_t i = 0; ok && i < node_count; i++) {
            NodeRecord *r = &records[i];
            if (r->skipped) continue;
            producer[r->plan.output] = i;
            for (int32_t j = 0; j < r->plan.input_count; j++)
                if (r->plan.inputs[j] >= 0) consumers[r->plan.inputs[j]]++;
        }
    }
    if (ok) {
        // Free RESHAPEs: the slice layout only depends on the channel count and the row-major
        // order of everything before it, so keeping the channels keeps the bytes.
        for (int32_t i = 0; i < node_count; i++) {
            NodeRecord *r = &records[i];
            if (r->skipped || r->op != &gpu_op_reshape) continue;
            GpuTensor *in = &program->tensors[r->plan.inputs[0]], *out = &program->tensors[r->plan.output];
            if (in->shape.c != out->shape.c || !is_float_data(in) || !is_float_data(out)) continue;
            out->alias = r->plan.inputs[0];
            r->skipped = true;
        }
        fold_pads(pl, records, node_count, consumers, producer);
        fuse_elementwise(pl, records, node_count, consumers, producer);
        choose_storage(pl, records, node_count);
    }

    // Dispatches: input conversions, then each chain at its last node's place, then outputs.
    int32_t root_count = 0;
    size_t staging = 0;
    for (int32_t i = 0; ok && i < input_count; i++) {
        const GpuTensor *t = &program->tensors[program->inputs[i]];
        program->input_offsets[i] = staging;
        staging = align_up(staging + t->vec4_count * 16 + 16, 256);
        GpuDispatch *d = gpu_emit(pl, NULL, "layout_in");
        ok = d && gpu_bind_tensor(pl, d, program->inputs[i], true);
        if (!ok) break;
        d->bindings[d->binding_count++] = (GpuBinding){GPU_RESOURCE_INPUT_STAGING, i, false};
        const size_t element = gpu_host_element_bytes(t->type);
        gpu_define(d, "#define STAGING_FP16 %d\n", element == 2 ? 1 : 0);
        gpu_param_shape(d, 0, t);
        gpu_param_ivec4(d, 1, t->shape.b, (int32_t)(program->input_offsets[i] / element), 0, 0);
        gpu_grid_over(d, t);
    }
    program->input_staging_bytes = staging > 0 ? staging : 256;
    for (int32_t i = 0; ok && i < node_count; i++)
        if (!records[i].skipped) roots[root_count++] = &records[i];
    qsort(roots, (size_t)root_count, sizeof(NodeRecord *), compare_roots);
    for (int32_t i = 0; ok && i < root_count; i++) {
        const int32_t before = program->dispatch_count;
        ok = roots[i]->op->plan(pl, &roots[i]->plan);
        if (!ok) {
            if (!pl->failed) gpu_plan_fail(pl, &roots[i]->plan, "cannot plan");
            break;
        }
        int32_t with_epilogue = -1;
        for (int32_t d = before; d < program->dispatch_count; d++)
            if (program->dispatches[d].epilogue) with_epilogue = d;
        if (roots[i]->plan.step_count > 0) {
            if (with_epilogue < 0) {
                ok = gpu_plan_fail(pl, &roots[i]->plan, "fused steps without a dispatch to take them");
                break;
            }
            ok = apply_epilogue(pl, &roots[i]->plan, &program->dispatches[with_epilogue]);
        }
        for (int32_t d = before; ok && d < program->dispatch_count; d++)
            gpu_define(&program->dispatches[d], "%s", ""); // keep defines NUL-terminated
    }
    program->kernel_dispatches = program->dispatch_count - input_count;
    staging = 0;
    for (int32_t i = 0; ok && i < output_count; i++) {
        const GpuTensor *t = &program->tensors[program->outputs[i]];
        program->output_offsets[i] = staging;
        staging = align_up(staging + t->vec4_count * 16 + 16, 256);
        GpuDispatch *d = gpu_emit(pl, NULL, "layout_out");
        ok = d != NULL;
        if (!ok) break;
        d->bindings[d->binding_count++] = (GpuBinding){GPU_RESOURCE_OUTPUT_STAGING, i, true};
        ok = gpu_bind_tensor(pl, d, program->outputs[i], false);
        gpu_param_shape(d, 0, t);
        gpu_param_ivec4(d, 1, t->shape.b, (int32_t)(program->output_offsets[i] / 4), 0, 0);
        gpu_grid_over(d, t);
    }
    program->output_staging_bytes = staging > 0 ? staging : 256;
    if (ok) define_binding_storage(program);
    ok = ok && plan_memory(pl);

    free(map);
    free(records);
    free(roots);
    free(consumers);
    free(producer);
    if (!ok) gpu_program_free(program);
    return ok;
}
