// The library entry every plugin exports: the ABI version check, the library table of its one
// backend and the one-time completion of that backend's capability report.
#include "lite_plugin_support.h"

#include <stdio.h>

static const LiteBackend *backends[1];
static const LitePluginLibrary library = {.struct_size = sizeof(LitePluginLibrary),
                                          .abi_version_major = LITE_ABI_VERSION_MAJOR,
                                          .abi_version_minor = LITE_ABI_VERSION_MINOR,
                                          .backend_count = 1, .backends = backends};
static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;

const LitePluginLibrary *lps_plugin_entry(LiteBackend *backend, LpsRegistry *registry, uint32_t host_major,
                                          uint32_t host_minor, char *reason, size_t capacity) {
    if (host_major != LITE_ABI_VERSION_MAJOR) {
        if (reason && capacity > 0)
            snprintf(reason, capacity,
                     "%s delegate plugin: host ABI version %u.%u is incompatible with the plugin's "
                     "ABI version %d.%d (major versions differ)",
                     backend->name, host_major, host_minor, LITE_ABI_VERSION_MAJOR,
                     LITE_ABI_VERSION_MINOR);
        return NULL;
    }
    pthread_mutex_lock(&library_lock);
    if (!backends[0]) {
        backend->operators = lps_registry_supported(registry, &backend->operator_count);
        backend->custom_operators = lps_registry_custom_names(registry, &backend->custom_operator_count);
        backends[0] = backend;
    }
    pthread_mutex_unlock(&library_lock);
    return &library;
}
