/*
 * gpu_hazards.c — the GPU delegates' shared barrier tracker (gpu_plan_barriers, gpu_hazards.c) on
 * programs built by hand: each kind of hazard on its own with the barrier it needs (and no more),
 * then 2,000 random dispatch lists checked against a brute-force reading of the rule: every pair
 * of dispatches whose ranges overlap, one of them writing, has a barrier between them that lists
 * the earlier write; and every barrier has such a pair behind it since the previous one.
 *
 *   scripts/test/c_tests.sh builds and runs it (it needs no GPU).
 *
 * Exit status 0: pass; anything else: fail.
 */
#include "gpu_backend.h"

static int failures;

#define CHECK(condition, ...)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "gpu_hazards: %s:%d: ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* A program of `tensors` arena tensors (16-byte vec4s), two blobs, one input and two outputs. */
#define MAX_TENSORS 8
#define MAX_DISPATCHES 24

typedef struct Fixture {
    GpuProgram program;
    GpuTensor tensors[MAX_TENSORS + 3];
    GpuBlob blobs[2];
    GpuDispatch dispatches[MAX_DISPATCHES];
    int32_t inputs[1], outputs[2];
    size_t input_offsets[1], output_offsets[2];
} Fixture;

/* Tensor t: vec4_count vec4s at byte `offset` of the arena. */
static void set_tensor(Fixture *f, int32_t t, size_t offset, size_t vec4_count) {
    f->tensors[t] = (GpuTensor){.graph_index = t, .type = LITE_DATA_TYPE_FLOAT32, .rank = 4,
                                .shape = {1, 1, (int32_t)vec4_count, 4}, .slices = 1,
                                .vec4_count = vec4_count, .alias = -1, .blob = -1,
                                .arena_offset = offset};
}

static void fixture_init(Fixture *f) {
    memset(f, 0, sizeof(*f));
    for (int32_t t = 0; t < MAX_TENSORS; t++) set_tensor(f, t, (size_t)t * 64, 4);
    // The partition's input and outputs: tensors MAX_TENSORS.. with staging offsets of their own.
    for (int32_t k = 0; k < 3; k++) set_tensor(f, MAX_TENSORS + k, 1024 + (size_t)k * 64, 2);
    f->inputs[0] = MAX_TENSORS;
    f->outputs[0] = MAX_TENSORS + 1;
    f->outputs[1] = MAX_TENSORS + 2;
    f->input_offsets[0] = 0;
    f->output_offsets[0] = 0;
    f->output_offsets[1] = 64; /* each output's part spans 2 * 16 + 16 = 48 bytes */
    f->blobs[0] = (GpuBlob){.floats = 16, .offset = 0};
    f->blobs[1] = (GpuBlob){.floats = 16, .offset = 64};
    f->program = (GpuProgram){.precision = GPU_PRECISION_FP32, .tensor_count = MAX_TENSORS + 3,
                              .tensors = f->tensors, .blob_count = 2, .blobs = f->blobs,
                              .dispatches = f->dispatches, .input_count = 1, .output_count = 2,
                              .inputs = f->inputs, .outputs = f->outputs, .input_offsets = f->input_offsets,
                              .output_offsets = f->output_offsets, .element_bytes = 16};
}

/* Appends a dispatch; `spec` lists its bindings: "rT" / "wT" a tensor, "b" a blob (read), "i" the
   input staging, "oK" output K's staging (written). */
static void add_dispatch(Fixture *f, const char *spec) {
    GpuDispatch *d = &f->dispatches[f->program.dispatch_count++];
    d->kernel = "test";
    d->op_name = "TEST";
    d->node = f->program.dispatch_count - 1;
    for (const char *c = spec; *c; c++) {
        GpuBinding *b = &d->bindings[d->binding_count++];
        switch (*c) {
        case 'r': *b = (GpuBinding){GPU_RESOURCE_TENSOR, *++c - '0', false}; break;
        case 'w': *b = (GpuBinding){GPU_RESOURCE_TENSOR, *++c - '0', true}; break;
        case 'b': *b = (GpuBinding){GPU_RESOURCE_BLOB, 0, false}; break;
        case 'i': *b = (GpuBinding){GPU_RESOURCE_INPUT_STAGING, 0, false}; break;
        case 'o': *b = (GpuBinding){GPU_RESOURCE_OUTPUT_STAGING, *++c - '0', true}; break;
        default: fprintf(stderr, "gpu_hazards: bad spec %s\n", spec); exit(2);
        }
    }
}

/* Plans the barriers of `f`; `expected` has one character per dispatch: '|' barrier before it,
   '.' none. */
static void expect_barriers(const char *name, Fixture *f, const char *expected) {
    GpuBarrierPlan plan;
    if (!gpu_plan_barriers(&f->program, &plan)) {
        CHECK(false, "%s: out of memory", name);
        return;
    }
    char got[MAX_DISPATCHES + 1] = "";
    for (int32_t i = 0; i < f->program.dispatch_count; i++) got[i] = plan.before[i] >= 0 ? '|' : '.';
    CHECK(strcmp(got, expected) == 0, "%s: barriers %s, expected %s", name, got, expected);
    gpu_barrier_plan_free(&plan);
}

static void hand_made_programs(void) {
    Fixture f;
    fixture_init(&f);
    add_dispatch(&f, "iw0");
    add_dispatch(&f, "r0w1");
    expect_barriers("read after write", &f, ".|");

    fixture_init(&f);
    add_dispatch(&f, "bw0");
    add_dispatch(&f, "bw1");
    add_dispatch(&f, "r0r1w2");
    expect_barriers("two readers of one blob need nothing; the reader of both writes waits once", &f, "..|");

    fixture_init(&f);
    add_dispatch(&f, "bw0");
    add_dispatch(&f, "bw0");
    expect_barriers("write after write", &f, ".|");

    fixture_init(&f);
    set_tensor(&f, 2, 0, 4); /* tensor 2 reuses tensor 0's bytes (their lifetimes do not overlap) */
    add_dispatch(&f, "iw0");
    add_dispatch(&f, "r0w1");
    add_dispatch(&f, "bw2");
    expect_barriers("write after read", &f, ".||");

    fixture_init(&f);
    set_tensor(&f, 1, 48, 1); /* bytes 48..64: inside tensor 0's 0..64 */
    set_tensor(&f, 2, 64, 4); /* bytes 64..128: right after tensor 0 */
    add_dispatch(&f, "bw0");
    add_dispatch(&f, "bw2");
    add_dispatch(&f, "bw1");
    expect_barriers("adjacent ranges are independent, overlapping ones are not", &f, "..|");

    fixture_init(&f);
    add_dispatch(&f, "iw0");
    add_dispatch(&f, "r0w1");
    add_dispatch(&f, "r0w2");
    add_dispatch(&f, "r0r1r2w3");
    expect_barriers("after a barrier, reading the same tensor again needs none", &f, ".|.|");

    fixture_init(&f);
    add_dispatch(&f, "iw0");
    add_dispatch(&f, "iw1");
    add_dispatch(&f, "r0o0");
    add_dispatch(&f, "r1o1");
    expect_barriers("two outputs' conversions write disjoint parts of the staging buffer", &f, "..|.");

    // Which writes a barrier lists: those since the previous barrier, in dispatch order.
    fixture_init(&f);
    add_dispatch(&f, "iw0");
    add_dispatch(&f, "r0w1");
    add_dispatch(&f, "bw2");
    add_dispatch(&f, "r1r2o0");
    GpuBarrierPlan plan;
    if (gpu_plan_barriers(&f.program, &plan)) {
        CHECK(plan.barrier_count == 2, "barrier list: %d barriers, expected 2", plan.barrier_count);
        if (plan.barrier_count == 2) {
            const GpuBarrier *first = &plan.barriers[0], *second = &plan.barriers[1];
            CHECK(first->dispatch == 1 && first->write_count == 1 &&
                      plan.writes[first->first_write].offset == 0,
                  "barrier list: the first barrier makes tensor 0 visible to dispatch 1");
            CHECK(second->dispatch == 3 && second->write_count == 2 &&
                      plan.writes[second->first_write].offset == 64 &&
                      plan.writes[second->first_write + 1].offset == 128 &&
                      plan.writes[second->first_write].buffer == GPU_BUFFER_ARENA,
                  "barrier list: the second makes tensors 1 and 2 visible to dispatch 3");
        }
        gpu_barrier_plan_free(&plan);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Random programs against the rule                                                               */
/* ---------------------------------------------------------------------------------------------- */

static uint32_t random_state = 12345;

static uint32_t next_random(uint32_t bound) {
    random_state = random_state * 1664525u + 1013904223u;
    return (random_state >> 8) % bound;
}

static bool ranges_overlap(GpuRange a, GpuRange b) {
    return a.buffer == b.buffer && a.offset < b.offset + b.size && b.offset < a.offset + a.size;
}

/* True when dispatch j (< i) and dispatch i touch the same bytes and one of them writes. */
static bool conflict(const GpuProgram *program, int32_t j, int32_t i, GpuRange *write_of_j, bool *j_writes) {
    const GpuDispatch *a = &program->dispatches[j], *b = &program->dispatches[i];
    bool found = false;
    for (int32_t x = 0; x < a->binding_count; x++)
        for (int32_t y = 0; y < b->binding_count; y++) {
            const GpuRange ra = gpu_binding_range(program, &a->bindings[x]);
            const GpuRange rb = gpu_binding_range(program, &b->bindings[y]);
            if (!ranges_overlap(ra, rb) || !(a->bindings[x].writes || b->bindings[y].writes)) continue;
            found = true;
            *j_writes = a->bindings[x].writes;
            if (a->bindings[x].writes) {
                *write_of_j = ra;
                return true;
            }
        }
    return found;
}

static bool barrier_lists(const GpuBarrierPlan *plan, const GpuBarrier *barrier, GpuRange range) {
    for (int32_t w = 0; w < barrier->write_count; w++) {
        const GpuRange *r = &plan->writes[barrier->first_write + w];
        if (r->buffer == range.buffer && r->offset == range.offset && r->size == range.size) return true;
    }
    return false;
}

static void random_programs(void) {
    for (int round = 0; round < 2000; round++) {
        Fixture f;
        fixture_init(&f);
        // Tensors of 1..4 vec4s at 16-byte offsets in 256 bytes: many overlaps, some not.
        for (int32_t t = 0; t < MAX_TENSORS; t++) set_tensor(&f, t, 16 * next_random(16), 1 + next_random(4));
        const int32_t count = 2 + (int32_t)next_random(MAX_DISPATCHES - 1);
        for (int32_t i = 0; i < count; i++) {
            GpuDispatch *d = &f.dispatches[f.program.dispatch_count++];
            d->kernel = "random";
            d->op_name = "RANDOM";
            const int32_t bindings = 1 + (int32_t)next_random(4);
            for (int32_t b = 0; b < bindings; b++) {
                const uint32_t kind = next_random(10);
                if (kind < 7) d->bindings[b] = (GpuBinding){GPU_RESOURCE_TENSOR, (int32_t)next_random(MAX_TENSORS),
                                                            next_random(2) == 0};
                else if (kind < 8) d->bindings[b] = (GpuBinding){GPU_RESOURCE_BLOB, (int32_t)next_random(2), false};
                else if (kind < 9) d->bindings[b] = (GpuBinding){GPU_RESOURCE_INPUT_STAGING, 0, false};
                else d->bindings[b] = (GpuBinding){GPU_RESOURCE_OUTPUT_STAGING, (int32_t)next_random(2), true};
            }
            d->binding_count = bindings;
        }
        GpuBarrierPlan plan;
        if (!gpu_plan_barriers(&f.program, &plan)) {
            CHECK(false, "round %d: out of memory", round);
            return;
        }
        const int before = failures;
        // Sound: a conflicting pair j < i has a barrier at some k in (j, i] listing j's write.
        for (int32_t i = 0; i < count; i++)
            for (int32_t j = 0; j < i; j++) {
                GpuRange write = {0};
                bool j_writes = false;
                if (!conflict(&f.program, j, i, &write, &j_writes)) continue;
                int32_t k = j + 1;
                while (k <= i && plan.before[k] < 0) k++;
                CHECK(k <= i, "round %d: dispatches %d and %d conflict with no barrier between", round, j, i);
                if (k <= i && j_writes)
                    CHECK(barrier_lists(&plan, &plan.barriers[plan.before[k]], write),
                          "round %d: the barrier before %d does not list dispatch %d's write", round, k, j);
            }
        // Necessary: each barrier at i follows a conflict with a dispatch since the previous one.
        int32_t previous = 0;
        for (int32_t i = 0; i < count; i++) {
            if (plan.before[i] < 0) continue;
            bool needed = false;
            for (int32_t j = previous; j < i && !needed; j++) {
                GpuRange write;
                bool j_writes;
                needed = conflict(&f.program, j, i, &write, &j_writes);
            }
            CHECK(needed, "round %d: the barrier before dispatch %d is not needed", round, i);
            CHECK(plan.barriers[plan.before[i]].dispatch == i, "round %d: barrier %d names another dispatch",
                  round, plan.before[i]);
            previous = i;
        }
        gpu_barrier_plan_free(&plan);
        if (failures > before) return; // one broken round says enough
    }
}

int main(void) {
    hand_made_programs();
    random_programs();
    printf("gpu_hazards: %d failure%s\n", failures, failures == 1 ? "" : "s");
    return failures == 0 ? 0 : 1;
}
