// DEPTHWISE_CONV_2D: the claim, prepare and the portable kernels (depth multiplier 1 with an
// unrolled 3x3 interior, any multiplier). With multiplier 1 on a vector path, prepare packs the
// weights in blocks of the path's lanes for ops/depthwise_kernels.h (8 lanes on avx2, 16 on
// avx512).
#include "depthwise.h"

static bool check_depthwise(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LiteDepthwiseConv2DParams *params = c->node->params;
    if (!lps_check_io(c, 2, 3, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, w, "weights", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 4, 4, reason, capacity))
        return false;
    if (!cpu_check_is_constant_like(c, c->node->inputs[1]))
        return lps_decline(reason, capacity, "DEPTHWISE_CONV_2D with non-constant weights");
    if (w->dims[0] != 1) return lps_decline(reason, capacity, "weights dimension 0 is %d, not 1", w->dims[0]);
    if (!cpu_check_bias(c, 2, "DEPTHWISE_CONV_2D", w->dims[3], "channels", reason, capacity) ||
        !lps_check_depthwise_channels(in, w, out, params->depth_multiplier, reason, capacity) ||
        !lps_check_conv_geometry(params->padding, in, w, out, params->stride_height, params->stride_width,
                                 params->dilation_height, params->dilation_width, reason, capacity))
        return false;
    return cpu_check_activation("DEPTHWISE_CONV_2D", params->activation, reason, capacity);
}

static void release_depthwise(void *state) {
    DepthwiseState *s = state;
    if (!s) return;
    cpu_aligned_free(s->bias);
    cpu_aligned_free(s->packed);
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
    CpuWindow window;
    const LiteStatus status =
        cpu_prepare_window(p, node, in, out, w->dims[1], w->dims[2], params->stride_height, params->stride_width,
                           params->dilation_height, params->dilation_width, params->padding, &window);
    if (status != LITE_STATUS_OK) return status;
    DepthwiseState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->window = window;
    s->multiplier = params->depth_multiplier;
    cpu_activation_range(params->activation, &s->act_min, &s->act_max);
    s->epilogue = &node->epilogue;
    s->isa = p->delegate->isa;
    const size_t padded_c = (size_t)s->out_c + CPU_DEPTHWISE_MAX_LANES;
    s->bias = cpu_aligned_alloc(padded_c * sizeof(float));
    if (!s->bias) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    memset(s->bias, 0, padded_c * sizeof(float));
    s->bias_each_run = bias && bias->kind != CPU_TENSOR_CONSTANT;
    if (bias && !s->bias_each_run) memcpy(s->bias, bias->constant, (size_t)s->out_c * sizeof(float));
#if CPU_HAVE_X86
    if (cpu_use_avx2(p) && s->multiplier == 1 && w->kind == CPU_TENSOR_CONSTANT) {
        // 16 lanes where they pay: with out_c % 16 in 1..8 the last block would be a zmm at most
        // half used (masked loads, scalar stores), where the 8-lane kernels' last block is whole
        // or narrower. Both give the same bits.
        const size_t rest = (size_t)s->out_c % 16;
        const bool wide = s->isa == CPU_ISA_AVX512 && (rest == 0 || rest > 8);
        s->vector_rows = wide ? cpu_depthwise_rows_avx512 : cpu_depthwise_rows_avx2;
        const size_t taps = (size_t)s->k_h * s->k_w, lanes = wide ? 16 : 8;
        const size_t blocks = ((size_t)s->out_c + lanes - 1) / lanes;
        s->packed = cpu_aligned_alloc(blocks * lanes * taps * sizeof(float));
        if (!s->packed) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
        const float *weights = w->constant;
        for (size_t block = 0; block < blocks; block++)
            for (size_t tap = 0; tap < taps; tap++)
                for (size_t j = 0; j < lanes; j++) {
                    const size_t c = block * lanes + j;
                    s->packed[(block * taps + tap) * lanes + j] =
                        c < (size_t)s->out_c ? weights[tap * (size_t)s->out_c + c] : 0.0f;
                }
    }
#endif
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

static void depthwise_rows_baseline(const DepthwiseState *s, size_t begin, size_t end) {
    const size_t C = (size_t)s->out_c, row_elements = (size_t)s->out_w * C;
    for (size_t row = begin; row < end; row++) {
        const size_t b = row / (size_t)s->out_h;
        const int32_t oy = (int32_t)(row % (size_t)s->out_h);
        if (s->multiplier == 1)
            depthwise_row_m1(s, b, oy);
        else
            depthwise_row_general(s, b, oy);
        cpu_epilogue_apply(s->epilogue, s->isa, s->out + row * row_elements, C, row * row_elements,
                           (size_t)s->out_w, 0, C);
    }
}

static void depthwise_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const DepthwiseState *s = context;
    if (s->packed)
        s->vector_rows(s, begin, end);
    else
        depthwise_rows_baseline(s, begin, end);
}

static LiteStatus run_depthwise(CpuPartitionState *p, CpuNode *node) {
    DepthwiseState *s = node->state;
    const CpuTensor *out = cpu_out(p, node, 0);
    if (out->count == 0) return LITE_STATUS_OK;
    if (s->bias_each_run) memcpy(s->bias, cpu_in(p, node, 2)->data, (size_t)s->out_c * sizeof(float));
    cpu_epilogue_bind(p, node);
    s->weights = cpu_in(p, node, 1)->data;
    s->in = cpu_in(p, node, 0)->data;
    s->out = out->data;
    const size_t rows = (size_t)out->dims[0] * s->out_h;
    // Rows in chunks of at least ~32K multiply-adds, so small layers stay on one thread.
    const size_t row_work = (size_t)s->out_w * s->out_c * s->k_h * s->k_w;
    size_t grain = row_work ? (32768 + row_work - 1) / row_work : 1;
    cpu_parallel_for(cpu_pool_for(p->delegate->pool, out->count * (size_t)s->k_h * s->k_w), rows,
                     grain, depthwise_task, s);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_depthwise_conv_2d = {
    .builtin_code = LITE_OP_DEPTHWISE_CONV_2D, .name = "DEPTHWISE_CONV_2D", .min_version = 1,
    .max_version = 7, .params_size = sizeof(LiteDepthwiseConv2DParams), .check = check_depthwise,
    .prepare = prepare_depthwise, .run = run_depthwise, .release = release_depthwise};
