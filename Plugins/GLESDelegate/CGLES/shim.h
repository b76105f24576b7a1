// The OpenGL ES 3.1 headers (Debian libgles-dev). Entry points come from libGLESv2.so.2 or
// eglGetProcAddress at run time, never from the link.
#include <GLES3/gl31.h>
