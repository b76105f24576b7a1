// Dispatches: what operators call to emit one and fill it (bindings, defines, parameters, grid),
// the failure path that names the node, and the fused epilogue steps added after the kernel's own.
#include "gpu_plan_internal.h"

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
    d->param_table = gpu_kernel_params(kernel);
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
        int32_t blob = writes ? -1 : gpu_plan_constant_blob(pl, root);
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

GpuDispatch *gpu_emit_in_out(GpuPlanner *pl, const GpuNodePlan *node, const char *kernel, int32_t input) {
    GpuDispatch *d = gpu_emit(pl, node, kernel);
    if (!d || !gpu_bind_tensor(pl, d, node->output, true) || !gpu_bind_tensor(pl, d, node->inputs[input], false))
        return NULL;
    gpu_param_shape(d, "in_shape", gpu_tensor(pl, node->inputs[input]));
    gpu_param_shape(d, "out_shape", gpu_tensor(pl, node->output));
    return d;
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

const GpuKernelParams *gpu_kernel_params_all(size_t *count) {
    *count = gpu_kernel_params_count;
    return gpu_kernel_params_table;
}

const GpuKernelParams *gpu_kernel_params(const char *kernel) {
    for (size_t i = 0; kernel && i < gpu_kernel_params_count; i++)
        if (strcmp(gpu_kernel_params_table[i].kernel, kernel) == 0) return &gpu_kernel_params_table[i];
    return NULL;
}

/* The slot of parameter `name` of `type` in the dispatch's kernel, or -1 (then recorded as the
   dispatch's parameter error, for the planner to report). */
static int param_slot(GpuDispatch *d, const char *name, GpuParamType type) {
    const GpuKernelParams *table = d->param_table;
    for (int32_t i = 0; table && i < table->count; i++) {
        if (strcmp(table->params[i].name, name) != 0) continue;
        if (table->params[i].type != type) break;
        d->params_set |= 1u << i;
        return i;
    }
    if (!d->param_error[0]) snprintf(d->param_error, sizeof(d->param_error), "%s", name);
    return -1;
}

void gpu_param_ivec4(GpuDispatch *d, const char *name, int32_t x, int32_t y, int32_t z, int32_t w) {
    const int slot = param_slot(d, name, GPU_PARAM_IVEC4);
    if (slot < 0) return;
    const int32_t values[4] = {x, y, z, w};
    memcpy(&d->params[slot * 4], values, sizeof(values));
}

void gpu_param_vec4(GpuDispatch *d, const char *name, float x, float y, float z, float w) {
    const int slot = param_slot(d, name, GPU_PARAM_VEC4);
    if (slot < 0) return;
    const float values[4] = {x, y, z, w};
    memcpy(&d->params[slot * 4], values, sizeof(values));
}

void gpu_param_shape(GpuDispatch *d, const char *name, const GpuTensor *t) {
    gpu_param_ivec4(d, name, t->shape.h, t->shape.w, t->shape.c, t->slices);
}

const char *gpu_dispatch_params_problem(const GpuDispatch *d, char *message, size_t capacity) {
    const GpuKernelParams *table = d->param_table;
    if (!table) {
        snprintf(message, capacity, "kernel '%s' declares no parameters", d->kernel ? d->kernel : "");
        return message;
    }
    if (d->param_error[0]) {
        snprintf(message, capacity, "kernel '%s' has no parameter '%s' of the type it is set with", table->kernel,
                 d->param_error);
        return message;
    }
    for (int32_t i = 0; i < table->count; i++)
        if (!(d->params_set & (1u << i))) {
            snprintf(message, capacity, "kernel '%s': parameter '%s' not set", table->kernel, table->params[i].name);
            return message;
        }
    return NULL;
}

bool gpu_plan_check_params(GpuPlanner *pl, const GpuDispatch *d) {
    char message[GPU_ERROR_CAPACITY];
    if (!gpu_dispatch_params_problem(d, message, sizeof(message))) return true;
    if (d->node >= 0) return gpu_plan_fail(pl, NULL, "node %d (%s): %s", d->node, d->op_name, message);
    return gpu_plan_fail(pl, NULL, "%s: %s", d->op_name, message);
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

bool gpu_plan_apply_epilogue(GpuPlanner *pl, const GpuNodePlan *node, GpuDispatch *d) {
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
