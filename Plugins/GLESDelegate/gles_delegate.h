/*
 * gles_delegate.h — internal declarations of the OpenGL ES 3.1 compute delegate (not installed).
 *
 * Structure: plugin.c (entry point, backend table, options, claiming, the ABI calls that touch GL,
 * each run with the delegate's context current), loader.c (libEGL and libGLESv2 opened at run
 * time, so the plugin loads without them and says what is missing), context.c (a headless EGL
 * display, a configless GLES 3.1 context, making it current for a call), partition.c (buffers,
 * programs, barriers, invoke), cache.c (program binaries on disk).
 *
 * Threading: a GL context is current on one thread at a time, so the backend declares
 * LITE_THREADING_CREATOR_THREAD and keeps its context current on the thread that created the
 * delegate; the host runs every call of a delegate on one pinned thread of its own
 * (docs/delegate-abi.md, Threading), so an app may still invoke from any thread. A host calling
 * through the ABI from its own creator thread is safe too: a context the thread had current (the
 * app's own GL, or another delegate's) is put back after each call, and a call from any other
 * thread fails (EGL refuses to make a context current on two threads) instead of racing.
 *
 * What the kernels compute, and in which order, comes from Plugins/GPUShared (gpu_shared.h): the
 * same plan and kernel sources as the Vulkan delegate, assembled in the GLSL ES 3.10 dialect.
 */
#ifndef GLES_DELEGATE_H
#define GLES_DELEGATE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Types and enums only: every entry point comes from the loader (no link-time dependency). */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl31.h>
#include <GLES2/gl2ext.h> /* GL_EXT_disjoint_timer_query types, for profiling */

#include "gpu_backend.h"
#include "gpu_shared.h"
#include "lite_delegate.h"
#include "lite_plugin_support.h"

#pragma GCC visibility push(hidden)

#define GLES_PLUGIN_VERSION "1.0.0"
#define GLES_MESSAGE_CAPACITY 1024

/* ---------------------------------------------------------------------------------------------- */
/* Loader (loader.c)                                                                              */
/* ---------------------------------------------------------------------------------------------- */

#define EGL_FUNCTIONS(X)                                                                           \
    X(eglGetError) X(eglGetDisplay) X(eglInitialize) X(eglQueryString) X(eglBindAPI)               \
    X(eglChooseConfig) X(eglCreateContext) X(eglDestroyContext) X(eglMakeCurrent)                  \
    X(eglCreatePbufferSurface) X(eglDestroySurface) X(eglReleaseThread) X(eglQueryAPI)             \
    X(eglGetCurrentContext) X(eglGetCurrentDisplay) X(eglGetCurrentSurface)

#define GL_FUNCTIONS(X)                                                                            \
    X(glGetError) X(glGetString) X(glGetIntegerv) X(glGetIntegeri_v) X(glFinish)                         \
    X(glCreateShader) X(glShaderSource) X(glCompileShader) X(glGetShaderiv)                        \
    X(glGetShaderInfoLog) X(glDeleteShader) X(glCreateProgram) X(glAttachShader)                   \
    X(glDetachShader) X(glLinkProgram) X(glGetProgramiv) X(glGetProgramInfoLog)                    \
    X(glDeleteProgram) X(glUseProgram) X(glProgramParameteri) X(glGetProgramBinary)                \
    X(glProgramBinary) X(glGenBuffers) X(glDeleteBuffers) X(glBindBuffer) X(glBufferData)          \
    X(glBufferSubData) X(glBindBufferRange) X(glBindBufferBase) X(glMapBufferRange)                \
    X(glUnmapBuffer) X(glDispatchCompute) X(glMemoryBarrier) X(glGetInteger64v)

#define GLES_DECLARE_POINTER(name) __typeof__(&name) name;

typedef struct GlesApi {
    EGL_FUNCTIONS(GLES_DECLARE_POINTER)
    GL_FUNCTIONS(GLES_DECLARE_POINTER)
    PFNEGLGETPLATFORMDISPLAYEXTPROC eglGetPlatformDisplayEXT; /* EGL_EXT_platform_base */
    PFNEGLQUERYDEVICESEXTPROC eglQueryDevicesEXT;             /* EGL_EXT_device_enumeration */
    PFNEGLQUERYDEVICESTRINGEXTPROC eglQueryDeviceStringEXT;   /* EGL_EXT_device_query */
    /* GL_EXT_disjoint_timer_query (profiling); NULL when the library lacks them. */
    PFNGLGENQUERIESEXTPROC glGenQueriesEXT;
    PFNGLDELETEQUERIESEXTPROC glDeleteQueriesEXT;
    PFNGLQUERYCOUNTEREXTPROC glQueryCounterEXT;
    PFNGLGETQUERYOBJECTUI64VEXTPROC glGetQueryObjectui64vEXT;
} GlesApi;

/** Opens libEGL.so.1 and libGLESv2.so.2 once; the entry points, or NULL with the reason. */
const GlesApi *gles_api(char *reason, size_t capacity);

/* ---------------------------------------------------------------------------------------------- */
/* Context (context.c)                                                                            */
/* ---------------------------------------------------------------------------------------------- */

/** One GLES context: made on the thread that creates the delegate and used only there (the
    backend is LITE_THREADING_CREATOR_THREAD). */
typedef struct GlesContext {
    const GlesApi *gl;
    EGLDisplay display;
    EGLContext context;
    EGLSurface surface;         /* EGL_NO_SURFACE unless the display lacks surfaceless contexts */
    char platform[48];          /* how the display was found: "device", "surfaceless", "default" */
    char vendor[96], renderer[160], version[96];
    char description[384];
    GLint ssbo_alignment;       /* GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT */
    GLint ubo_alignment;        /* GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT */
    GLint max_ssbo_bytes;       /* GL_MAX_SHADER_STORAGE_BLOCK_SIZE */
    GLint max_compute_ssbos;    /* GL_MAX_COMPUTE_SHADER_STORAGE_BLOCKS */
    GLint binary_formats;       /* GL_NUM_PROGRAM_BINARY_FORMATS */
    bool timer_queries;         /* GL_EXT_disjoint_timer_query: GPU timestamps for profiling */
} GlesContext;

/** Creates a context and makes it current on the calling thread. On failure returns
    DEVICE_UNAVAILABLE (no EGL, no display, no GLES 3.1, no compute) with the reason. */
LiteStatus gles_context_create(GlesContext *context, char *reason, size_t capacity);
/** Releases the context from the calling thread (where it must be current) and destroys it. */
void gles_context_destroy(GlesContext *context);
/** The device description, or the reason there is none (probed once, on a thread of its own so
    the caller's current context is left alone). */
LiteStatus gles_probe(char *text, size_t capacity);
/** The kind of the probed device (software renderers are LITE_DEVICE_KIND_SOFTWARE_EMULATION). */
LiteDeviceKind gles_probe_kind(void);
/** Drains glGetError; returns the first error or GL_NO_ERROR. */
GLenum gles_take_error(const GlesContext *context);

/** What was current on the calling thread when a call into the delegate began. */
typedef struct GlesCurrent {
    EGLenum api;
    EGLDisplay display;
    EGLContext context;
    EGLSurface draw, read;
    bool switched;              /* the delegate's context was made current for this call */
} GlesCurrent;

/** Remembers the calling thread's EGL state in `saved` (`gl`: the loaded API). */
void gles_current_save(const GlesApi *gl, GlesCurrent *saved);
/** Makes `context` current for one call, remembering in `saved` what was; nothing to do when it
    already is (on the host's pinned thread, from the second call on). False with the reason when
    EGL refuses, as it does when the context is current on another thread: a call that breaks
    LITE_THREADING_CREATOR_THREAD fails instead of touching GL from two threads at once. */
bool gles_context_enter(const GlesContext *context, GlesCurrent *saved, char *reason, size_t capacity);
/** Puts back what `saved` says was current: another context (an app's own, or another delegate's
    on the same thread) is made current again; with none, the delegate's stays current for its
    next call. */
void gles_current_restore(const GlesApi *gl, const GlesCurrent *saved);

/* ---------------------------------------------------------------------------------------------- */
/* Delegate, programs, partitions                                                                 */
/* ---------------------------------------------------------------------------------------------- */

/** A delegate: its GL context; its kernels (base.kernels) are linked programs, one per
    distinct assembled source, shared by its partitions. */
typedef struct GlesDelegateState {
    GpuDelegateBase base;
    GlesContext context;     /* current on the creator thread during every call (gles_context_enter) */
    uint64_t identity;       /* GL vendor/renderer/version, binary format and plugin version */
    bool profile;            /* option profile=1: time every dispatch (GPU timestamps, else glFinish each) */
    /* Statistics of the last prepare, for the log. */
    int32_t compiled, from_cache, rejected;
} GlesDelegateState;

/** A buffer binding of one dispatch, resolved at prepare. */
typedef struct GlesBinding {
    GLuint buffer;
    GLintptr offset;
    GLsizeiptr size;
} GlesBinding;

/** A dispatch as invoke replays it. */
typedef struct GlesStep {
    GLuint program;
    GLbitfield barrier;      /* issued before the dispatch (0: none needed) */
    int32_t binding_count;
    GlesBinding bindings[GPU_MAX_BINDINGS];
    GLintptr params_offset;  /* in the parameter buffer */
    GLuint groups[3];
} GlesStep;

typedef struct GlesPartitionState {
    GpuPartitionBase base;
    GlesDelegateState *delegate;
    GLuint arena, constants, params, input_staging, output_staging;
    int32_t step_count;
    GlesStep *steps;
    GLbitfield final_barrier; /* before reading the outputs back */
    GLuint *queries;          /* profiling with timer queries: two timestamps per step */
} GlesPartitionState;

/* Partitions (partition.c), run with the delegate's context current. */
LiteStatus gles_prepare(GlesPartitionState *partition, const LiteGraph *graph);
LiteStatus gles_invoke(GlesPartitionState *partition, const void *const *inputs,
                       const size_t *input_sizes, void *const *outputs, const size_t *output_sizes,
                       uint64_t entered_ns);
void gles_release(GlesPartitionState *partition);
void gles_release_kernels(GlesDelegateState *delegate);

/* ---------------------------------------------------------------------------------------------- */
/* Program-binary cache (cache.c)                                                                 */
/* ---------------------------------------------------------------------------------------------- */

/** The identity cached binaries are tied to: GL vendor, renderer, version and plugin version. */
uint64_t gles_cache_identity(const GlesContext *context);
/** A program for `source` (hash `hash`): from the disk cache when a binary there links, else
    compiled (and stored). 0 with a message in `error` when the source does not compile. */
GLuint gles_program_for(GlesDelegateState *delegate, const char *source, uint64_t hash, char *error,
                        size_t capacity);

#pragma GCC visibility pop

#endif /* GLES_DELEGATE_H */
