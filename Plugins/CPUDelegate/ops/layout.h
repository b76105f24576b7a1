// Helpers shared by the layout operators (ops/gather.c, pack.c, transpose.c, space_batch.c,
// shape_ops.c): they move 4-byte elements (float32 or int32) without looking at them.
#ifndef CPU_OPS_LAYOUT_H
#define CPU_OPS_LAYOUT_H

#include "../cpu_delegate.h"

#define LAYOUT_TYPES (LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32) | LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32))
#define LAYOUT_INDEX_TYPES (LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32) | LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT64))
#define LAYOUT_MAX_RANK 6

/** Product of dims[from..to). */
static inline size_t layout_product(const int32_t *dims, int32_t from, int32_t to) {
    size_t product = 1;
    for (int32_t i = from; i < to; i++) product *= (size_t)dims[i];
    return product;
}

/** Element `i` of an int32 or int64 array, widened. */
static inline int64_t layout_index_at(const void *data, LiteDataType type, size_t i) {
    return type == LITE_DATA_TYPE_INT64 ? ((const int64_t *)data)[i] : ((const int32_t *)data)[i];
}

/** True when the tensor is a constant int32/int64 with `count` elements; copies them to `out`. */
static inline bool layout_constant_ints(const LiteTensor *t, int64_t *out, int32_t count) {
    if (!t || !t->constant_data) return false;
    if (t->type != LITE_DATA_TYPE_INT32 && t->type != LITE_DATA_TYPE_INT64) return false;
    int64_t n = 1;
    for (int32_t i = 0; i < t->rank; i++) n *= t->dims[i];
    if (n != count) return false;
    for (int32_t i = 0; i < count; i++) out[i] = layout_index_at(t->constant_data, t->type, (size_t)i);
    return true;
}

/** The same for a partition tensor at prepare (constants only). */
static inline bool layout_tensor_ints(const CpuTensor *t, int64_t *out, int32_t count) {
    if (!t || t->kind != CPU_TENSOR_CONSTANT || !t->constant || t->count != (size_t)count) return false;
    if (t->type != LITE_DATA_TYPE_INT32 && t->type != LITE_DATA_TYPE_INT64) return false;
    for (int32_t i = 0; i < count; i++) out[i] = layout_index_at(t->constant, t->type, (size_t)i);
    return true;
}

/** True when the shapes (rank, dims) are equal. */
static inline bool layout_same_dims(int32_t rank_a, const int32_t *a, int32_t rank_b, const int32_t *b) {
    if (rank_a != rank_b) return false;
    for (int32_t i = 0; i < rank_a; i++)
        if (a[i] != b[i]) return false;
    return true;
}

#endif /* CPU_OPS_LAYOUT_H */
