// The memory plan: each stored tensor's lifetime (first and last dispatch binding it), arena offsets
// placed largest first so that tensors alive at the same time never share bytes, and the constant
// blobs' offsets; every offset a multiple of the binding offset alignment (at least 16 bytes).
#include "gpu_plan_internal.h"

static int compare_by_size(const void *a, const void *b) {
    const LpsInterval *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    return x->first - y->first;
}

bool gpu_plan_memory(GpuPlanner *pl) {
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
                                        .bytes = gpu_align_up(bytes, alignment)};
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
        blob_offset = gpu_align_up(blob_offset + gpu_blob_bytes(p, i), alignment);
    }
    p->blob_bytes = blob_offset > 0 ? blob_offset : alignment;
    return true;
}
