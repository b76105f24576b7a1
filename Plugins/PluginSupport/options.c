/* Option values: what every plugin accepts for an integer or a boolean option, in one place. */

#include "lite_plugin_support.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

bool lps_parse_int(const char *text, long min, long max, long *value) {
    if (!text || !*text) return false;
    char *end = NULL;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || parsed < min || parsed > max) return false;
    *value = parsed;
    return true;
}

bool lps_parse_bool(const char *text, bool *value) {
    if (!text) return false;
    static const char *const truths[] = {"1", "true", "yes", "on"};
    static const char *const falsehoods[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++) {
        if (strcasecmp(text, truths[i]) == 0) { *value = true; return true; }
        if (strcasecmp(text, falsehoods[i]) == 0) { *value = false; return true; }
    }
    return false;
}
