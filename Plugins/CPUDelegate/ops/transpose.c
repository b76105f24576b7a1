// TRANSPOSE (float32/int32, rank up to 6) by a constant permutation.
#include "layout.h"

typedef struct TransposePlan {
    int32_t rank;
    size_t dims[LAYOUT_MAX_RANK];    /* output dims */
    size_t strides[LAYOUT_MAX_RANK]; /* input element stride of each output axis */
} TransposePlan;

/* Reads the permutation and checks that the output is the permuted input. */
static bool read_perm(int32_t rank, const int64_t *perm, int32_t *out) {
    bool seen[LAYOUT_MAX_RANK] = {false};
    for (int32_t i = 0; i < rank; i++) {
        if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]]) return false;
        seen[perm[i]] = true;
        out[i] = (int32_t)perm[i];
    }
    return true;
}

static bool check_transpose(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!cpu_check_in_out(c, 2, 2, LAYOUT_TYPES, 0, LAYOUT_MAX_RANK, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    int64_t perm[LAYOUT_MAX_RANK] = {0};
    int32_t order[LAYOUT_MAX_RANK];
    if (!layout_constant_ints(lps_check_input(c, 1), perm, in->rank) || !read_perm(in->rank, perm, order))
        return lps_decline(reason, capacity, "the permutation must be a constant permutation of rank %d",
                           in->rank);
    if (out->rank != in->rank) return lps_decline(reason, capacity, "output rank differs");
    for (int32_t i = 0; i < in->rank; i++)
        if (out->dims[i] != in->dims[order[i]])
            return lps_decline(reason, capacity, "output shape is not the permuted input shape");
    return true;
}

static LiteStatus prepare_transpose(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    int64_t perm[LAYOUT_MAX_RANK] = {0};
    int32_t order[LAYOUT_MAX_RANK];
    bool ok = in->rank <= LAYOUT_MAX_RANK && out->rank == in->rank &&
              layout_tensor_ints(cpu_in(p, node, 1), perm, in->rank) && read_perm(in->rank, perm, order);
    for (int32_t i = 0; ok && i < in->rank; i++) ok = out->dims[i] == in->dims[order[i]];
    if (!ok)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: TRANSPOSE node %d: output is not the permuted input", node->graph_node);
    TransposePlan *plan = calloc(1, sizeof(*plan));
    if (!plan) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    plan->rank = in->rank;
    for (int32_t i = 0; i < in->rank; i++) {
        plan->dims[i] = (size_t)out->dims[i];
        plan->strides[i] = layout_product(in->dims, order[i] + 1, in->rank);
    }
    node->state = plan;
    return LITE_STATUS_OK;
}

static LiteStatus run_transpose(CpuPartitionState *p, CpuNode *node) {
    const TransposePlan *plan = node->state;
    const uint32_t *in = cpu_in(p, node, 0)->data;
    uint32_t *out = cpu_out(p, node, 0)->data;
    const size_t count = cpu_out(p, node, 0)->count;
    if (count == 0) return LITE_STATUS_OK;
    if (plan->rank == 0) {
        out[0] = in[0];
        return LITE_STATUS_OK;
    }
    // Walk the output in order; the input offset follows the permuted strides.
    const int32_t last = plan->rank - 1;
    const size_t inner = plan->dims[last], inner_stride = plan->strides[last];
    size_t index[LAYOUT_MAX_RANK] = {0}, source = 0;
    for (size_t o = 0; o < count; o += inner) {
        if (inner_stride == 1) {
            memcpy(out + o, in + source, inner * sizeof(uint32_t));
        } else {
            for (size_t k = 0; k < inner; k++) out[o + k] = in[source + k * inner_stride];
        }
        for (int32_t d = last - 1; d >= 0; d--) {
            source += plan->strides[d];
            if (++index[d] < plan->dims[d]) break;
            source -= plan->strides[d] * plan->dims[d];
            index[d] = 0;
        }
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_transpose = {
    .builtin_code = LITE_OP_TRANSPOSE, .name = "TRANSPOSE", .min_version = 1, .max_version = 6,
    .check = check_transpose, .prepare = prepare_transpose, .run = run_transpose, .release = free};
