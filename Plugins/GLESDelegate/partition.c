// Partitions on the GL thread: prepare turns the shared plan (gpu_plan_partition) into programs,
// buffers and a list of steps with everything resolved (program, buffer ranges, parameter block,
// workgroup counts, the barrier before it); invoke uploads the inputs, replays the steps and reads
// the outputs back. Buffers: one arena for every tensor of the partition (offsets from the shared
// memory plan, so tensors whose lifetimes do not overlap share bytes), one constant buffer for the
// re-laid-out weights, one uniform buffer with every dispatch's parameters, and a staging buffer
// each way in the host's NHWC float32 layout.
//
// Barriers are narrow: glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT) only where the shared tracker
// (gpu_plan_barriers) puts one: before a dispatch that reads bytes an earlier dispatch wrote, or
// writes bytes an earlier dispatch touched, since the last barrier. Before the outputs are mapped: GL_BUFFER_UPDATE_BARRIER_BIT (plus the storage bit,
// which also orders the next invoke's first dispatches after this one's last).
#include "gles_delegate.h"

#define PARAMS_BYTES (GPU_PARAM_WORDS * 4)

static size_t align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

static GLuint make_buffer(const GlesApi *gl, GLsizeiptr size, const void *data, GLenum usage) {
    GLuint buffer = 0;
    gl->glGenBuffers(1, &buffer);
    gl->glBindBuffer(GL_SHADER_STORAGE_BUFFER, buffer);
    gl->glBufferData(GL_SHADER_STORAGE_BUFFER, size, data, usage);
    gl->glBindBuffer(GL_SHADER_STORAGE_BUFFER, 0);
    return buffer;
}

static void delete_buffer(const GlesApi *gl, GLuint *buffer) {
    if (*buffer) gl->glDeleteBuffers(1, buffer);
    *buffer = 0;
}

void gles_release(GlesPartitionState *p) {
    const GlesApi *gl = p->delegate->context.gl;
    delete_buffer(gl, &p->arena);
    delete_buffer(gl, &p->constants);
    delete_buffer(gl, &p->params);
    delete_buffer(gl, &p->input_staging);
    delete_buffer(gl, &p->output_staging);
    if (p->queries) gl->glDeleteQueriesEXT(2 * p->step_count, p->queries);
    free(p->queries);
    p->queries = NULL;
    free(p->steps);
    p->steps = NULL;
    p->step_count = 0;
    gpu_program_free(&p->base.program);
    p->base.prepared = false;
}

void gles_release_kernels(GlesDelegateState *d) {
    for (int32_t i = 0; i < d->base.kernels.count; i++)
        d->context.gl->glDeleteProgram((GLuint)d->base.kernels.kernels[i].handle);
    d->base.kernels.count = 0;
}

/* The delegate's program for an assembled source (made once, shared by its partitions). */
static GLuint kernel_program(GlesDelegateState *d, const char *source, char *error, size_t capacity) {
    const uint64_t hash = gpu_hash(GPU_HASH_SEED, source, strlen(source));
    const int32_t known = gpu_kernel_find(&d->base.kernels, hash);
    if (known >= 0) return (GLuint)d->base.kernels.kernels[known].handle;
    if (!gpu_kernel_reserve(&d->base.kernels, 1)) {
        snprintf(error, capacity, "out of memory");
        return 0;
    }
    GLuint program = gles_program_for(d, source, hash, error, capacity);
    if (program) gpu_kernel_add(&d->base.kernels, hash, program, 0);
    return program;
}

/* ---------------------------------------------------------------------------------------------- */
/* Prepare                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static GLuint buffer_of(const GlesPartitionState *p, GpuBuffer buffer) {
    switch (buffer) {
    case GPU_BUFFER_ARENA: return p->arena;
    case GPU_BUFFER_CONSTANTS: return p->constants;
    case GPU_BUFFER_INPUT_STAGING: return p->input_staging;
    case GPU_BUFFER_OUTPUT_STAGING: return p->output_staging;
    }
    return 0;
}

/* What a binding binds: the bytes of its tensor or blob, or the whole staging buffer (the
   conversion kernels address it by offset). */
static GlesBinding binding_of(const GlesPartitionState *p, const GpuBinding *b) {
    const GpuProgram *program = &p->base.program;
    if (b->kind == GPU_RESOURCE_INPUT_STAGING)
        return (GlesBinding){p->input_staging, 0, (GLsizeiptr)program->input_staging_bytes};
    if (b->kind == GPU_RESOURCE_OUTPUT_STAGING)
        return (GlesBinding){p->output_staging, 0, (GLsizeiptr)program->output_staging_bytes};
    const GpuRange range = gpu_binding_range(program, b);
    return (GlesBinding){buffer_of(p, range.buffer), (GLintptr)range.offset, (GLsizeiptr)range.size};
}

/* A step's program (compiled, from the disk cache or from the delegate's table), workgroup
   counts and bindings. */
static LiteStatus build_step(GlesPartitionState *p, const GpuDispatch *dispatch, const GLint *max_groups,
                             GlesStep *step) {
    GlesDelegateState *d = p->delegate;
    char error[GLES_MESSAGE_CAPACITY] = "";
    char *source = gpu_assemble_source(GPU_DIALECT_GLES, p->base.program.precision, dispatch, error, sizeof(error));
    if (!source) return gpu_fail(&d->base, LITE_STATUS_ERROR, "gles: partition %d: %s", p->base.index, error);
    step->program = kernel_program(d, source, error, sizeof(error));
    free(source);
    if (!step->program) {
        if (dispatch->node >= 0)
            return gpu_fail(&d->base, LITE_STATUS_ERROR, "gles: node %d (%s): kernel '%s' %s", dispatch->node,
                            dispatch->op_name, dispatch->kernel, error);
        return gpu_fail(&d->base, LITE_STATUS_ERROR, "gles: %s kernel '%s' %s", dispatch->op_name,
                        dispatch->kernel, error);
    }
    for (int k = 0; k < 3; k++) {
        step->groups[k] = (dispatch->grid[k] + dispatch->local[k] - 1) / dispatch->local[k];
        if (step->groups[k] > (GLuint)max_groups[k])
            return gpu_fail(&d->base, LITE_STATUS_UNSUPPORTED,
                            "gles: node %d (%s): %u workgroups along axis %d, the device allows %d",
                            dispatch->node, dispatch->op_name, step->groups[k], k, max_groups[k]);
    }
    step->binding_count = dispatch->binding_count;
    for (int32_t b = 0; b < dispatch->binding_count; b++) step->bindings[b] = binding_of(p, &dispatch->bindings[b]);
    return LITE_STATUS_OK;
}

/* Every dispatch as a step, with a glMemoryBarrier where gpu_plan_barriers puts a barrier. */
static LiteStatus build_steps(GlesPartitionState *p) {
    GlesDelegateState *d = p->delegate;
    const GlesContext *c = &d->context;
    const GpuProgram *program = &p->base.program;
    GLint max_groups[3] = {65535, 65535, 65535};
    for (GLuint i = 0; i < 3; i++) c->gl->glGetIntegeri_v(GL_MAX_COMPUTE_WORK_GROUP_COUNT, i, &max_groups[i]);
    p->steps = calloc((size_t)program->dispatch_count + 1, sizeof(GlesStep));
    GpuBarrierPlan barriers;
    if (!p->steps || !gpu_plan_barriers(program, &barriers))
        return gpu_fail(&d->base, LITE_STATUS_OUT_OF_MEMORY, "gles: out of memory");
    const size_t params_stride = align_up(PARAMS_BYTES, (size_t)c->ubo_alignment);
    LiteStatus status = LITE_STATUS_OK;
    for (int32_t i = 0; i < program->dispatch_count && status == LITE_STATUS_OK; i++) {
        GlesStep *step = &p->steps[i];
        status = build_step(p, &program->dispatches[i], max_groups, step);
        step->params_offset = (GLintptr)(params_stride * (size_t)i);
        step->barrier = barriers.before[i] >= 0 ? GL_SHADER_STORAGE_BARRIER_BIT : 0;
    }
    const int32_t barrier_count = barriers.barrier_count;
    gpu_barrier_plan_free(&barriers);
    if (status != LITE_STATUS_OK) return status;
    p->step_count = program->dispatch_count;
    p->final_barrier = GL_BUFFER_UPDATE_BARRIER_BIT | GL_SHADER_STORAGE_BARRIER_BIT;
    gpu_log(&d->base, LITE_LOG_DEBUG, "partition %d: %d nodes, %d dispatches (%d run operators), %d barriers; "
            "%d of %d tensors stored as halves", p->base.index, program->node_count, program->dispatch_count,
            program->kernel_dispatches, barrier_count, program->half_tensors, program->stored_tensors);
    return LITE_STATUS_OK;
}

static LiteStatus make_buffers(GlesPartitionState *p) {
    GlesDelegateState *d = p->delegate;
    const GlesApi *gl = d->context.gl;
    const GpuProgram *program = &p->base.program;
    // Constants: every blob at its planned offset, written once.
    uint8_t *constants = calloc(program->blob_bytes, 1);
    const size_t params_stride = align_up(PARAMS_BYTES, (size_t)d->context.ubo_alignment);
    const size_t params_bytes = params_stride * (size_t)(program->dispatch_count > 0 ? program->dispatch_count : 1);
    uint8_t *params = calloc(params_bytes, 1);
    uint8_t *zeros = calloc(program->input_staging_bytes, 1);
    if (!constants || !params || !zeros) {
        free(constants);
        free(params);
        free(zeros);
        return gpu_fail(&d->base, LITE_STATUS_OUT_OF_MEMORY, "gles: out of memory");
    }
    for (int32_t i = 0; i < program->blob_count; i++)
        gpu_blob_write(program, i, constants + program->blobs[i].offset);
    for (int32_t i = 0; i < program->dispatch_count; i++)
        memcpy(params + params_stride * (size_t)i, program->dispatches[i].params, PARAMS_BYTES);
    p->arena = make_buffer(gl, (GLsizeiptr)program->arena_bytes, NULL, GL_DYNAMIC_COPY);
    p->constants = make_buffer(gl, (GLsizeiptr)program->blob_bytes, constants, GL_STATIC_DRAW);
    p->params = make_buffer(gl, (GLsizeiptr)params_bytes, params, GL_STATIC_DRAW);
    p->input_staging = make_buffer(gl, (GLsizeiptr)program->input_staging_bytes, zeros, GL_DYNAMIC_DRAW);
    p->output_staging = make_buffer(gl, (GLsizeiptr)program->output_staging_bytes, NULL, GL_DYNAMIC_READ);
    free(constants);
    free(params);
    free(zeros);
    GLenum error = gles_take_error(&d->context);
    if (error != GL_NO_ERROR)
        return gpu_fail(&d->base, error == GL_OUT_OF_MEMORY ? LITE_STATUS_OUT_OF_MEMORY : LITE_STATUS_ERROR,
                         "gles: partition %d: cannot allocate buffers (%zu bytes of tensors, %zu of "
                         "constants): GL error 0x%x", p->base.index, program->arena_bytes, program->blob_bytes, error);
    return LITE_STATUS_OK;
}

/* One step: its program, parameter block and bindings, the barrier it needs, the dispatch. */
static void run_step(const GlesPartitionState *p, const GlesStep *step, GLbitfield barrier) {
    const GlesApi *gl = p->delegate->context.gl;
    gl->glUseProgram(step->program);
    gl->glBindBufferRange(GL_UNIFORM_BUFFER, 0, p->params, step->params_offset, PARAMS_BYTES);
    for (int32_t b = 0; b < step->binding_count; b++)
        gl->glBindBufferRange(GL_SHADER_STORAGE_BUFFER, (GLuint)b, step->bindings[b].buffer, step->bindings[b].offset,
                              step->bindings[b].size);
    if (barrier) gl->glMemoryBarrier(barrier);
    gl->glDispatchCompute(step->groups[0], step->groups[1], step->groups[2]);
}

/* Each step's start and duration in ns since `entered_ns`, from GPU timestamps (the GL clock mapped
   onto the host's by one glGetInteger64v(GL_TIMESTAMP) before the first step); false when the
   results are unusable (a disjoint event: the GPU's clock jumped). */
static bool run_steps_timestamped(const GlesPartitionState *p, uint64_t entered_ns, uint64_t *start, uint64_t *duration) {
    const GlesApi *gl = p->delegate->context.gl;
    GLint disjoint = 0;
    gl->glGetIntegerv(GL_GPU_DISJOINT_EXT, &disjoint); // clears the flag
    GLint64 gl_origin = 0;
    const uint64_t host_origin = lps_now_ns();
    gl->glGetInteger64v(GL_TIMESTAMP_EXT, &gl_origin);
    for (int32_t i = 0; i < p->step_count; i++) {
        gl->glQueryCounterEXT(p->queries[2 * i], GL_TIMESTAMP_EXT);
        run_step(p, &p->steps[i], p->steps[i].barrier);
        gl->glQueryCounterEXT(p->queries[2 * i + 1], GL_TIMESTAMP_EXT);
    }
    gl->glMemoryBarrier(p->final_barrier);
    for (int32_t i = 0; i < p->step_count; i++) {
        GLuint64 begin = 0, end = 0;
        gl->glGetQueryObjectui64vEXT(p->queries[2 * i], GL_QUERY_RESULT_EXT, &begin);
        gl->glGetQueryObjectui64vEXT(p->queries[2 * i + 1], GL_QUERY_RESULT_EXT, &end);
        const int64_t offset = (int64_t)begin - (int64_t)gl_origin;
        start[i] = host_origin - entered_ns + (uint64_t)(offset > 0 ? offset : 0);
        duration[i] = end > begin ? end - begin : 0;
    }
    gl->glGetIntegerv(GL_GPU_DISJOINT_EXT, &disjoint);
    return !disjoint;
}

/* Each step waited for with glFinish and timed on the host: the fallback without timer queries. It
   changes what it measures (no overlap between dispatches). */
static void run_steps_finished(const GlesPartitionState *p, uint64_t entered_ns, uint64_t *start, uint64_t *duration) {
    const GlesApi *gl = p->delegate->context.gl;
    for (int32_t i = 0; i < p->step_count; i++) {
        gl->glFinish();
        const uint64_t began = lps_now_ns();
        run_step(p, &p->steps[i], GL_SHADER_STORAGE_BARRIER_BIT);
        gl->glFinish();
        start[i] = began - entered_ns;
        duration[i] = lps_now_ns() - began;
    }
    gl->glMemoryBarrier(p->final_barrier);
}

/* The info-level log of option profile=1: the time per kernel (all its dispatches, in order of
   first use) and the eight slowest dispatches. Overwrites `times`. */
static void log_profile(const GlesPartitionState *p, double *times, double total) {
    gpu_log(&p->delegate->base, LITE_LOG_INFO, "partition %d: %d dispatches, %.2f ms in all; the slowest:", p->base.index,
             p->step_count, total);
    for (int32_t i = 0; i < p->step_count; i++) {
        const char *kernel = p->base.program.dispatches[i].kernel;
        bool seen = false;
        for (int32_t j = 0; j < i && !seen; j++) seen = strcmp(p->base.program.dispatches[j].kernel, kernel) == 0;
        if (seen) continue;
        double sum = 0;
        int32_t count = 0;
        for (int32_t j = i; j < p->step_count; j++)
            if (strcmp(p->base.program.dispatches[j].kernel, kernel) == 0) {
                sum += times[j];
                count++;
            }
        gpu_log(&p->delegate->base, LITE_LOG_INFO, "  kernel %-18s %8.2f ms in %d dispatches", kernel, sum, count);
    }
    for (int k = 0; k < 8 && k < p->step_count; k++) {
        int32_t worst = 0;
        for (int32_t i = 1; i < p->step_count; i++)
            if (times[i] > times[worst]) worst = i;
        if (times[worst] < 0) break;
        const GpuDispatch *d = &p->base.program.dispatches[worst];
        gpu_log(&p->delegate->base, LITE_LOG_INFO, "  %7.2f ms  dispatch %d: node %d %s, kernel %s, grid %ux%ux%u, local %ux%ux%u",
                 times[worst], worst, d->node, d->op_name, d->kernel, d->grid[0], d->grid[1], d->grid[2],
                 d->local[0], d->local[1], d->local[2]);
        times[worst] = -1;
    }
}

/* Records nothing (GL has no command buffers): replays the steps. */
static void run_steps_plain(const GlesPartitionState *p) {
    const GlesApi *gl = p->delegate->context.gl;
    GLuint current = 0;
    for (int32_t i = 0; i < p->step_count; i++) {
        const GlesStep *step = &p->steps[i];
        if (step->program != current) {
            gl->glUseProgram(step->program);
            current = step->program;
        }
        gl->glBindBufferRange(GL_UNIFORM_BUFFER, 0, p->params, step->params_offset, PARAMS_BYTES);
        for (int32_t b = 0; b < step->binding_count; b++)
            gl->glBindBufferRange(GL_SHADER_STORAGE_BUFFER, (GLuint)b, step->bindings[b].buffer,
                                  step->bindings[b].offset, step->bindings[b].size);
        if (step->barrier) gl->glMemoryBarrier(step->barrier);
        gl->glDispatchCompute(step->groups[0], step->groups[1], step->groups[2]);
    }
    gl->glMemoryBarrier(p->final_barrier);
}

/* Option profile=1: every step timed, by GPU timestamps where the driver has timer queries, else by
   waiting for each; reported as profile events when the host takes them (ABI 1.3), and the time per
   kernel and the slowest dispatches logged at info level. */
static void run_steps_profiled(const GlesPartitionState *p, uint64_t entered_ns) {
    const GlesDelegateState *d = p->delegate;
    uint64_t *start = calloc((size_t)p->step_count + 1, sizeof(uint64_t));
    uint64_t *duration = calloc((size_t)p->step_count + 1, sizeof(uint64_t));
    double *times = calloc((size_t)p->step_count + 1, sizeof(double));
    if (!start || !duration || !times) {
        run_steps_plain(p); // no memory to time them: run them all the same
    } else {
        const uint64_t origin = entered_ns ? entered_ns : lps_now_ns();
        const bool on_device = p->queries != NULL;
        bool valid = true;
        if (on_device) valid = run_steps_timestamped(p, origin, start, duration);
        else run_steps_finished(p, origin, start, duration);
        if (!valid) {
            gpu_log(&d->base, LITE_LOG_INFO, "partition %d: the GPU clock jumped (disjoint): no timings this invoke",
                    p->base.index);
        } else {
            if (d->base.profile_events)
                gpu_profile_dispatches(&d->base, &p->base.program, start, duration,
                                       on_device ? LITE_PROFILE_CLOCK_DEVICE : LITE_PROFILE_CLOCK_HOST);
            double total = 0;
            for (int32_t i = 0; i < p->step_count; i++) total += times[i] = (double)duration[i] * 1e-6;
            log_profile(p, times, total);
        }
    }
    free(start);
    free(duration);
    free(times);
}

static void run_steps(const GlesPartitionState *p, uint64_t entered_ns) {
    if (p->delegate->profile) run_steps_profiled(p, entered_ns);
    else run_steps_plain(p);
}

/* Drivers that finish compiling at a program's first dispatch (llvmpipe generates its machine code
   there) do it now, at prepare, rather than in the first invoke: each distinct program is
   dispatched once, as one workgroup of its first step (in-bounds by construction; what it writes
   is overwritten by the first invoke). */
static void prime_programs(const GlesPartitionState *p) {
    const GlesApi *gl = p->delegate->context.gl;
    for (int32_t i = 0; i < p->step_count; i++) {
        const GlesStep *step = &p->steps[i];
        bool seen = false;
        for (int32_t j = 0; j < i && !seen; j++) seen = p->steps[j].program == step->program;
        if (seen) continue;
        gl->glUseProgram(step->program);
        gl->glBindBufferRange(GL_UNIFORM_BUFFER, 0, p->params, step->params_offset, PARAMS_BYTES);
        for (int32_t b = 0; b < step->binding_count; b++)
            gl->glBindBufferRange(GL_SHADER_STORAGE_BUFFER, (GLuint)b, step->bindings[b].buffer,
                                  step->bindings[b].offset, step->bindings[b].size);
        gl->glDispatchCompute(1, 1, 1);
    }
    gl->glMemoryBarrier(GL_ALL_BARRIER_BITS);
    gl->glFinish();
}

LiteStatus gles_prepare(GlesPartitionState *p, const LiteGraph *graph) {
    GlesDelegateState *d = p->delegate;
    if (p->base.prepared) gles_release(p);
    gles_take_error(&d->context);
    const GpuPlanOptions options = {
        .precision = d->base.precision,
        .fp16_all_tensors = d->base.fp16_all_tensors,
        .offset_alignment = (size_t)d->context.ssbo_alignment,
        .max_binding_bytes = (size_t)d->context.max_ssbo_bytes,
    };
    char error[GPU_ERROR_CAPACITY];
    if (!gpu_plan_request(graph, &p->base.request, &options, &p->base.program, error, sizeof(error)))
        return gpu_fail(&d->base, LITE_STATUS_UNSUPPORTED, "gles: partition %d: %s", p->base.index, error);
    d->compiled = d->from_cache = d->rejected = 0;
    const double planned = gpu_now_ms();
    LiteStatus status = make_buffers(p);
    if (status == LITE_STATUS_OK) status = build_steps(p);
    const double built = gpu_now_ms();
    if (status == LITE_STATUS_OK && d->base.profile_events && d->context.timer_queries && p->step_count > 0) {
        p->queries = calloc(2 * (size_t)p->step_count, sizeof(GLuint));
        if (p->queries) d->context.gl->glGenQueriesEXT(2 * p->step_count, p->queries);
        else status = gpu_fail(&d->base, LITE_STATUS_OUT_OF_MEMORY, "gles: out of memory");
    }
    if (status == LITE_STATUS_OK) {
        prime_programs(p);
        GLenum gl_error = gles_take_error(&d->context);
        if (gl_error != GL_NO_ERROR)
            status = gpu_fail(&d->base, LITE_STATUS_ERROR, "gles: partition %d: GL error 0x%x while priming programs",
                               p->base.index, gl_error);
    }
    if (status != LITE_STATUS_OK) {
        gles_release(p);
        return status;
    }
    if (d->rejected > 0)
        gpu_log(&d->base, LITE_LOG_INFO, "%d cached program binaries unusable (corrupt, stale or refused by the "
                 "driver); recompiled and replaced", d->rejected);
    gpu_log(&d->base, LITE_LOG_DEBUG,
             "partition %d: %d programs compiled, %d from the cache; %.1f ms buffers and programs, "
             "%.1f ms priming", p->base.index, d->compiled, d->from_cache, built - planned, gpu_now_ms() - built);
    p->base.prepared = true;
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Invoke                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

LiteStatus gles_invoke(GlesPartitionState *p, const void *const *inputs, const size_t *input_sizes,
                       void *const *outputs, const size_t *output_sizes, uint64_t entered_ns) {
    GlesDelegateState *d = p->delegate;
    const GlesApi *gl = d->context.gl;
    const GpuProgram *program = &p->base.program;
    // The buffers were checked by invoke_partition (gpu_check_invoke_buffers).
    if (program->input_count > 0) {
        gl->glBindBuffer(GL_COPY_WRITE_BUFFER, p->input_staging);
        for (int32_t i = 0; i < program->input_count; i++) {
            const size_t bytes = gpu_host_bytes(program, program->inputs[i]);
            if (bytes > 0)
                gl->glBufferSubData(GL_COPY_WRITE_BUFFER, (GLintptr)program->input_offsets[i], (GLsizeiptr)bytes,
                                    inputs[i]);
        }
        gl->glBindBuffer(GL_COPY_WRITE_BUFFER, 0);
    }
    const uint64_t uploaded = entered_ns ? lps_now_ns() : 0;
    if (entered_ns) lps_profile_event(d->base.services, "upload inputs", NULL, 0, LITE_PROFILE_CLOCK_HOST, 0, uploaded - entered_ns);
    run_steps(p, entered_ns);
    const uint64_t ran = entered_ns ? lps_now_ns() : 0;
    gl->glBindBuffer(GL_COPY_READ_BUFFER, p->output_staging);
    const uint8_t *mapped = gl->glMapBufferRange(GL_COPY_READ_BUFFER, 0,
                                                 (GLsizeiptr)program->output_staging_bytes, GL_MAP_READ_BIT);
    if (!mapped) {
        GLenum error = gles_take_error(&d->context);
        gl->glBindBuffer(GL_COPY_READ_BUFFER, 0);
        return gpu_fail(&d->base, error == GL_OUT_OF_MEMORY ? LITE_STATUS_OUT_OF_MEMORY : LITE_STATUS_DEVICE_LOST,
                         "gles: partition %d: cannot map the outputs (GL error 0x%x)", p->base.index, error);
    }
    for (int32_t i = 0; i < program->output_count; i++) {
        const size_t bytes = gpu_host_bytes(program, program->outputs[i]);
        if (bytes > 0) memcpy(outputs[i], mapped + program->output_offsets[i], bytes);
    }
    gl->glUnmapBuffer(GL_COPY_READ_BUFFER);
    gl->glBindBuffer(GL_COPY_READ_BUFFER, 0);
    if (entered_ns)
        lps_profile_event(d->base.services, "download outputs", NULL, 0, LITE_PROFILE_CLOCK_HOST, ran - entered_ns,
                          lps_now_ns() - ran);
    GLenum error = gles_take_error(&d->context);
    if (error != GL_NO_ERROR)
        return gpu_fail(&d->base, LITE_STATUS_ERROR, "gles: partition %d: GL error 0x%x during invoke", p->base.index, error);
    return LITE_STATUS_OK;
}
