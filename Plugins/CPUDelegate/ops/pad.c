// PAD with zeros (float32 or int32, rank up to 5); the paddings are a constant int32 [rank, 2].
#include "../cpu_delegate.h"

#define PAD_MAX_RANK 5

static const uint32_t f32_i32 =
    LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32) | LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32);

static bool check_pad(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *pads = lps_check_input(c, 1),
                     *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32_i32, 0, PAD_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32_i32, 0, PAD_MAX_RANK, reason, capacity) ||
        !cpu_check_tensor(c, pads, "paddings", LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32), 2, 2,
                          reason, capacity))
        return false;
    if (!pads->constant_data) return lps_decline(reason, capacity, "non-constant paddings");
    if (in->type != out->type) return lps_decline(reason, capacity, "input and output types differ");
    if (pads->dims[0] != in->rank || pads->dims[1] != 2 || out->rank != in->rank)
        return lps_decline(reason, capacity, "paddings shape does not match the input rank");
    const int32_t *values = pads->constant_data;
    for (int32_t d = 0; d < in->rank; d++) {
        if (values[2 * d] < 0 || values[2 * d + 1] < 0)
            return lps_decline(reason, capacity, "negative padding");
        if ((int64_t)in->dims[d] + values[2 * d] + values[2 * d + 1] != out->dims[d])
            return lps_decline(reason, capacity, "output shape does not match the paddings");
    }
    return true;
}

typedef struct PadState {
    size_t in_dims[PAD_MAX_RANK], out_dims[PAD_MAX_RANK], before[PAD_MAX_RANK];
} PadState;

static LiteStatus prepare_pad(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *pads = cpu_in(p, node, 1), *out = cpu_out(p, node, 0);
    if (pads->kind != CPU_TENSOR_CONSTANT || pads->count != (size_t)in->rank * 2 ||
        out->rank != in->rank || in->rank > PAD_MAX_RANK)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: PAD node %d: bad paddings",
                        node->graph_node);
    PadState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    const int32_t *values = pads->constant;
    const int32_t shift = PAD_MAX_RANK - in->rank;
    for (int32_t d = 0; d < PAD_MAX_RANK; d++) {
        s->in_dims[d] = s->out_dims[d] = 1;
        s->before[d] = 0;
    }
    for (int32_t d = 0; d < in->rank; d++) {
        if (values[2 * d] < 0 || values[2 * d + 1] < 0 ||
            (int64_t)in->dims[d] + values[2 * d] + values[2 * d + 1] != out->dims[d])
            return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: PAD node %d: output shape does not match the paddings",
                            node->graph_node);
        s->in_dims[shift + d] = (size_t)in->dims[d];
        s->out_dims[shift + d] = (size_t)out->dims[d];
        s->before[shift + d] = (size_t)values[2 * d];
    }
    return LITE_STATUS_OK;
}

/* Only the innermost dimension padded (BlazeFace's channel PAD on its shortcut): each output row
   is written once, zeros and copy inline, instead of a memset of the whole output and a library
   memcpy per row. Rows are split over the pool (face_detection_short_range's 64x64 24->28 PAD was
   the largest operator left on one thread at 2 threads). */
typedef struct PadTask {
    const PadState *s;
    const uint32_t *src;
    uint32_t *dst;
} PadTask;

static void pad_innermost_rows(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const PadTask *t = context;
    const PadState *s = t->s;
    const size_t width = s->in_dims[4], out_width = s->out_dims[4], before = s->before[4];
    const size_t after = out_width - width - before;
    for (size_t r = begin; r < end; r++) {
        const uint32_t *restrict in = t->src + r * width;
        uint32_t *restrict out = t->dst + r * out_width;
        for (size_t i = 0; i < before; i++) out[i] = 0;
        for (size_t i = 0; i < width; i++) out[before + i] = in[i];
        for (size_t i = 0; i < after; i++) out[before + width + i] = 0;
    }
}

static LiteStatus run_pad(CpuPartitionState *p, CpuNode *node) {
    const PadState *s = node->state;
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    if (in->count > 0 && s->in_dims[0] == s->out_dims[0] && s->in_dims[1] == s->out_dims[1] &&
        s->in_dims[2] == s->out_dims[2] && s->in_dims[3] == s->out_dims[3]) {
        const size_t rows = s->in_dims[0] * s->in_dims[1] * s->in_dims[2] * s->in_dims[3];
        PadTask task = {.s = s, .src = in->data, .dst = out->data};
        const size_t grain = (rows + 15) / 16; // a few chunks per thread, whole rows each
        cpu_parallel_for(cpu_pool_for(p->delegate->pool, 4 * out->count), rows, grain ? grain : 1,
                         pad_innermost_rows, &task);
        return LITE_STATUS_OK;
    }
    memset(out->data, 0, out->bytes);
    if (in->count == 0) return LITE_STATUS_OK;
    const uint32_t *src = in->data;
    uint32_t *dst = out->data;
    const size_t *id = s->in_dims, *od = s->out_dims, *b = s->before;
    for (size_t i0 = 0; i0 < id[0]; i0++)
        for (size_t i1 = 0; i1 < id[1]; i1++)
            for (size_t i2 = 0; i2 < id[2]; i2++)
                for (size_t i3 = 0; i3 < id[3]; i3++) {
                    size_t o = ((((i0 + b[0]) * od[1] + i1 + b[1]) * od[2] + i2 + b[2]) * od[3] +
                                i3 + b[3]) * od[4] + b[4];
                    size_t i = (((i0 * id[1] + i1) * id[2] + i2) * id[3] + i3) * id[4];
                    memcpy(dst + o, src + i, id[4] * sizeof(uint32_t));
                }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_pad = {
    .builtin_code = LITE_OP_PAD, .name = "PAD", .min_version = 1, .max_version = 4,
    .check = check_pad, .prepare = prepare_pad, .run = run_pad, .release = free};
