// Graph rewrite: an elementwise node (activations, ADD/SUB/MUL/PRELU with a tensor broadcasting as
// a whole tensor, per channel or as a scalar) whose input comes from a dispatch that accepts fused
// steps, and that nobody else reads, becomes a step of that dispatch's epilogue
// (shaders/epilogue.glsl). The fused chain then runs at the place of its last node in the order, so
// the other operand of a binary step is ready; at most GPU_MAX_EPILOGUE steps per dispatch.
#include "../gpu_plan_internal.h"

/* The operand mode of `operand` against an output of shape `out`, or -1 when it does not fit. */
static int operand_mode(const GpuTensor *operand, const GpuTensor *out) {
    if (operand->type != LITE_DATA_TYPE_FLOAT32 || operand->rank > GPU_KERNEL_RANK) return -1;
    if (gpu_same_shape(operand, out)) return GPU_OPERAND_FULL;
    if (operand->shape.b == 1 && operand->shape.h == 1 && operand->shape.w == 1) {
        if (operand->shape.c == out->shape.c) return GPU_OPERAND_CHANNEL;
        if (operand->shape.c == 1) return GPU_OPERAND_SCALAR;
    }
    return -1;
}

void gpu_fuse_elementwise(GpuPlanner *pl, NodeRecord *records, int32_t count, GpuTensorUses *uses) {
    const int32_t *consumers = uses->consumers;
    int32_t *producer = uses->producer;
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
                !gpu_same_shape(tensor, out) || !gpu_is_float_data(tensor))
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
            y->fused_into = (int32_t)(root - records);
            break;
        }
    }
}
