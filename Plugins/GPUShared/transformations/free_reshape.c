// Graph rewrite: a RESHAPE that keeps the channel count is free. The slice layout depends only on
// the channel count and the row-major order of everything before it, so keeping the channels keeps
// the bytes: the output becomes an alias of the input's storage and the node runs no dispatch. A
// RESHAPE that changes the channel count stays a copy (gpu_emit_reshape).
#include "../gpu_plan_internal.h"

void gpu_free_reshapes(GpuPlanner *pl, NodeRecord *records, int32_t count) {
    GpuProgram *p = pl->program;
    for (int32_t i = 0; i < count; i++) {
        NodeRecord *r = &records[i];
        if (r->skipped || r->op != &gpu_op_reshape) continue;
        GpuTensor *in = &p->tensors[r->plan.inputs[0]], *out = &p->tensors[r->plan.output];
        if (in->shape.c != out->shape.c || !gpu_is_float_data(in) || !gpu_is_float_data(out)) continue;
        out->alias = r->plan.inputs[0];
        r->skipped = true;
    }
}
