/*
 * lite_plugin_support.h — helpers every delegate plugin of this repository needs in the same form:
 * reporting through the host's services, claim-check helpers, graph validation and the library
 * entry. A static library compiled into each plugin; it depends on the ABI header only, never on
 * the host. (Examples/SampleDelegate does not use it: it shows a plugin built from the header alone.)
 *
 * Every symbol starts with lps_ and has hidden visibility, so a plugin's dynamic symbol table still
 * lists only its lite_plugin_entry.
 */
#ifndef LITE_PLUGIN_SUPPORT_H
#define LITE_PLUGIN_SUPPORT_H

/* System headers come first: the visibility pragma below must not apply to libc declarations. */
#include <stdarg.h>
#include <stddef.h>

#include "lite_delegate.h"

#pragma GCC visibility push(hidden)

/* ---------------------------------------------------------------------------------------------- */
/* Reporting through the host's services (report.c)                                              */
/* ---------------------------------------------------------------------------------------------- */

/** Formats a message into `message` (`capacity` bytes, truncated to fit) and passes it to the
    host's report_error when `services` has one (a table too small to hold the field has none).
    `services` may be NULL. Returns `status`. */
LiteStatus lps_report_error(const LiteHostServices *services, LiteStatus status, char *message,
                            size_t capacity, const char *format, va_list args)
    __attribute__((format(printf, 5, 0)));

/** Formats a message into `message` and passes it to the host's log when `services` has one;
    formats nothing when it has none. `services` may be NULL. */
void lps_log(const LiteHostServices *services, LiteLogLevel level, char *message, size_t capacity,
             const char *format, va_list args) __attribute__((format(printf, 5, 0)));

#pragma GCC visibility pop

#endif /* LITE_PLUGIN_SUPPORT_H */
