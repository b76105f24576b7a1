// DEPTHWISE_CONV_2D, vectorised over channels (NHWC keeps them contiguous). Depth multiplier 1 has
// a fast path, with an unrolled 3x3 interior; the kernels are built twice, for AVX2+FMA and for
// the baseline ISA, and prepare picks the delegate's path (cpu_use_avx2).
#include "../cpu_delegate.h"
#include "../cpu_simd.h"

#if CPU_HAVE_X86
#include <immintrin.h>
#endif

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

typedef struct DepthwiseState {
    CPU_WINDOW_UNION;
    int32_t multiplier;
    float act_min, act_max;
    float *bias;           /* out_c floats rounded up to 8, zeros when absent */
    const float *weights;  /* [k_h][k_w][out_c] */
    float *packed;         /* AVX2, multiplier 1: [out_c / 8][k_h * k_w][8], zero-padded */
    bool bias_each_run;
    CpuIsa isa;            /* the delegate's path: the epilogue's kernels */
    const CpuEpilogue *epilogue;
    const float *in;
    float *out;
} DepthwiseState;

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
    const size_t padded_c = ((size_t)s->out_c + 7) & ~(size_t)7;
    s->bias = cpu_aligned_alloc((padded_c + 8) * sizeof(float));
    if (!s->bias) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    memset(s->bias, 0, (padded_c + 8) * sizeof(float));
    s->bias_each_run = bias && bias->kind != CPU_TENSOR_CONSTANT;
    if (bias && !s->bias_each_run) memcpy(s->bias, bias->constant, (size_t)s->out_c * sizeof(float));
    if (cpu_use_avx2(p) && s->multiplier == 1 && w->kind == CPU_TENSOR_CONSTANT) {
        const size_t taps = (size_t)s->k_h * s->k_w;
        s->packed = cpu_aligned_alloc(padded_c * taps * sizeof(float));
        if (!s->packed) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
        const float *weights = w->constant;
        for (size_t block = 0; block < padded_c / 8; block++)
            for (size_t tap = 0; tap < taps; tap++)
                for (size_t j = 0; j < 8; j++) {
                    const size_t c = block * 8 + j;
                    s->packed[(block * taps + tap) * 8 + j] =
                        c < (size_t)s->out_c ? weights[tap * (size_t)s->out_c + c] : 0.0f;
                }
    }
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

#if CPU_HAVE_X86
/* The epilogue of 8 channels starting at `c`, at element `offset` of the output. */
CPU_TARGET_AVX2 static inline __m256 epilogue8(const CpuEpilogue *e, __m256 v, size_t c,
                                               size_t offset, __m256i mask, bool partial) {
    for (int32_t i = 0; i < e->count; i++) {
        const CpuEpilogueStep *step = &e->steps[i];
        switch (step->kind) {
        case CPU_EPILOGUE_CLAMP:
            v = cpu_clamp8(v, _mm256_set1_ps(step->lo), _mm256_set1_ps(step->hi));
            break;
        case CPU_EPILOGUE_PRELU: {
            const __m256 scaled = _mm256_mul_ps(v, _mm256_load_ps(step->alpha + c));
            v = _mm256_blendv_ps(v, scaled, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
            break;
        }
        case CPU_EPILOGUE_ADD:
            v = _mm256_add_ps(v, partial ? _mm256_maskload_ps(step->residual + offset, mask)
                                         : _mm256_loadu_ps(step->residual + offset));
            break;
        case CPU_EPILOGUE_HARD_SWISH: {
            __m256 r = _mm256_add_ps(v, _mm256_set1_ps(3.0f));
            r = cpu_clamp8(r, _mm256_setzero_ps(), _mm256_set1_ps(6.0f));
            v = _mm256_div_ps(_mm256_mul_ps(v, r), _mm256_set1_ps(6.0f));
            break;
        }
        }
    }
    return v;
}

/* Output pixels [ox, ox + P) of one row, 8 channels at c (masked when `partial`), taps
   ky in [ky0, ky1) and kx in [kx0, kx1) all inside the input. KW is a compile-time constant in the
   specialised callers (0: use the state's), which lets the compiler unroll the tap loop. */
CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void dw_pixels(const DepthwiseState *s, const int P,
                                                        const int KW, int32_t ky0, int32_t ky1,
                                                        int32_t kx0, int32_t kx1,
                                                        const float *origin, size_t stride_x,
                                                        const float *w, size_t c, size_t out_offset,
                                                        __m256i mask, const bool partial) {
    const size_t C = (size_t)s->out_c;
    const size_t stride_y = (size_t)s->dilation_h * (size_t)s->in_w * C;
    const size_t step_x = (size_t)s->dilation_w * C;
    const int32_t kw = KW > 0 ? KW : s->k_w;
    __m256 acc[8];
    const __m256 bias = _mm256_load_ps(s->bias + c);
    for (int p = 0; p < P; p++) acc[p] = bias;
    for (int32_t ky = ky0; ky < ky1; ky++) {
        const float *r = origin + (size_t)ky * stride_y;
        const float *wr = w + (size_t)ky * kw * 8;
        if (KW > 0 && kx0 == 0 && kx1 == KW) {
            for (int kx = 0; kx < KW; kx++) {
                const __m256 wv = _mm256_load_ps(wr + (size_t)kx * 8);
                for (int p = 0; p < P; p++) {
                    const float *src = r + (size_t)kx * step_x + (size_t)p * stride_x;
                    const __m256 x = partial ? _mm256_maskload_ps(src, mask) : _mm256_loadu_ps(src);
                    acc[p] = _mm256_fmadd_ps(x, wv, acc[p]);
                }
            }
        } else {
            for (int32_t kx = kx0; kx < kx1; kx++) {
                const __m256 wv = _mm256_load_ps(wr + (size_t)kx * 8);
                for (int p = 0; p < P; p++) {
                    const float *src = r + (size_t)kx * step_x + (size_t)p * stride_x;
                    const __m256 x = partial ? _mm256_maskload_ps(src, mask) : _mm256_loadu_ps(src);
                    acc[p] = _mm256_fmadd_ps(x, wv, acc[p]);
                }
            }
        }
    }
    const __m256 lo = _mm256_set1_ps(s->act_min), hi = _mm256_set1_ps(s->act_max);
    for (int p = 0; p < P; p++) {
        const size_t offset = out_offset + (size_t)p * C;
        __m256 v = cpu_clamp8(acc[p], lo, hi);
        v = epilogue8(s->epilogue, v, c, offset, mask, partial);
        if (partial) {
            // Not _mm256_maskstore_ps: masked stores are microcoded and slow on AMD.
            float lanes[8];
            _mm256_storeu_ps(lanes, v);
            for (size_t j = 0; j < C - c; j++) s->out[offset + j] = lanes[j];
        } else {
            _mm256_storeu_ps(s->out + offset, v);
        }
    }
}

/* All channel blocks of P pixels; origin points at tap (0, 0) of the first pixel, which may lie
   outside the input as long as only taps in the given ranges are read. */
CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void dw_channels(const DepthwiseState *s, const int P,
                                                          const int KW, int32_t ky0, int32_t ky1,
                                                          int32_t kx0, int32_t kx1,
                                                          const float *origin, size_t out_offset) {
    const size_t C = (size_t)s->out_c, taps = (size_t)s->k_h * s->k_w;
    const size_t stride_x = (size_t)s->stride_w * C;
    const __m256i all = _mm256_set1_epi32(-1);
    size_t c = 0;
    for (; c + 8 <= C; c += 8)
        dw_pixels(s, P, KW, ky0, ky1, kx0, kx1, origin + c, stride_x, s->packed + (c / 8) * taps * 8,
                  c, out_offset + c, all, false);
    if (c < C) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(C - c)),
                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        dw_pixels(s, P, KW, ky0, ky1, kx0, kx1, origin + c, stride_x, s->packed + (c / 8) * taps * 8,
                  c, out_offset + c, mask, true);
    }
}

CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void dw_row_avx2(const DepthwiseState *s, size_t b,
                                                          int32_t oy, const int KW) {
    const size_t C = (size_t)s->out_c;
    const int32_t iy0 = oy * s->stride_h - s->pad_h;
    const size_t row_stride = (size_t)s->in_w * C;
    const float *image = s->in + b * (size_t)s->in_h * row_stride;
    const size_t out_base = (b * s->out_h + (size_t)oy) * (size_t)s->out_w * C;
    // Taps ky in [ky0, ky1) read rows inside the input.
    int32_t ky0 = 0, ky1 = s->k_h;
    while (ky0 < ky1 && iy0 + ky0 * s->dilation_h < 0) ky0++;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * s->dilation_h >= s->in_h) ky1--;
    // Interior columns [ox_lo, ox_hi): every kx tap inside the input.
    const int32_t reach = (s->k_w - 1) * s->dilation_w;
    int32_t ox_lo = s->pad_w > 0 ? (s->pad_w + s->stride_w - 1) / s->stride_w : 0;
    const int32_t limit = s->in_w - reach + s->pad_w;
    int32_t ox_hi = limit > 0 ? (limit + s->stride_w - 1) / s->stride_w : 0;
    if (ox_hi > s->out_w) ox_hi = s->out_w;
    if (ox_lo > ox_hi) ox_lo = ox_hi;
    // origin of output column ox: the input element of tap (0, 0), possibly outside (never read).
    const ptrdiff_t row_origin = (ptrdiff_t)iy0 * (ptrdiff_t)row_stride - (ptrdiff_t)s->pad_w * (ptrdiff_t)C;
#define ORIGIN(ox) (image + row_origin + (ptrdiff_t)(ox) * (ptrdiff_t)s->stride_w * (ptrdiff_t)C)
    for (int32_t ox = 0; ox < s->out_w; ox++) {
        if (ox == ox_lo && ox_lo < ox_hi) {
            ox = ox_hi - 1; // the interior runs below, in blocks
            continue;
        }
        const int32_t ix0 = ox * s->stride_w - s->pad_w;
        int32_t kx0 = 0, kx1 = s->k_w;
        while (kx0 < kx1 && ix0 + kx0 * s->dilation_w < 0) kx0++;
        while (kx1 > kx0 && ix0 + (kx1 - 1) * s->dilation_w >= s->in_w) kx1--;
        dw_channels(s, 1, 0, ky0, ky1, kx0, kx1, ORIGIN(ox), out_base + (size_t)ox * C);
    }
    int32_t ox = ox_lo;
    for (; ox + 8 <= ox_hi; ox += 8)
        dw_channels(s, 8, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
    if (ox + 4 <= ox_hi) {
        dw_channels(s, 4, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
        ox += 4;
    }
    for (; ox < ox_hi; ox++)
        dw_channels(s, 1, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
#undef ORIGIN
}

CPU_TARGET_AVX2 static void depthwise_rows_avx2(const DepthwiseState *s, size_t begin, size_t end) {
    for (size_t row = begin; row < end; row++) {
        const size_t b = row / (size_t)s->out_h;
        const int32_t oy = (int32_t)(row % (size_t)s->out_h);
        if (s->k_w == 3) dw_row_avx2(s, b, oy, 3);
        else if (s->k_w == 5) dw_row_avx2(s, b, oy, 5);
        else dw_row_avx2(s, b, oy, 0);
    }
}
#endif

static void depthwise_task(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const DepthwiseState *s = context;
#if CPU_HAVE_X86
    if (s->packed) {
        depthwise_rows_avx2(s, begin, end);
        return;
    }
#endif
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
