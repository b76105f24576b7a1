// A headless EGL display and a GLES 3.1 context without a window. The display is chosen once per
// process, the first of these where a GLES 3.1 context can be made:
//   1. EGL_EXT_platform_device, hardware devices (headless GPUs: NVIDIA, Mesa with DRM)
//   2. EGL_MESA_platform_surfaceless (Mesa, including llvmpipe)
//   3. EGL_EXT_platform_device, software devices
//   4. eglGetDisplay(EGL_DEFAULT_DISPLAY)
// Contexts have no config (EGL_KHR_no_config_context) and no surface (EGL_KHR_surfaceless_context);
// without those extensions a config is chosen and a 1x1 pbuffer made current instead.
#include "gles_delegate.h"

#include <string.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

static pthread_mutex_t display_lock = PTHREAD_MUTEX_INITIALIZER;
static EGLDisplay chosen_display = EGL_NO_DISPLAY; /* initialised, never terminated */
static char chosen_platform[48];

static bool has_extension(const char *list, const char *name) {
    if (!list) return false;
    const size_t length = strlen(name);
    for (const char *at = strstr(list, name); at; at = strstr(at + 1, name))
        if ((at == list || at[-1] == ' ') && (at[length] == ' ' || at[length] == '\0')) return true;
    return false;
}

GLenum gles_take_error(const GlesContext *context) {
    GLenum first = GL_NO_ERROR;
    for (int i = 0; i < 16; i++) {
        GLenum error = context->gl->glGetError();
        if (error == GL_NO_ERROR) break;
        if (first == GL_NO_ERROR) first = error;
    }
    return first;
}

/* Makes a GLES 3.1 context on an initialised display current; false with the reason. */
static bool make_context(GlesContext *c, EGLDisplay display, char *reason, size_t capacity) {
    const GlesApi *gl = c->gl;
    const char *extensions = gl->eglQueryString(display, EGL_EXTENSIONS);
    const bool no_config = has_extension(extensions, "EGL_KHR_no_config_context") ||
                           has_extension(extensions, "EGL_MESA_configless_context");
    const bool surfaceless = has_extension(extensions, "EGL_KHR_surfaceless_context");
    if (!gl->eglBindAPI(EGL_OPENGL_ES_API)) {
        snprintf(reason, capacity, "eglBindAPI(EGL_OPENGL_ES_API) failed (0x%x)", gl->eglGetError());
        return false;
    }
    EGLConfig config = EGL_NO_CONFIG_KHR;
    if (!no_config || !surfaceless) {
        const EGLint wanted[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_ES3_BIT,
                                 EGL_SURFACE_TYPE, surfaceless ? 0 : EGL_PBUFFER_BIT, EGL_NONE};
        EGLint count = 0;
        if (!gl->eglChooseConfig(display, wanted, &config, 1, &count) || count < 1) {
            snprintf(reason, capacity, "no EGL config for OpenGL ES 3 (and no EGL_KHR_no_config_context)");
            return false;
        }
    }
    const EGLint attributes[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 1, EGL_NONE};
    c->context = gl->eglCreateContext(display, config, EGL_NO_CONTEXT, attributes);
    if (c->context == EGL_NO_CONTEXT) {
        snprintf(reason, capacity, "no OpenGL ES 3.1 context (eglCreateContext error 0x%x)",
                 gl->eglGetError());
        return false;
    }
    c->surface = EGL_NO_SURFACE;
    if (!surfaceless) {
        const EGLint size[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
        c->surface = gl->eglCreatePbufferSurface(display, config, size);
        if (c->surface == EGL_NO_SURFACE) {
            snprintf(reason, capacity, "no surfaceless contexts and no pbuffer (0x%x)", gl->eglGetError());
            gl->eglDestroyContext(display, c->context);
            c->context = EGL_NO_CONTEXT;
            return false;
        }
    }
    if (!gl->eglMakeCurrent(display, c->surface, c->surface, c->context)) {
        snprintf(reason, capacity, "eglMakeCurrent failed (0x%x)", gl->eglGetError());
        if (c->surface != EGL_NO_SURFACE) gl->eglDestroySurface(display, c->surface);
        gl->eglDestroyContext(display, c->context);
        c->context = EGL_NO_CONTEXT;
        c->surface = EGL_NO_SURFACE;
        return false;
    }
    c->display = display;
    return true;
}

static void release(GlesContext *c) {
    const GlesApi *gl = c->gl;
    if (c->context == EGL_NO_CONTEXT) return;
    gl->eglMakeCurrent(c->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (c->surface != EGL_NO_SURFACE) gl->eglDestroySurface(c->display, c->surface);
    gl->eglDestroyContext(c->display, c->context);
    c->context = EGL_NO_CONTEXT;
    c->surface = EGL_NO_SURFACE;
}

/* Tries one candidate display: initialise it and make a context. */
static bool try_display(GlesContext *c, EGLDisplay display, const char *platform, char *reason,
                        size_t capacity) {
    if (display == EGL_NO_DISPLAY) {
        snprintf(reason, capacity, "%s: no display", platform);
        return false;
    }
    EGLint major = 0, minor = 0;
    if (!c->gl->eglInitialize(display, &major, &minor)) {
        snprintf(reason, capacity, "%s: eglInitialize failed (0x%x)", platform, c->gl->eglGetError());
        return false;
    }
    char why[256];
    if (!make_context(c, display, why, sizeof(why))) {
        snprintf(reason, capacity, "%s: %s", platform, why);
        return false;
    }
    chosen_display = display;
    snprintf(chosen_platform, sizeof(chosen_platform), "%s", platform);
    return true;
}

/* Appends one candidate's failure to the list of them. */
static void note(char *tried, size_t capacity, const char *why) {
    const size_t used = strlen(tried);
    if (used + 3 < capacity) snprintf(tried + used, capacity - used, "%s%s", used ? "; " : "", why);
}

/* Chooses the display (first call) and makes a context current; false with the reasons. */
static bool choose_display(GlesContext *c, char *reason, size_t capacity) {
    const GlesApi *gl = c->gl;
    const char *client = gl->eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    char last[256] = "";
    char tried[768] = "";
    EGLDeviceEXT devices[16];
    EGLint device_count = 0;
    const bool platform_base = gl->eglGetPlatformDisplayEXT && has_extension(client, "EGL_EXT_platform_base");
    if (platform_base && has_extension(client, "EGL_EXT_platform_device") && gl->eglQueryDevicesEXT &&
        !gl->eglQueryDevicesEXT(16, devices, &device_count))
        device_count = 0;
    // Hardware devices first, then Mesa's surfaceless platform, then software devices.
    for (int pass = 0; pass < 2; pass++) {
        for (EGLint i = 0; i < device_count; i++) {
            const char *device_extensions =
                gl->eglQueryDeviceStringEXT ? gl->eglQueryDeviceStringEXT(devices[i], EGL_EXTENSIONS) : NULL;
            const bool software = has_extension(device_extensions, "EGL_MESA_device_software");
            if (software != (pass == 1)) continue;
            char platform[48];
            snprintf(platform, sizeof(platform), "device %d%s", (int)i, software ? " (software)" : "");
            if (try_display(c, gl->eglGetPlatformDisplayEXT(EGL_PLATFORM_DEVICE_EXT, devices[i], NULL),
                            platform, last, sizeof(last)))
                return true;
            note(tried, sizeof(tried), last);
        }
        if (pass == 0 && platform_base && has_extension(client, "EGL_MESA_platform_surfaceless")) {
            if (try_display(c, gl->eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL),
                            "surfaceless", last, sizeof(last)))
                return true;
            note(tried, sizeof(tried), last);
        }
    }
    if (try_display(c, gl->eglGetDisplay(EGL_DEFAULT_DISPLAY), "default display", last, sizeof(last)))
        return true;
    note(tried, sizeof(tried), last);
    snprintf(reason, capacity, "no headless EGL display with OpenGL ES 3.1 (tried %s)", tried);
    return false;
}

static void copy_string(char *destination, size_t capacity, const GLubyte *text) {
    snprintf(destination, capacity, "%s", text ? (const char *)text : "?");
}

LiteStatus gles_context_create(GlesContext *c, char *reason, size_t capacity) {
    memset(c, 0, sizeof(*c));
    c->display = EGL_NO_DISPLAY;
    c->context = EGL_NO_CONTEXT;
    c->surface = EGL_NO_SURFACE;
    c->gl = gles_api(reason, capacity);
    if (!c->gl) return LITE_STATUS_DEVICE_UNAVAILABLE;
    const GlesApi *gl = c->gl;

    pthread_mutex_lock(&display_lock);
    bool made;
    if (chosen_display == EGL_NO_DISPLAY) {
        made = choose_display(c, reason, capacity);
    } else {
        char why[256];
        made = make_context(c, chosen_display, why, sizeof(why));
        if (!made) snprintf(reason, capacity, "%s: %s", chosen_platform, why);
    }
    snprintf(c->platform, sizeof(c->platform), "%s", chosen_platform);
    pthread_mutex_unlock(&display_lock);
    if (!made) return LITE_STATUS_DEVICE_UNAVAILABLE;

    copy_string(c->vendor, sizeof(c->vendor), gl->glGetString(GL_VENDOR));
    copy_string(c->renderer, sizeof(c->renderer), gl->glGetString(GL_RENDERER));
    copy_string(c->version, sizeof(c->version), gl->glGetString(GL_VERSION));
    int major = 0, minor = 0;
    if (sscanf(c->version, "OpenGL ES %d.%d", &major, &minor) != 2 || major * 10 + minor < 31) {
        snprintf(reason, capacity, "%s offers '%s', not OpenGL ES 3.1", c->renderer, c->version);
        gles_context_destroy(c);
        return LITE_STATUS_DEVICE_UNAVAILABLE;
    }
    gl->glGetIntegerv(GL_MAX_COMPUTE_SHADER_STORAGE_BLOCKS, &c->max_compute_ssbos);
    gl->glGetIntegerv(GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, &c->ssbo_alignment);
    gl->glGetIntegerv(GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT, &c->ubo_alignment);
    gl->glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &c->max_ssbo_bytes);
    gl->glGetIntegerv(GL_NUM_PROGRAM_BINARY_FORMATS, &c->binary_formats);
    gles_take_error(c);
    if (c->max_compute_ssbos < GPU_MAX_BINDINGS) {
        snprintf(reason, capacity, "%s: compute shaders get %d storage buffers, the kernels need %d",
                 c->renderer, c->max_compute_ssbos, GPU_MAX_BINDINGS);
        gles_context_destroy(c);
        return LITE_STATUS_DEVICE_UNAVAILABLE;
    }
    const char *extensions = (const char *)gl->glGetString(GL_EXTENSIONS);
    c->timer_queries = extensions && has_extension(extensions, "GL_EXT_disjoint_timer_query") && gl->glGenQueriesEXT &&
                       gl->glDeleteQueriesEXT && gl->glQueryCounterEXT && gl->glGetQueryObjectui64vEXT;
    gles_take_error(c);
    if (c->ssbo_alignment < 4) c->ssbo_alignment = 4;
    if (c->ubo_alignment < 4) c->ubo_alignment = 4;
    snprintf(c->description, sizeof(c->description), "%s (%s; %s; EGL %s)", c->renderer, c->vendor,
             c->version, c->platform);
    return LITE_STATUS_OK;
}

void gles_context_destroy(GlesContext *c) {
    if (c->gl) release(c);
}

void gles_current_save(const GlesApi *gl, GlesCurrent *saved) {
    saved->api = gl->eglQueryAPI();
    saved->context = gl->eglGetCurrentContext();
    saved->display = gl->eglGetCurrentDisplay();
    saved->draw = gl->eglGetCurrentSurface(EGL_DRAW);
    saved->read = gl->eglGetCurrentSurface(EGL_READ);
    saved->switched = false;
}

bool gles_context_enter(const GlesContext *c, GlesCurrent *saved, char *reason, size_t capacity) {
    const GlesApi *gl = c->gl;
    gles_current_save(gl, saved);
    if (saved->api == EGL_OPENGL_ES_API && saved->context == c->context) return true;
    if (!gl->eglBindAPI(EGL_OPENGL_ES_API) || !gl->eglMakeCurrent(c->display, c->surface, c->surface, c->context)) {
        const EGLint error = gl->eglGetError();
        if (saved->api != EGL_OPENGL_ES_API) gl->eglBindAPI(saved->api);
        snprintf(reason, capacity, "cannot make the delegate's GL context current on this thread (EGL error 0x%x)%s",
                 error, error == EGL_BAD_ACCESS ? ": it is current on another thread; a gles delegate is "
                                                  "LITE_THREADING_CREATOR_THREAD, every call must come from "
                                                  "the thread that created it" : "");
        return false;
    }
    saved->switched = true;
    return true;
}

void gles_current_restore(const GlesApi *gl, const GlesCurrent *saved) {
    if (!saved->switched) return;
    if (saved->api != EGL_OPENGL_ES_API) gl->eglBindAPI(saved->api);
    if (saved->context != EGL_NO_CONTEXT)
        gl->eglMakeCurrent(saved->display, saved->draw, saved->read, saved->context);
}

/* ---------------------------------------------------------------------------------------------- */
/* Probe                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static LiteStatus probe_status;
static char probe_text[512];
static LiteDeviceKind probe_kind = LITE_DEVICE_KIND_UNKNOWN;

/* GL does not say what kind of device it runs on; Mesa's and Google's software renderers name
   themselves in GL_RENDERER. */
static LiteDeviceKind kind_of_renderer(const char *renderer) {
    static const char *const software[] = {"llvmpipe", "softpipe", "lavapipe", "SwiftShader"};
    for (size_t i = 0; i < sizeof software / sizeof software[0]; i++)
        if (strstr(renderer, software[i])) return LITE_DEVICE_KIND_SOFTWARE_EMULATION;
    return LITE_DEVICE_KIND_UNKNOWN;
}

static void *probe_thread(void *unused) {
    (void)unused;
    GlesContext context;
    probe_status = gles_context_create(&context, probe_text, sizeof(probe_text));
    if (probe_status == LITE_STATUS_OK) {
        snprintf(probe_text, sizeof(probe_text), "%s", context.description);
        probe_kind = kind_of_renderer(context.renderer);
        gles_context_destroy(&context);
    }
    const GlesApi *gl = gles_api(NULL, 0);
    if (gl) gl->eglReleaseThread(); // this thread's EGL state, before it ends
    return NULL;
}

static void probe(void) {
    // On a thread of its own: making a context current must not disturb the caller's GL state.
    pthread_t thread;
    if (pthread_create(&thread, NULL, probe_thread, NULL) != 0) {
        probe_status = LITE_STATUS_DEVICE_UNAVAILABLE;
        snprintf(probe_text, sizeof(probe_text), "cannot start a thread to probe EGL");
        return;
    }
    pthread_join(thread, NULL);
}

LiteStatus gles_probe(char *text, size_t capacity) {
    pthread_once(&probe_once, probe);
    if (text && capacity > 0) snprintf(text, capacity, "%s", probe_text);
    return probe_status;
}

LiteDeviceKind gles_probe_kind(void) {
    pthread_once(&probe_once, probe);
    return probe_kind;
}
