// Source assembly: one kernel text, two dialects. What differs between GLSL 450 (Vulkan, through
// shaderc) and GLSL ES 3.10 (OpenGL ES) is confined to the version line and the dialect prelude
// (storage type of fp16 buffers, how parameters arrive); kernels only use what both share.
#include "gpu_shared.h"

char *gpu_assemble_source(GpuDialect dialect, GpuPrecision precision, const GpuDispatch *dispatch,
                          char *error, size_t capacity) {
    const char *prelude = gpu_shader_text(dialect == GPU_DIALECT_VULKAN ? "prelude_vulkan" : "prelude_gles");
    const char *common = gpu_shader_text("common");
    const char *epilogue = gpu_shader_text("epilogue");
    const char *kernel = gpu_shader_text(dispatch->kernel);
    if (!prelude || !common || !epilogue || !kernel) {
        snprintf(error, capacity, "no embedded shader source '%s'", kernel ? "prelude" : dispatch->kernel);
        return NULL;
    }
    char header[256];
    snprintf(header, sizeof(header),
             "%s\n#define GPU_FP16 %d\n#define LOCAL_X %u\n#define LOCAL_Y %u\n#define LOCAL_Z %u\n",
             dialect == GPU_DIALECT_VULKAN ? "#version 450" : "#version 310 es",
             precision == GPU_PRECISION_FP16 ? 1 : 0, dispatch->local[0], dispatch->local[1],
             dispatch->local[2]);
    const char *parts[] = {header, dispatch->defines, prelude, common, epilogue, kernel};
    size_t length = 1;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) length += strlen(parts[i]);
    char *text = malloc(length);
    if (!text) {
        snprintf(error, capacity, "out of memory");
        return NULL;
    }
    char *cursor = text;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t n = strlen(parts[i]);
        memcpy(cursor, parts[i], n);
        cursor += n;
    }
    *cursor = '\0';
    return text;
}
