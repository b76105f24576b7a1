// CONV_2D as a packed GEMM: 1x1 stride-1 convolutions read the NHWC input directly as the A
// matrix; the others gather tiles of im2col rows into per-thread scratch first.
#include "../gemm.h"

#if CPU_HAVE_X86
#include <immintrin.h>
#endif

static bool check_conv(const LpsCheckContext *c, char *reason, size_t capacity) {
    const uint32_t f32 = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32);
    const LiteConv2DParams *params = c->node->params;
    if (!lps_check_io(c, 2, 3, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *w = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!cpu_check_tensor(c, in, "input", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, w, "weights", f32, 4, 4, reason, capacity) ||
        !cpu_check_tensor(c, out, "output", f32, 4, 4, reason, capacity))
        return false;
    if (!cpu_check_is_constant_like(c, c->node->inputs[1]))
        return lps_decline(reason, capacity, "CONV_2D with non-constant weights");
    if (!cpu_check_bias(c, 2, "CONV_2D", w->dims[0], "channels", reason, capacity) ||
        !lps_check_conv_shapes(in, w, out, reason, capacity) ||
        !lps_check_conv_geometry(params->padding, in, w, out, params->stride_height, params->stride_width,
                                 params->dilation_height, params->dilation_width, reason, capacity))
        return false;
    return cpu_check_activation("CONV_2D", params->activation, reason, capacity);
}

#define CPU_IM2COL_SLACK 16

typedef struct ConvState {
    CpuPackedMatrix packed;
    bool pack_each_run; /* weights or bias are not constants of this partition */
    CPU_WINDOW_UNION;
    bool direct;        /* 1x1, stride 1, no padding: the input is the A matrix */
    size_t k;           /* k_h * k_w * in_c */
    size_t m;           /* batch * out_h * out_w */
    size_t rows_per_tile, tiles;
    int32_t panel_groups;
    float *scratch;     /* per-thread im2col tiles */
    size_t scratch_stride; /* floats per thread's tile, with slack for over-long stores */
    bool indirect;         /* A rows are pointers to filter rows in the input, no im2col */
    const float **pointers; /* per thread: rows_per_tile * k_h filter-row pointers */
    float *zeros;          /* k_w * in_c zeros: the filter rows that fall in the padding */
    float act_min, act_max;
    const CpuEpilogue *epilogue;
    CpuThreadPool *pool; /* NULL when the product is too small to split */
    const float *in;
    float *out;
} ConvState;

static void release_conv(void *state) {
    ConvState *s = state;
    if (!s) return;
    cpu_pack_free(&s->packed);
    cpu_aligned_free(s->scratch);
    cpu_aligned_free(s->zeros);
    free(s->pointers);
    free(s);
}

static LiteStatus prepare_conv(CpuPartitionState *p, CpuNode *node) {
    const CpuTensor *in = cpu_in(p, node, 0), *w = cpu_in(p, node, 1), *bias = cpu_in(p, node, 2),
                    *out = cpu_out(p, node, 0);
    const LiteConv2DParams *params = &node->params.conv;
    if (in->rank != 4 || w->rank != 4 || out->rank != 4 || w->dims[3] != in->dims[3] ||
        out->dims[3] != w->dims[0] || out->dims[0] != in->dims[0] ||
        (bias && (bias->rank != 1 || bias->dims[0] != w->dims[0])))
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: CONV_2D node %d: shapes of input, weights, bias and output disagree",
                        node->graph_node);
    CpuWindow window;
    const LiteStatus status =
        cpu_prepare_window(p, node, in, out, w->dims[1], w->dims[2], params->stride_height, params->stride_width,
                           params->dilation_height, params->dilation_width, params->padding, &window);
    if (status != LITE_STATUS_OK) return status;
    ConvState *s = calloc(1, sizeof(*s));
    if (!s) return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    node->state = s;
    s->window = window;
    cpu_activation_range(params->activation, &s->act_min, &s->act_max);
    s->epilogue = &node->epilogue;
    s->k = (size_t)s->k_h * s->k_w * s->in_c;
    s->m = (size_t)out->dims[0] * s->out_h * s->out_w;
    if (out->count == 0) return LITE_STATUS_OK;
    if (s->k == 0)
        return cpu_fail(p->delegate, LITE_STATUS_INVALID_ARGUMENT,
                        "cpu: CONV_2D node %d: empty filter", node->graph_node);
    s->direct = s->k_h == 1 && s->k_w == 1 && s->stride_h == 1 && s->stride_w == 1 &&
                s->pad_h == 0 && s->pad_w == 0 && s->out_h == s->in_h && s->out_w == s->in_w;

    if (!cpu_pack_alloc(p, &s->packed, (int32_t)s->k, s->out_c))
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory packing weights");
    s->pack_each_run = w->kind != CPU_TENSOR_CONSTANT || (bias && bias->kind != CPU_TENSOR_CONSTANT);
    if (!s->pack_each_run)
        cpu_pack_weights(&s->packed, w->constant, s->k, 1, bias ? bias->constant : NULL);

    s->pool = cpu_pool_for(p->delegate->pool, s->m * s->k * (size_t)s->out_c);
    const int threads = cpu_pool_threads(s->pool);
    cpu_gemm_plan(&s->packed, s->m, threads, &s->rows_per_tile, &s->panel_groups);
    s->tiles = (s->m + s->rows_per_tile - 1) / s->rows_per_tile;
    if (!s->direct) {
        s->scratch_stride = s->rows_per_tile * s->k + CPU_IM2COL_SLACK;
        size_t floats = (size_t)threads * s->scratch_stride;
        s->scratch = cpu_aligned_alloc(floats * sizeof(float));
        if (!s->scratch)
            return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory (im2col)");
        // Filter rows read in place: each is k_w * in_c contiguous floats when dilation_w is 1.
        // Products of <= CPU_GEMM_DOT_MAX_N columns on the portable path need whole vectors per
        // filter row (cpu_gemm_has_indirect), else they keep im2col.
        s->indirect = s->dilation_w == 1 &&
                      cpu_gemm_has_indirect(&s->packed, (size_t)s->k_w * s->in_c);
        if (s->indirect) {
            s->pointers = malloc((size_t)threads * s->rows_per_tile * (size_t)s->k_h * sizeof(float *));
            s->zeros = cpu_aligned_alloc((size_t)s->k_w * s->in_c * sizeof(float) + 64);
            if (!s->pointers || !s->zeros)
                return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
            memset(s->zeros, 0, (size_t)s->k_w * s->in_c * sizeof(float));
        }
    }
    return LITE_STATUS_OK;
}

/* Copies n floats; runs are short (a filter row of a few channels), so inline rather than a
   library memcpy call per run. */
static CPU_ALWAYS_INLINE void copy_floats_plain(float *restrict dst, const float *restrict src,
                                                size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

#if CPU_HAVE_X86
/* Writes up to 7 floats past dst + n (im2col rows are written in increasing order into scratch
   with CPU_IM2COL_SLACK floats of room at the end, so those are overwritten later or unused):
   masked stores are microcoded and slow on AMD, masked loads are not. */
CPU_TARGET_AVX2 static CPU_ALWAYS_INLINE void copy_floats_avx2(float *restrict dst,
                                                               const float *restrict src, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
    if (i < n) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)),
                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_storeu_ps(dst + i, _mm256_maskload_ps(src + i, mask));
    }
}
#endif

/* Gathers output pixels [m0, m0 + rows) into im2col rows of k floats (zeros for padding). A
   filter row that lies wholly inside the input is one contiguous run of k_w * in_c floats. */
#define DEFINE_IM2COL(NAME, ATTRIBUTES, COPY)                                                     \
    ATTRIBUTES static void NAME(const ConvState *s, size_t m0, size_t rows,                       \
                                float *restrict columns) {                                         \
        const size_t pixels = (size_t)s->out_h * s->out_w;                                         \
        const size_t C = (size_t)s->in_c, run = (size_t)s->k_w * C;                                \
        size_t b = m0 / pixels;                                                                    \
        int32_t oy = (int32_t)((m0 % pixels) / (size_t)s->out_w);                                  \
        int32_t ox = (int32_t)((m0 % pixels) % (size_t)s->out_w);                                  \
        for (size_t r = 0; r < rows; r++) {                                                        \
            const int32_t ix0 = ox * s->stride_w - s->pad_w;                                       \
            const bool row_inside = s->dilation_w == 1 && ix0 >= 0 && ix0 + s->k_w <= s->in_w;     \
            float *row = columns + r * s->k;                                                       \
            for (int32_t ky = 0; ky < s->k_h; ky++) {                                              \
                const int32_t iy = oy * s->stride_h - s->pad_h + ky * s->dilation_h;               \
                float *dst = row + (size_t)ky * run;                                               \
                if (iy < 0 || iy >= s->in_h) {                                                     \
                    memset(dst, 0, run * sizeof(float));                                           \
                    continue;                                                                      \
                }                                                                                  \
                const float *image_row = s->in + (b * s->in_h + (size_t)iy) * s->in_w * C;         \
                if (row_inside) {                                                                  \
                    COPY(dst, image_row + (size_t)ix0 * C, run);                                   \
                    continue;                                                                      \
                }                                                                                  \
                for (int32_t kx = 0; kx < s->k_w; kx++) {                                          \
                    const int32_t ix = ix0 + kx * s->dilation_w;                                   \
                    if (ix < 0 || ix >= s->in_w)                                                   \
                        memset(dst + (size_t)kx * C, 0, C * sizeof(float));                        \
                    else                                                                           \
                        COPY(dst + (size_t)kx * C, image_row + (size_t)ix * C, C);                 \
                }                                                                                  \
            }                                                                                      \
            if (++ox == s->out_w) {                                                                \
                ox = 0;                                                                            \
                if (++oy == s->out_h) {                                                            \
                    oy = 0;                                                                        \
                    b++;                                                                           \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#if CPU_HAVE_X86
DEFINE_IM2COL(im2col_avx2, CPU_TARGET_AVX2, copy_floats_avx2)
#endif
DEFINE_IM2COL(im2col_baseline, , copy_floats_plain)

/* The im2col of the delegate's path: AVX2 copies on the avx2 and avx512 paths, plain C on the
   portable one (which must run on an x86-64 without AVX2). */
static void im2col_for(const ConvState *s, bool avx2, size_t m0, size_t rows, float *columns) {
#if CPU_HAVE_X86
    if (avx2) {
        im2col_avx2(s, m0, rows, columns);
        return;
    }
#endif
    (void)avx2;
    im2col_baseline(s, m0, rows, columns);
}

/* The k_h filter-row pointers of output pixels [m0, m0 + rows): into the input for pixels whose
   window lies inside it horizontally (a row outside it vertically points at the zero row); a pixel
   whose filter straddles the left or right edge gets an im2col row in `columns` and pointers into
   that. Pixels are taken a run of one output row at a time: within a run the input rows are fixed,
   so an interior pixel costs one offset and a pointer add per filter row instead of the full
   address arithmetic, which is a large part of a 3-channel stem's time. */
#define GATHER_MAX_KH 16

static void gather_pointers(const ConvState *s, bool avx2, size_t m0, size_t rows,
                            const float **pointers, float *columns) {
    // The state's fields in locals: the pointer stores below may alias them as far as the compiler
    // knows, and it would reload them after every store.
    const size_t pixels = (size_t)s->out_h * s->out_w;
    const size_t C = (size_t)s->in_c, run = (size_t)s->k_w * C, KH = (size_t)s->k_h;
    const int32_t out_w = s->out_w, out_h = s->out_h, in_w = s->in_w, in_h = s->in_h, k_w = s->k_w;
    const int32_t stride_w = s->stride_w, stride_h = s->stride_h, pad_w = s->pad_w, pad_h = s->pad_h;
    const int32_t dilation_h = s->dilation_h;
    const size_t k = s->k;
    const float *const in = s->in, *const zeros = s->zeros;
    // Interior pixels: ox in [first_inside, end_inside), where 0 <= ox * stride_w - pad_w and
    // ox * stride_w - pad_w + k_w <= in_w.
    int32_t first_inside = pad_w > 0 ? (pad_w + stride_w - 1) / stride_w : 0;
    int32_t end_inside = in_w - k_w + pad_w >= 0 ? (in_w - k_w + pad_w) / stride_w + 1 : 0;
    if (end_inside > out_w) end_inside = out_w;
    if (first_inside > end_inside) first_inside = end_inside;
    size_t b = m0 / pixels;
    int32_t oy = (int32_t)((m0 % pixels) / (size_t)out_w);
    int32_t ox = (int32_t)((m0 % pixels) % (size_t)out_w);
    size_t r = 0;
    while (r < rows) {
        const size_t span = (size_t)(out_w - ox) < rows - r ? (size_t)(out_w - ox) : rows - r;
        const float *bases[GATHER_MAX_KH]; // this output row's input rows, at column 0, or NULL
        if (KH <= GATHER_MAX_KH)
            for (size_t ky = 0; ky < KH; ky++) {
                const int32_t iy = oy * stride_h - pad_h + (int32_t)ky * dilation_h;
                bases[ky] = (iy < 0 || iy >= in_h) ? NULL : in + (b * (size_t)in_h + (size_t)iy) * (size_t)in_w * C;
            }
        for (size_t j = 0; j < span; j++, r++) {
            const int32_t x = ox + (int32_t)j;
            const float **row = pointers + r * KH;
            if (KH <= GATHER_MAX_KH && x >= first_inside && x < end_inside) {
                const size_t offset = (size_t)(x * stride_w - pad_w) * C;
                for (size_t ky = 0; ky < KH; ky++) row[ky] = bases[ky] ? bases[ky] + offset : zeros;
            } else if (KH > GATHER_MAX_KH && x * stride_w - pad_w >= 0 && x * stride_w - pad_w + k_w <= in_w) {
                const size_t offset = (size_t)(x * stride_w - pad_w) * C;
                for (size_t ky = 0; ky < KH; ky++) {
                    const int32_t iy = oy * stride_h - pad_h + (int32_t)ky * dilation_h;
                    row[ky] = (iy < 0 || iy >= in_h)
                                  ? zeros
                                  : in + (b * (size_t)in_h + (size_t)iy) * (size_t)in_w * C + offset;
                }
            } else {
                float *gathered = columns + r * k;
                im2col_for(s, avx2, m0 + r, 1, gathered);
                for (size_t ky = 0; ky < KH; ky++) row[ky] = gathered + ky * run;
            }
        }
        ox += (int32_t)span;
        if (ox == out_w) {
            ox = 0;
            if (++oy == out_h) {
                oy = 0;
                b++;
            }
        }
    }
}

static void conv_task(void *context, size_t begin, size_t end, int thread) {
    const ConvState *s = context;
    float *columns = s->direct ? NULL : s->scratch + (size_t)thread * s->scratch_stride;
#if CPU_HAVE_X86
    const bool avx2 = cpu_isa_has_avx2(s->packed.isa);
#else
    const bool avx2 = false;
#endif
    for (size_t task = begin; task < end; task++) {
        // Group-major: a thread's contiguous run of tasks is one share of the columns when the
        // plan splits them (cpu_gemm_plan), of the rows otherwise.
        const size_t tile = task % s->tiles;
        const int32_t group = (int32_t)(task / s->tiles);
        const size_t m0 = tile * s->rows_per_tile;
        const size_t rows = s->m - m0 < s->rows_per_tile ? s->m - m0 : s->rows_per_tile;
        const int32_t p0 = (int32_t)((int64_t)s->packed.panel_count * group / s->panel_groups);
        const int32_t p1 = (int32_t)((int64_t)s->packed.panel_count * (group + 1) / s->panel_groups);
        const size_t OC_ = (size_t)s->out_c;
        if (s->indirect) {
            const float **rows_ptr = s->pointers + (size_t)thread * s->rows_per_tile * (size_t)s->k_h;
            gather_pointers(s, avx2, m0, rows, rows_ptr, columns);
            cpu_gemm_tile_indirect(&s->packed, rows_ptr, (size_t)s->k_h, (size_t)s->k_w * s->in_c,
                                   rows, p0, p1, s->out + m0 * OC_, OC_, s->act_min, s->act_max);
            const size_t c1 = (size_t)p1 * CPU_GEMM_NR < OC_ ? (size_t)p1 * CPU_GEMM_NR : OC_;
            cpu_epilogue_apply(s->epilogue, s->packed.isa, s->out + m0 * OC_, OC_, m0 * OC_, rows,
                               (size_t)p0 * CPU_GEMM_NR, c1);
            continue;
        }
        const float *a;
        if (s->direct) {
            a = s->in + m0 * s->k;
        } else {
            im2col_for(s, avx2, m0, rows, columns);
            a = columns;
        }
        const size_t OC = (size_t)s->out_c;
        float *out = s->out + m0 * OC;
        cpu_gemm_tile(&s->packed, a, s->k, rows, p0, p1, out, OC, s->act_min, s->act_max);
        const size_t c1 = (size_t)p1 * CPU_GEMM_NR < OC ? (size_t)p1 * CPU_GEMM_NR : OC;
        cpu_epilogue_apply(s->epilogue, s->packed.isa, out, OC, m0 * OC, rows,
                           (size_t)p0 * CPU_GEMM_NR, c1);
    }
}

static LiteStatus run_conv(CpuPartitionState *p, CpuNode *node) {
    ConvState *s = node->state;
    if (s->m == 0 || s->out_c == 0) return LITE_STATUS_OK;
    if (s->pack_each_run) {
        const CpuTensor *bias = cpu_in(p, node, 2);
        cpu_pack_weights(&s->packed, cpu_in(p, node, 1)->data, s->k, 1, bias ? bias->data : NULL);
    }
    cpu_epilogue_bind(p, node);
    s->in = cpu_in(p, node, 0)->data;
    s->out = cpu_out(p, node, 0)->data;
    cpu_parallel_for(s->pool, s->tiles * (size_t)s->panel_groups, 1, conv_task, s);
    return LITE_STATUS_OK;
}

const CpuOp cpu_op_conv_2d = {
    .builtin_code = LITE_OP_CONV_2D, .name = "CONV_2D", .min_version = 1, .max_version = 8,
    .params_size = sizeof(LiteConv2DParams), .check = check_conv, .prepare = prepare_conv,
    .run = run_conv, .release = release_conv};
