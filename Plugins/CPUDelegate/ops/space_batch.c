// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (float32/int32) over 4-D NHWC with a 2-D block, or 3-D
// NHC with a 1-D block, as TFLite's reference kernels: output batch (shift_h * block_w + shift_w) *
// batch + b; zero padding (SPACE_TO_BATCH_ND) and crops (BATCH_TO_SPACE_ND) at both ends.
#include "layout.h"

/* The spatial parameters, on a 4-D view (a 3-D tensor is N, H, 1, C with a block of width 1). */
typedef struct SpaceBatchPlan {
    int32_t block[2];
    int32_t before[2], after[2]; /* paddings or crops */
} SpaceBatchPlan;

/* Reads block and paddings/crops for an input of `rank` (3 or 4); false when they do not fit. */
static bool read_plan(int32_t rank, const int64_t *block, const int64_t *edges, SpaceBatchPlan *plan) {
    const int32_t m = rank - 2;
    plan->block[1] = 1;
    plan->before[1] = plan->after[1] = 0;
    for (int32_t i = 0; i < m; i++) {
        if (block[i] < 1 || block[i] > INT32_MAX || edges[2 * i] < 0 || edges[2 * i + 1] < 0 ||
            edges[2 * i] > INT32_MAX || edges[2 * i + 1] > INT32_MAX)
            return false;
        plan->block[i] = (int32_t)block[i];
        plan->before[i] = (int32_t)edges[2 * i];
        plan->after[i] = (int32_t)edges[2 * i + 1];
    }
    return true;
}

/* dims as N, H, W, C. */
static void view4(int32_t rank, const int32_t *dims, int32_t out[4]) {
    out[0] = dims[0];
    out[1] = dims[1];
    out[2] = rank == 4 ? dims[2] : 1;
    out[3] = dims[rank - 1];
}

/* The expected output shape (4-D view), or false. */
static bool output_view(bool to_batch, const SpaceBatchPlan *plan, const int32_t in[4], int32_t out[4]) {
    const int64_t blocks = (int64_t)plan->block[0] * plan->block[1];
    out[3] = in[3];
    if (to_batch) {
        out[0] = (int32_t)(in[0] * blocks);
        for (int i = 0; i < 2; i++) {
            int64_t padded = (int64_t)in[1 + i] + plan->before[i] + plan->after[i];
            if (padded % plan->block[i] != 0) return false;
            out[1 + i] = (int32_t)(padded / plan->block[i]);
        }
        return true;
    }
    if (in[0] % blocks != 0) return false;
    out[0] = (int32_t)(in[0] / blocks);
    for (int i = 0; i < 2; i++) {
        int64_t extent = (int64_t)in[1 + i] * plan->block[i] - plan->before[i] - plan->after[i];
        if (extent < 0) return false;
        out[1 + i] = (int32_t)extent;
    }
    return true;
}

static bool check_space_batch(const LpsCheckContext *c, char *reason, size_t capacity) {
    const bool to_batch = c->node->builtin_code == LITE_OP_SPACE_TO_BATCH_ND;
    if (!lps_check_io(c, 3, 3, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", LAYOUT_TYPES, 3, 4, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", LAYOUT_TYPES, 3, 4, reason, capacity))
        return false;
    if (in->type != out->type || in->rank != out->rank)
        return lps_decline(reason, capacity, "input and output differ in type or rank");
    int64_t block[2], edges[4];
    const int32_t m = in->rank - 2;
    SpaceBatchPlan plan;
    if (!layout_constant_ints(lps_check_input(c, 1), block, m) ||
        !layout_constant_ints(lps_check_input(c, 2), edges, 2 * m) || !read_plan(in->rank, block, edges, &plan))
        return lps_decline(reason, capacity, "block shape and %s must be constants for %d spatial axes",
                           to_batch ? "paddings" : "crops", m);
    int32_t in4[4], out4[4], expected[4];
    view4(in->rank, in->dims, in4);
    view4(out->rank, out->dims, out4);
    if (!output_view(to_batch, &plan, in4, expected) || memcmp(expected, out4, sizeof(expected)) != 0)
        return lps_decline(reason, capacity, "output shape differs from the operator's");
    return true;
}

static LiteStatus prepare_space_batch(CpuPartitionState *p, CpuNode *node) {
    const bool to_batch = node->op->builtin_code == LITE_OP_SPACE_TO_BATCH_ND;
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    SpaceBatchPlan *plan = calloc(1, sizeof(*plan));
    if (!plan) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = plan;
    int64_t block[2], edges[4];
    const int32_t m = in->rank - 2;
    int32_t in4[4], out4[4], expected[4];
    bool ok = (in->rank == 3 || in->rank == 4) && out->rank == in->rank &&
              layout_tensor_ints(cpu_in(p, node, 1), block, m) &&
              layout_tensor_ints(cpu_in(p, node, 2), edges, 2 * m) && read_plan(in->rank, block, edges, plan);
    if (ok) {
        view4(in->rank, in->dims, in4);
        view4(out->rank, out->dims, out4);
        ok = output_view(to_batch, plan, in4, expected) && memcmp(expected, out4, sizeof(expected)) == 0;
    }
    if (!ok)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: shapes do not fit the block", node->op->name, node->graph_node);
    return LITE_STATUS_OK;
}

static LiteStatus run_space_batch(CpuPartitionState *p, CpuNode *node) {
    const bool to_batch = node->op->builtin_code == LITE_OP_SPACE_TO_BATCH_ND;
    const SpaceBatchPlan *plan = node->state;
    const CpuTensor *in_t = cpu_in(p, node, 0), *out_t = cpu_out(p, node, 0);
    int32_t in[4], out[4];
    view4(in_t->rank, in_t->dims, in);
    view4(out_t->rank, out_t->dims, out);
    const size_t depth = (size_t)in[3], bytes = depth * sizeof(uint32_t);
    const uint32_t *source = in_t->data;
    uint32_t *target = out_t->data;
    // `space` is the tensor with the spatial layout (input of SPACE_TO_BATCH_ND, output of the
    // other); `batched` the one with blocks in the batch. Both walk the batched tensor.
    const int32_t *space = to_batch ? in : out, *batched = to_batch ? out : in;
    const int32_t space_batch = space[0];
    if (!to_batch) memset(target, 0, out_t->bytes); // every element is written; keeps crops tidy
    for (int32_t b = 0; b < batched[0]; b++) {
        const int32_t n = b % space_batch, shift = b / space_batch;
        const int32_t shift_h = shift / plan->block[1], shift_w = shift % plan->block[1];
        for (int32_t y = 0; y < batched[1]; y++) {
            const int32_t sy = y * plan->block[0] + shift_h - plan->before[0];
            for (int32_t x = 0; x < batched[2]; x++) {
                const int32_t sx = x * plan->block[1] + shift_w - plan->before[1];
                const bool inside = sy >= 0 && sy < space[1] && sx >= 0 && sx < space[2];
                const size_t batched_at = (((size_t)b * batched[1] + y) * batched[2] + x) * depth;
                const size_t space_at = inside ? (((size_t)n * space[1] + sy) * space[2] + sx) * depth : 0;
                if (to_batch) {
                    if (inside) memcpy(target + batched_at, source + space_at, bytes);
                    else memset(target + batched_at, 0, bytes);
                } else if (inside) {
                    memcpy(target + space_at, source + batched_at, bytes);
                }
            }
        }
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_space_to_batch_nd = {
    .builtin_code = LITE_OP_SPACE_TO_BATCH_ND, .name = "SPACE_TO_BATCH_ND", .min_version = 1,
    .max_version = 4, .check = check_space_batch, .prepare = prepare_space_batch,
    .run = run_space_batch, .release = free};

const CpuOp cpu_op_batch_to_space_nd = {
    .builtin_code = LITE_OP_BATCH_TO_SPACE_ND, .name = "BATCH_TO_SPACE_ND", .min_version = 1,
    .max_version = 4, .check = check_space_batch, .prepare = prepare_space_batch,
    .run = run_space_batch, .release = free};
