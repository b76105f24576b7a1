// Partition-level fusion, decided at prepare when shapes are known:
//  - elementwise consumers of a convolution's output (RELU, RELU6, RELU_N1_TO_1, HARD_SWISH,
//    per-channel PRELU, a same-shape residual ADD with its activation) become steps of the
//    convolution's epilogue, applied while the output tile is still in cache; the consumer node is
//    skipped and the convolution writes the consumer's output directly. When an ADD's residual
//    is produced after the convolution (BlazeFace: conv, then the shortcut's max-pool and
//    channel PAD, then the ADD), the convolution runs later, just before the ADD;
//  - a spatial zero PAD in front of a convolution becomes extra padding of that convolution.
// Each step performs the replaced node's arithmetic in the same order, so results are unchanged.
#include "cpu_delegate.h"
#include "cpu_simd.h"

#if CPU_HAVE_X86
#include <immintrin.h>
#endif

static bool is_convolution(const CpuNode *node) {
    return node->op == &cpu_op_conv_2d || node->op == &cpu_op_depthwise_conv_2d;
}

/* Number of reads of each tensor by nodes that still run, and the node producing it (-1: none). */
typedef struct FusionGraph {
    int32_t *reads;
    int32_t *producer;
    int32_t *position; /* of each node in p->order */
} FusionGraph;

/* Runs node n just before node m (later in the order): every node in between neither reads n's
   output (m is its only reader) nor writes what n reads (each tensor has one producer, which
   already ran), so only n's time changes. */
static void run_before(CpuPartitionState *p, const FusionGraph *g, int32_t n, int32_t m) {
    const int32_t from = g->position[n], to = g->position[m] - 1;
    for (int32_t i = from; i < to; i++) {
        p->order[i] = p->order[i + 1];
        g->position[p->order[i]] = i;
    }
    p->order[to] = n;
    g->position[n] = to;
}

static int32_t single_reader(const CpuPartitionState *p, int32_t tensor, int32_t after) {
    for (int32_t n = after + 1; n < p->node_count; n++) {
        const CpuNode *node = &p->nodes[n];
        if (node->folded) continue;
        for (int32_t j = 0; j < node->input_count; j++)
            if (node->inputs[j] == tensor) return n;
    }
    return -1;
}

static bool alpha_step(CpuPartitionState *p, const CpuTensor *alpha, int32_t channels,
                       CpuEpilogueStep *step) {
    if (alpha->kind != CPU_TENSOR_CONSTANT || alpha->type != LITE_DATA_TYPE_FLOAT32) return false;
    if (alpha->count != 1) {
        if (alpha->count != (size_t)channels || alpha->rank < 1 ||
            alpha->dims[alpha->rank - 1] != channels)
            return false; // broadcasts over space too: not a per-channel slope
    }
    // Whole vectors of the widest path (16 lanes) past the last channel: zeros.
    const size_t padded = ((size_t)channels + 15) & ~(size_t)15;
    float *copy = cpu_aligned_alloc(padded * sizeof(float));
    if (!copy) return false;
    const float *values = alpha->constant;
    for (size_t c = 0; c < padded; c++)
        copy[c] = c < (size_t)channels ? values[alpha->count == 1 ? 0 : c] : 0.0f;
    (void)p;
    *step = (CpuEpilogueStep){.kind = CPU_EPILOGUE_PRELU, .alpha = copy, .tensor = -1};
    return true;
}

/* Tries to fold consumer `m` of `n`'s output into n's epilogue; true when done. */
static bool fuse_consumer(CpuPartitionState *p, const FusionGraph *g, int32_t n, int32_t m) {
    CpuNode *node = &p->nodes[n], *consumer = &p->nodes[m];
    const int32_t t = node->outputs[0];
    CpuTensor *out = &p->tensors[consumer->outputs[0]];
    if (consumer->output_count != 1 || !cpu_same_shape(out, &p->tensors[t]) ||
        out->type != LITE_DATA_TYPE_FLOAT32)
        return false;
    CpuEpilogue *e = &node->epilogue;
    CpuEpilogueStep steps[2];
    int32_t count = 0;
    bool defer = false; // run n just before m
    const int32_t code = consumer->op->builtin_code;
    if (consumer->op->custom_name) return false;
    switch (code) {
    case LITE_OP_RELU:
    case LITE_OP_RELU6:
    case LITE_OP_RELU_N1_TO_1: {
        const LiteActivation a = code == LITE_OP_RELU ? LITE_ACTIVATION_RELU
                                 : code == LITE_OP_RELU6 ? LITE_ACTIVATION_RELU6
                                                         : LITE_ACTIVATION_RELU_N1_TO_1;
        steps[count] = (CpuEpilogueStep){.kind = CPU_EPILOGUE_CLAMP, .tensor = -1};
        cpu_activation_range(a, &steps[count].lo, &steps[count].hi);
        count++;
        break;
    }
    case LITE_OP_HARD_SWISH:
        steps[count++] = (CpuEpilogueStep){.kind = CPU_EPILOGUE_HARD_SWISH, .tensor = -1};
        break;
    case LITE_OP_PRELU: {
        if (consumer->inputs[0] != t || consumer->inputs[1] == t) return false;
        const CpuTensor *alpha = &p->tensors[consumer->inputs[1]];
        if (e->count + 1 > CPU_MAX_EPILOGUE) return false;
        if (!alpha_step(p, alpha, out->dims[out->rank - 1], &steps[count])) return false;
        count++;
        break;
    }
    case LITE_OP_ADD: {
        if (consumer->input_count != 2) return false;
        const int32_t other = consumer->inputs[0] == t ? consumer->inputs[1] : consumer->inputs[0];
        if (other == t || other < 0 || (consumer->inputs[0] != t && consumer->inputs[1] != t))
            return false;
        const CpuTensor *x = &p->tensors[other];
        if (!cpu_same_shape(x, out) || x->type != LITE_DATA_TYPE_FLOAT32) return false;
        // The residual must exist when the convolution runs: if it is produced later (before
        // the ADD, which reads it), the convolution runs later.
        const int32_t q = g->producer[other];
        defer = q >= 0 && g->position[q] > g->position[n];
        steps[count++] = (CpuEpilogueStep){.kind = CPU_EPILOGUE_ADD, .tensor = other};
        float lo, hi;
        cpu_activation_range(consumer->params.elementwise.activation, &lo, &hi);
        if (lo != -INFINITY || hi != INFINITY)
            steps[count++] = (CpuEpilogueStep){.kind = CPU_EPILOGUE_CLAMP, .lo = lo, .hi = hi,
                                               .tensor = -1};
        break;
    }
    default: return false;
    }
    if (e->count + count > CPU_MAX_EPILOGUE) {
        for (int32_t i = 0; i < count; i++) cpu_aligned_free(steps[i].alpha);
        return false;
    }
    for (int32_t i = 0; i < count; i++) e->steps[e->count++] = steps[i];
    if (defer) run_before(p, g, n, m);
    if (node->original_output < 0) node->original_output = node->outputs[0];
    node->outputs[0] = consumer->outputs[0];
    g->producer[consumer->outputs[0]] = n;
    consumer->folded = true;
    consumer->fused_into = n;
    return true;
}

/* Folds a spatial zero PAD producing `n`'s input into n's padding. */
static void fuse_pad(CpuPartitionState *p, const FusionGraph *g, int32_t n) {
    CpuNode *node = &p->nodes[n];
    const int32_t t = node->inputs[0];
    if (t < 0 || p->tensors[t].kind != CPU_TENSOR_INTERNAL || g->reads[t] != 1) return;
    const int32_t m = g->producer[t];
    if (m < 0 || g->position[m] >= g->position[n]) return;
    CpuNode *pad = &p->nodes[m];
    if (pad->op != &cpu_op_pad || pad->folded) return;
    const CpuTensor *in = &p->tensors[pad->inputs[0]], *paddings = &p->tensors[pad->inputs[1]];
    if (in->rank != 4 || in->type != LITE_DATA_TYPE_FLOAT32 ||
        paddings->kind != CPU_TENSOR_CONSTANT || paddings->count != 8)
        return;
    const int32_t *v = paddings->constant;
    if (v[0] != 0 || v[1] != 0 || v[6] != 0 || v[7] != 0) return; // batch or channel padding
    for (int i = 2; i < 6; i++)
        if (v[i] < 0) return;
    // The convolution sees the unpadded input plus this padding: only when that is the PAD's
    // output (in 64 bits; an inconsistent graph keeps its PAD node, which checks its shapes).
    const CpuTensor *padded = &p->tensors[t];
    if (padded->rank != 4 || (int64_t)in->dims[1] + v[2] + v[3] != padded->dims[1] ||
        (int64_t)in->dims[2] + v[4] + v[5] != padded->dims[2])
        return;
    node->original_input = node->inputs[0];
    node->inputs[0] = pad->inputs[0];
    node->pad_top = v[2];
    node->pad_bottom = v[3];
    node->pad_left = v[4];
    node->pad_right = v[5];
    pad->folded = true;
    pad->fused_into = n;
}

LiteStatus cpu_fuse_partition(CpuPartitionState *p) {
    if (getenv("LITE_CPU_NO_FUSION")) return LITE_STATUS_OK; // for measuring what fusion gains
    FusionGraph g = {calloc((size_t)p->tensor_count + 1, sizeof(int32_t)),
                     malloc(((size_t)p->tensor_count + 1) * sizeof(int32_t)),
                     malloc(((size_t)p->node_count + 1) * sizeof(int32_t))};
    if (!g.reads || !g.producer || !g.position) {
        free(g.reads);
        free(g.producer);
        free(g.position);
        return cpu_fail(p->delegate, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    }
    for (int32_t i = 0; i < p->tensor_count; i++) g.producer[i] = -1;
    for (int32_t i = 0; i < p->node_count; i++) g.position[p->order[i]] = i;
    for (int32_t n = 0; n < p->node_count; n++) {
        const CpuNode *node = &p->nodes[n];
        if (node->folded) continue;
        for (int32_t j = 0; j < node->input_count; j++)
            if (node->inputs[j] >= 0) g.reads[node->inputs[j]]++;
        for (int32_t j = 0; j < node->output_count; j++) g.producer[node->outputs[j]] = n;
    }
    for (int32_t n = 0; n < p->node_count; n++) {
        CpuNode *node = &p->nodes[n];
        if (node->folded || !is_convolution(node)) continue;
        fuse_pad(p, &g, n);
        for (;;) {
            const int32_t t = node->outputs[0];
            if (p->tensors[t].kind != CPU_TENSOR_INTERNAL || g.reads[t] != 1) break;
            const int32_t m = single_reader(p, t, n);
            if (m < 0 || !fuse_consumer(p, &g, n, m)) break;
        }
    }
    free(g.reads);
    free(g.producer);
    free(g.position);
    return LITE_STATUS_OK;
}

void cpu_unfuse_partition(CpuPartitionState *p) {
    for (int32_t n = 0; n < p->node_count; n++) p->order[n] = n;
    for (int32_t n = 0; n < p->node_count; n++) {
        CpuNode *node = &p->nodes[n];
        for (int32_t i = 0; i < node->epilogue.count; i++) cpu_aligned_free(node->epilogue.steps[i].alpha);
        memset(&node->epilogue, 0, sizeof(node->epilogue));
        if (node->original_output >= 0) node->outputs[0] = node->original_output;
        if (node->original_input >= 0) node->inputs[0] = node->original_input;
        node->original_output = node->original_input = -1;
        node->pad_top = node->pad_bottom = node->pad_left = node->pad_right = 0;
    }
}

void cpu_epilogue_bind(CpuPartitionState *p, CpuNode *node) {
    for (int32_t i = 0; i < node->epilogue.count; i++) {
        CpuEpilogueStep *step = &node->epilogue.steps[i];
        if (step->kind == CPU_EPILOGUE_ADD) step->residual = p->tensors[step->tensor].data;
    }
}

static inline float apply_scalar(const CpuEpilogue *e, float v, size_t channel, size_t offset) {
    for (int32_t i = 0; i < e->count; i++) {
        const CpuEpilogueStep *s = &e->steps[i];
        switch (s->kind) {
        case CPU_EPILOGUE_CLAMP:
            v = v < s->lo ? s->lo : v;
            v = v > s->hi ? s->hi : v;
            break;
        case CPU_EPILOGUE_PRELU: v = v >= 0.0f ? v : v * s->alpha[channel]; break;
        case CPU_EPILOGUE_ADD: v = v + s->residual[offset]; break;
        case CPU_EPILOGUE_HARD_SWISH: {
            float r = v + 3.0f;
            r = r < 0.0f ? 0.0f : r;
            r = r > 6.0f ? 6.0f : r;
            v = v * r / 6.0f;
            break;
        }
        }
    }
    return v;
}

#if CPU_HAVE_X86
/* Whole rows: one contiguous block, each step one tight loop over whole vectors, then the last
   count % 8 values one by one as the row-wise path does. Channels are a multiple of 8 when there
   is a PRELU step (the only step that depends on the channel), so then there is no tail. */
CPU_TARGET_AVX2 static void apply_block_avx2(const CpuEpilogue *e, float *restrict out,
                                             size_t channels, size_t offset, size_t total) {
    const size_t count = total & ~(size_t)7;
    for (size_t j = count; j < total; j++)
        out[j] = apply_scalar(e, out[j], j % channels, offset + j);
    for (int32_t i = 0; i < e->count; i++) {
        const CpuEpilogueStep *s = &e->steps[i];
        switch (s->kind) {
        case CPU_EPILOGUE_CLAMP: {
            const __m256 lo = _mm256_set1_ps(s->lo), hi = _mm256_set1_ps(s->hi);
            for (size_t j = 0; j < count; j += 8)
                _mm256_storeu_ps(out + j, cpu_clamp8(_mm256_loadu_ps(out + j), lo, hi));
            break;
        }
        case CPU_EPILOGUE_PRELU: {
            size_t c = 0;
            for (size_t j = 0; j < count; j += 8) {
                const __m256 v = _mm256_loadu_ps(out + j);
                const __m256 scaled = _mm256_mul_ps(v, _mm256_load_ps(s->alpha + c));
                _mm256_storeu_ps(out + j, _mm256_blendv_ps(v, scaled, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ)));
                c += 8;
                if (c == channels) c = 0;
            }
            break;
        }
        case CPU_EPILOGUE_ADD: {
            const float *restrict residual = s->residual + offset;
            for (size_t j = 0; j < count; j += 8)
                _mm256_storeu_ps(out + j, _mm256_add_ps(_mm256_loadu_ps(out + j), _mm256_loadu_ps(residual + j)));
            break;
        }
        case CPU_EPILOGUE_HARD_SWISH: {
            const __m256 three = _mm256_set1_ps(3.0f), six = _mm256_set1_ps(6.0f);
            for (size_t j = 0; j < count; j += 8) {
                const __m256 v = _mm256_loadu_ps(out + j);
                __m256 r = _mm256_add_ps(v, three);
                r = cpu_clamp8(r, _mm256_setzero_ps(), six);
                _mm256_storeu_ps(out + j, _mm256_div_ps(_mm256_mul_ps(v, r), six));
            }
            break;
        }
        }
    }
}

CPU_TARGET_AVX2 static void apply_avx2(const CpuEpilogue *e, float *out, size_t ld, size_t offset,
                                       size_t rows, size_t c0, size_t c1) {
    bool prelu = false;
    for (int32_t i = 0; i < e->count; i++) prelu |= e->steps[i].kind == CPU_EPILOGUE_PRELU;
    if (c0 == 0 && c1 == ld && (ld % 8 == 0 || !prelu)) {
        apply_block_avx2(e, out, ld, offset, rows * ld);
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        float *row = out + r * ld;
        const size_t base = offset + r * ld;
        size_t c = c0;
        for (; c + 8 <= c1; c += 8) {
            __m256 v = _mm256_loadu_ps(row + c);
            for (int32_t i = 0; i < e->count; i++) {
                const CpuEpilogueStep *s = &e->steps[i];
                switch (s->kind) {
                case CPU_EPILOGUE_CLAMP:
                    v = cpu_clamp8(v, _mm256_set1_ps(s->lo), _mm256_set1_ps(s->hi));
                    break;
                case CPU_EPILOGUE_PRELU: {
                    const __m256 scaled = _mm256_mul_ps(v, _mm256_loadu_ps(s->alpha + c));
                    const __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
                    v = _mm256_blendv_ps(v, scaled, negative);
                    break;
                }
                case CPU_EPILOGUE_ADD: v = _mm256_add_ps(v, _mm256_loadu_ps(s->residual + base + c)); break;
                case CPU_EPILOGUE_HARD_SWISH: {
                    __m256 r = _mm256_add_ps(v, _mm256_set1_ps(3.0f));
                    r = cpu_clamp8(r, _mm256_setzero_ps(), _mm256_set1_ps(6.0f));
                    v = _mm256_div_ps(_mm256_mul_ps(v, r), _mm256_set1_ps(6.0f));
                    break;
                }
                }
            }
            _mm256_storeu_ps(row + c, v);
        }
        for (; c < c1; c++) row[c] = apply_scalar(e, row[c], c, base + c);
    }
}
#endif

void cpu_epilogue_apply(const CpuEpilogue *e, CpuIsa isa, float *out, size_t ld, size_t offset,
                        size_t rows, size_t c0, size_t c1) {
    if (e->count == 0) return;
#if CPU_HAVE_X86
    if (cpu_isa_has_avx2(isa)) {
        apply_avx2(e, out, ld, offset, rows, c0, c1);
        return;
    }
#else
    (void)isa;
#endif
    for (size_t r = 0; r < rows; r++)
        for (size_t c = c0; c < c1; c++)
            out[r * ld + c] = apply_scalar(e, out[r * ld + c], c, offset + r * ld + c);
}
