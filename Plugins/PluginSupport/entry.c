// The library entry every plugin exports, less its name: the ABI version check and the one-time
// completion of the capability report.
#include "lite_plugin_support.h"

#include <stdio.h>

const LitePluginLibrary *lps_plugin_entry(const LitePluginLibrary *library, pthread_once_t *once,
                                          void (*fill)(void), const char *plugin_name,
                                          uint32_t host_major, uint32_t host_minor, char *reason,
                                          size_t capacity) {
    if (host_major != LITE_ABI_VERSION_MAJOR) {
        if (reason && capacity > 0)
            snprintf(reason, capacity,
                     "%s delegate plugin: host ABI version %u.%u is incompatible with the plugin's "
                     "ABI version %d.%d (major versions differ)",
                     plugin_name, host_major, host_minor, LITE_ABI_VERSION_MAJOR,
                     LITE_ABI_VERSION_MINOR);
        return NULL;
    }
    pthread_once(once, fill);
    return library;
}
