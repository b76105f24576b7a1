// Graph rewrite: a PAD of height and width only (non-negative, batch and channels untouched) whose
// output only one CONV_2D or DEPTHWISE_CONV_2D reads, as its input, becomes that convolution's
// padding: the convolution reads the PAD's input and treats the padded border as zeros, and the PAD
// runs no dispatch (TFLite's GPU delegate does the same in merge_padding_with.cc).
#include "../gpu_plan_internal.h"

void gpu_fold_pads(GpuPlanner *pl, NodeRecord *records, int32_t count, const GpuTensorUses *uses) {
    const int32_t *consumers = uses->consumers;
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
                pad->fused_into = j;
            }
            break;
        }
    }
}
