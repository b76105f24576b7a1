// RESIZE_BILINEAR exactly as TFLite's reference ResizeBilinear (float32, NHWC), including the
// legacy behaviour: the scale is in/out (or (in-1)/(out-1) with align_corners), the lower index is
// clamped at 0 and the upper at in-1 while the weight keeps the unclamped fraction.
#include "../cpu_delegate.h"

#if CPU_HAVE_X86
#include <immintrin.h>
#endif

/* No multiply-add contraction in the AVX2+FMA function's scalar tail: every path must round like
   the baseline one, whose target has no FMA. */
#pragma STDC FP_CONTRACT OFF

static bool check_resize(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LiteResizeBilinearParams *params = c->node->params;
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *size = lps_check_input(c, 1),
                     *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, size, "size", LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32), 1, 1, reason, capacity))
        return false;
    if (params->align_corners && params->half_pixel_centers)
        return lps_decline(reason, capacity, "align_corners and half_pixel_centers both set");
    if (in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3])
        return lps_decline(reason, capacity, "batch or channels differ between input and output");
    return true;
}

typedef struct ResizeState {
    int32_t in_h, in_w, out_h, out_w, channels;
    bool avx2; /* the delegate's path (cpu_use_avx2) */
    int32_t *y0, *y1, *x0, *x1;
    float *dy, *dx; /* input_y - y0, input_x - x0 (may be negative or exceed 1 at the borders) */
    const float *in;
    float *out;
} ResizeState;

static void release_resize(void *state) {
    ResizeState *s = state;
    if (!s) return;
    free(s->y0);
    free(s->x0);
    free(s->dy);
    free(s->dx);
    free(s);
}

static void interpolation_values(int32_t count, int32_t in_size, float scale, bool half_pixel,
                                 int32_t *lower, int32_t *upper, float *fraction) {
    for (int32_t i = 0; i < count; i++) {
        float scaled = half_pixel ? ((float)i + 0.5f) * scale - 0.5f : (float)i * scale;
        int32_t floor_value = (int32_t)floorf(scaled);
        int32_t ceil_value = (int32_t)ceilf(scaled);
        lower[i] = floor_value > 0 ? floor_value : 0;
        upper[i] = ceil_value < in_size - 1 ? ceil_value : in_size - 1;
        fraction[i] = scaled - (float)lower[i];
    }
}

static LiteStatus prepare_resize(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *out = cpu_out(p, node, 0);
    if (in->rank != 4 || out->rank != 4 || in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3])
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: RESIZE_BILINEAR node %d: shapes disagree", node->graph_node);
    ResizeState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->avx2 = cpu_use_avx2(p);
    s->in_h = in->dims[1];
    s->in_w = in->dims[2];
    s->out_h = out->dims[1];
    s->out_w = out->dims[2];
    s->channels = in->dims[3];
    if (out->count == 0) return LITE_STATUS_OK;
    if (in->count == 0)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: RESIZE_BILINEAR node %d: empty input", node->graph_node);
    s->y0 = malloc(sizeof(int32_t) * 2 * (size_t)s->out_h);
    s->x0 = malloc(sizeof(int32_t) * 2 * (size_t)s->out_w);
    s->dy = malloc(sizeof(float) * (size_t)s->out_h);
    s->dx = malloc(sizeof(float) * (size_t)s->out_w);
    if (!s->y0 || !s->x0 || !s->dy || !s->dx)
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    s->y1 = s->y0 + s->out_h;
    s->x1 = s->x0 + s->out_w;
    const LiteResizeBilinearParams *params = &node->params.resize;
    float scale_h = (float)s->in_h / (float)s->out_h, scale_w = (float)s->in_w / (float)s->out_w;
    if (params->align_corners && s->out_h > 1) scale_h = (float)(s->in_h - 1) / (float)(s->out_h - 1);
    if (params->align_corners && s->out_w > 1) scale_w = (float)(s->in_w - 1) / (float)(s->out_w - 1);
    interpolation_values(s->out_h, s->in_h, scale_h, params->half_pixel_centers, s->y0, s->y1, s->dy);
    interpolation_values(s->out_w, s->in_w, scale_w, params->half_pixel_centers, s->x0, s->x1, s->dx);
    return LITE_STATUS_OK;
}

#if CPU_HAVE_X86
/* The same arithmetic as resize_rows_baseline, 8 channels at a time: multiplies and adds in the
   same order and no FMA, so the results are identical. */
CPU_TARGET_AVX2 static void resize_rows_avx2(const ResizeState *s, size_t begin, size_t end) {
    const size_t C = (size_t)s->channels, C8 = C & ~(size_t)7;
    for (size_t row = begin; row < end; row++) {
        const size_t b = row / (size_t)s->out_h;
        const int32_t y = (int32_t)(row % (size_t)s->out_h);
        const float dy = s->dy[y];
        const __m256 wy1 = _mm256_set1_ps(dy), wy0 = _mm256_set1_ps(1 - dy);
        const float *top = s->in + ((size_t)b * s->in_h + s->y0[y]) * s->in_w * C;
        const float *bottom = s->in + ((size_t)b * s->in_h + s->y1[y]) * s->in_w * C;
        float *out = s->out + row * (size_t)s->out_w * C;
        for (int32_t x = 0; x < s->out_w; x++) {
            const float dx = s->dx[x];
            const __m256 wx1 = _mm256_set1_ps(dx), wx0 = _mm256_set1_ps(1 - dx);
            const float *a = top + (size_t)s->x0[x] * C, *bb = bottom + (size_t)s->x0[x] * C;
            const float *c = top + (size_t)s->x1[x] * C, *d = bottom + (size_t)s->x1[x] * C;
            float *o = out + (size_t)x * C;
            size_t ch = 0;
            for (; ch < C8; ch += 8) {
                __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(a + ch), wy0), wx0);
                v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(bb + ch), wy1), wx0));
                v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(c + ch), wy0), wx1));
                v = _mm256_add_ps(v, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(d + ch), wy1), wx1));
                _mm256_storeu_ps(o + ch, v);
            }
            for (; ch < C; ch++)
                o[ch] = a[ch] * (1 - dy) * (1 - dx) + bb[ch] * dy * (1 - dx) +
                        c[ch] * (1 - dy) * dx + d[ch] * dy * dx;
        }
    }
}
#endif

static void resize_rows(void *context, size_t begin, size_t end, int thread) {
    (void)thread;
    const ResizeState *s = context;
#if CPU_HAVE_X86
    if (s->channels >= 8 && s->avx2) {
        resize_rows_avx2(s, begin, end);
        return;
    }
#endif
    const size_t C = (size_t)s->channels;
    for (size_t row = begin; row < end; row++) {
        const size_t b = row / (size_t)s->out_h;
        const int32_t y = (int32_t)(row % (size_t)s->out_h);
        const float dy = s->dy[y];
        const float *top = s->in + ((size_t)b * s->in_h + s->y0[y]) * s->in_w * C;
        const float *bottom = s->in + ((size_t)b * s->in_h + s->y1[y]) * s->in_w * C;
        float *out = s->out + row * (size_t)s->out_w * C;
        for (int32_t x = 0; x < s->out_w; x++) {
            const float dx = s->dx[x];
            const float *restrict a = top + (size_t)s->x0[x] * C, *restrict bb = bottom + (size_t)s->x0[x] * C;
            const float *restrict c = top + (size_t)s->x1[x] * C, *restrict d = bottom + (size_t)s->x1[x] * C;
            float *restrict o = out + (size_t)x * C;
            for (size_t ch = 0; ch < C; ch++)
                o[ch] = a[ch] * (1 - dy) * (1 - dx) + bb[ch] * dy * (1 - dx) +
                        c[ch] * (1 - dy) * dx + d[ch] * dy * dx;
        }
    }
}

static LiteStatus run_resize(CpuPartitionState *p, CpuNode *node) {
    ResizeState *s = node->state;
    const CpuTensor *out = cpu_out(p, node, 0);
    if (out->count == 0) return LITE_STATUS_OK;
    s->in = cpu_in(p, node, 0)->data;
    s->out = out->data;
    cpu_parallel_for(cpu_pool_for(p->delegate->pool, 4 * out->count), (size_t)out->dims[0] * s->out_h,
                     4, resize_rows, s);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_resize_bilinear = {
    .builtin_code = LITE_OP_RESIZE_BILINEAR, .name = "RESIZE_BILINEAR", .min_version = 1,
    .max_version = 4, .params_size = sizeof(LiteResizeBilinearParams), .check = check_resize,
    .prepare = prepare_resize, .run = run_resize, .release = release_resize};
