// RESIZE_BILINEAR exactly as TFLite's reference ResizeBilinear: the per-row and per-column
// interpolation values (clamped indices, unclamped fraction, float32 scale in/out or
// (in-1)/(out-1) with align_corners) are computed here once, the kernel only blends.
#include "gpu_shared.h"

static bool check_resize(const LpsCheckContext *c, char *reason, size_t capacity) {
    const LiteResizeBilinearParams *params = c->node->params;
    if (!gpu_check_float_in_out(c, 2, 2, 4, 4, reason, capacity)) return false;
    const LiteTensor *in = lps_check_input(c, 0), *size = lps_check_input(c, 1), *out = lps_check_output(c, 0);
    if (!size || size->type != LITE_DATA_TYPE_INT32)
        return lps_decline(reason, capacity, "size is not INT32");
    if (params->align_corners && params->half_pixel_centers)
        return lps_decline(reason, capacity, "align_corners and half_pixel_centers both set");
    if (in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3])
        return lps_decline(reason, capacity, "batch or channels differ between input and output");
    if ((in->dims[1] == 0 || in->dims[2] == 0) && out->dims[1] * out->dims[2] > 0)
        return lps_decline(reason, capacity, "empty input");
    return true;
}

static void interpolation_values(int32_t count, int32_t in_size, float scale, bool half_pixel,
                                 float *table) {
    for (int32_t i = 0; i < count; i++) {
        float scaled = half_pixel ? ((float)i + 0.5f) * scale - 0.5f : (float)i * scale;
        int32_t floor_value = (int32_t)floorf(scaled);
        int32_t ceil_value = (int32_t)ceilf(scaled);
        int32_t lower = floor_value > 0 ? floor_value : 0;
        int32_t upper = ceil_value < in_size - 1 ? ceil_value : in_size - 1;
        table[4 * i + 0] = (float)lower;
        table[4 * i + 1] = (float)upper;
        table[4 * i + 2] = scaled - (float)lower;
        table[4 * i + 3] = 0.0f;
    }
}

static bool plan_resize(GpuPlanner *pl, const GpuNodePlan *n) {
    const LiteResizeBilinearParams *params = n->node->params;
    const GpuTensor *in = gpu_tensor(pl, n->inputs[0]), *out = gpu_tensor(pl, n->output);
    if (in->shape.b != out->shape.b || in->shape.c != out->shape.c)
        return gpu_plan_fail(pl, n, "batch or channels differ between input and output");
    const int32_t in_h = in->shape.h, in_w = in->shape.w, out_h = out->shape.h, out_w = out->shape.w;
    float scale_h = (float)in_h / (float)out_h, scale_w = (float)in_w / (float)out_w;
    if (params->align_corners && out_h > 1) scale_h = (float)(in_h - 1) / (float)(out_h - 1);
    if (params->align_corners && out_w > 1) scale_w = (float)(in_w - 1) / (float)(out_w - 1);
    float *table = calloc(((size_t)out_h + (size_t)out_w) * 4 + 4, sizeof(float));
    if (!table) return gpu_plan_fail(pl, n, "out of memory");
    interpolation_values(out_h, in_h, scale_h, params->half_pixel_centers, table);
    interpolation_values(out_w, in_w, scale_w, params->half_pixel_centers, table + 4 * (size_t)out_h);
    int32_t blob = gpu_add_blob(pl, table, ((size_t)out_h + (size_t)out_w) * 4, true);
    if (blob < 0) return gpu_plan_fail(pl, n, "out of memory");
    GpuDispatch *d = gpu_emit_in_out(pl, n, "resize_bilinear", 0);
    if (!d) return false;
    gpu_bind_blob(d, blob);
    gpu_param_ivec4(d, "batch", out->shape.b, 0, 0, 0);
    gpu_grid_over(d, out);
    d->epilogue = true;
    return true;
}

const GpuOp gpu_op_resize_bilinear = {
    .builtin_code = LITE_OP_RESIZE_BILINEAR, .name = "RESIZE_BILINEAR", .min_version = 1,
    .max_version = 4, .params_size = sizeof(LiteResizeBilinearParams), .check = check_resize,
    .plan = plan_resize, .epilogue = true};
