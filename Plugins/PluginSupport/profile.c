// Profile events (ABI 1.3): the host's service checked and called the same way by every plugin.
#include "lite_plugin_support.h"

#include <time.h>

bool lps_profile_available(const LiteHostServices *services) {
    return services && LITE_FIELD_FITS(LiteHostServices, profile_event, services->struct_size) &&
           services->profile_event;
}

uint64_t lps_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lps_profile_event(const LiteHostServices *services, const char *name, const int32_t *nodes, int32_t node_count,
                       LiteProfileClock clock, uint64_t start_ns, uint64_t duration_ns) {
    const LiteProfileEvent event = {
        .struct_size = sizeof(event), .name = name, .nodes = nodes, .node_count = node_count, .clock = clock,
        .start_ns = start_ns, .duration_ns = duration_ns};
    services->profile_event(services->host_context, &event);
}
