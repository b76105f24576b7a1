/*
 * gpu_kernel_params.h — each kernel's parameter block, declared once: in the kernel, between
 * PARAMS_BEGIN and PARAMS_END (shaders/NAME.comp), one ivec4 or vec4 member per slot. The shader
 * reads its members by name (p.window); scripts/embed_shaders.py turns the same block into the table
 * below (generated/kernel_params.c). Operators set parameters by member name (gpu_param_ivec4(d,
 * "window", ...) in gpu_shared.h), the setter finds the slot and checks the type here, and the
 * planner refuses a dispatch that sets a name its kernel does not declare, sets one with the wrong
 * type, or leaves one unset (gpu_dispatch_params_problem). The backends upload the block as bytes.
 */
#ifndef GPU_KERNEL_PARAMS_H
#define GPU_KERNEL_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

typedef enum GpuParamType { GPU_PARAM_IVEC4 = 0, GPU_PARAM_VEC4 = 1 } GpuParamType;

/** One member of a parameter block; its slot (4 words) is its index in the kernel's list. */
typedef struct GpuKernelParam {
    const char *name;
    GpuParamType type;
} GpuKernelParam;

typedef struct GpuKernelParams {
    const char *kernel; /* shader name: "conv2d" */
    int32_t count;
    const GpuKernelParam *params;
} GpuKernelParams;

extern const GpuKernelParams gpu_kernel_params_table[];
extern const size_t gpu_kernel_params_count;

/** The whole table (for tests and tools that go through every kernel); sets `count`. */
const GpuKernelParams *gpu_kernel_params_all(size_t *count);
/** The declared parameters of `kernel`, or NULL when no kernel of that name exists. */
const GpuKernelParams *gpu_kernel_params(const char *kernel);

#pragma GCC visibility pop

#endif /* GPU_KERNEL_PARAMS_H */
