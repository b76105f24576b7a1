// The EGL headers (Debian libegl-dev). The plugin opens libEGL.so.1 itself at run time, so that it
// loads, and reports why it is unavailable, on machines without EGL.
#include <EGL/egl.h>
#include <EGL/eglext.h>
