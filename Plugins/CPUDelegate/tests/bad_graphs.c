/*
 * bad_graphs.c — a delegate plugin against graphs no converter writes, through the ABI alone
 * (written for the cpu plugin; scripts/test.sh also runs it against vulkan and gles): a node that
 * reads its own output, a node input produced by a later node, tensor indices out of range, a
 * tensor written twice, a constant or a partition input as a node's output, partition lists that
 * do not fit the nodes, convolution, pool and transposed-convolution windows whose arithmetic
 * overflows int32 (strides, dilations and filters of 2^31-1 or 2^30, at claim and after an input
 * resize), zero-size tensors through eleven kernels, and invoke buffers smaller than their tensors
 * or missing (which invoke must refuse). Unsupported operators must be declined
 * with a reason that names them (the schema name from lite_operators.h, or the code).
 * For each graph it calls claim_nodes, create_partition, prepare_partition, invoke_partition and
 * destroy_partition as far as they succeed. Every failing call must return a non-OK status and
 * report a message through report_error first; the inconsistent graphs and overflowing windows
 * must fail somewhere before invoke; nothing may crash (scripts/test.sh also runs this under
 * -fsanitize=address,undefined, against the normal plugin and against one built with the same
 * sanitizers).
 *
 *   cc -I Sources/DelegateABI/include Plugins/CPUDelegate/tests/bad_graphs.c -ldl -o /tmp/bad_graphs \
 *      && /tmp/bad_graphs .build/debug/liblite_delegate_cpu.so
 *
 * Exit status 0: pass; 77: the plugin says its device is unavailable (skip); anything else: fail
 * (each failure is printed).
 */
#include "lite_delegate.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_TENSORS 8
#define MAX_NODES 4
#define MAX_IO 4

static int reports;             /* report_error calls since the last reset */
static char last_report[600];
static const LiteBackend *backend;
static int failures;

static void on_log(void *context, LiteLogLevel level, const char *message) {
    (void)context;
    (void)level;
    (void)message; /* declines and warnings are expected here */
}

static void on_error(void *context, LiteStatus status, const char *message) {
    (void)context;
    (void)status;
    reports++;
    snprintf(last_report, sizeof(last_report), "%s", message ? message : "(null)");
}

static LiteHostServices services = {sizeof(LiteHostServices), LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR,
                                    NULL, on_log, on_error};

/* A graph under construction: tensors and nodes with their own storage. */
typedef struct Graph {
    int32_t dims[MAX_TENSORS][4];
    LiteTensor tensors[MAX_TENSORS];
    const LiteTensor *tensor_pointers[MAX_TENSORS];
    int32_t node_inputs[MAX_NODES][MAX_IO], node_outputs[MAX_NODES][MAX_IO];
    LiteNode nodes[MAX_NODES];
    const LiteNode *node_pointers[MAX_NODES];
    LiteGraph graph;
    /* The partition the host would form; the test may make it inconsistent on purpose. */
    int32_t partition_nodes[MAX_NODES], partition_inputs[MAX_IO], partition_outputs[MAX_IO];
    int32_t partition_node_count, partition_input_count, partition_output_count;
    /* An input resize between create_partition and prepare_partition: tensor, axis, new extent. */
    int32_t resize_tensor, resize_axis, resize_extent;
    /* How invoke binds the buffers (enum BufferFault): as large as the tensors, or one of them wrong. */
    int32_t buffer_fault;
    float constant[64] __attribute__((aligned(64)));
} Graph;

enum BufferFault { BUFFERS_FIT, INPUT_SHORT, OUTPUT_SHORT, OUTPUT_MISSING };

static void graph_init(Graph *g) {
    memset(g, 0, sizeof(*g));
    g->graph.struct_size = sizeof(LiteGraph);
    g->graph.tensors = g->tensor_pointers;
    g->graph.nodes = g->node_pointers;
    g->resize_tensor = -1;
}

/* Adds a float32 tensor of shape `dims` (rank entries); constant data when `constant`. */
static int32_t add_tensor(Graph *g, int32_t rank, const int32_t *dims, bool constant) {
    const int32_t index = g->graph.tensor_count++;
    LiteTensor *t = &g->tensors[index];
    size_t count = 1;
    for (int32_t i = 0; i < rank; i++) {
        g->dims[index][i] = dims[i];
        count *= (size_t)(dims[i] > 0 ? dims[i] : 0);
    }
    t->struct_size = sizeof(LiteTensor);
    t->name = "t";
    t->type = LITE_DATA_TYPE_FLOAT32;
    t->rank = rank;
    t->dims = g->dims[index];
    t->byte_size = count * sizeof(float);
    if (constant) {
        t->constant_data = g->constant; /* zeros; only small constants are used */
        t->flags = LITE_TENSOR_FLAG_CONSTANT;
        if (t->byte_size > sizeof(g->constant)) t->byte_size = sizeof(g->constant);
    }
    g->tensor_pointers[index] = t;
    return index;
}

static int32_t add_node(Graph *g, int32_t code, const void *params, int32_t input_count,
                        const int32_t *inputs, int32_t output_count, const int32_t *outputs) {
    const int32_t index = g->graph.node_count++;
    LiteNode *n = &g->nodes[index];
    memcpy(g->node_inputs[index], inputs, sizeof(int32_t) * (size_t)input_count);
    memcpy(g->node_outputs[index], outputs, sizeof(int32_t) * (size_t)output_count);
    n->struct_size = sizeof(LiteNode);
    n->builtin_code = code;
    n->version = 1;
    n->input_count = input_count;
    n->inputs = g->node_inputs[index];
    n->output_count = output_count;
    n->outputs = g->node_outputs[index];
    n->params = params;
    g->node_pointers[index] = n;
    g->partition_nodes[g->partition_node_count++] = index;
    return index;
}

static void set_io(Graph *g, int32_t input_count, const int32_t *inputs, int32_t output_count,
                   const int32_t *outputs) {
    g->partition_input_count = input_count;
    g->partition_output_count = output_count;
    memcpy(g->partition_inputs, inputs, sizeof(int32_t) * (size_t)input_count);
    memcpy(g->partition_outputs, outputs, sizeof(int32_t) * (size_t)output_count);
    g->graph.input_count = input_count;
    g->graph.inputs = g->partition_inputs;
    g->graph.output_count = output_count;
    g->graph.outputs = g->partition_outputs;
}

static void on_verdict(void *context, int32_t node, LiteVerdict verdict, const char *reason) {
    (void)context;
    (void)node;
    (void)verdict;
    (void)reason;
}

/* A failing call must have reported why. Returns whether `status` is OK. */
static bool check_status(const char *name, const char *call, LiteStatus status) {
    if (status == LITE_STATUS_OK) return true;
    if (reports == 0) {
        fprintf(stderr, "bad_graphs: %s: %s returned %d without report_error\n", name, call, (int)status);
        failures++;
    }
    return false;
}

/* Runs the graph through the ABI. must_fail: the graph is inconsistent, so some call before invoke
   must fail. Returns the stage reached (for the summary). */
static void run(const char *name, Graph *g, bool must_fail) {
    LiteDelegate *delegate = NULL;
    reports = 0;
    if (!check_status(name, "create_delegate", backend->create_delegate(&services, NULL, NULL, 0, &delegate)) ||
        !delegate) {
        fprintf(stderr, "bad_graphs: %s: create_delegate failed: %s\n", name, last_report);
        failures++;
        return;
    }
    reports = 0;
    check_status(name, "claim_nodes", backend->claim_nodes(delegate, &g->graph, on_verdict, NULL));
    LitePartition *partition = NULL;
    reports = 0;
    bool ok = check_status(name, "create_partition",
                           backend->create_partition(delegate, &g->graph, g->partition_nodes,
                                                     g->partition_node_count, g->partition_inputs,
                                                     g->partition_input_count, g->partition_outputs,
                                                     g->partition_output_count, &partition));
    const char *stage = "create_partition";
    if (ok && !partition) {
        fprintf(stderr, "bad_graphs: %s: create_partition returned OK and no partition\n", name);
        failures++;
        ok = false;
    }
    if (ok && g->resize_tensor >= 0) {
        LiteTensor *t = &g->tensors[g->resize_tensor];
        t->byte_size = t->byte_size / (size_t)g->dims[g->resize_tensor][g->resize_axis] * (size_t)g->resize_extent;
        g->dims[g->resize_tensor][g->resize_axis] = g->resize_extent;
    }
    if (ok) {
        reports = 0;
        stage = "prepare_partition";
        ok = check_status(name, "prepare_partition", backend->prepare_partition(partition, &g->graph));
    }
    if (ok) {
        static float buffers[2 * MAX_IO][4096];
        const void *inputs[MAX_IO];
        void *outputs[MAX_IO];
        size_t input_sizes[MAX_IO], output_sizes[MAX_IO];
        for (int32_t i = 0; i < g->partition_input_count; i++) {
            inputs[i] = buffers[i];
            input_sizes[i] = g->tensors[g->partition_inputs[i]].byte_size;
        }
        for (int32_t i = 0; i < g->partition_output_count; i++) {
            outputs[i] = buffers[MAX_IO + i];
            output_sizes[i] = g->tensors[g->partition_outputs[i]].byte_size;
        }
        if (g->buffer_fault == INPUT_SHORT) input_sizes[0] -= sizeof(float);
        if (g->buffer_fault == OUTPUT_SHORT) output_sizes[0] -= sizeof(float);
        if (g->buffer_fault == OUTPUT_MISSING) outputs[0] = NULL;
        reports = 0;
        stage = "invoke_partition";
        ok = check_status(name, "invoke_partition",
                          backend->invoke_partition(partition, inputs, input_sizes, outputs, output_sizes));
        if (ok && g->buffer_fault != BUFFERS_FIT) {
            fprintf(stderr, "bad_graphs: %s: invoke accepted the buffer\n", name);
            failures++;
        }
        /* The message names the fault: a missing buffer is not "a buffer of N bytes". */
        const char *expected = g->buffer_fault == OUTPUT_MISSING ? "no buffer" : "buffer of";
        if (!ok && g->buffer_fault != BUFFERS_FIT && !strstr(last_report, expected)) {
            fprintf(stderr, "bad_graphs: %s: the message does not say \"%s\": %s\n", name, expected, last_report);
            failures++;
        }
        if (ok) stage = "ran";
        if (must_fail) {
            fprintf(stderr, "bad_graphs: %s: every call succeeded on an inconsistent graph\n", name);
            failures++;
        }
    }
    if (partition) backend->destroy_partition(partition);
    backend->destroy_delegate(delegate);
    printf("bad_graphs: %-40s %s%s%s\n", name, ok ? "ran" : "refused at ", ok ? "" : stage,
           ok ? "" : (reports ? "" : " (no message)"));
    if (!ok && reports) printf("    %s\n", last_report);
}

/* ---------------------------------------------------------------------------------------------- */
/* The graphs                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

static const int32_t shape[4] = {1, 3, 4, 2};

/* Node 0 reads its own output; node 1 follows it. (The crash this guards against: cleanup after
   the refusal at node 0 unfused node 1, which was not filled in yet.) */
static void reads_own_output(void) {
    Graph g;
    graph_init(&g);
    int32_t in = add_tensor(&g, 4, shape, false), mid = add_tensor(&g, 4, shape, false),
            out = add_tensor(&g, 4, shape, false);
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){mid}, 1, (int32_t[]){mid});
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){mid}, 1, (int32_t[]){out});
    set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    run("node reads its own output", &g, true);
}

/* Node 0 reads what node 1 writes. */
static void produced_later(void) {
    Graph g;
    graph_init(&g);
    int32_t in = add_tensor(&g, 4, shape, false), mid = add_tensor(&g, 4, shape, false),
            out = add_tensor(&g, 4, shape, false);
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){mid}, 1, (int32_t[]){out});
    add_node(&g, LITE_OP_RELU6, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){mid});
    set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    run("input produced by a later node", &g, true);
}

static void index_out_of_range(int32_t bad_input, int32_t bad_output, const char *name) {
    Graph g;
    graph_init(&g);
    int32_t in = add_tensor(&g, 4, shape, false), mid = add_tensor(&g, 4, shape, false),
            out = add_tensor(&g, 4, shape, false);
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){mid});
    add_node(&g, LITE_OP_ADD, &(LiteElementwiseParams){sizeof(LiteElementwiseParams), LITE_ACTIVATION_NONE},
             2, (int32_t[]){mid, bad_input}, 1, (int32_t[]){bad_output >= 0 ? bad_output : out});
    set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    run(name, &g, true);
}

/* Two nodes write one tensor. */
static void written_twice(void) {
    Graph g;
    graph_init(&g);
    int32_t in = add_tensor(&g, 4, shape, false), out = add_tensor(&g, 4, shape, false);
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    add_node(&g, LITE_OP_RELU6, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    run("tensor written twice", &g, true);
}

/* A node writes the partition's input, or a constant. */
static void writes_input_or_constant(bool constant) {
    Graph g;
    graph_init(&g);
    int32_t in = add_tensor(&g, 4, shape, false), c = add_tensor(&g, 4, shape, true),
            out = add_tensor(&g, 4, shape, false);
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){constant ? c : in});
    add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
    run(constant ? "node writes a constant" : "node writes the partition input", &g, true);
}

/* Partition lists that do not fit the nodes: an output nothing writes, a node index out of range,
   a constant as partition input, an output listed as input too. */
static void bad_partition_lists(void) {
    static const char *names[] = {"partition output not produced", "partition node out of range",
                                  "partition input is a constant", "partition output is an input"};
    for (int variant = 0; variant < 4; variant++) {
        Graph g;
        graph_init(&g);
        int32_t in = add_tensor(&g, 4, shape, false), mid = add_tensor(&g, 4, shape, false),
                out = add_tensor(&g, 4, shape, false), c = add_tensor(&g, 4, shape, true);
        add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){mid});
        add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){mid}, 1, (int32_t[]){out});
        set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        if (variant == 0) g.partition_node_count = 1;       /* out is never written */
        if (variant == 1) g.partition_nodes[1] = 9;          /* no node 9 */
        if (variant == 2) g.partition_inputs[0] = c;
        if (variant == 3) g.partition_outputs[0] = in;
        run(names[variant], &g, true);
    }
}

/* CONV_2D, DEPTHWISE_CONV_2D, the pools and TRANSPOSE_CONV with windows whose arithmetic overflows
   int32: must be declined (claim and create_partition), never computed with wrapped values. */
static void huge_windows(void) {
    const int32_t big = INT32_MAX;
    const int32_t in_shape[4] = {1, 5, 5, 2}, out_shape[4] = {1, 3, 3, 2}, w_shape[4] = {2, 3, 3, 2},
                  dw_shape[4] = {1, 3, 3, 2}, bias_shape[1] = {2}, one[4] = {1, 1, 1, 2};
    struct {
        const char *name;
        int32_t stride, dilation, filter;
        bool depthwise, pool;
        LitePadding padding;
    } cases[] = {
        {"conv stride 2^31-1", big, 1, 3, false, false, LITE_PADDING_SAME},
        {"conv dilation 2^31-1", 1, big, 3, false, false, LITE_PADDING_SAME},
        {"conv dilation 2^31-1 valid", 1, big, 3, false, false, LITE_PADDING_VALID},
        {"conv stride and dilation 2^30", 1 << 30, 1 << 30, 3, false, false, LITE_PADDING_SAME},
        {"depthwise stride 2^31-1", big, 1, 3, true, false, LITE_PADDING_SAME},
        {"depthwise dilation 2^31-1", 1, big, 3, true, false, LITE_PADDING_VALID},
        {"max pool stride 2^31-1", big, 1, 3, false, true, LITE_PADDING_SAME},
        {"max pool filter 2^31-1", 1, 1, big, false, true, LITE_PADDING_SAME},
        {"max pool filter 2^31-1 valid", 1, 1, big, false, true, LITE_PADDING_VALID},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        Graph g;
        graph_init(&g);
        const bool same = cases[k].padding == LITE_PADDING_SAME;
        int32_t in = add_tensor(&g, 4, in_shape, false);
        int32_t out = add_tensor(&g, 4, same && cases[k].stride > 1 ? one : out_shape, false);
        LiteConv2DParams conv = {sizeof(conv), cases[k].padding, cases[k].stride, cases[k].stride,
                                 cases[k].dilation, cases[k].dilation, LITE_ACTIVATION_NONE};
        LiteDepthwiseConv2DParams depthwise = {sizeof(depthwise), cases[k].padding, cases[k].stride,
                                               cases[k].stride, cases[k].dilation, cases[k].dilation, 1,
                                               LITE_ACTIVATION_NONE};
        LitePool2DParams pool = {sizeof(pool), cases[k].padding, cases[k].stride, cases[k].stride,
                                 cases[k].filter, cases[k].filter, LITE_ACTIVATION_NONE};
        if (cases[k].pool) {
            add_node(&g, LITE_OP_MAX_POOL_2D, &pool, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        } else {
            int32_t w = add_tensor(&g, 4, cases[k].depthwise ? dw_shape : w_shape, true);
            int32_t b = add_tensor(&g, 1, bias_shape, true);
            add_node(&g, cases[k].depthwise ? LITE_OP_DEPTHWISE_CONV_2D : LITE_OP_CONV_2D,
                     cases[k].depthwise ? (const void *)&depthwise : (const void *)&conv, 3,
                     (int32_t[]){in, w, b}, 1, (int32_t[]){out});
        }
        set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        run(cases[k].name, &g, true);
    }
}

/* A window that fits at claim and overflows once the input is resized (prepare must refuse it, not
   compute it): stride 2^30 over a height of 5, then of 2^30 + 5. */
static void windows_overflowing_after_resize(void) {
    for (int variant = 0; variant < 3; variant++) {
        Graph g;
        graph_init(&g);
        const int32_t tall[4] = {1, 5, 1, 1}, flat[4] = {1, 1, 1, 1}, w1[4] = {1, 3, 1, 1}, dw1[4] = {1, 3, 1, 1},
                      b1[1] = {1};
        int32_t in = add_tensor(&g, 4, tall, false), out = add_tensor(&g, 4, flat, false);
        const int32_t stride = 1 << 30;
        LiteConv2DParams conv = {sizeof(conv), LITE_PADDING_SAME, 1, stride, 1, 1, LITE_ACTIVATION_NONE};
        LiteDepthwiseConv2DParams depthwise = {sizeof(depthwise), LITE_PADDING_SAME, 1, stride, 1, 1, 1,
                                               LITE_ACTIVATION_NONE};
        LitePool2DParams pool = {sizeof(pool), LITE_PADDING_SAME, 1, stride, 1, 3, LITE_ACTIVATION_NONE};
        if (variant == 2) {
            add_node(&g, LITE_OP_AVERAGE_POOL_2D, &pool, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        } else {
            int32_t w = add_tensor(&g, 4, variant ? dw1 : w1, true), b = add_tensor(&g, 1, b1, true);
            add_node(&g, variant ? LITE_OP_DEPTHWISE_CONV_2D : LITE_OP_CONV_2D,
                     variant ? (const void *)&depthwise : (const void *)&conv, 3, (int32_t[]){in, w, b}, 1,
                     (int32_t[]){out});
        }
        set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        g.resize_tensor = in;
        g.resize_axis = 1;
        g.resize_extent = stride + 5;
        run(variant == 0 ? "conv window overflowing after a resize"
            : variant == 1 ? "depthwise window overflowing after a resize"
                           : "pool window overflowing after a resize", &g, true);
    }
}

/* TRANSPOSE_CONV (inputs output_shape, weights, input) with stride 2^31-1: declined like the
   convolutions' windows. */
static void huge_transpose_conv_windows(void) {
    const int32_t w_shape[4] = {2, 3, 3, 2};
    for (int variant = 0; variant < 2; variant++) {
        Graph g;
        graph_init(&g);
        const int32_t shape_dims[1] = {4}, tin[4] = {1, 2, 2, 2}, tout[4] = {1, 4, 4, 2};
        int32_t output_shape = add_tensor(&g, 1, shape_dims, true);
        g.tensors[output_shape].type = LITE_DATA_TYPE_INT32;
        static const int32_t output_shape_values[4] __attribute__((aligned(64))) = {1, 4, 4, 2};
        g.tensors[output_shape].constant_data = output_shape_values;
        g.tensors[output_shape].byte_size = sizeof(output_shape_values);
        int32_t w = add_tensor(&g, 4, w_shape, true);
        int32_t in = add_tensor(&g, 4, tin, false), out = add_tensor(&g, 4, tout, false);
        LiteTransposeConvParams params = {sizeof(params), variant ? LITE_PADDING_VALID : LITE_PADDING_SAME,
                                          INT32_MAX, INT32_MAX, LITE_ACTIVATION_NONE};
        add_node(&g, LITE_OP_TRANSPOSE_CONV, &params, 3, (int32_t[]){output_shape, w, in}, 1, (int32_t[]){out});
        set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        run(variant ? "transpose conv stride 2^31-1 valid" : "transpose conv stride 2^31-1", &g, true);
    }
}

/* The zero-size graphs of the windowed and weighted kernels (CONV_2D, DEPTHWISE_CONV_2D, the
   pools, FULLY_CONNECTED, MEAN): adds the node reading `*in` (FULLY_CONNECTED replaces it with a
   2-D input) and returns its output. */
static int32_t add_zero_size_window_node(Graph *g, int variant, int32_t *in) {
    const int32_t empty[4] = {1, 0, 4, 2}, empty_rows[2] = {0, 4}, w_shape[4] = {2, 3, 3, 2},
                  dw_shape[4] = {1, 3, 3, 2}, bias_shape[1] = {2}, fc_w[2] = {3, 4}, fc_b[1] = {3},
                  fc_out[2] = {0, 3}, axes_shape[1] = {1}, mean_out[3] = {1, 4, 2};
    // Static: the graph keeps pointers to the params until it has run.
    static const LiteConv2DParams conv = {sizeof(conv), LITE_PADDING_SAME, 1, 1, 1, 1, LITE_ACTIVATION_RELU6};
    static const LiteDepthwiseConv2DParams depthwise = {sizeof(depthwise), LITE_PADDING_SAME, 1, 1, 1, 1, 1,
                                                        LITE_ACTIVATION_NONE};
    static const LitePool2DParams pool = {sizeof(pool), LITE_PADDING_SAME, 2, 2, 2, 2, LITE_ACTIVATION_NONE};
    static const LiteFullyConnectedParams fc = {sizeof(fc), LITE_ACTIVATION_NONE, 0};
    static const LiteReducerParams reducer = {sizeof(reducer), 0};
    int32_t out = -1;
    if (variant == 2 || variant == 3) {
        int32_t w = add_tensor(g, 4, variant == 2 ? w_shape : dw_shape, true), b = add_tensor(g, 1, bias_shape, true);
        out = add_tensor(g, 4, empty, false);
        add_node(g, variant == 2 ? LITE_OP_CONV_2D : LITE_OP_DEPTHWISE_CONV_2D,
                 variant == 2 ? (const void *)&conv : (const void *)&depthwise, 3, (int32_t[]){*in, w, b}, 1,
                 (int32_t[]){out});
    } else if (variant == 4 || variant == 5) {
        out = add_tensor(g, 4, empty, false);
        add_node(g, variant == 4 ? LITE_OP_MAX_POOL_2D : LITE_OP_AVERAGE_POOL_2D, &pool, 1, (int32_t[]){*in}, 1,
                 (int32_t[]){out});
    } else if (variant == 7) {
        g->graph.tensor_count = 0;
        *in = add_tensor(g, 2, empty_rows, false);
        int32_t w = add_tensor(g, 2, fc_w, true), b = add_tensor(g, 1, fc_b, true);
        out = add_tensor(g, 2, fc_out, false);
        add_node(g, LITE_OP_FULLY_CONNECTED, &fc, 3, (int32_t[]){*in, w, b}, 1, (int32_t[]){out});
    } else if (variant == 8) {
        int32_t axes = add_tensor(g, 1, axes_shape, true);
        g->tensors[axes].type = LITE_DATA_TYPE_INT32;
        static const int32_t axis_values[16] __attribute__((aligned(64))) = {1};
        g->tensors[axes].constant_data = axis_values;
        g->tensors[axes].byte_size = sizeof(int32_t);
        out = add_tensor(g, 3, mean_out, false);
        add_node(g, LITE_OP_MEAN, &reducer, 2, (int32_t[]){*in, axes}, 1, (int32_t[]){out});
    }
    return out;
}

/* Zero-size tensors (an extent of 0) through each kind of kernel: may run (doing nothing) or be
   refused with a message, never crash. */
static void zero_size(void) {
    static const char *const names[] = {
        "zero-size RELU", "zero-size ADD", "zero-size CONV_2D", "zero-size DEPTHWISE_CONV_2D",
        "zero-size MAX_POOL_2D", "zero-size AVERAGE_POOL_2D", "zero-size SOFTMAX",
        "zero-size FULLY_CONNECTED", "zero-size MEAN", "zero-size CONCATENATION", "zero-channel SOFTMAX",
    };
    const int32_t empty[4] = {1, 0, 4, 2}, no_channels[4] = {1, 3, 4, 0};
    LiteElementwiseParams add = {sizeof(add), LITE_ACTIVATION_RELU};
    LiteSoftmaxParams softmax = {sizeof(softmax), 1.0f};
    LiteConcatenationParams concat = {sizeof(concat), 1, LITE_ACTIVATION_NONE};
    for (int variant = 0; variant < (int)(sizeof(names) / sizeof(names[0])); variant++) {
        Graph g;
        graph_init(&g);
        int32_t in = add_tensor(&g, 4, variant == 10 ? no_channels : empty, false), out = -1;
        if (variant == 0 || variant == 1 || variant == 6 || variant == 10) {
            out = add_tensor(&g, 4, variant == 10 ? no_channels : empty, false);
            if (variant == 1)
                add_node(&g, LITE_OP_ADD, &add, 2, (int32_t[]){in, in}, 1, (int32_t[]){out});
            else
                add_node(&g, variant == 0 ? LITE_OP_RELU : LITE_OP_SOFTMAX, variant == 0 ? NULL : &softmax, 1,
                         (int32_t[]){in}, 1, (int32_t[]){out});
        } else if (variant == 9) {
            int32_t other = add_tensor(&g, 4, shape, false);
            out = add_tensor(&g, 4, shape, false);
            add_node(&g, LITE_OP_CONCATENATION, &concat, 2, (int32_t[]){in, other}, 1, (int32_t[]){out});
            set_io(&g, 2, (int32_t[]){in, other}, 1, (int32_t[]){out});
            run(names[variant], &g, false);
            continue;
        } else {
            out = add_zero_size_window_node(&g, variant, &in);
        }
        set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        run(names[variant], &g, false);
    }
}

/* The verdicts of one claim_nodes call, by node. */
typedef struct Verdicts {
    LiteVerdict verdict[MAX_NODES];
    char reason[MAX_NODES][160];
} Verdicts;

static void record_verdict(void *context, int32_t node, LiteVerdict verdict, const char *reason) {
    Verdicts *verdicts = context;
    if (node < 0 || node >= MAX_NODES) return;
    verdicts->verdict[node] = verdict;
    snprintf(verdicts->reason[node], sizeof(verdicts->reason[node]), "%s", reason ? reason : "");
}

/* Operators no plugin here runs: declined, and the reason names the operator: its schema name,
   the code when the schema table does not know it, the custom name. */
static void unsupported_operators_named(void) {
    static const struct {
        int32_t code;
        const char *custom_name, *reason;
    } cases[] = {
        {LITE_OP_CAST, NULL, "CAST unsupported"},
        {300, NULL, "builtin operator 300 unsupported"},
        {LITE_OP_CUSTOM, "NoSuchOperator", "custom operator 'NoSuchOperator' unsupported"},
    };
    Graph g;
    graph_init(&g);
    int32_t in = add_tensor(&g, 4, shape, false);
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        int32_t out = add_tensor(&g, 4, shape, false);
        int32_t node = add_node(&g, cases[k].code, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        g.nodes[node].custom_name = cases[k].custom_name;
    }
    set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){in});
    LiteDelegate *delegate = NULL;
    if (backend->create_delegate(&services, NULL, NULL, 0, &delegate) != LITE_STATUS_OK || !delegate) {
        fprintf(stderr, "bad_graphs: unsupported operators: create_delegate failed: %s\n", last_report);
        failures++;
        return;
    }
    Verdicts verdicts;
    memset(&verdicts, 0xff, sizeof(verdicts.verdict));
    memset(verdicts.reason, 0, sizeof(verdicts.reason));
    if (backend->claim_nodes(delegate, &g.graph, record_verdict, &verdicts) != LITE_STATUS_OK) {
        fprintf(stderr, "bad_graphs: unsupported operators: claim_nodes failed: %s\n", last_report);
        failures++;
    }
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const bool named = verdicts.verdict[k] == LITE_VERDICT_DECLINED &&
                           strcmp(verdicts.reason[k], cases[k].reason) == 0;
        if (!named) {
            fprintf(stderr, "bad_graphs: unsupported operator %zu: verdict %d, reason '%s' (expected "
                    "declined, '%s')\n", k, (int)verdicts.verdict[k], verdicts.reason[k], cases[k].reason);
            failures++;
        }
        printf("bad_graphs: %-40s %s\n", cases[k].reason, named ? "declined" : "NOT declined as expected");
    }
    backend->destroy_delegate(delegate);
}

/* One RELU bound at invoke with its input or output buffer a float short of the tensor, or with no
   output buffer: invoke must refuse each, with a message. */
static void wrong_buffers(void) {
    static const char *const names[] = {NULL, "input buffer a float short", "output buffer a float short",
                                        "no output buffer"};
    for (int32_t fault = INPUT_SHORT; fault <= OUTPUT_MISSING; fault++) {
        Graph g;
        graph_init(&g);
        int32_t in = add_tensor(&g, 4, shape, false), out = add_tensor(&g, 4, shape, false);
        add_node(&g, LITE_OP_RELU, NULL, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        set_io(&g, 1, (int32_t[]){in}, 1, (int32_t[]){out});
        g.buffer_fault = fault;
        run(names[fault], &g, false);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bad_graphs path/to/liblite_delegate_cpu.so\n");
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    LitePluginEntryFn entry = library ? (LitePluginEntryFn)dlsym(library, LITE_PLUGIN_ENTRY_SYMBOL) : NULL;
    if (!entry) {
        fprintf(stderr, "bad_graphs: cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    char reason[512];
    const LitePluginLibrary *table = entry(LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR, &services, reason,
                                           sizeof(reason));
    if (!table || table->backend_count < 1) {
        fprintf(stderr, "bad_graphs: entry refused: %s\n", reason);
        return 1;
    }
    backend = table->backends[0];
    if (backend->query_device && backend->query_device(reason, sizeof(reason)) != LITE_STATUS_OK) {
        fprintf(stderr, "bad_graphs: skipped, device unavailable: %s\n", reason);
        return 77;
    }
    reads_own_output();
    produced_later();
    index_out_of_range(7, -1, "input tensor index out of range");
    index_out_of_range(-5, -1, "input tensor index -5");
    index_out_of_range(0, 42, "output tensor index out of range");
    written_twice();
    writes_input_or_constant(false);
    writes_input_or_constant(true);
    bad_partition_lists();
    huge_windows();
    windows_overflowing_after_resize();
    huge_transpose_conv_windows();
    zero_size();
    unsupported_operators_named();
    wrong_buffers();
    printf("bad_graphs: %d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
