// Barriers between a program's dispatches (gpu_backend.h): which dispatch must wait for which
// earlier writes and reads. The backend turns each barrier into its API's call: Vulkan a
// vkCmdPipelineBarrier with one buffer barrier per write range, GLES a glMemoryBarrier.
//
// The tracking is greedy and narrow: the ranges read and written since the last barrier are kept;
// a dispatch whose binding overlaps a kept write (read after write, write after write), or whose
// written binding overlaps a kept read (write after read), gets a barrier, which makes every kept
// write visible and orders every kept read, so the tracking then starts over with this dispatch's
// own ranges. Reads of the same bytes by several dispatches need nothing.
#include "gpu_backend.h"

GpuRange gpu_binding_range(const GpuProgram *program, const GpuBinding *binding) {
    switch (binding->kind) {
    case GPU_RESOURCE_TENSOR:
        return (GpuRange){GPU_BUFFER_ARENA, program->tensors[binding->index].arena_offset,
                          gpu_tensor_bytes(program, binding->index)};
    case GPU_RESOURCE_BLOB:
        return (GpuRange){GPU_BUFFER_CONSTANTS, program->blobs[binding->index].offset,
                          gpu_blob_bytes(program, binding->index)};
    case GPU_RESOURCE_INPUT_STAGING:
    case GPU_RESOURCE_OUTPUT_STAGING: {
        // The whole staging buffer is bound; one conversion touches its tensor's part, which is
        // at most one vec4 per 4 elements of the 4-D view (plus one vec4 of slack).
        const bool input = binding->kind == GPU_RESOURCE_INPUT_STAGING;
        const int32_t tensor = input ? program->inputs[binding->index] : program->outputs[binding->index];
        const size_t offset = input ? program->input_offsets[binding->index] : program->output_offsets[binding->index];
        return (GpuRange){input ? GPU_BUFFER_INPUT_STAGING : GPU_BUFFER_OUTPUT_STAGING, offset,
                          program->tensors[tensor].vec4_count * 16 + 16};
    }
    }
    return (GpuRange){GPU_BUFFER_ARENA, 0, 0};
}

static bool overlaps(const GpuRange *a, const GpuRange *b) {
    return a->buffer == b->buffer && a->offset < b->offset + b->size && b->offset < a->offset + a->size;
}

static bool overlaps_any(const GpuRange *range, const GpuRange *ranges, int32_t count) {
    for (int32_t i = 0; i < count; i++)
        if (overlaps(range, &ranges[i])) return true;
    return false;
}

void gpu_barrier_plan_free(GpuBarrierPlan *plan) {
    free(plan->barriers);
    free(plan->before);
    free(plan->writes);
    memset(plan, 0, sizeof(*plan));
}

bool gpu_plan_barriers(const GpuProgram *program, GpuBarrierPlan *plan) {
    memset(plan, 0, sizeof(*plan));
    const size_t dispatches = (size_t)program->dispatch_count;
    const size_t ranges = dispatches * GPU_MAX_BINDINGS + 1;
    plan->barriers = calloc(dispatches + 1, sizeof(GpuBarrier));
    plan->before = calloc(dispatches + 1, sizeof(int32_t));
    plan->writes = calloc(ranges, sizeof(GpuRange));
    // Kept since the last barrier: the writes are the tail of plan->writes from `first_kept`.
    GpuRange *read = calloc(ranges, sizeof(GpuRange));
    if (!plan->barriers || !plan->before || !plan->writes || !read) {
        free(read);
        gpu_barrier_plan_free(plan);
        return false;
    }
    int32_t first_kept = 0, read_count = 0;
    for (int32_t i = 0; i < program->dispatch_count; i++) {
        const GpuDispatch *d = &program->dispatches[i];
        GpuRange touched[GPU_MAX_BINDINGS];
        bool conflict = false;
        for (int32_t b = 0; b < d->binding_count; b++) {
            touched[b] = gpu_binding_range(program, &d->bindings[b]);
            conflict = conflict ||
                       overlaps_any(&touched[b], plan->writes + first_kept, plan->write_count - first_kept) ||
                       (d->bindings[b].writes && overlaps_any(&touched[b], read, read_count));
        }
        plan->before[i] = -1;
        if (conflict) {
            plan->barriers[plan->barrier_count] =
                (GpuBarrier){i, first_kept, plan->write_count - first_kept};
            plan->before[i] = plan->barrier_count++;
            first_kept = plan->write_count;
            read_count = 0;
        }
        for (int32_t b = 0; b < d->binding_count; b++) {
            if (d->bindings[b].writes) plan->writes[plan->write_count++] = touched[b];
            else read[read_count++] = touched[b];
        }
    }
    free(read);
    return true;
}
