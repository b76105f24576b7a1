/*
 * depthwise_kernels.c — the CPU delegate's DEPTHWISE_CONV_2D vector kernels (ops/depthwise_kernels.h)
 * on every vector path this CPU can run, against a double-precision reference, on random layers:
 * image sizes from 1 pixel, channel counts around and between the vector widths (so every block
 * grouping and the partial last block occur), kernels 1x1 to 5x5 with strides and dilations 1-3
 * (a third of the cases 3x3 at stride and dilation 1 along height, whose rows go in pairs),
 * any leading padding the window allows, each activation range, and the fused epilogue steps
 * (CLAMP, PRELU, ADD of a residual, HARD_SWISH) in random order.
 *
 * Beyond the reference's tolerance:
 * - no byte past the output is written, and no byte past the input is read (the sanitized build's
 *   ASan sees the latter: input, bias and weights are allocated to their exact sizes);
 * - every path (AVX2, the AVX-512 source compiled for AVX2, and AVX-512 where the CPU has it) gives
 *   the same bits: one multiply-add per tap in (ky, kx) order, whatever the width and the blocking.
 *
 *   cc -O1 -I Sources/DelegateABI/include -I Plugins/PluginSupport/include -I Plugins/CPUDelegate \
 *      Plugins/CPUDelegate/tests/depthwise_kernels.c Plugins/CPUDelegate/tests/depthwise_wide_on_avx2.c \
 *      Plugins/CPUDelegate/ops/depthwise_avx2.c Plugins/CPUDelegate/ops/depthwise_avx512.c \
 *      Plugins/CPUDelegate/isa.c -lm
 *
 * Exit status 0: pass (or no vector path on this CPU); 1: a failure (each printed, with its case).
 */
#include "../ops/depthwise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if CPU_HAVE_X86
#define KERNEL_TEST_NAME "depthwise_kernels"
#include "kernel_test.h"

void cpu_depthwise_rows_avx512_on_avx2(const DepthwiseState *s, size_t begin, size_t end);

static int layers; /* cases that made a layer (some random windows have no output pixel) */

typedef struct Path {
    const char *name;
    CpuDepthwiseRows rows;
    size_t lanes;
} Path;

/* The packed layout depthwise.h documents: [ceil(C / lanes)][taps][lanes], zero-padded. */
static float *pack(const float *weights, size_t channels, size_t taps, size_t lanes) {
    const size_t blocks = (channels + lanes - 1) / lanes;
    float *packed = cpu_aligned_alloc(blocks * taps * lanes * sizeof(float));
    for (size_t b = 0; b < blocks; b++)
        for (size_t t = 0; t < taps; t++)
            for (size_t j = 0; j < lanes; j++) {
                const size_t c = b * lanes + j;
                packed[(b * taps + t) * lanes + j] = c < channels ? weights[t * channels + c] : 0.0f;
            }
    return packed;
}

static double reference_epilogue(const CpuEpilogue *e, double v, size_t c, size_t offset) {
    for (int32_t i = 0; i < e->count; i++) {
        const CpuEpilogueStep *step = &e->steps[i];
        switch (step->kind) {
        case CPU_EPILOGUE_CLAMP: v = v < step->lo ? step->lo : v > step->hi ? step->hi : v; break;
        case CPU_EPILOGUE_PRELU: v = v >= 0 ? v : v * step->alpha[c]; break;
        case CPU_EPILOGUE_ADD: v += step->residual[offset]; break;
        case CPU_EPILOGUE_HARD_SWISH: {
            const double r = v + 3 < 0 ? 0 : v + 3 > 6 ? 6 : v + 3;
            v = v * r / 6;
            break;
        }
        }
    }
    return v;
}

static void run_case(int index, const Path *paths, int path_count) {
    DepthwiseState s;
    memset(&s, 0, sizeof(s));
    s.multiplier = 1;
    s.k_h = uniform(1, 5);
    s.k_w = uniform(1, 5);
    s.stride_h = uniform(1, 3);
    s.stride_w = uniform(1, 3);
    s.dilation_h = uniform(1, 2);
    s.dilation_w = uniform(1, 2);
    if (uniform(0, 2) == 0) { /* the most common layer, which has kernels of its own (row pairs) */
        s.k_h = s.k_w = 3;
        s.stride_h = s.dilation_h = s.dilation_w = 1;
    }
    s.in_h = uniform(1, 14);
    s.in_w = uniform(1, 24);
    const int channel_choices[] = {1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 45, 48, 63, 64, 65, 72, 96, 130};
    s.in_c = s.out_c = channel_choices[next_u32() % (sizeof(channel_choices) / sizeof(channel_choices[0]))];
    s.pad_h = uniform(0, (s.k_h - 1) * s.dilation_h);
    s.pad_w = uniform(0, (s.k_w - 1) * s.dilation_w);
    const int32_t span_h = s.in_h + 2 * s.pad_h - (s.k_h - 1) * s.dilation_h;
    const int32_t span_w = s.in_w + 2 * s.pad_w - (s.k_w - 1) * s.dilation_w;
    if (span_h < 1 || span_w < 1) return; /* no output pixel: not a layer */
    s.out_h = (span_h - 1) / s.stride_h + 1;
    s.out_w = (span_w - 1) / s.stride_w + 1;
    const int activation = uniform(0, 2);
    s.act_min = activation == 0 ? -INFINITY : activation == 1 ? 0.0f : -1.0f;
    s.act_max = activation == 0 ? INFINITY : activation == 1 ? 6.0f : 1.0f;

    layers++;
    const size_t C = (size_t)s.out_c, taps = (size_t)s.k_h * s.k_w;
    const size_t in_count = (size_t)s.in_h * s.in_w * C, out_count = (size_t)s.out_h * s.out_w * C;
    float *in = malloc(in_count * sizeof(float));
    float *weights = malloc(taps * C * sizeof(float));
    float *residual = malloc(out_count * sizeof(float));
    for (size_t i = 0; i < in_count; i++) in[i] = value();
    for (size_t i = 0; i < taps * C; i++) weights[i] = value();
    for (size_t i = 0; i < out_count; i++) residual[i] = value();
    s.bias = cpu_aligned_alloc((C + CPU_DEPTHWISE_MAX_LANES) * sizeof(float));
    for (size_t c = 0; c < C + CPU_DEPTHWISE_MAX_LANES; c++) s.bias[c] = c < C ? value() : 0.0f;
    float *alpha = cpu_aligned_alloc(((C + 15) & ~(size_t)15) * sizeof(float));
    for (size_t c = 0; c < ((C + 15) & ~(size_t)15); c++) alpha[c] = c < C ? value() : 0.0f;

    CpuEpilogue epilogue = {.count = uniform(0, 1) ? 0 : uniform(1, CPU_MAX_EPILOGUE)};
    for (int32_t i = 0; i < epilogue.count; i++) {
        CpuEpilogueStep *step = &epilogue.steps[i];
        step->kind = (CpuEpilogueKind)uniform(0, 3);
        step->lo = -0.5f;
        step->hi = 2.0f;
        step->alpha = step->kind == CPU_EPILOGUE_PRELU ? alpha : NULL;
        step->residual = step->kind == CPU_EPILOGUE_ADD ? residual : NULL;
    }
    s.epilogue = &epilogue;
    s.in = in;

    double *expected = malloc(out_count * sizeof(double));
    for (int32_t oy = 0; oy < s.out_h; oy++)
        for (int32_t ox = 0; ox < s.out_w; ox++)
            for (size_t c = 0; c < C; c++) {
                double acc = s.bias[c], magnitude = fabs(acc);
                for (int32_t ky = 0; ky < s.k_h; ky++)
                    for (int32_t kx = 0; kx < s.k_w; kx++) {
                        const int32_t iy = oy * s.stride_h - s.pad_h + ky * s.dilation_h;
                        const int32_t ix = ox * s.stride_w - s.pad_w + kx * s.dilation_w;
                        if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;
                        const double term = (double)in[((size_t)iy * s.in_w + ix) * C + c] *
                                            weights[((size_t)ky * s.k_w + kx) * C + c];
                        acc += term;
                        magnitude += fabs(term);
                    }
                acc = acc < s.act_min ? s.act_min : acc > s.act_max ? s.act_max : acc;
                const size_t offset = ((size_t)oy * s.out_w + ox) * C + c;
                expected[offset] = reference_epilogue(&epilogue, acc, c, offset);
                (void)magnitude;
            }

    const size_t guard = 64;
    float *first = NULL;
    for (int i = 0; i < path_count; i++) {
        s.packed = pack(weights, C, taps, paths[i].lanes);
        s.vector_rows = paths[i].rows;
        float *out = malloc((out_count + guard) * sizeof(float));
        for (size_t j = 0; j < out_count + guard; j++) out[j] = 12345.0f;
        s.out = out;
        /* Two calls over a split of the rows, as the thread pool hands them out. */
        const size_t rows = (size_t)s.out_h, split = (size_t)uniform(0, s.out_h);
        paths[i].rows(&s, 0, split);
        paths[i].rows(&s, split, rows);
        for (size_t j = out_count; j < out_count + guard; j++)
            if (out[j] != 12345.0f) {
                FAIL("case %d (%s): wrote past the output at element %zu", index, paths[i].name, j);
                break;
            }
        for (size_t j = 0; j < out_count; j++) {
            /* The sums have at most 25 terms of magnitude <= 4 plus a bias, and the epilogue at
               most a few more operations: float rounding stays well below 1e-4 absolute. */
            if (!(fabs(out[j] - expected[j]) <= 1e-4 + 1e-5 * fabs(expected[j]))) {
                FAIL("case %d (%s): %dx%dx%zu k %dx%d stride %dx%d dilation %dx%d pad %dx%d epilogue %d: "
                     "element %zu is %.9g, expected %.9g",
                     index, paths[i].name, s.in_h, s.in_w, C, s.k_h, s.k_w, s.stride_h, s.stride_w,
                     s.dilation_h, s.dilation_w, s.pad_h, s.pad_w, epilogue.count, j, out[j], expected[j]);
                break;
            }
        }
        if (!first)
            first = out;
        else {
            if (memcmp(first, out, out_count * sizeof(float)) != 0)
                FAIL("case %d: %s and %s differ in bits (%dx%dx%zu k %dx%d stride %dx%d)", index, paths[0].name,
                     paths[i].name, s.in_h, s.in_w, C, s.k_h, s.k_w, s.stride_h, s.stride_w);
            free(out);
        }
        cpu_aligned_free(s.packed);
    }
    free(first);
    free(expected);
    free(in);
    free(weights);
    free(residual);
    cpu_aligned_free(s.bias);
    cpu_aligned_free(alpha);
}

int main(void) {
    const uint32_t features = cpu_isa_features();
    if ((features & (CPU_FEATURE_AVX2 | CPU_FEATURE_FMA)) != (CPU_FEATURE_AVX2 | CPU_FEATURE_FMA)) {
        printf("depthwise_kernels: no AVX2+FMA on this CPU; nothing to check\n");
        return 0;
    }
    Path paths[3] = {{"avx2", cpu_depthwise_rows_avx2, 8},
                     {"avx512-source-on-avx2", cpu_depthwise_rows_avx512_on_avx2, 16}};
    int path_count = 2;
    if (features & CPU_FEATURE_AVX512F) paths[path_count++] = (Path){"avx512", cpu_depthwise_rows_avx512, 16};
    const int cases = 1500;
    for (int i = 0; i < cases; i++) {
        rng_state = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        run_case(i, paths, path_count);
    }
    if (failures) {
        fprintf(stderr, "depthwise_kernels: %d failure(s)\n", failures);
        return 1;
    }
    printf("depthwise_kernels: %d random layers (of %d cases) on %d paths: reference and bit-for-bit agreement\n",
           layers, cases, path_count);
    return 0;
}
#else
int main(void) {
    printf("depthwise_kernels: no vector path on this architecture\n");
    return 0;
}
#endif
