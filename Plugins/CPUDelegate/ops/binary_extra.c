// More binary elementwise operators with numpy broadcasting (float32, rank up to 6): MAXIMUM,
// MINIMUM, DIV (fused activation) and SQUARED_DIFFERENCE, as TFLite's reference kernels write them.
#include "../cpu_delegate.h"

#define EXTRA_MAX_RANK 6
#define ELEMENTS_PER_TASK 16384

typedef struct ExtraPlan {
    int32_t code;
    int32_t rank; /* of the output, >= 1 */
    size_t dims[EXTRA_MAX_RANK];
    size_t a_strides[EXTRA_MAX_RANK], b_strides[EXTRA_MAX_RANK]; /* 0 where broadcast */
    size_t rows;  /* product of all but the innermost dimension */
    float lo, hi;
    const float *a, *b;
    float *out;
} ExtraPlan;

/* Fills the plan's dims and strides; false when a and b do not broadcast to out. */
static bool plan_broadcast(ExtraPlan *plan, int32_t a_rank, const int32_t *a, int32_t b_rank,
                           const int32_t *b, int32_t out_rank, const int32_t *out) {
    if (out_rank > EXTRA_MAX_RANK || a_rank > out_rank || b_rank > out_rank) return false;
    const int32_t rank = out_rank > 0 ? out_rank : 1;
    size_t stride_a = 1, stride_b = 1;
    for (int32_t i = rank - 1; i >= 0; i--) {
        const int32_t ia = i - (out_rank - a_rank), ib = i - (out_rank - b_rank);
        const size_t da = ia >= 0 && out_rank > 0 ? (size_t)a[ia] : 1;
        const size_t db = ib >= 0 && out_rank > 0 ? (size_t)b[ib] : 1;
        const size_t d = out_rank > 0 ? (size_t)out[i] : 1;
        if ((da != d && da != 1) || (db != d && db != 1) || (da != d && db != d)) return false;
        plan->dims[i] = d;
        plan->a_strides[i] = da == 1 ? 0 : stride_a;
        plan->b_strides[i] = db == 1 ? 0 : stride_b;
        stride_a *= da;
        stride_b *= db;
    }
    plan->rank = rank;
    plan->rows = 1;
    for (int32_t i = 0; i + 1 < rank; i++) plan->rows *= plan->dims[i];
    return true;
}

static bool check_extra(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *a = lps_check_input(c, 0), *b = lps_check_input(c, 1), *o = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, a, "input", f32, 0, EXTRA_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, b, "input", f32, 0, EXTRA_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, o, "output", f32, 0, EXTRA_MAX_RANK, reason, capacity))
        return false;
    ExtraPlan plan;
    if (!plan_broadcast(&plan, a->rank, a->dims, b->rank, b->dims, o->rank, o->dims))
        return lps_decline(reason, capacity, "input shapes do not broadcast to the output");
    if (c->node->builtin_code == LITE_OP_DIV) {
        const LiteElementwiseParams *params = c->node->params;
        return cpu_check_activation("DIV", params->activation, reason, capacity);
    }
    return true;
}

static LiteStatus prepare_extra(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *a = cpu_in(p, node, 0), *b = cpu_in(p, node, 1), *o = cpu_out(p, node, 0);
    ExtraPlan *plan = calloc(1, sizeof(*plan));
    if (!plan) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = plan;
    if (!plan_broadcast(plan, a->rank, a->dims, b->rank, b->dims, o->rank, o->dims))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: shapes do not broadcast to the output", node->op->name,
                        node->graph_node);
    plan->code = node->op->builtin_code;
    plan->lo = -INFINITY;
    plan->hi = INFINITY;
    if (plan->code == LITE_OP_DIV) cpu_activation_range(node->params.elementwise.activation, &plan->lo, &plan->hi);
    return LITE_STATUS_OK;
}

static inline float extra_apply(int32_t code, float x, float y) {
    switch (code) {
    case LITE_OP_MAXIMUM: return x > y ? x : y;
    case LITE_OP_MINIMUM: return x < y ? x : y;
    case LITE_OP_DIV: return x / y;
    default: {
        const float d = x - y;
        return d * d;
    }
    }
}

static void extra_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const ExtraPlan *plan = context;
    const int32_t n = plan->rank;
    const size_t inner = plan->dims[n - 1], sa = plan->a_strides[n - 1], sb = plan->b_strides[n - 1];
    for (size_t row = begin; row < end; row++) {
        size_t rest = row, offset_a = 0, offset_b = 0;
        for (int32_t d = n - 2; d >= 0; d--) {
            const size_t index = rest % plan->dims[d];
            rest /= plan->dims[d];
            offset_a += index * plan->a_strides[d];
            offset_b += index * plan->b_strides[d];
        }
        const float *a = plan->a + offset_a, *b = plan->b + offset_b;
        float *out = plan->out + row * inner;
        for (size_t i = 0; i < inner; i++) {
            float r = extra_apply(plan->code, a[i * sa], b[i * sb]);
            r = r < plan->lo ? plan->lo : r;
            out[i] = r > plan->hi ? plan->hi : r;
        }
    }
}

static LiteStatus run_extra(CpuPartitionState *p, CpuNode *node) {
    ExtraPlan *plan = node->state;
    plan->a = cpu_in(p, node, 0)->data;
    plan->b = cpu_in(p, node, 1)->data;
    plan->out = cpu_out(p, node, 0)->data;
    if (cpu_out(p, node, 0)->count == 0) return LITE_STATUS_OK;
    const size_t inner = plan->dims[plan->rank - 1];
    const size_t grain = ELEMENTS_PER_TASK / (inner ? inner : 1);
    CpuThreadPool *pool = cpu_pool_for(p->delegate->pool, 4 * cpu_out(p, node, 0)->count);
    cpu_parallel_for(pool, plan->rows, grain ? grain : 1, extra_task, plan);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_maximum = {.builtin_code = LITE_OP_MAXIMUM, .name = "MAXIMUM", .min_version = 1,
                              .max_version = 4, .check = check_extra, .prepare = prepare_extra,
                              .run = run_extra, .release = free};
const CpuOp cpu_op_minimum = {.builtin_code = LITE_OP_MINIMUM, .name = "MINIMUM", .min_version = 1,
                              .max_version = 4, .check = check_extra, .prepare = prepare_extra,
                              .run = run_extra, .release = free};
const CpuOp cpu_op_div = {.builtin_code = LITE_OP_DIV, .name = "DIV", .min_version = 1,
                          .max_version = 2, .params_size = sizeof(LiteElementwiseParams),
                          .check = check_extra, .prepare = prepare_extra, .run = run_extra,
                          .release = free};
const CpuOp cpu_op_squared_difference = {
    .builtin_code = LITE_OP_SQUARED_DIFFERENCE, .name = "SQUARED_DIFFERENCE", .min_version = 1,
    .max_version = 2, .check = check_extra, .prepare = prepare_extra, .run = run_extra,
    .release = free};
