// Graph rewrite: a DEQUANTIZE of a float16 constant (the models' float16 weights) is computed once
// at plan time; its output becomes a float32 constant and the node runs no dispatch. A DEQUANTIZE of
// a partition input stays: layout_in widens the input on upload.
#include "../gpu_plan_internal.h"

bool gpu_fold_dequantize(GpuPlanner *pl, NodeRecord *r) {
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

