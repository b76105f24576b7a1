/*
 * depthwise_kernels.h — DEPTHWISE_CONV_2D with depth multiplier 1 on packed weights, written once
 * for any vector width: GK_W channels per vector (NHWC keeps them contiguous), up to 8 output
 * pixels of a row at a time, the epilogue applied before the store. Each path includes it in its
 * own file (depthwise_avx2.c, depthwise_avx512.c) after defining GK_W, GK_FMA, GK_MASKED
 * (cpu_vector.h) and GK_ROWS, the name of the CpuDepthwiseRows it defines, inside its target
 * region (CPU_TARGET_PUSH).
 *
 * Each output element is the bias, then one multiply-add per tap inside the input in (ky, kx)
 * order, then the clamp and the epilogue steps: the same order at every width.
 */
#if !defined(GK_W) || !defined(GK_FMA) || !defined(GK_MASKED) || !defined(GK_ROWS)
#error "define GK_W, GK_FMA, GK_MASKED and GK_ROWS before including depthwise_kernels.h"
#endif

#include "depthwise.h"
#include "../cpu_vector.h"

/* The epilogue of GK_W channels starting at `c` (the first `n` of them valid), at element
   `offset` of the output. */
GK_INLINE gk_vec dw_epilogue(const CpuEpilogue *e, gk_vec v, size_t c, size_t offset, size_t n) {
    for (int32_t i = 0; i < e->count; i++) {
        const CpuEpilogueStep *step = &e->steps[i];
        switch (step->kind) {
        case CPU_EPILOGUE_CLAMP:
            v = gk_clamp(v, step->lo, step->hi);
            break;
        case CPU_EPILOGUE_PRELU:
            v = gk_negative_to(v, v * gk_load(step->alpha + c));
            break;
        case CPU_EPILOGUE_ADD:
            v = v + (n == GK_W ? gk_load(step->residual + offset) : gk_load_first(step->residual + offset, n));
            break;
        case CPU_EPILOGUE_HARD_SWISH: {
            const gk_vec r = gk_clamp(v + gk_splat(3.0f), 0.0f, 6.0f);
            v = v * r / gk_splat(6.0f);
            break;
        }
        }
    }
    return v;
}

/* Clamps, applies the fused epilogue to and stores `acc` (R output rows, `row_offsets` apart from
   `out_offset`, each of Q channel blocks of P pixels: acc[(i * Q + q) * P + p]). Without a fused
   step the values go from registers to memory (a loop over the steps would spill them). */
GK_INLINE void dw_store(const DepthwiseState *s, const gk_vec *acc, const int P, const int Q, const int R,
                        size_t c, size_t out_offset, const size_t *row_offsets, size_t n) {
    const size_t C = (size_t)s->out_c;
    const bool partial = n < GK_W;
#define DW_STORE_ALL(EPILOGUE)                                                                          \
    for (int i = 0; i < R; i++)                                                                          \
        for (int q = 0; q < Q; q++)                                                                      \
            for (int p = 0; p < P; p++) {                                                                \
                const size_t offset = out_offset + row_offsets[i] + (size_t)p * C + (size_t)q * GK_W;   \
                gk_vec v = gk_clamp(acc[(i * Q + q) * P + p], s->act_min, s->act_max);                  \
                if (EPILOGUE) v = dw_epilogue(s->epilogue, v, c + (size_t)q * GK_W, offset, n);         \
                if (partial)                                                                             \
                    gk_store_first(s->out + offset, v, n);                                               \
                else                                                                                     \
                    gk_store(s->out + offset, v);                                                        \
            }
    if (s->epilogue->count == 0) {
        DW_STORE_ALL(false)
    } else {
        DW_STORE_ALL(true)
    }
#undef DW_STORE_ALL
}

/* Output pixels [ox, ox + P) of one row, Q channel blocks of GK_W channels from c (the first n
   channels of the last block valid: a partial block when n < GK_W, only with Q == 1), taps ky in
   [ky0, ky1) and kx in [kx0, kx1) all inside the input. P * Q <= 8 accumulators: several pixels
   share each weight vector, several channel blocks give independent chains where a row has few
   pixels left. KW is a compile-time constant in the specialised callers (0: use the state's),
   which lets the compiler unroll the tap loop. */
GK_INLINE void dw_block(const DepthwiseState *s, const int P, const int Q, const int KW, int32_t ky0,
                        int32_t ky1, int32_t kx0, int32_t kx1, const float *origin, size_t stride_x,
                        const float *w, size_t c, size_t out_offset, size_t n) {
    const size_t C = (size_t)s->out_c;
    const size_t stride_y = (size_t)s->dilation_h * (size_t)s->in_w * C;
    const size_t step_x = (size_t)s->dilation_w * C;
    const int32_t kw = KW > 0 ? KW : s->k_w;
    const size_t block_taps = (size_t)s->k_h * (size_t)kw * GK_W; /* floats per packed block */
    const bool partial = n < GK_W;
    gk_vec acc[8];
    for (int q = 0; q < Q; q++) {
        const gk_vec bias = gk_load(s->bias + c + (size_t)q * GK_W);
        for (int p = 0; p < P; p++) acc[q * P + p] = bias;
    }
    const bool whole_row = KW > 0 && kx0 == 0 && kx1 == KW;
#if GK_W == 16
    // Stride and dilation 1 along width on the 32-register path: each input column of a filter
    // row is loaded once and feeds the KW pixels that read it (P + KW - 1 loads instead of
    // P * KW), the weights of the row held in registers. Pixel p still takes its taps in
    // increasing kx. (On 16 registers the same loop spilled: slower, so not on the AVX2 path.)
    if (Q == 1 && whole_row && stride_x == C && step_x == C) {
        for (int32_t ky = ky0; ky < ky1; ky++) {
            const float *r = origin + (size_t)ky * stride_y;
            const float *wr = w + (size_t)ky * KW * GK_W;
            gk_vec wv[8];
            for (int kx = 0; kx < KW; kx++) wv[kx] = gk_load(wr + (size_t)kx * GK_W);
#pragma clang loop unroll(full)
            for (int x = 0; x < P + KW - 1; x++) {
                const float *src = r + (size_t)x * C;
                const gk_vec xv = partial ? gk_load_first(src, n) : gk_load(src);
#pragma clang loop unroll(full)
                for (int kx = 0; kx < KW; kx++) {
                    const int p = x - kx;
                    if (p >= 0 && p < P) acc[p] = gk_madd(xv, wv[kx], acc[p]);
                }
            }
        }
        const size_t offsets[2] = {0, 0};
        dw_store(s, acc, P, 1, 1, c, out_offset, offsets, n);
        return;
    }
#endif
    const int32_t first = whole_row ? 0 : kx0, last = whole_row ? KW : kx1;
    for (int32_t ky = ky0; ky < ky1; ky++) {
        const float *r = origin + (size_t)ky * stride_y;
        const float *wr = w + (size_t)ky * kw * GK_W;
        for (int32_t kx = first; kx < last; kx++) {
            gk_vec wv[4];
            for (int q = 0; q < Q; q++) wv[q] = gk_load(wr + (size_t)q * block_taps + (size_t)kx * GK_W);
            for (int q = 0; q < Q; q++)
                for (int p = 0; p < P; p++) {
                    const float *src = r + (size_t)kx * step_x + (size_t)p * stride_x + (size_t)q * GK_W;
                    const gk_vec x = partial ? gk_load_first(src, n) : gk_load(src);
                    acc[q * P + p] = gk_madd(x, wv[q], acc[q * P + p]);
                }
        }
    }
    const size_t offsets[2] = {0, 0};
    dw_store(s, acc, P, Q, 1, c, out_offset, offsets, n);
}

/* All channel blocks of P pixels, Q blocks at a time (P * Q <= 8) while whole blocks remain, then
   one at a time, then the partial block; origin points at tap (0, 0) of the first pixel, which may
   lie outside the input as long as only taps in the given ranges are read. */
GK_INLINE void dw_channels(const DepthwiseState *s, const int P, const int KW, int32_t ky0,
                           int32_t ky1, int32_t kx0, int32_t kx1, const float *origin,
                           size_t out_offset) {
    const size_t C = (size_t)s->out_c, taps = (size_t)s->k_h * s->k_w;
    const size_t stride_x = (size_t)s->stride_w * C;
    const int Q = P >= 8 ? 1 : P == 4 ? 2 : 4;
    size_t c = 0;
#define DW_BLOCK(q, count)                                                                          \
    dw_block(s, P, q, KW, ky0, ky1, kx0, kx1, origin + c, stride_x, s->packed + (c / GK_W) * taps * GK_W, c, \
             out_offset + c, count)
    if (Q > 1)
        for (; c + (size_t)Q * GK_W <= C; c += (size_t)Q * GK_W) DW_BLOCK(Q, GK_W);
    for (; c + GK_W <= C; c += GK_W) DW_BLOCK(1, GK_W);
    if (c < C) DW_BLOCK(1, C - c);
#undef DW_BLOCK
}

/* Output rows oy and oy + 1 of a 3x3 window at stride and dilation 1 along height, pixels [ox, ox + 4),
   the channel block at c (first n valid), every tap inside the input: the two rows read 4 input
   rows instead of 6, and each input vector loaded feeds both rows' accumulators (row oy takes
   input row r as tap ky = r, row oy + 1 as ky = r - 1: each output still sums its taps in (ky,
   kx) order). origin: tap (0, 0) of row oy's first pixel. */
GK_INLINE void dw_pair(const DepthwiseState *s, const float *origin, size_t stride_x, const float *w, size_t c,
                       size_t out_offset, size_t out_row, size_t n) {
    enum { P = 4 };
    const size_t C = (size_t)s->out_c, in_row = (size_t)s->in_w * C;
    const bool partial = n < GK_W;
    gk_vec acc[2 * P];
    const gk_vec bias = gk_load(s->bias + c);
    for (int p = 0; p < 2 * P; p++) acc[p] = bias;
    for (int r = 0; r < 4; r++)
        for (int kx = 0; kx < 3; kx++) {
            const gk_vec upper = gk_load(w + (size_t)((r < 3 ? r : 2) * 3 + kx) * GK_W);
            const gk_vec lower = gk_load(w + (size_t)((r > 0 ? r - 1 : 0) * 3 + kx) * GK_W);
            for (int p = 0; p < P; p++) {
                const float *src = origin + (size_t)r * in_row + (size_t)kx * C + (size_t)p * stride_x;
                const gk_vec x = partial ? gk_load_first(src, n) : gk_load(src);
                if (r < 3) acc[p] = gk_madd(x, upper, acc[p]);
                if (r > 0) acc[P + p] = gk_madd(x, lower, acc[P + p]);
            }
        }
    const size_t rows[2] = {0, out_row};
    dw_store(s, acc, P, 1, 2, c, out_offset, rows, n);
}

/* Interior columns [*lo, *hi) of every output row: every kx tap inside the input. */
GK_INLINE void dw_interior(const DepthwiseState *s, int32_t *lo, int32_t *hi) {
    const int32_t reach = (s->k_w - 1) * s->dilation_w;
    int32_t ox_lo = s->pad_w > 0 ? (s->pad_w + s->stride_w - 1) / s->stride_w : 0;
    const int32_t limit = s->in_w - reach + s->pad_w;
    int32_t ox_hi = limit > 0 ? (limit + s->stride_w - 1) / s->stride_w : 0;
    if (ox_hi > s->out_w) ox_hi = s->out_w;
    if (ox_lo > ox_hi) ox_lo = ox_hi;
    *lo = ox_lo;
    *hi = ox_hi;
}

/* One output row: the border columns one pixel at a time with their taps clipped, the interior
   (every kx tap inside the input) from column interior_from (the ones before it done by dw_pair)
   in blocks of 8, then 4, 2 and 1 pixels. */
GK_INLINE void dw_row(const DepthwiseState *s, size_t b, int32_t oy, const int KW, int32_t interior_from) {
    const size_t C = (size_t)s->out_c;
    const int32_t iy0 = oy * s->stride_h - s->pad_h;
    const size_t row_stride = (size_t)s->in_w * C;
    const float *image = s->in + b * (size_t)s->in_h * row_stride;
    const size_t out_base = (b * s->out_h + (size_t)oy) * (size_t)s->out_w * C;
    // Taps ky in [ky0, ky1) read rows inside the input.
    int32_t ky0 = 0, ky1 = s->k_h;
    while (ky0 < ky1 && iy0 + ky0 * s->dilation_h < 0) ky0++;
    while (ky1 > ky0 && iy0 + (ky1 - 1) * s->dilation_h >= s->in_h) ky1--;
    int32_t ox_lo, ox_hi;
    dw_interior(s, &ox_lo, &ox_hi);
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
    int32_t ox = interior_from > ox_lo ? interior_from : ox_lo;
    for (; ox + 8 <= ox_hi; ox += 8)
        dw_channels(s, 8, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
    if (ox + 4 <= ox_hi) {
        dw_channels(s, 4, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
        ox += 4;
    }
    if (ox + 2 <= ox_hi) {
        dw_channels(s, 2, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
        ox += 2;
    }
    if (ox < ox_hi)
        dw_channels(s, 1, KW, ky0, ky1, 0, s->k_w, ORIGIN(ox), out_base + (size_t)ox * C);
#undef ORIGIN
}

/* Rows oy and oy + 1 where dw_pair applies (3x3, stride and dilation 1 along height, both rows'
   taps inside the input along height): the interior in blocks of 4 pixels through dw_pair, the
   rest of each row through dw_row. */
GK_INLINE void dw_row_pair(const DepthwiseState *s, size_t b, int32_t oy) {
    const size_t C = (size_t)s->out_c, taps = 9;
    int32_t ox_lo, ox_hi;
    dw_interior(s, &ox_lo, &ox_hi);
    const int32_t paired_end = ox_lo + (ox_hi - ox_lo) / 4 * 4;
    const size_t row_stride = (size_t)s->in_w * C, out_row = (size_t)s->out_w * C;
    const float *image = s->in + b * (size_t)s->in_h * row_stride;
    const size_t out_base = (b * s->out_h + (size_t)oy) * out_row;
    const size_t stride_x = (size_t)s->stride_w * C;
    for (int32_t ox = ox_lo; ox < paired_end; ox += 4) {
        const float *origin = image + (ptrdiff_t)(oy - s->pad_h) * (ptrdiff_t)row_stride +
                              ((ptrdiff_t)ox * s->stride_w - s->pad_w) * (ptrdiff_t)C;
        size_t c = 0;
        for (; c + GK_W <= C; c += GK_W)
            dw_pair(s, origin + c, stride_x, s->packed + (c / GK_W) * taps * GK_W, c, out_base + (size_t)ox * C + c,
                    out_row, GK_W);
        if (c < C)
            dw_pair(s, origin + c, stride_x, s->packed + (c / GK_W) * taps * GK_W, c, out_base + (size_t)ox * C + c,
                    out_row, C - c);
    }
    dw_row(s, b, oy, 3, paired_end);
    dw_row(s, b, oy + 1, 3, paired_end);
}

void GK_ROWS(const DepthwiseState *s, size_t begin, size_t end) {
    const bool pairs = s->k_h == 3 && s->k_w == 3 && s->stride_h == 1 && s->dilation_h == 1 && s->dilation_w == 1;
    for (size_t row = begin; row < end; row++) {
        const size_t b = row / (size_t)s->out_h;
        const int32_t oy = (int32_t)(row % (size_t)s->out_h);
        // Both rows of a pair read input rows oy - pad_h .. oy - pad_h + 3, all inside the input.
        if (pairs && row + 1 < end && oy + 1 < s->out_h && oy - s->pad_h >= 0 && oy - s->pad_h + 3 < s->in_h) {
            dw_row_pair(s, b, oy);
            row++;
            continue;
        }
        if (s->k_w == 3) dw_row(s, b, oy, 3, 0);
        else if (s->k_w == 5) dw_row(s, b, oy, 5, 0);
        else dw_row(s, b, oy, 0, 0);
    }
}
