// The planner's tensor table and constant blobs: the 4-D view of each tensor a partition touches,
// scratch tensors operators add, and constants re-laid-out into the slice layout.
#include "gpu_plan_internal.h"

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

int32_t gpu_plan_add_tensor(GpuPlanner *pl, int32_t *map, int32_t graph_index) {
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

/* The constant tensor in the slice layout, as a blob (made once); -1 when it cannot be one. */
int32_t gpu_plan_constant_blob(GpuPlanner *pl, int32_t index) {
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
    free(p->node_graph);
    free(p->node_computed_by);
    memset(p, 0, sizeof(*p));
}

bool gpu_is_float_data(const GpuTensor *t) {
    return t->type == LITE_DATA_TYPE_FLOAT32 && t->rank <= GPU_KERNEL_RANK;
}

bool gpu_same_shape(const GpuTensor *a, const GpuTensor *b) {
    return a->shape.b == b->shape.b && a->shape.h == b->shape.h && a->shape.w == b->shape.w &&
           a->shape.c == b->shape.c;
}

size_t gpu_align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}
