// DEPTHWISE_CONV_2D, vectorised over channels (NHWC keeps them contiguous). Depth multiplier 1 has
// a fast path, with an unrolled 3x3 interior; the kernels are built twice, for AVX2+FMA and for
// the baseline ISA, and chosen at run time.
#include "../cpu_delegate.h"

static bool check_depthwise(const CpuCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LiteDepthwiseConv2DParams *params = c->node->params;
    if (!cpu_check_io(c, 2, 3, 1, reason, capacity)) return false;
    const LiteTensor *in = cpu_check_input(c, 0), *w = cpu_check_input(c, 1),
                     *bias = cpu_check_input(c, 2), *out = cpu_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, w, "weights", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 4, 4, reason, capacity))
        return false;
    if (!cpu_check_is_constant_like(c, c->node->inputs[1]))
        return cpu_decline(reason, capacity, "DEPTHWISE_CONV_2D with non-constant weights");
    if (w->dims[0] != 1) return cpu_decline(reason, capacity, "weights dimension 0 is %d, not 1", w->dims[0]);
    const int32_t oc = w->dims[3];
    if (bias) {
        if (!cpu_check_tensor(c, bias, "bias", f32, 1, 1, reason, capacity)) return false;
        if (!cpu_check_is_constant_like(c, c->node->inputs[2]))
            return cpu_decline(reason, capacity, "DEPTHWISE_CONV_2D with a non-constant bias");
        if (bias->dims[0] != oc)
            return cpu_decline(reason, capacity, "bias size %d != output channels %d", bias->dims[0], oc);
    }
    if (params->depth_multiplier < 1 || (int64_t)in->dims[3] * params->depth_multiplier != oc)
        return cpu_decline(reason, capacity, "input channels %d x depth_multiplier %d != weights "
                           "channels %d", in->dims[3], params->depth_multiplier, oc);
    if (out->dims[3] != oc || out->dims[0] != in->dims[0])
        return cpu_decline(reason, capacity, "output shape does not match input and weights");
    if (params->padding != LITE_PADDING_SAME && params->padding != LITE_PADDING_VALID)
        return cpu_decline(reason, capacity, "unknown padding %d", (int)params->padding);
    if (params->stride_width < 1 || params->stride_height < 1 || params->dilation_width < 1 ||
        params->dilation_height < 1)
        return cpu_decline(reason, capacity, "non-positive stride or dilation");
    return cpu_check_activation("DEPTHWISE_CONV_2D", params->activation, reason, capacity);
}

typedef struct DepthwiseState {
    int32_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, multiplier;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    float act_min, act_max;
    float *bias;           /* out_c floats, zeros when absent */
    const float *weights;  /* [k_h][k_w][out_c] */
    bool bias_each_run;
    const float *in;
    float *out;
} DepthwiseState;

static void release_depthwise(void *state) {
    DepthwiseState *s = state;
    if (!s) return;
    cpu_aligned_free(s->bias);
    free(s);
}

static LiteStatus prepare_depthwise(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *w = cpu_in(p, node, 1), *bias = cpu_in(p, node, 2),
                    *out = cpu_out(p, node, 0);
    const LiteDepthwiseConv2DParams *params = &node->params.depthwise;
    if (in->rank != 4 || w->rank != 4 || out->rank != 4 || w->dims[0] != 1 ||
        (int64_t)in->dims[3] * params->depth_multiplier != w->dims[3] ||
        out->dims[3] != w->dims[3] || out->dims[0] != in->dims[0] ||
        (bias && bias->count != (size_t)w->dims[3]))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: DEPTHWISE_CONV_2D node %d: shapes disagree", node->graph_node);
    DepthwiseState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->in_h = in->dims[1];
    s->in_w = in->dims[2];
    s->in_c = in->dims[3];
    s->out_h = out->dims[1];
    s->out_w = out->dims[2];
    s->out_c = out->dims[3];
    s->k_h = w->dims[1];
    s->k_w = w->dims[2];
    s->multiplier = params->depth_multiplier;
    s->stride_h = params->stride_height;
    s->stride_w = params->stride_width;
    s->dilation_h = params->dilation_height;
    s->dilation_w = params->dilation_width;
    if (params->padding == LITE_PADDING_SAME) {
        s->pad_h = cpu_padding_before(s->in_h, s->out_h, s->stride_h, s->k_h, s->dilation_h);
        s->pad_w = cpu_padding_before(s->in_w, s->out_w, s->stride_w, s->k_w, s->dilation_w);
    }
    cpu_activation_range(params->activation, &s->act_min, &s->act_max);
    s->bias = cpu_aligned_alloc(((size_t)s->out_c + 1) * sizeof(float));
    if (!s->bias) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    memset(s->bias, 0, (size_t)s->out_c * sizeof(float));
    s->bias_each_run = bias && bias->kind != CPU_TENSOR_CONSTANT;
    if (bias && !s->bias_each_run) memcpy(s->bias, bias->constant, (size_t)s->out_c * sizeof(float));
    return LITE_STATUS_OK;
}

/* One output row with depth multiplier 1. */
static CPU_ALWAYS_INLINE void depthwise_row_m1(const DepthwiseState *s, size_t b, int32_t oy) {
    const int32_t C = s->out_c;
    const float *restrict bias = s->bias;
    const float *restrict weights = s->weights;
    const int32_t iy0 = oy * s->stride_h - s->pad_h;
    const bool rows_inside = iy0 >= 0 && iy0 + (s->k_h - 1) * s->dilation_h < s->in_h;
    const size_t row_stride = (size_t)s->in_w * C;
    const float *image = s->in + (size_t)b * s->in_h * row_stride;
    float *restrict out_row = s->out + ((size_t)b * s->out_h + oy) * (size_t)s->out_w * C;
    const bool fast3x3 = s->k_h == 3 && s->k_w == 3 && s->dilation_h == 1 && s->dilation_w == 1;
    const float lo = s->act_min, hi = s->act_max;
    for (int32_t ox = 0; ox < s->out_w; ox++) {
        const int32_t ix0 = ox * s->stride_w - s->pad_w;
        float *restrict out = out_row + (size_t)ox * C;
        if (fast3x3 && rows_inside && ix0 >= 0 && ix0 + 2 < s->in_w) {
            const float *restrict r0 = image + (size_t)iy0 * row_stride + (size_t)ix0 * C;
            const float *restrict r1 = r0 + row_stride;
            const float *restrict r2 = r1 + row_stride;
            const float *restrict w0 = weights, *restrict w1 = weights + 3 * (size_t)C,
                                  *restrict w2 = weights + 6 * (size_t)C;
            for (int32_t c = 0; c < C; c++) {
                float acc = bias[c];
                acc += r0[c] * w0[c];
                acc += r0[C + c] * w0[C + c];
                acc += r0[2 * C + c] * w0[2 * C + c];
                acc += r1[c] * w1[c];
                acc += r1[C + c] * w1[C + c];
                acc += r1[2 * C + c] * w1[2 * C + c];
                acc += r2[c] * w2[c];
                acc += r2[C + c] * w2[C + c];
                acc += r2[2 * C + c] * w2[2 * C + c];
                acc = acc < lo ? lo : acc;
                out[c] = acc > hi ? hi : acc;
            }
            continue;
        }
        for (int32_t c = 0; c < C; c++) out[c] = bias[c];
        for (int32_t ky = 0; ky < s->k_h; ky++) {
            const int32_t iy = iy0 + ky * s->dilation_h;
            if (iy < 0 || iy >= s->in_h) continue;
            for (int32_t kx = 0; kx < s->k_w; kx++) {
                const int32_t ix = ix0 + kx * s->dilation_w;
                if (ix < 0 || ix >= s->in_w) continue;
                const float *restrict in = image + (size_t)iy * row_stride + (size_t)ix * C;
                const float *restrict w = weights + ((size_t)ky * s->k_w + kx) * C;
                for (int32_t c = 0; c < C; c++) out[c] += in[c] * w[c];
            }
        }
        for (int32_t c = 0; c < C; c++) {
            float v = out[c] < lo ? lo : out[c];
            out[c] = v > hi ? hi : v;
        }
    }
}

/* One output row, any depth multiplier: output channel ic * multiplier + m reads channel ic. */
static void depthwise_row_general(const DepthwiseState *s, size_t b, int32_t oy) {
    const int32_t M = s->multiplier, IC = s->in_c, OC = s->out_c;
    const int32_t iy0 = oy * s->stride_h - s->pad_h;
    for (int32_t ox = 0; ox < s->out_w; ox++) {
        const int32_t ix0 = ox * s->stride_w - s->pad_w;
        float *out = s->out + (((size_t)b * s->out_h + oy) * s->out_w + ox) * OC;
        for (int32_t c = 0; c < OC; c++) out[c] = s->bias[c];
        for (int32_t ky = 0; ky < s->k_h; ky++) {
            const int32_t iy = iy0 + ky * s->dilation_h;
            if (iy < 0 || iy >= s->in_h) continue;
            for (int32_t kx = 0; kx < s->k_w; kx++) {
                const int32_t ix = ix0 + kx * s->dilation_w;
                if (ix < 0 || ix >= s->in_w) continue;
                const float *in = s->in + (((size_t)b * s->in_h + iy) * s->in_w + ix) * IC;
                const float *w = s->weights + ((size_t)ky * s->k_w + kx) * OC;
                for (int32_t ic = 0; ic < IC; ic++)
                    for (int32_t m = 0; m < M; m++) out[ic * M + m] += in[ic] * w[ic * M + m];
            }
        }
        for (int32_t c = 0; c < OC; c++) {
            float v = out[c] < s->act_min ? s->act_min : out[c];
            out[c] = v > s->act_max ? s->act_max : v;
        }
    }
}

static CPU_ALWAYS_INLINE void depthwise_rows_body(const DepthwiseState *s, size_t begin, size_t end) {
    for (size_t row = begin; row < end; row++) {
        const size_t b = row / (size_t)s->out_h;
        const int32_t oy = (int32_t)(row % (size_t)s->out_h);
        if (s->multiplier == 1)
            depthwise_row_m1(s, b, oy);
        else
            depthwise_row_general(s, b, oy);
    }
}

#if CPU_HAVE_X86
CPU_TARGET_AVX2 static void depthwise_rows_avx2(const DepthwiseState *s, size_t begin, size_t end) {
    depthwise_rows_body(s, begin, end);
}
#endif

static void depthwise_rows_baseline(const DepthwiseState *s, size_t begin, size_t end) {
    depthwise_rows_body(s, begin, end);
}

static void depthwise_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
#if CPU_HAVE_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        depthwise_rows_avx2(context, begin, end);
        return;
    }
#endif
    depthwise_rows_baseline(context, begin, end);
}

static LiteStatus run_depthwise(CpuPartitionState *p, CpuNode *node) {
    DepthwiseState *s = node->state;
    const CpuTensor *out = cpu_out(p, node, 0);
    if (out->count == 0) return LITE_STATUS_OK;
    if (s->bias_each_run) memcpy(s->bias, cpu_in(p, node, 2)->data, (size_t)s->out_c * sizeof(float));
    s->weights = cpu_in(p, node, 1)->data;
    s->in = cpu_in(p, node, 0)->data;
    s->out = out->data;
    cpu_parallel_for(p->delegate->pool, (size_t)out->dims[0] * s->out_h, 1, depthwise_task, s);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_depthwise_conv_2d = {
    .builtin_code = LITE_OP_DEPTHWISE_CONV_2D, .name = "DEPTHWISE_CONV_2D", .min_version = 1,
    .max_version = 7, .params_size = sizeof(LiteDepthwiseConv2DParams), .check = check_depthwise,
    .prepare = prepare_depthwise, .run = run_depthwise, .release = release_depthwise};
