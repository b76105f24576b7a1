// DEPTH_TO_SPACE (DCR order, as TFLite): output[b][y][x][c] =
// input[b][y / bs][x / bs][((y % bs) * bs + x % bs) * out_c + c]. float32 or int32.
#include "../cpu_delegate.h"

static bool check_d2s(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t types = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32) | LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32);
    const int32_t bs = ((const LiteDepthToSpaceParams *)c->node->params)->block_size;
    if (!cpu_check_in_out(c, 1, 1, types, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    return lps_check_depth_to_space(bs, in, out, reason, capacity);
}

static LiteStatus prepare_d2s(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    const int32_t bs = node->params.depth_to_space.block_size;
    if (bs < 1 || in->rank != 4 || out->rank != 4 || in->dims[3] % (bs * bs) != 0 ||
        out->dims[0] != in->dims[0] || out->dims[1] != in->dims[1] * bs ||
        out->dims[2] != in->dims[2] * bs || out->dims[3] != in->dims[3] / (bs * bs))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: DEPTH_TO_SPACE node %d: shapes do not match block_size %d",
                        node->graph_node, bs);
    return LITE_STATUS_OK;
}

static LiteStatus run_d2s(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    const int32_t bs = node->params.depth_to_space.block_size;
    const size_t N = (size_t)out->dims[0], OH = (size_t)out->dims[1], OW = (size_t)out->dims[2],
                 OC = (size_t)out->dims[3], IH = (size_t)in->dims[1], IW = (size_t)in->dims[2],
                 IC = (size_t)in->dims[3];
    const uint32_t *src = in->data;
    uint32_t *dst = out->data;
    for (size_t b = 0; b < N; b++)
        for (size_t y = 0; y < OH; y++)
            for (size_t x = 0; x < OW; x++) {
                const size_t block = (y % (size_t)bs) * (size_t)bs + x % (size_t)bs;
                const uint32_t *from = src + ((b * IH + y / (size_t)bs) * IW + x / (size_t)bs) * IC + block * OC;
                memcpy(dst + ((b * OH + y) * OW + x) * OC, from, OC * sizeof(uint32_t));
            }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_depth_to_space = {
    .builtin_code = LITE_OP_DEPTH_TO_SPACE, .name = "DEPTH_TO_SPACE", .min_version = 1,
    .max_version = 2, .params_size = sizeof(LiteDepthToSpaceParams), .check = check_d2s,
    .prepare = prepare_d2s, .run = run_d2s};
