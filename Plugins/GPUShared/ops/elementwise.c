// Elementwise operators: ADD, SUB, MUL, PRELU (numpy broadcasting over up to 4 dimensions), the
// unary activations RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, and
// DEQUANTIZE of float16 constants (folded by the planner). All run as shaders/elementwise.comp
// when not fused into the kernel producing their input.
#include "gpu_shared.h"

/* True if shapes a and b broadcast to `out` (numpy rules, right-aligned). */
static bool broadcasts_to(const LiteTensor *a, const LiteTensor *b, const LiteTensor *out) {
    int32_t rank = a->rank > b->rank ? a->rank : b->rank;
    if (out->rank != rank) return false;
    for (int32_t i = 0; i < rank; i++) {
        int32_t da = i < rank - a->rank ? 1 : a->dims[i - (rank - a->rank)];
        int32_t db = i < rank - b->rank ? 1 : b->dims[i - (rank - b->rank)];
        if (da != db && da != 1 && db != 1) return false;
        if (out->dims[i] != (da == 1 ? db : da)) return false;
    }
    return true;
}

static bool check_binary(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!lps_check_io(c, 2, 2, 1, reason, capacity)) return false;
    const LiteTensor *a = lps_check_input(c, 0), *b = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!gpu_check_float(a, "input", 0, 4, reason, capacity) ||
        !gpu_check_float(b, "input", 0, 4, reason, capacity) ||
        !gpu_check_float(out, "output", 0, 4, reason, capacity))
        return false;
    if (!broadcasts_to(a, b, out))
        return lps_decline(reason, capacity, "input shapes do not broadcast to the output");
    if (c->node->builtin_code == LITE_OP_PRELU) return true;
    return gpu_check_activation(((const LiteElementwiseParams *)c->node->params)->activation, reason,
                                capacity);
}

static GpuEpilogueKind binary_activation(const LiteNode *node) {
    if (node->builtin_code == LITE_OP_PRELU) return GPU_EPI_NONE;
    return gpu_activation_step(((const LiteElementwiseParams *)node->params)->activation);
}

static bool plan_elementwise(GpuPlanner *pl, const GpuNodePlan *n, int op, int32_t a, int32_t b) {
    const GpuTensor *out = gpu_tensor(pl, n->output), *ta = gpu_tensor(pl, a);
    GpuDispatch *d = gpu_emit(pl, n, "elementwise");
    if (!d) return false;
    gpu_define(d, "#define BINARY_OP %d\n", op);
    if (!gpu_bind_tensor(pl, d, n->output, true) || !gpu_bind_tensor(pl, d, a, false)) return false;
    gpu_param_shape(d, "out_shape", out);
    gpu_param_shape(d, "a_shape", ta);
    int32_t b_batch = 1;
    if (b >= 0) {
        const GpuTensor *tb = gpu_tensor(pl, b);
        if (!gpu_bind_tensor(pl, d, b, false)) return false;
        gpu_param_shape(d, "b_shape", tb);
        b_batch = tb->shape.b;
    } else {
        gpu_param_ivec4(d, "b_shape", 0, 0, 0, 0); // a copy (BINARY_OP = OP_COPY) reads no b
    }
    gpu_param_ivec4(d, "batches", out->shape.b, ta->shape.b, b_batch, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return true;
}

static bool plan_binary(GpuPlanner *pl, const GpuNodePlan *n) {
    int op = 0;
    switch (n->node->builtin_code) {
    case LITE_OP_ADD: op = 1; break;
    case LITE_OP_SUB: op = 2; break;
    case LITE_OP_MUL: op = 3; break;
    default: op = 4; break;
    }
    return plan_elementwise(pl, n, op, n->inputs[0], n->inputs[1]);
}

#define BINARY_OP(VAR, CODE, NAME, MAXV, PARAMS, KIND)                                           \
    const GpuOp VAR = {.builtin_code = CODE, .name = NAME, .min_version = 1, .max_version = MAXV, \
                       .params_size = PARAMS, .check = check_binary, .plan = plan_binary,        \
                       .activation = binary_activation, .fusable_kind = KIND, .epilogue = true};

BINARY_OP(gpu_op_add, LITE_OP_ADD, "ADD", 5, sizeof(LiteElementwiseParams), GPU_EPI_ADD)
BINARY_OP(gpu_op_sub, LITE_OP_SUB, "SUB", 5, sizeof(LiteElementwiseParams), GPU_EPI_SUB)
BINARY_OP(gpu_op_mul, LITE_OP_MUL, "MUL", 7, sizeof(LiteElementwiseParams), GPU_EPI_MUL)
BINARY_OP(gpu_op_prelu, LITE_OP_PRELU, "PRELU", 1, 0, GPU_EPI_PRELU)

static bool check_unary(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!gpu_check_float_in_out(c, 1, 1, 0, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (in->rank != out->rank) return lps_decline(reason, capacity, "input and output shapes differ");
    for (int32_t i = 0; i < in->rank; i++)
        if (in->dims[i] != out->dims[i])
            return lps_decline(reason, capacity, "input and output shapes differ");
    return true;
}

/* The operator's own step was added by the planner (a unary node alone is a copy plus its step). */
static bool plan_unary(GpuPlanner *pl, const GpuNodePlan *n) {
    return plan_elementwise(pl, n, 0, n->inputs[0], -1);
}

#define UNARY_OP(VAR, CODE, NAME, MAXV, PARAMS, KIND)                                            \
    const GpuOp VAR = {.builtin_code = CODE, .name = NAME, .min_version = 1, .max_version = MAXV, \
                       .params_size = PARAMS, .check = check_unary, .plan = plan_unary,          \
                       .fusable_kind = KIND, .epilogue = true};

UNARY_OP(gpu_op_relu, LITE_OP_RELU, "RELU", 3, 0, GPU_EPI_RELU)
UNARY_OP(gpu_op_relu6, LITE_OP_RELU6, "RELU6", 3, 0, GPU_EPI_RELU6)
UNARY_OP(gpu_op_relu_n1_to_1, LITE_OP_RELU_N1_TO_1, "RELU_N1_TO_1", 2, 0, GPU_EPI_RELU_N1)
UNARY_OP(gpu_op_logistic, LITE_OP_LOGISTIC, "LOGISTIC", 3, 0, GPU_EPI_LOGISTIC)
UNARY_OP(gpu_op_tanh, LITE_OP_TANH, "TANH", 3, 0, GPU_EPI_TANH)
UNARY_OP(gpu_op_hard_swish, LITE_OP_HARD_SWISH, "HARD_SWISH", 1, 0, GPU_EPI_HARD_SWISH)
UNARY_OP(gpu_op_leaky_relu, LITE_OP_LEAKY_RELU, "LEAKY_RELU", 2, sizeof(LiteLeakyReluParams), GPU_EPI_LEAKY)

/* DEQUANTIZE of float16: constants are folded by the planner; a float16 partition input is
   widened by its layout conversion, so the node itself is a copy. */
static bool check_dequantize(const LpsCheckContext *c, char *reason, size_t capacity) {
    if (!lps_check_io(c, 1, 1, 1, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *out = lps_check_output(c, 0);
    if (!in || in->type != LITE_DATA_TYPE_FLOAT16)
        return lps_decline(reason, capacity, "only DEQUANTIZE of float16 is supported");
    if (in->rank > 4 && !in->constant_data) return lps_decline(reason, capacity, "input rank %d > 4", in->rank);
    if (!gpu_check_float(out, "output", 0, 4, reason, capacity)) return false;
    return true;
}

/* Planned for a float16 input, or when the folded constant is also a partition output. */
static bool plan_dequantize(GpuPlanner *pl, const GpuNodePlan *n) {
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    if (in->kind != GPU_TENSOR_CONSTANT) return plan_elementwise(pl, n, 0, n->inputs[0], -1);
    int32_t constant = gpu_add_scratch(pl, out->shape);
    if (constant < 0) return gpu_plan_fail(pl, n, "too many tensors");
    GpuTensor *t = gpu_tensor(pl, constant);
    t->kind = GPU_TENSOR_CONSTANT;
    t->constant = out->constant;
    return plan_elementwise(pl, n, 0, constant, -1);
}

const GpuOp gpu_op_dequantize = {
    .builtin_code = LITE_OP_DEQUANTIZE, .name = "DEQUANTIZE", .min_version = 1, .max_version = 6,
    .check = check_dequantize, .plan = plan_dequantize, .epilogue = false};
