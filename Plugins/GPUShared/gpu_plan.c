// The planner's pipeline: from a partition's nodes and the current shapes to a GpuProgram. Stages,
// in order: the tensor table (partition inputs and outputs first), one record per node, a dataflow
// check, the graph rewrites (transformations/: fold_dequantize, free_reshape, fold_pads,
// fuse_elementwise, choose_storage), the dispatches (input conversions, each chain at its last
// node's place, output conversions), then the memory plan.
#include "gpu_plan_internal.h"

/* The partition's inputs and outputs, first in the tensor table so their kinds are known; each is
   float32 of rank <= 4 (a float16 input, read by a DEQUANTIZE, is widened by layout_in). */
static bool add_partition_io(GpuPlanner *pl, int32_t *map, const int32_t *inputs, int32_t input_count,
                             const int32_t *outputs, int32_t output_count) {
    const LiteGraph *graph = pl->graph;
    GpuProgram *program = pl->program;
    program->input_count = input_count;
    program->output_count = output_count;
    for (int32_t i = 0; i < input_count; i++) {
        if (inputs[i] < 0 || inputs[i] >= graph->tensor_count)
            return gpu_plan_fail(pl, NULL, "partition input %d out of range", inputs[i]);
        if (graph->tensors[inputs[i]]->constant_data || map[inputs[i]] >= 0)
            return gpu_plan_fail(pl, NULL, "partition input %d is a constant or listed twice", inputs[i]);
        int32_t t = gpu_plan_add_tensor(pl, map, inputs[i]);
        program->tensors[t].kind = GPU_TENSOR_INPUT;
        program->tensors[t].io_index = i;
        program->inputs[i] = t;
    }
    for (int32_t i = 0; i < output_count; i++) {
        if (outputs[i] < 0 || outputs[i] >= graph->tensor_count)
            return gpu_plan_fail(pl, NULL, "partition output %d out of range", outputs[i]);
        if (map[outputs[i]] >= 0)
            return gpu_plan_fail(pl, NULL, "partition output %d is also an input or listed twice", outputs[i]);
        int32_t t = gpu_plan_add_tensor(pl, map, outputs[i]);
        program->tensors[t].kind = GPU_TENSOR_OUTPUT;
        program->tensors[t].io_index = i;
        program->outputs[i] = t;
    }
    for (int32_t i = 0; i < input_count + output_count; i++) {
        const GpuTensor *t = &program->tensors[i < input_count ? program->inputs[i]
                                                               : program->outputs[i - input_count]];
        const bool half_input = i < input_count && t->type == LITE_DATA_TYPE_FLOAT16 && t->rank <= GPU_KERNEL_RANK;
        if (!gpu_is_float_data(t) && !half_input)
            return gpu_plan_fail(pl, NULL, "partition %s '%s' is not float32 of rank <= 4",
                                 i < input_count ? "input" : "output", graph->tensors[t->graph_index]->name);
    }
    return true;
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
        r->fused_into = -1;
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
            plan->inputs[j] = node->inputs[j] < 0 ? -1 : gpu_plan_add_tensor(pl, map, node->inputs[j]);
            if (node->inputs[j] >= 0 && plan->inputs[j] < 0)
                return gpu_plan_fail(pl, plan, "too many tensors");
        }
        plan->output = gpu_plan_add_tensor(pl, map, node->outputs[0]);
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

/* Folds DEQUANTIZEs of constants, then counts who reads and who writes each tensor among the records
   that still run. */
static bool fold_constants_and_count_uses(GpuPlanner *pl, NodeRecord *records, int32_t node_count,
                                          GpuTensorUses *uses, int32_t slots) {
    for (int32_t i = 0; i < slots; i++) uses->producer[i] = -1;
    for (int32_t i = 0; i < node_count; i++)
        if (records[i].op == &gpu_op_dequantize && !gpu_fold_dequantize(pl, &records[i])) return false;
    for (int32_t i = 0; i < node_count; i++) {
        NodeRecord *r = &records[i];
        if (r->skipped) continue;
        uses->producer[r->plan.output] = i;
        for (int32_t j = 0; j < r->plan.input_count; j++)
            if (r->plan.inputs[j] >= 0) uses->consumers[r->plan.inputs[j]]++;
    }
    return true;
}

/* The layout conversions between the host's staging buffers and the partition's inputs (layout_in,
   which also widens a float16 input) or outputs (layout_out): one dispatch each, reading or writing
   the tensor's place in the staging buffer. The tensor is binding 0 of layout_in and binding 1 of
   layout_out, the staging buffer the other. */
static bool emit_conversions(GpuPlanner *pl, bool inputs) {
    GpuProgram *program = pl->program;
    const int32_t count = inputs ? program->input_count : program->output_count;
    const int32_t *tensors = inputs ? program->inputs : program->outputs;
    size_t *offsets = inputs ? program->input_offsets : program->output_offsets;
    size_t staging = 0;
    for (int32_t i = 0; i < count; i++) {
        const GpuTensor *t = &program->tensors[tensors[i]];
        offsets[i] = staging;
        staging = gpu_align_up(staging + t->vec4_count * 16 + 16, 256);
        GpuDispatch *d = gpu_emit(pl, NULL, inputs ? "layout_in" : "layout_out");
        if (!d) return false;
        const GpuBinding buffer = {inputs ? GPU_RESOURCE_INPUT_STAGING : GPU_RESOURCE_OUTPUT_STAGING, i, !inputs};
        if (!inputs) d->bindings[d->binding_count++] = buffer;
        if (!gpu_bind_tensor(pl, d, tensors[i], inputs)) return false;
        if (inputs) d->bindings[d->binding_count++] = buffer;
        const size_t element = gpu_host_element_bytes(t->type); // outputs are float32 (add_partition_io)
        if (inputs) gpu_define(d, "#define STAGING_FP16 %d\n", element == 2 ? 1 : 0);
        gpu_param_shape(d, "shape", t);
        gpu_param_ivec4(d, "batch", t->shape.b, (int32_t)(offsets[i] / element), 0, 0);
        gpu_grid_over(d, t);
        if (!gpu_plan_check_params(pl, d)) return false;
    }
    *(inputs ? &program->input_staging_bytes : &program->output_staging_bytes) = staging > 0 ? staging : 256;
    return true;
}

static int compare_roots(const void *a, const void *b) {
    const NodeRecord *const *x = a, *const *y = b;
    return (*x)->last - (*y)->last;
}

/* Each chain root's dispatches, at the place of the chain's last node, with its fused steps added
   to the operator's last dispatch that accepts them. */
static bool emit_chains(GpuPlanner *pl, NodeRecord *records, int32_t node_count, NodeRecord **roots) {
    GpuProgram *program = pl->program;
    int32_t root_count = 0;
    for (int32_t i = 0; i < node_count; i++)
        if (!records[i].skipped) roots[root_count++] = &records[i];
    qsort(roots, (size_t)root_count, sizeof(NodeRecord *), compare_roots);
    for (int32_t i = 0; i < root_count; i++) {
        const int32_t before = program->dispatch_count;
        if (!roots[i]->op->plan(pl, &roots[i]->plan)) {
            if (!pl->failed) gpu_plan_fail(pl, &roots[i]->plan, "cannot plan");
            return false;
        }
        int32_t with_epilogue = -1;
        for (int32_t d = before; d < program->dispatch_count; d++)
            if (program->dispatches[d].epilogue) with_epilogue = d;
        if (roots[i]->plan.step_count > 0) {
            if (with_epilogue < 0)
                return gpu_plan_fail(pl, &roots[i]->plan, "fused steps without a dispatch to take them");
            if (!gpu_plan_apply_epilogue(pl, &roots[i]->plan, &program->dispatches[with_epilogue]))
                return false;
        }
        for (int32_t d = before; d < program->dispatch_count; d++) {
            if (!gpu_plan_check_params(pl, &program->dispatches[d])) return false;
            gpu_define(&program->dispatches[d], "%s", ""); // keep defines NUL-terminated
        }
    }
    program->kernel_dispatches = program->dispatch_count - program->input_count;
    return true;
}

/* Which graph node's dispatches compute each partition node (GpuProgram.node_computed_by). */
static bool record_coverage(GpuPlanner *pl, const NodeRecord *records, int32_t node_count) {
    GpuProgram *program = pl->program;
    program->node_graph = malloc(sizeof(int32_t) * (size_t)(node_count + 1));
    program->node_computed_by = malloc(sizeof(int32_t) * (size_t)(node_count + 1));
    if (!program->node_graph || !program->node_computed_by) return gpu_plan_fail(pl, NULL, "out of memory");
    for (int32_t i = 0; i < node_count; i++) {
        int32_t r = i;
        for (int32_t hops = 0; records[r].fused_into >= 0 && hops < node_count; hops++) r = records[r].fused_into;
        program->node_graph[i] = records[i].graph_node;
        program->node_computed_by[i] = records[r].skipped ? -1 : records[r].graph_node;
    }
    return true;
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
    GpuTensorUses uses = {NULL, NULL};
    program->tensors = calloc((size_t)pl->tensor_capacity, sizeof(GpuTensor));
    program->inputs = calloc((size_t)input_count + 1, sizeof(int32_t));
    program->outputs = calloc((size_t)output_count + 1, sizeof(int32_t));
    program->input_offsets = calloc((size_t)input_count + 1, sizeof(size_t));
    program->output_offsets = calloc((size_t)output_count + 1, sizeof(size_t));
    bool ok = map && records && roots && program->tensors && program->inputs && program->outputs &&
              program->input_offsets && program->output_offsets;
    if (!ok) snprintf(error, capacity, "out of memory");
    for (int32_t i = 0; ok && i < graph->tensor_count; i++) map[i] = -1;

    ok = ok && add_partition_io(pl, map, inputs, input_count, outputs, output_count) &&
         build_records(pl, nodes, node_count, map, records) && check_dataflow(pl, records, node_count);
    const int32_t use_slots = program->tensor_count + 2 * node_count + 8;
    if (ok) {
        uses.consumers = calloc((size_t)use_slots, sizeof(int32_t));
        uses.producer = malloc(sizeof(int32_t) * (size_t)use_slots);
        ok = uses.consumers && uses.producer;
        if (!ok) snprintf(error, capacity, "out of memory");
    }
    ok = ok && fold_constants_and_count_uses(pl, records, node_count, &uses, use_slots);
    if (ok) {
        gpu_free_reshapes(pl, records, node_count);
        gpu_fold_pads(pl, records, node_count, &uses);
        gpu_fuse_elementwise(pl, records, node_count, &uses);
        gpu_choose_storage(pl, records, node_count);
    }
    ok = ok && emit_conversions(pl, true) && emit_chains(pl, records, node_count, roots) &&
         emit_conversions(pl, false) && record_coverage(pl, records, node_count);
    if (ok) gpu_define_binding_storage(program);
    ok = ok && gpu_plan_memory(pl);

    free(map);
    free(records);
    free(roots);
    free(uses.consumers);
    free(uses.producer);
    if (!ok) gpu_program_free(program);
    return ok;
}
