// libEGL and libGLESv2 are opened at run time (never linked), so the plugin always loads, and a
// machine without them gets "unavailable: <why>" instead of a dlopen failure. GLES entry points
// come from libGLESv2 when it exports them, else from eglGetProcAddress (which, with
// EGL_KHR_get_all_proc_addresses, also returns core functions). Neither library is ever closed:
// the host never unloads plugins either.
#include "gles_delegate.h"

#include <dlfcn.h>

static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static GlesApi api;
static bool api_loaded;
static char api_error[256];

static void *open_first(const char *const *names, size_t count) {
    void *library = NULL;
    for (size_t i = 0; i < count && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    return library;
}

static void load(void) {
    static const char *const egl_names[] = {"libEGL.so.1", "libEGL.so"};
    static const char *const gles_names[] = {"libGLESv2.so.2", "libGLESv2.so"};
    void *egl = open_first(egl_names, 2);
    if (!egl) {
        const char *why = dlerror();
        snprintf(api_error, sizeof(api_error), "no EGL: libEGL.so.1 not found (%s; Debian: apt install libegl1)",
                 why ? why : "dlopen failed");
        return;
    }
    __typeof__(&eglGetProcAddress) get_proc = (__typeof__(&eglGetProcAddress))dlsym(egl, "eglGetProcAddress");
    if (!get_proc) {
        snprintf(api_error, sizeof(api_error), "libEGL has no eglGetProcAddress");
        return;
    }
#define LOAD_EGL(name)                                                                             \
    api.name = (__typeof__(api.name))dlsym(egl, #name);                                            \
    if (!api.name) {                                                                               \
        snprintf(api_error, sizeof(api_error), "libEGL lacks %s", #name);                          \
        return;                                                                                    \
    }
    EGL_FUNCTIONS(LOAD_EGL)
#undef LOAD_EGL
    api.eglGetPlatformDisplayEXT = (PFNEGLGETPLATFORMDISPLAYEXTPROC)get_proc("eglGetPlatformDisplayEXT");
    api.eglQueryDevicesEXT = (PFNEGLQUERYDEVICESEXTPROC)get_proc("eglQueryDevicesEXT");
    api.eglQueryDeviceStringEXT = (PFNEGLQUERYDEVICESTRINGEXTPROC)get_proc("eglQueryDeviceStringEXT");

    void *gles = open_first(gles_names, 2); // may be absent: then eglGetProcAddress alone
#define LOAD_GL(name)                                                                              \
    api.name = gles ? (__typeof__(api.name))dlsym(gles, #name) : NULL;                             \
    if (!api.name) api.name = (__typeof__(api.name))get_proc(#name);                               \
    if (!api.name) {                                                                               \
        snprintf(api_error, sizeof(api_error), "no OpenGL ES 3.1 entry point %s (%s)", #name,      \
                 gles ? "libGLESv2 lacks it" : "libGLESv2.so.2 not found; Debian: apt install libgles2"); \
        return;                                                                                    \
    }
    GL_FUNCTIONS(LOAD_GL)
#undef LOAD_GL
    api.glGenQueriesEXT = (PFNGLGENQUERIESEXTPROC)get_proc("glGenQueriesEXT");
    api.glDeleteQueriesEXT = (PFNGLDELETEQUERIESEXTPROC)get_proc("glDeleteQueriesEXT");
    api.glQueryCounterEXT = (PFNGLQUERYCOUNTEREXTPROC)get_proc("glQueryCounterEXT");
    api.glGetQueryObjectui64vEXT = (PFNGLGETQUERYOBJECTUI64VEXTPROC)get_proc("glGetQueryObjectui64vEXT");
    api_loaded = true;
}

const GlesApi *gles_api(char *reason, size_t capacity) {
    pthread_once(&api_once, load);
    if (!api_loaded) {
        if (reason && capacity > 0) snprintf(reason, capacity, "%s", api_error);
        return NULL;
    }
    return &api;
}
