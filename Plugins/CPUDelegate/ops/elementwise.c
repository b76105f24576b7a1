// Binary elementwise operators with numpy broadcasting: ADD, SUB, MUL (fused activation) and PRELU.
#include "../cpu_delegate.h"

#define BINARY_MAX_RANK 5
#define ELEMENTS_PER_TASK 16384

typedef enum BinaryKind { BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_PRELU } BinaryKind;

/* The broadcast, collapsed to as few dimensions as possible; the innermost has strides 0 or 1. */
typedef struct BinaryPlan {
    BinaryKind kind;
    int32_t rank;
    size_t dims[BINARY_MAX_RANK];
    size_t a_strides[BINARY_MAX_RANK];
    size_t b_strides[BINARY_MAX_RANK];
    size_t rows;  /* product of all but the innermost dimension */
    float act_min, act_max;
    /* Bound per run. */
    const float *a, *b;
    float *out;
} BinaryPlan;

static BinaryKind kind_of(int32_t code) {
    switch (code) {
    case LITE_OP_ADD: return BINARY_ADD;
    case LITE_OP_SUB: return BINARY_SUB;
    case LITE_OP_MUL: return BINARY_MUL;
    default: return BINARY_PRELU;
    }
}

/* True if shapes a and b broadcast to `out` (numpy rules, right-aligned). */
static bool broadcasts_to(int32_t a_rank, const int32_t *a, int32_t b_rank, const int32_t *b,
                          int32_t out_rank, const int32_t *out) {
    int32_t rank = a_rank > b_rank ? a_rank : b_rank;
    if (out_rank != rank) return false;
    for (int32_t i = 0; i < rank; i++) {
        int32_t da = i < rank - a_rank ? 1 : a[i - (rank - a_rank)];
        int32_t db = i < rank - b_rank ? 1 : b[i - (rank - b_rank)];
        if (da != db && da != 1 && db != 1) return false;
        int32_t expected = da == 1 ? db : da;
        if (out[i] != expected) return false;
    }
    return true;
}

static bool check_binary(const LpsCheckContext *c, char *reason, size_t capacity) {
    const bool prelu = c->node->builtin_code == LITE_OP_PRELU;
    const char *name = prelu ? "PRELU" : c->node->builtin_code == LITE_OP_ADD ? "ADD"
                       : c->node->builtin_code == LITE_OP_SUB ? "SUB" : "MUL";
    const int32_t max_rank = prelu ? 4 : BINARY_MAX_RANK;
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *a = lps_check_input(c, 0), *b = lps_check_input(c, 1), *o = lps_check_output(c, 0);
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    if (!a || !b) return lps_decline(reason, capacity, "%s with an absent input", name);
    const LiteTensor *tensors[3] = {a, b, o};
    for (int i = 0; i < 3; i++) {
        if (tensors[i]->type != LITE_DATA_TYPE_FLOAT32)
            return lps_decline(reason, capacity, "%s type %s unsupported", name,
                               lps_type_name(tensors[i]->type));
        if (tensors[i]->rank > max_rank)
            return lps_decline(reason, capacity, "%s broadcasting rank %d > %d", name,
                               tensors[i]->rank, max_rank);
        if (!cpu_check_tensor(c, tensors[i], i == 2 ? "output" : "input", f32, 0, max_rank, reason,
                              capacity))
            return false;
    }
    if (!broadcasts_to(a->rank, a->dims, b->rank, b->dims, o->rank, o->dims))
        return lps_decline(reason, capacity, "%s input shapes do not broadcast to the output", name);
    if (!prelu) {
        const LiteElementwiseParams *params = c->node->params;
        return cpu_check_activation(name, params->activation, reason, capacity);
    }
    return true;
}

static LiteStatus prepare_binary(CpuPartitionState *p, CpuNode *node) {
    CpuTensor *a = cpu_in(p, node, 0), *b = cpu_in(p, node, 1), *o = cpu_out(p, node, 0);
    if (a->rank > BINARY_MAX_RANK || b->rank > BINARY_MAX_RANK ||
        !broadcasts_to(a->rank, a->dims, b->rank, b->dims, o->rank, o->dims))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: shapes do not broadcast to the output", node->op->name,
                        node->graph_node);
    BinaryPlan *plan = calloc(1, sizeof(*plan));
    if (!plan) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    plan->kind = kind_of(node->op->builtin_code);
    if (plan->kind == BINARY_PRELU) {
        plan->act_min = -INFINITY;
        plan->act_max = INFINITY;
    } else {
        cpu_activation_range(node->params.elementwise.activation, &plan->act_min, &plan->act_max);
    }

    // Right-align both shapes to the output's rank, with contiguous strides (0 where broadcast).
    const int32_t rank = o->rank;
    size_t dims[BINARY_MAX_RANK], sa[BINARY_MAX_RANK], sb[BINARY_MAX_RANK];
    size_t stride_a = 1, stride_b = 1;
    for (int32_t i = rank - 1; i >= 0; i--) {
        int32_t ia = i - (rank - a->rank), ib = i - (rank - b->rank);
        size_t da = ia >= 0 ? (size_t)a->dims[ia] : 1, db = ib >= 0 ? (size_t)b->dims[ib] : 1;
        dims[i] = (size_t)o->dims[i];
        sa[i] = da == 1 ? 0 : stride_a;
        sb[i] = db == 1 ? 0 : stride_b;
        stride_a *= da;
        stride_b *= db;
    }
    // Collapse: drop size-1 dimensions, merge neighbours that stay contiguous for both inputs.
    int32_t n = 0;
    for (int32_t i = 0; i < rank; i++) {
        if (dims[i] == 1) continue;
        if (n > 0 && plan->a_strides[n - 1] == sa[i] * dims[i] &&
            plan->b_strides[n - 1] == sb[i] * dims[i]) {
            plan->dims[n - 1] *= dims[i];
            plan->a_strides[n - 1] = sa[i];
            plan->b_strides[n - 1] = sb[i];
            continue;
        }
        plan->dims[n] = dims[i];
        plan->a_strides[n] = sa[i];
        plan->b_strides[n] = sb[i];
        n++;
    }
    if (n == 0) { // a single element
        plan->dims[0] = 1;
        plan->a_strides[0] = plan->b_strides[0] = 0;
        n = 1;
    }
    plan->rank = n;
    plan->rows = 1;
    for (int32_t i = 0; i + 1 < n; i++) plan->rows *= plan->dims[i];
    node->state = plan;
    return LITE_STATUS_OK;
}

#define BINARY_LOOP(EXPR, A_AT, B_AT)                                                            \
    for (size_t i = 0; i < count; i++) {                                                         \
        const float x = A_AT, y = B_AT;                                                          \
        float r = EXPR;                                                                          \
        r = r < lo ? lo : r;                                                                     \
        out[i] = r > hi ? hi : r;                                                                \
    }

#define BINARY_STRIDES(EXPR)                                                                     \
    if (sa && sb) {                                                                              \
        BINARY_LOOP(EXPR, a[i], b[i])                                                            \
    } else if (sa) {                                                                             \
        const float b0 = b[0];                                                                   \
        BINARY_LOOP(EXPR, a[i], b0)                                                              \
    } else if (sb) {                                                                             \
        const float a0 = a[0];                                                                   \
        BINARY_LOOP(EXPR, a0, b[i])                                                              \
    } else {                                                                                     \
        const float a0 = a[0], b0 = b[0];                                                        \
        BINARY_LOOP(EXPR, a0, b0)                                                                \
    }

static void binary_row(BinaryKind kind, const float *restrict a, size_t sa, const float *restrict b,
                       size_t sb, float *restrict out, size_t count, float lo, float hi) {
    switch (kind) {
    case BINARY_ADD: BINARY_STRIDES(x + y) break;
    case BINARY_SUB: BINARY_STRIDES(x - y) break;
    case BINARY_MUL: BINARY_STRIDES(x * y) break;
    case BINARY_PRELU: BINARY_STRIDES(x >= 0.0f ? x : x * y) break;
    }
}

/* Rows of a contiguous operand against one vector repeated on every row (a per-channel scale or
   bias: selfie_segmentation's squeeze-and-excite MULs, [1,128,128,16] x [1,1,1,16]): the rows are
   consecutive, so no row needs the division that locates a row of a general broadcast. */
static void binary_rows_vector(const BinaryPlan *plan, size_t begin, size_t end, bool vector_is_b) {
    const size_t inner = plan->dims[1];
    const float *full = vector_is_b ? plan->a : plan->b, *vector = vector_is_b ? plan->b : plan->a;
    for (size_t row = begin; row < end; row++) {
        const float *full_row = full + row * inner;
        binary_row(plan->kind, vector_is_b ? full_row : vector, 1, vector_is_b ? vector : full_row, 1,
                   plan->out + row * inner, inner, plan->act_min, plan->act_max);
    }
}

static void binary_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const BinaryPlan *plan = context;
    const int32_t n = plan->rank;
    const size_t inner = plan->dims[n - 1];
    if (n == 2 && plan->a_strides[1] == 1 && plan->b_strides[1] == 1) {
        if (plan->a_strides[0] == inner && plan->b_strides[0] == 0) {
            binary_rows_vector(plan, begin, end, true);
            return;
        }
        if (plan->a_strides[0] == 0 && plan->b_strides[0] == inner) {
            binary_rows_vector(plan, begin, end, false);
            return;
        }
    }
    for (size_t row = begin; row < end; row++) {
        // Offsets of this row in a and b from its multi-index over the outer dimensions.
        size_t rest = row, offset_a = 0, offset_b = 0;
        for (int32_t d = n - 2; d >= 0; d--) {
            size_t index = rest % plan->dims[d];
            rest /= plan->dims[d];
            offset_a += index * plan->a_strides[d];
            offset_b += index * plan->b_strides[d];
        }
        binary_row(plan->kind, plan->a + offset_a, plan->a_strides[n - 1], plan->b + offset_b,
                   plan->b_strides[n - 1], plan->out + row * inner, inner, plan->act_min,
                   plan->act_max);
    }
}

/* A plan of one dimension (same shapes, or a scalar operand): chunks of that dimension, so that a
   large elementwise ADD is split over the pool too (as a single row it ran on one thread). */
static void binary_flat_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const BinaryPlan *plan = context;
    const size_t sa = plan->a_strides[0], sb = plan->b_strides[0];
    binary_row(plan->kind, plan->a + begin * sa, sa, plan->b + begin * sb, sb, plan->out + begin,
               end - begin, plan->act_min, plan->act_max);
}

static LiteStatus run_binary(CpuPartitionState *p, CpuNode *node) {
    BinaryPlan *plan = node->state;
    plan->a = cpu_in(p, node, 0)->data;
    plan->b = cpu_in(p, node, 1)->data;
    plan->out = cpu_out(p, node, 0)->data;
    if (cpu_out(p, node, 0)->count == 0) return LITE_STATUS_OK;
    const size_t inner = plan->dims[plan->rank - 1];
    CpuThreadPool *pool = cpu_pool_for(p->delegate->pool, 4 * cpu_out(p, node, 0)->count);
    if (plan->rank == 1) {
        cpu_parallel_for(pool, inner, ELEMENTS_PER_TASK, binary_flat_task, plan);
        return LITE_STATUS_OK;
    }
    size_t grain = ELEMENTS_PER_TASK / (inner ? inner : 1);
    cpu_parallel_for(pool, plan->rows, grain ? grain : 1, binary_task, plan);
    return LITE_STATUS_OK;
}

#define BINARY_OP(VAR, CODE, NAME, MAXV, PARAMS)                                                 \
    const CpuOp VAR = {.builtin_code = CODE, .name = NAME, .min_version = 1,                     \
                       .max_version = MAXV, .params_size = PARAMS, .check = check_binary,        \
                       .prepare = prepare_binary, .run = run_binary, .release = free};

BINARY_OP(cpu_op_add, LITE_OP_ADD, "ADD", 5, sizeof(LiteElementwiseParams))
BINARY_OP(cpu_op_sub, LITE_OP_SUB, "SUB", 5, sizeof(LiteElementwiseParams))
BINARY_OP(cpu_op_mul, LITE_OP_MUL, "MUL", 7, sizeof(LiteElementwiseParams))
BINARY_OP(cpu_op_prelu, LITE_OP_PRELU, "PRELU", 1, 0)
