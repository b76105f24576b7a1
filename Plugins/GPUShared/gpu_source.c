// Source assembly: one kernel text, two dialects. What differs between GLSL 450 (Vulkan, through
// shaderc) and GLSL ES 3.10 (OpenGL ES) is confined to the version line and the dialect prelude
// (storage type of fp16 buffers, how parameters arrive); kernels only use what both share.
#include "gpu_shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LITE_GPU_KERNEL_DIR names a folder whose NAME.comp / NAME.glsl files replace the embedded sources
   of the same name: for working on kernels without re-embedding them, and for tests that need a
   kernel that does not compile. Returns a malloc'd copy, or NULL when there is no such file. */
static char *override_text(const char *name) {
    const char *folder = getenv("LITE_GPU_KERNEL_DIR");
    if (!folder || !*folder) return NULL;
    static const char *const extensions[] = {".comp", ".glsl"};
    for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/%s%s", folder, name, extensions[i]) >= (int)sizeof(path)) return NULL;
        FILE *file = fopen(path, "rb");
        if (!file) continue;
        char *text = NULL;
        long size = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1;
        if (size >= 0 && size < (1L << 24) && fseek(file, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
            size_t read = fread(text, 1, (size_t)size, file);
            text[read] = '\0';
        }
        fclose(file);
        return text;
    }
    return NULL;
}

char *gpu_assemble_source(GpuDialect dialect, GpuPrecision precision, const GpuDispatch *dispatch,
                          char *error, size_t capacity) {
    const char *names[] = {dialect == GPU_DIALECT_VULKAN ? "prelude_vulkan" : "prelude_gles", "common", "epilogue",
                           dispatch->kernel};
    char *overrides[4] = {NULL, NULL, NULL, NULL};
    const char *texts[4];
    for (size_t i = 0; i < 4; i++) {
        overrides[i] = override_text(names[i]);
        texts[i] = overrides[i] ? overrides[i] : gpu_shader_text(names[i]);
    }
    char *text = NULL;
    if (!texts[0] || !texts[1] || !texts[2] || !texts[3]) {
        snprintf(error, capacity, "no embedded shader source '%s'", texts[3] ? "prelude" : dispatch->kernel);
        goto done;
    }
    char header[256];
    snprintf(header, sizeof(header),
             "%s\n#define GPU_FP16 %d\n#define LOCAL_X %u\n#define LOCAL_Y %u\n#define LOCAL_Z %u\n",
             dialect == GPU_DIALECT_VULKAN ? "#version 450" : "#version 310 es",
             precision == GPU_PRECISION_FP16 ? 1 : 0, dispatch->local[0], dispatch->local[1],
             dispatch->local[2]);
    const char *parts[] = {header, dispatch->defines, texts[0], texts[1], texts[2], texts[3]};
    size_t length = 1;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) length += strlen(parts[i]);
    text = malloc(length);
    if (!text) {
        snprintf(error, capacity, "out of memory");
        goto done;
    }
    char *cursor = text;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t n = strlen(parts[i]);
        memcpy(cursor, parts[i], n);
        cursor += n;
    }
    *cursor = '\0';
done:
    for (size_t i = 0; i < 4; i++) free(overrides[i]);
    return text;
}
