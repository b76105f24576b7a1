/*
 * gpu_plan_internal.h — what the planner's files share and operators never see: the record of each
 * node the graph rewrites work on, the planner's state, and the stages of gpu_plan_partition.
 *
 * Files: gpu_plan.c (the pipeline), gpu_tensors.c (tensor table, blobs), gpu_emit.c (dispatches and
 * what operators call to fill them), gpu_memory_plan.c (arena and constant-buffer offsets), and one
 * file per graph rewrite under transformations/.
 */
#ifndef GPU_PLAN_INTERNAL_H
#define GPU_PLAN_INTERNAL_H

#include "gpu_shared.h"

#pragma GCC visibility push(hidden)

/** One node of the partition as the rewrites see it. A chain root is a record that is not skipped:
    its `plan` is what its operator plans, with the nodes fused into it. */
typedef struct NodeRecord {
    const LiteNode *node;
    int32_t graph_node;
    const GpuOp *op;
    bool skipped;      /* folded, free, or fused into another record */
    int32_t fused_into; /* the record whose dispatch computes this one (fused or folded PAD); -1 */
    int32_t last;      /* for chain roots: the record index where the chain ends */
    GpuNodePlan plan;  /* for chain roots */
} NodeRecord;

struct GpuPlanner {
    const LiteGraph *graph;
    GpuProgram *program;
    GpuPlanOptions options;
    int32_t tensor_capacity;
    char *error;
    size_t capacity;
    bool failed;
};

/** Who reads and who writes each tensor-table entry among the chain roots: consumers[t] counts the
    reads, producer[t] is the record writing t or -1. Sized for the tensor table's capacity. */
typedef struct GpuTensorUses {
    int32_t *consumers;
    int32_t *producer;
} GpuTensorUses;

/* Tensor table (gpu_tensors.c). */
/** The tensor-table entry of graph tensor `graph_index`, added on first use (`map` from graph to
    table indices, -1 where absent); -1 when the table is full. */
int32_t gpu_plan_add_tensor(GpuPlanner *planner, int32_t *map, int32_t graph_index);
/** A float32 tensor the kernels can bind (rank <= 4). */
bool gpu_is_float_data(const GpuTensor *tensor);
bool gpu_same_shape(const GpuTensor *a, const GpuTensor *b);
size_t gpu_align_up(size_t value, size_t alignment);
/** Constant tensor `index` in the slice layout, as a blob made on first use; -1 when it is not a
    float32 constant of rank <= 4 or memory runs out. */
int32_t gpu_plan_constant_blob(GpuPlanner *planner, int32_t index);

/* Dispatches (gpu_emit.c). */
/** True when `dispatch` set exactly its kernel's declared parameters; else fails the plan naming
    the node, the kernel and the parameter. */
bool gpu_plan_check_params(GpuPlanner *planner, const GpuDispatch *dispatch);
/** Adds the fused steps of `node` to its dispatch: defines, and bindings after the kernel's own. */
bool gpu_plan_apply_epilogue(GpuPlanner *planner, const GpuNodePlan *node, GpuDispatch *dispatch);

/* Graph rewrites, in the order gpu_plan_partition applies them (transformations/). */
/** DEQUANTIZE of a float16 constant: computed once, its output becomes a constant (fold_dequantize.c). */
bool gpu_fold_dequantize(GpuPlanner *planner, NodeRecord *record);
/** RESHAPE that keeps the channel count: the output shares the input's storage (free_reshape.c). */
void gpu_free_reshapes(GpuPlanner *planner, NodeRecord *records, int32_t count);
/** PAD of height/width only, read by one convolution, becomes its padding (fold_pads.c). */
void gpu_fold_pads(GpuPlanner *planner, NodeRecord *records, int32_t count, const GpuTensorUses *uses);
/** Elementwise nodes become steps of the dispatch producing their input (fuse_elementwise.c). */
void gpu_fuse_elementwise(GpuPlanner *planner, NodeRecord *records, int32_t count, GpuTensorUses *uses);
/** fp16 mode: which tensors are stored as halves (choose_storage.c). */
void gpu_choose_storage(GpuPlanner *planner, const NodeRecord *records, int32_t count);
/** fp16 mode: tells each kernel which of its bindings hold float32 (choose_storage.c). */
void gpu_define_binding_storage(GpuProgram *program);

/* Memory plan (gpu_memory_plan.c). */
/** Lifetimes from the dispatch list, arena offsets (tensors whose lifetimes overlap never share
    bytes) and constant-buffer offsets, all aligned to the binding offset alignment. */
bool gpu_plan_memory(GpuPlanner *planner);

#pragma GCC visibility pop

#endif /* GPU_PLAN_INTERNAL_H */
