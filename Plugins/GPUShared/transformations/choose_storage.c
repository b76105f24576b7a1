// Graph rewrite, fp16 mode only: which tensors are stored as halves and which stay float32.
#include "../gpu_plan_internal.h"

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
void gpu_choose_storage(GpuPlanner *pl, const NodeRecord *records, int32_t count) {
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
void gpu_define_binding_storage(GpuProgram *p) {
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
