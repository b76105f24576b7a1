// Reporting through the host's services: error messages and log lines.
#include "lite_plugin_support.h"

#include <stdio.h>

LiteStatus lps_report_error(const LiteHostServices *services, LiteStatus status, char *message,
                            size_t capacity, const char *format, va_list args) {
    vsnprintf(message, capacity, format, args);
    // The host's table may be older (smaller) than ours: use only what fits.
    if (services && LITE_FIELD_FITS(LiteHostServices, report_error, services->struct_size) &&
        services->report_error)
        services->report_error(services->host_context, status, message);
    return status;
}

void lps_log(const LiteHostServices *services, LiteLogLevel level, char *message, size_t capacity,
             const char *format, va_list args) {
    if (!services || !LITE_FIELD_FITS(LiteHostServices, log, services->struct_size) || !services->log)
        return;
    vsnprintf(message, capacity, format, args);
    services->log(services->host_context, level, message);
}
