// The shaderc headers (Debian libshaderc-dev). The plugin opens libshaderc itself at run time.
#include <shaderc/shaderc.h>
