// TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias. One GEMM per image computes every
// input pixel's contribution to its k_h x k_w output patch (columns ordered fy, fx, oc); each
// output pixel then gathers the contributions that land on it, adds the bias and clamps. The
// gather makes output rows independent, so they run in parallel without atomics.
#include "../gemm.h"

static bool check_transpose_conv(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LpsTransposeConvSlots slots = lps_transpose_conv_slots(c->node->builtin_code);
    const LiteTransposeConvParams *params = c->node->params;
    const char *name = slots.custom ? "Convolution2DTransposeBias" : "TRANSPOSE_CONV";
    if (!lps_check_io(c, 3, slots.custom ? 3 : 4, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, slots.input), *w = lps_check_input(c, slots.weights),
                     *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, w, "weights", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 4, 4, reason, capacity))
        return false;
    if (!slots.custom) {
        const LiteTensor *shape = lps_check_input(c, 0);
        if (!cpu_check_tensor(c, shape, "output_shape", LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32), 1,
                              1, reason, capacity))
            return false;
    }
    if (!cpu_check_is_constant_like(c, c->node->inputs[slots.weights]))
        return lps_decline(reason, capacity, "%s with non-constant weights", name);
    if (slots.custom && !lps_check_input(c, slots.bias))
        return lps_decline(reason, capacity, "%s without a bias", name);
    if (!cpu_check_bias(c, slots.bias, name, w->dims[0], "channels", reason, capacity)) return false;
    if (!lps_check_transpose_conv_geometry(params, in, w, out, reason, capacity)) return false;
    // MediaPipe's kernel ignores any activation; TFLite's applies it.
    if (!slots.custom) return cpu_check_activation(name, params->activation, reason, capacity);
    return true;
}

typedef struct TransposeConvState {
    LpsTransposeConvSlots slots;
    CpuPackedMatrix packed;  /* B[ic][(fy, fx, oc)] */
    float *reordered;        /* weights as [(fy, fx, oc)][ic] for packing; only with pack_each_run */
    bool pack_each_run;
    float *bias;             /* out_c floats */
    float *columns;          /* in_h * in_w rows of k_h * k_w * out_c (cpu_prepare_alloc) */
    CPU_WINDOW_UNION; /* from the node's input to its output; dilation 1 */
    size_t batch;
    float act_min, act_max;
    float *out;
    size_t image; /* the batch item being gathered */
} TransposeConvState;

static void release_transpose_conv(void *state) {
    TransposeConvState *s = state;
    if (!s) return;
    cpu_pack_free(&s->packed);
    cpu_aligned_free(s->reordered);
    cpu_aligned_free(s->bias);
    free(s);
}

static void pack_transpose_weights(TransposeConvState *s, const float *weights, const float *bias) {
    const size_t IC = (size_t)s->in_c;
    for (int32_t o = 0; o < s->out_c; o++)
        for (int32_t fy = 0; fy < s->k_h; fy++)
            for (int32_t fx = 0; fx < s->k_w; fx++)
                memcpy(s->reordered + (((size_t)fy * s->k_w + fx) * s->out_c + o) * IC,
                       weights + (((size_t)o * s->k_h + fy) * s->k_w + fx) * IC, IC * sizeof(float));
    cpu_pack_weights(&s->packed, s->reordered, IC, 1, NULL);
    if (bias) memcpy(s->bias, bias, (size_t)s->out_c * sizeof(float));
    else memset(s->bias, 0, (size_t)s->out_c * sizeof(float));
}

static LiteStatus prepare_transpose_conv(CpuPartitionState *p, CpuNode *node) {
    const LpsTransposeConvSlots slots = lps_transpose_conv_slots(node->op->builtin_code);
    const CpuTensor *in = cpu_in(p, node, slots.input), *w = cpu_in(p, node, slots.weights),
                    *bias = cpu_in(p, node, slots.bias), *out = cpu_out(p, node, 0);
    const LiteTransposeConvParams *params = &node->params.transpose_conv;
    if (in->rank != 4 || w->rank != 4 || out->rank != 4 || w->dims[3] != in->dims[3] ||
        out->dims[3] != w->dims[0] || out->dims[0] != in->dims[0] ||
        (bias && bias->count != (size_t)w->dims[0]))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: %s node %d: shapes disagree", node->op->name, node->graph_node);
    LiteStatus window = cpu_check_node_window(p, node, out->dims[1], out->dims[2], in->dims[1], in->dims[2],
                                              w->dims[1], w->dims[2], params->stride_height, params->stride_width,
                                              1, 1);
    if (window != LITE_STATUS_OK) return window;
    TransposeConvState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->slots = slots;
    s->batch = (size_t)in->dims[0];
    s->window = cpu_window(in, out, w->dims[1], w->dims[2], params->stride_height, params->stride_width, 1, 1);
    if (params->padding == LITE_PADDING_SAME) {
        s->pad_h = lps_transpose_conv_padding_before(slots.custom, s->in_h, s->out_h, s->stride_h, s->k_h);
        s->pad_w = lps_transpose_conv_padding_before(slots.custom, s->in_w, s->out_w, s->stride_w, s->k_w);
    }
    if (slots.custom) {
        s->act_min = -INFINITY;
        s->act_max = INFINITY;
    } else {
        cpu_activation_range(params->activation, &s->act_min, &s->act_max);
    }
    if (out->count == 0) return LITE_STATUS_OK;
    const size_t columns = (size_t)s->k_h * s->k_w * s->out_c;
    const size_t pixels = (size_t)s->in_h * s->in_w;
    if (columns == 0 || s->in_c == 0 || columns > INT32_MAX ||
        (pixels > 0 && columns > (SIZE_MAX / sizeof(float)) / pixels))
        return cpu_fail(p->delegate, LITE_STATUS_UNSUPPORTED, "cpu: %s node %d: degenerate shape",
                        node->op->name, node->graph_node);
    s->bias = cpu_aligned_alloc((size_t)s->out_c * sizeof(float));
    s->reordered = cpu_aligned_alloc(columns * (size_t)s->in_c * sizeof(float));
    s->columns = cpu_prepare_alloc(p, pixels * columns * sizeof(float));
    if (!s->bias || !s->reordered || !s->columns ||
        !cpu_pack_alloc(p, &s->packed, s->in_c, (int32_t)columns))
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY,
                        "cpu: out of memory for %s node %d", node->op->name, node->graph_node);
    s->pack_each_run = w->kind != CPU_TENSOR_CONSTANT || (bias && bias->kind != CPU_TENSOR_CONSTANT);
    if (!s->pack_each_run) {
        pack_transpose_weights(s, w->constant, bias ? bias->constant : NULL);
        cpu_aligned_free(s->reordered); // packed once: the staging copy is not needed again
        s->reordered = NULL;
    }
    return LITE_STATUS_OK;
}

/* Filter no larger than the stride: every output pixel receives at most one filter tap, so the
   gather is a plain copy of that tap's products plus the bias. */
static void gather_rows_disjoint(const TransposeConvState *s, size_t begin, size_t end) {
    const int32_t OC = s->out_c;
    const size_t row_columns = (size_t)s->k_h * s->k_w * OC;
    for (size_t oy_index = begin; oy_index < end; oy_index++) {
        const int32_t ty = (int32_t)oy_index + s->pad_h;
        const int32_t iy = ty / s->stride_h, fy = ty % s->stride_h;
        float *restrict out = s->out + ((s->image * s->out_h) + oy_index) * (size_t)s->out_w * OC;
        const bool row_hit = fy < s->k_h && iy < s->in_h;
        for (int32_t ox = 0; ox < s->out_w; ox++, out += OC) {
            const int32_t tx = ox + s->pad_w;
            const int32_t ix = tx / s->stride_w, fx = tx % s->stride_w;
            if (!row_hit || fx >= s->k_w || ix >= s->in_w) {
                for (int32_t o = 0; o < OC; o++) {
                    float v = s->bias[o] < s->act_min ? s->act_min : s->bias[o];
                    out[o] = v > s->act_max ? s->act_max : v;
                }
                continue;
            }
            const float *restrict contribution = s->columns + ((size_t)iy * s->in_w + ix) * row_columns +
                                                 ((size_t)fy * s->k_w + fx) * OC;
            for (int32_t o = 0; o < OC; o++) {
                float v = s->bias[o] + contribution[o];
                v = v < s->act_min ? s->act_min : v;
                out[o] = v > s->act_max ? s->act_max : v;
            }
        }
    }
}

static void gather_rows(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const TransposeConvState *s = context;
    if (s->k_h <= s->stride_h && s->k_w <= s->stride_w && s->pad_h >= 0 && s->pad_w >= 0) {
        gather_rows_disjoint(s, begin, end);
        return;
    }
    const int32_t OC = s->out_c;
    const size_t row_columns = (size_t)s->k_h * s->k_w * OC;
    for (size_t oy_index = begin; oy_index < end; oy_index++) {
        const int32_t oy = (int32_t)oy_index;
        for (int32_t ox = 0; ox < s->out_w; ox++) {
            float *restrict out = s->out + (((s->image * s->out_h) + oy) * (size_t)s->out_w + ox) * OC;
            for (int32_t o = 0; o < OC; o++) out[o] = s->bias[o];
            // Input pixel iy contributes to output oy through filter row fy = oy + pad - iy*stride.
            for (int32_t fy = 0; fy < s->k_h; fy++) {
                const int32_t ty = oy + s->pad_h - fy;
                if (ty < 0 || ty % s->stride_h != 0) continue;
                const int32_t iy = ty / s->stride_h;
                if (iy >= s->in_h) continue;
                for (int32_t fx = 0; fx < s->k_w; fx++) {
                    const int32_t tx = ox + s->pad_w - fx;
                    if (tx < 0 || tx % s->stride_w != 0) continue;
                    const int32_t ix = tx / s->stride_w;
                    if (ix >= s->in_w) continue;
                    const float *restrict contribution =
                        s->columns + ((size_t)iy * s->in_w + ix) * row_columns +
                        ((size_t)fy * s->k_w + fx) * OC;
                    for (int32_t o = 0; o < OC; o++) out[o] += contribution[o];
                }
            }
            for (int32_t o = 0; o < OC; o++) {
                float v = out[o] < s->act_min ? s->act_min : out[o];
                out[o] = v > s->act_max ? s->act_max : v;
            }
        }
    }
}

static LiteStatus run_transpose_conv(CpuPartitionState *p, CpuNode *node) {
    TransposeConvState *s = node->state;
    const CpuTensor *out = cpu_out(p, node, 0);
    if (out->count == 0) return LITE_STATUS_OK;
    if (s->pack_each_run) {
        const CpuTensor *bias = cpu_in(p, node, s->slots.bias);
        pack_transpose_weights(s, cpu_in(p, node, s->slots.weights)->data, bias ? bias->data : NULL);
    }
    const float *in = cpu_in(p, node, s->slots.input)->data;
    const size_t pixels = (size_t)s->in_h * s->in_w;
    const size_t columns = (size_t)s->k_h * s->k_w * s->out_c;
    s->out = out->data;
    for (size_t b = 0; b < s->batch; b++) {
        cpu_gemm(p->delegate->pool, &s->packed, in + b * pixels * s->in_c, (size_t)s->in_c, pixels,
                 s->columns, columns, -INFINITY, INFINITY);
        s->image = b;
        cpu_parallel_for(p->delegate->pool, (size_t)s->out_h, 1, gather_rows, s);
    }
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_transpose_conv = {
    .builtin_code = LITE_OP_TRANSPOSE_CONV, .name = "TRANSPOSE_CONV", .min_version = 1,
    .max_version = 5, .params_size = sizeof(LiteTransposeConvParams),
    .check = check_transpose_conv, .prepare = prepare_transpose_conv, .run = run_transpose_conv,
    .release = release_transpose_conv};

const CpuOp cpu_op_conv_2d_transpose_bias = {
    .builtin_code = LITE_OP_CUSTOM, .custom_name = "Convolution2DTransposeBias",
    .name = "Convolution2DTransposeBias", .min_version = 1, .max_version = 1,
    .params_size = sizeof(LiteTransposeConvParams), .check = check_transpose_conv,
    .prepare = prepare_transpose_conv, .run = run_transpose_conv,
    .release = release_transpose_conv};
