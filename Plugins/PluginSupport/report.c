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

LiteStatus lps_fail(const LiteHostServices *services, LiteStatus status, const char *format, ...) {
    char message[LPS_MESSAGE_CAPACITY];
    va_list args;
    va_start(args, format);
    lps_report_error(services, status, message, sizeof(message), format, args);
    va_end(args);
    return status;
}

void lps_logf(const LiteHostServices *services, LiteLogLevel level, const char *format, ...) {
    char message[LPS_MESSAGE_CAPACITY];
    va_list args;
    va_start(args, format);
    lps_log(services, level, message, sizeof(message), format, args);
    va_end(args);
}
