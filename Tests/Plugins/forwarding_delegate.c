/*
 * A test delegate plugin in plain C, built from lite_delegate.h alone, that forwards a chosen subset
 * of a model's nodes to a real delegate plugin (the "inner" one), and misbehaves on request. One
 * file on purpose, over 600 lines: a third party's plugin is one `cc` line, and so is this one.
 *
 *   cc -shared -fPIC -Wall -Werror -I Sources/DelegateABI/include Tests/Plugins/forwarding_delegate.c \
 *      -ldl -o liblite_delegate_forward.so
 *
 * The arithmetic is the inner delegate's, so a host that partitions the graph wrongly (a bad order, a
 * missing input or output of a partition) shows it as a wrong output, not just as a wrong plan.
 *
 * Build flags:
 *   -DFORWARD_TO=\"/path/liblite_delegate_cpu.so\"  the inner plugin. Without it, the entry reads the
 *                          environment variable LITE_FORWARD_TO. The inner is opened once per process
 *                          (a later entry call naming another file is refused with a reason).
 *   -DFORWARD_INNER_NAME=\"x\"  the inner library's backend to forward to (default: its first)
 *   -DFORWARD_NAME=\"x\"   this backend's name (default "forward")
 *   -DFORWARD_PRECISION_MASK=N  declare precision mask N instead of the inner's
 *   -DFORWARD_DECLARE_ONLY=CODE  declare only builtin operator CODE (with the inner's version range
 *                          for it, or 1..INT32_MAX) and no custom operators. Claiming is unchanged:
 *                          the plugin may still take nodes of operators it did not declare.
 *   -DFORWARD_ABI_MINOR=N  pose as a plugin built for ABI 1.N (N = 0, 1 or 2): the library reports
 *                          minor N and the backend's struct_size ends at the last field of 1.N
 *                          (destroy_partition for 1.0/1.1, query_device_info for 1.2), whatever this
 *                          header declares. Default: LITE_ABI_VERSION_MINOR and sizeof(LiteBackend).
 *
 * The capability report (operators, custom operators, data types, precisions, threading model) is
 * copied from the inner backend at entry. The threading model carries over because this plugin calls
 * the inner only from within the host's calls to it.
 *
 * Options of create_delegate (all others, "precision" included, go unchanged to the inner delegate;
 * "precision" is also remembered and shown by describe_partition as "precision=X; ..."):
 *   seed=S              (integer, default 0) and
 *   fraction=F          (0..1, default 0.5): of the nodes the inner takes, take node n iff
 *                       splitmix64(S * 1000003 + n), as a double in [0, 1), is below F
 *   take=I,J,K          take exactly these nodes (of those the inner takes) instead; may be empty
 *   refuse_below=M      create_partition refuses partitions of fewer than M nodes
 *   refuse_nodes=I,J    create_partition refuses partitions containing any of these nodes
 *   refuse_status=N     refusals return status N (any 32-bit value) instead of LITE_STATUS_UNSUPPORTED;
 *                       0 returns OK with *out_partition set to NULL
 * Misbehaviour, each "0" (default) or "1":
 *   long_message=1      every decline reason and error message is 10,000 characters ("long message "
 *                       then 'x's)
 *   control_chars=1     decline reasons and error messages contain \r, an ANSI colour escape, \a, \n
 *                       and \t
 *   bad_verdicts=1      after its verdicts, claim_nodes also gives TAKEN for nodes -1, node_count and
 *                       node_count + 5, and a second, opposite verdict for node 0
 *   late_verdict=1      create_partition first calls the verdict function claim_nodes was given (TAKEN
 *                       for node 0), after claim_nodes has returned
 *   fail_claim=1        claim_nodes gives its verdicts, then reports an error and returns
 *                       LITE_STATUS_ERROR
 * A malformed value of one of these options fails create_delegate with LITE_STATUS_INVALID_ARGUMENT.
 */
#include "lite_delegate.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FORWARD_NAME
#define FORWARD_NAME "forward"
#endif

#ifndef FORWARD_ABI_MINOR
#define FORWARD_ABI_MINOR LITE_ABI_VERSION_MINOR
#define FORWARD_BACKEND_SIZE sizeof(LiteBackend)
#elif FORWARD_ABI_MINOR == 2
#define FORWARD_BACKEND_SIZE (offsetof(LiteBackend, query_device_info) + sizeof(void *))
#elif FORWARD_ABI_MINOR == 0 || FORWARD_ABI_MINOR == 1
#define FORWARD_BACKEND_SIZE (offsetof(LiteBackend, destroy_partition) + sizeof(void *))
#else
#error "FORWARD_ABI_MINOR must be 0, 1 or 2"
#endif

/* long_message=1 messages have exactly this many characters before the NUL. */
#define LONG_MESSAGE_LENGTH 10000
#define MESSAGE_CAPACITY (LONG_MESSAGE_LENGTH + 1)
#define CONTROL_TEXT "bad\rchars \x1b[31mred\x1b[0m\x07 line\nbreak\ttab"
/* Sizes beyond this are absurd for any table an inner plugin hands us (the host's limit too). */
#define MAX_STRUCT_SIZE ((size_t)1 << 16)

/* ------------------------------------------------------------------------------------------------ */
/* Process-wide state: the inner library, opened by the first entry call                            */
/* ------------------------------------------------------------------------------------------------ */

/* create_delegate receives no backend pointer, so one process forwards to one inner backend. */
static struct {
    pthread_mutex_t lock;
    int ready;
    char path[4096];
    void *handle;
    const LiteBackend *inner;
    LiteOperatorSupport *operators;
    const char **custom_operators;
} forward_state = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void report(const LiteHostServices *services, LiteStatus status, const char *message) {
    if (services && LITE_FIELD_FITS(LiteHostServices, report_error, services->struct_size) && services->report_error)
        services->report_error(services->host_context, status, message);
}

static void log_line(const LiteHostServices *services, LiteLogLevel level, const char *message) {
    if (services && LITE_FIELD_FITS(LiteHostServices, log, services->struct_size) && services->log)
        services->log(services->host_context, level, message);
}

/* An optional function of the inner backend, or NULL when its table ends before the field. */
#define INNER_FN(field) \
    (LITE_FIELD_FITS(LiteBackend, field, forward_state.inner->struct_size) ? forward_state.inner->field : NULL)

/* ------------------------------------------------------------------------------------------------ */
/* Delegates and partitions                                                                         */
/* ------------------------------------------------------------------------------------------------ */

struct LiteDelegate {
    const LiteHostServices *services;
    LiteDelegate *inner;

    uint64_t seed;
    double fraction;
    int32_t *take; /* NULL: choose by seed and fraction */
    size_t take_count;
    char *take_text;
    int64_t refuse_below;
    int32_t *refuse_nodes;
    size_t refuse_node_count;
    int32_t refuse_status;
    int long_message, control_chars, bad_verdicts, late_verdict, fail_claim;
    char *precision;

    /* late_verdict=1: what the last claim_nodes was given, used after it returned. */
    LiteVerdictFn stale_verdict;
    void *stale_verdict_context;

    /* The message of the current call, rewritten for each verdict or error (the host copies it). */
    char message[MESSAGE_CAPACITY];
};

struct LitePartition {
    LiteDelegate *delegate;
    LitePartition *inner;
};

/* Formats `text` into the delegate's message buffer, disguised as the misbehaviour options ask. */
static const char *compose(LiteDelegate *delegate, const char *text) {
    char *out = delegate->message;
    if (delegate->long_message) {
        int used = snprintf(out, MESSAGE_CAPACITY, "long message %s", delegate->control_chars ? CONTROL_TEXT : "");
        size_t length = used < 0 ? 0 : (size_t)used;
        memset(out + length, 'x', LONG_MESSAGE_LENGTH - length);
        out[LONG_MESSAGE_LENGTH] = '\0';
    } else if (delegate->control_chars) {
        if (snprintf(out, MESSAGE_CAPACITY, "%s %s", CONTROL_TEXT, text) >= MESSAGE_CAPACITY) {
            /* Truncated: still a valid NUL-terminated message. */
        }
    } else if (snprintf(out, MESSAGE_CAPACITY, "%s", text) >= MESSAGE_CAPACITY) {
        /* Truncated: still a valid NUL-terminated message. */
    }
    return out;
}

static void fail(LiteDelegate *delegate, LiteStatus status, const char *text) {
    report(delegate->services, status, compose(delegate, text));
}

static void free_delegate(LiteDelegate *delegate) {
    free(delegate->take);
    free(delegate->take_text);
    free(delegate->refuse_nodes);
    free(delegate->precision);
    free(delegate);
}

/* ---- Option parsing: each returns 0, or 1 with the reason in `error`. ---- */

static int parse_integer(const char *value, long long min, long long max, long long *out, char *error,
                         size_t capacity) {
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll(value, &end, 10);
    if (end == value || *end != '\0' || errno == ERANGE || parsed < min || parsed > max) {
        snprintf(error, capacity, "expected an integer in [%lld, %lld], got '%.64s'", min, max, value);
        return 1;
    }
    *out = parsed;
    return 0;
}

static int parse_flag(const char *value, int *out, char *error, size_t capacity) {
    if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0) {
        *out = value[0] == '1';
        return 0;
    }
    snprintf(error, capacity, "expected 0 or 1, got '%.64s'", value);
    return 1;
}

/* A comma-separated list of node indices; the empty string is the empty list. */
static int parse_nodes(const char *value, int32_t **out, size_t *out_count, char *error, size_t capacity) {
    size_t count = 0;
    int32_t *nodes = malloc(sizeof(int32_t) * (strlen(value) / 2 + 1));
    if (!nodes) {
        snprintf(error, capacity, "out of memory");
        return 1;
    }
    const char *cursor = value;
    while (*cursor != '\0') {
        char *end = NULL;
        errno = 0;
        long long parsed = strtoll(cursor, &end, 10);
        if (end == cursor || errno == ERANGE || parsed < 0 || parsed > INT32_MAX || (*end != ',' && *end != '\0') ||
            (*end == ',' && end[1] == '\0')) {
            snprintf(error, capacity, "expected comma-separated node indices (each in [0, %d]), got '%.64s'",
                     (int)INT32_MAX, value);
            free(nodes);
            return 1;
        }
        nodes[count++] = (int32_t)parsed;
        cursor = *end == ',' ? end + 1 : end;
    }
    free(*out);
    *out = nodes;
    *out_count = count;
    return 0;
}

static int contains(const int32_t *list, size_t count, int32_t value) {
    for (size_t i = 0; i < count; i++)
        if (list[i] == value) return 1;
    return 0;
}

/* Applies one option to the delegate. Returns 1 if it is one of ours (and sets *bad on a bad value). */
static int parse_own_option(LiteDelegate *delegate, const char *key, const char *value, int *bad, char *error,
                            size_t capacity) {
    long long number = 0;
    *bad = 0;
    if (strcmp(key, "seed") == 0) {
        *bad = parse_integer(value, INT64_MIN, INT64_MAX, &number, error, capacity);
        if (!*bad) delegate->seed = (uint64_t)number;
    } else if (strcmp(key, "fraction") == 0) {
        char *end = NULL;
        errno = 0;
        double parsed = strtod(value, &end);
        if (end == value || *end != '\0' || errno == ERANGE || !isfinite(parsed) || parsed < 0.0 || parsed > 1.0) {
            snprintf(error, capacity, "expected a number in [0, 1], got '%.64s'", value);
            *bad = 1;
        } else {
            delegate->fraction = parsed;
        }
    } else if (strcmp(key, "take") == 0) {
        *bad = parse_nodes(value, &delegate->take, &delegate->take_count, error, capacity);
        if (!*bad) {
            free(delegate->take_text);
            delegate->take_text = strdup(value);
            if (!delegate->take_text) {
                snprintf(error, capacity, "out of memory");
                *bad = 1;
            }
        }
    } else if (strcmp(key, "refuse_below") == 0) {
        *bad = parse_integer(value, 0, INT32_MAX, &number, error, capacity);
        if (!*bad) delegate->refuse_below = number;
    } else if (strcmp(key, "refuse_nodes") == 0) {
        *bad = parse_nodes(value, &delegate->refuse_nodes, &delegate->refuse_node_count, error, capacity);
    } else if (strcmp(key, "refuse_status") == 0) {
        *bad = parse_integer(value, INT32_MIN, INT32_MAX, &number, error, capacity);
        if (!*bad) delegate->refuse_status = (int32_t)number;
    } else if (strcmp(key, "long_message") == 0) {
        *bad = parse_flag(value, &delegate->long_message, error, capacity);
    } else if (strcmp(key, "control_chars") == 0) {
        *bad = parse_flag(value, &delegate->control_chars, error, capacity);
    } else if (strcmp(key, "bad_verdicts") == 0) {
        *bad = parse_flag(value, &delegate->bad_verdicts, error, capacity);
    } else if (strcmp(key, "late_verdict") == 0) {
        *bad = parse_flag(value, &delegate->late_verdict, error, capacity);
    } else if (strcmp(key, "fail_claim") == 0) {
        *bad = parse_flag(value, &delegate->fail_claim, error, capacity);
    } else {
        return 0;
    }
    return 1;
}

static LiteStatus forward_create_delegate(const LiteHostServices *services, const char *const *keys,
                                          const char *const *values, size_t count, LiteDelegate **out) {
    if (!out || (count > 0 && (!keys || !values))) {
        report(services, LITE_STATUS_INVALID_ARGUMENT, "forward: create_delegate given NULL arrays");
        return LITE_STATUS_INVALID_ARGUMENT;
    }
    *out = NULL;
    LiteDelegate *delegate = calloc(1, sizeof *delegate);
    /* The inner sees every option but ours; the arrays point at the host's strings, valid during the call. */
    const char **inner_keys = malloc(sizeof(char *) * (count + 1));
    const char **inner_values = malloc(sizeof(char *) * (count + 1));
    if (!delegate || !inner_keys || !inner_values) {
        free(delegate);
        free(inner_keys);
        free(inner_values);
        report(services, LITE_STATUS_OUT_OF_MEMORY, "forward: out of memory");
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    delegate->services = services;
    delegate->fraction = 0.5;
    delegate->refuse_status = LITE_STATUS_UNSUPPORTED;

    size_t inner_count = 0;
    LiteStatus status = LITE_STATUS_OK;
    for (size_t i = 0; i < count && status == LITE_STATUS_OK; i++) {
        const char *key = keys[i] ? keys[i] : "";
        const char *value = values[i] ? values[i] : "";
        char error[256];
        int bad = 0;
        if (parse_own_option(delegate, key, value, &bad, error, sizeof error)) {
            if (bad) {
                char text[400];
                snprintf(text, sizeof text, "forward: option %.64s: %s", key, error);
                report(services, LITE_STATUS_INVALID_ARGUMENT, text);
                status = LITE_STATUS_INVALID_ARGUMENT;
            }
            continue;
        }
        if (strcmp(key, "precision") == 0) {
            free(delegate->precision);
            delegate->precision = strdup(value);
            if (!delegate->precision) {
                report(services, LITE_STATUS_OUT_OF_MEMORY, "forward: out of memory");
                status = LITE_STATUS_OUT_OF_MEMORY;
            }
        }
        inner_keys[inner_count] = keys[i];
        inner_values[inner_count] = values[i];
        inner_count++;
    }
    if (status == LITE_STATUS_OK) {
        /* The inner reports through the host's table for this delegate, so its errors reach the host. */
        status = forward_state.inner->create_delegate(services, inner_keys, inner_values, inner_count,
                                                      &delegate->inner);
        if (status == LITE_STATUS_OK && !delegate->inner) {
            report(services, LITE_STATUS_ERROR, "forward: inner create_delegate returned OK without a delegate");
            status = LITE_STATUS_ERROR;
        }
    }
    free(inner_keys);
    free(inner_values);
    if (status != LITE_STATUS_OK) {
        free_delegate(delegate);
        return status;
    }
    char line[200];
    if (delegate->take_text)
        snprintf(line, sizeof line, "forward: to %s, take=%.64s", forward_state.inner->name, delegate->take_text);
    else
        snprintf(line, sizeof line, "forward: to %s, seed %lld, fraction %g", forward_state.inner->name,
                 (long long)delegate->seed, delegate->fraction);
    log_line(services, LITE_LOG_DEBUG, line);
    *out = delegate;
    return LITE_STATUS_OK;
}

static void forward_destroy_delegate(LiteDelegate *delegate) {
    if (!delegate) return;
    forward_state.inner->destroy_delegate(delegate->inner);
    free_delegate(delegate);
}

/* ---- Claiming ---- */

enum { INNER_NO_VERDICT = 0, INNER_TAKEN = 1, INNER_DECLINED = 2 };

/* What the inner's claim_nodes said, per node. */
typedef struct InnerVerdicts {
    int32_t node_count;
    unsigned char *state;
    char **reasons;
} InnerVerdicts;

static void record_inner_verdict(void *context, int32_t node, LiteVerdict verdict, const char *reason) {
    InnerVerdicts *verdicts = context;
    if (node < 0 || node >= verdicts->node_count) return;
    free(verdicts->reasons[node]);
    verdicts->reasons[node] = NULL;
    if (verdict == LITE_VERDICT_TAKEN) {
        verdicts->state[node] = INNER_TAKEN;
    } else {
        verdicts->state[node] = INNER_DECLINED;
        verdicts->reasons[node] = strdup(reason && reason[0] ? reason : "declined without a reason");
    }
}

static uint64_t splitmix64(uint64_t x) {
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int chosen(const LiteDelegate *delegate, int32_t node) {
    if (delegate->take) return contains(delegate->take, delegate->take_count, node);
    /* Unsigned arithmetic: wraps by definition for any seed. */
    uint64_t hash = splitmix64(delegate->seed * 1000003ull + (uint64_t)node);
    return (double)(hash >> 11) * 0x1p-53 < delegate->fraction;
}

static LiteStatus forward_claim_nodes(LiteDelegate *delegate, const LiteGraph *graph, LiteVerdictFn verdict,
                                      void *context) {
    if (!graph || !verdict || graph->node_count < 0) {
        report(delegate->services, LITE_STATUS_INVALID_ARGUMENT, "forward: claim_nodes given a bad graph");
        return LITE_STATUS_INVALID_ARGUMENT;
    }
    delegate->stale_verdict = verdict;
    delegate->stale_verdict_context = context;

    int32_t count = graph->node_count;
    InnerVerdicts inner = {count, calloc((size_t)count + 1, 1), calloc((size_t)count + 1, sizeof(char *))};
    if (!inner.state || !inner.reasons) {
        free(inner.state);
        free(inner.reasons);
        report(delegate->services, LITE_STATUS_OUT_OF_MEMORY, "forward: out of memory");
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    LiteStatus status = forward_state.inner->claim_nodes(delegate->inner, graph, record_inner_verdict, &inner);
    LiteVerdict first_for_node_0 = LITE_VERDICT_DECLINED;
    if (status == LITE_STATUS_OK) {
        for (int32_t n = 0; n < count; n++) {
            LiteVerdict given = LITE_VERDICT_DECLINED;
            char text[600];
            if (inner.state[n] == INNER_TAKEN) {
                if (chosen(delegate, n)) {
                    given = LITE_VERDICT_TAKEN;
                    verdict(context, n, LITE_VERDICT_TAKEN, NULL);
                } else {
                    if (delegate->take_text)
                        snprintf(text, sizeof text, "not chosen (take=%.500s)", delegate->take_text);
                    else
                        snprintf(text, sizeof text, "not chosen (seed %lld, fraction %g)", (long long)delegate->seed,
                                 delegate->fraction);
                    verdict(context, n, LITE_VERDICT_DECLINED, compose(delegate, text));
                }
            } else {
                const char *reason = inner.state[n] == INNER_NO_VERDICT ? "gave no verdict"
                                     : inner.reasons[n]                 ? inner.reasons[n]
                                                                        : "out of memory copying its reason";
                snprintf(text, sizeof text, "inner: %.500s", reason);
                verdict(context, n, LITE_VERDICT_DECLINED, compose(delegate, text));
            }
            if (n == 0) first_for_node_0 = given;
        }
        if (delegate->bad_verdicts) {
            verdict(context, -1, LITE_VERDICT_TAKEN, NULL);
            verdict(context, count, LITE_VERDICT_TAKEN, NULL);
            verdict(context, count + 5, LITE_VERDICT_TAKEN, NULL);
            if (count > 0) {
                if (first_for_node_0 == LITE_VERDICT_TAKEN)
                    verdict(context, 0, LITE_VERDICT_DECLINED, compose(delegate, "second verdict (bad_verdicts=1)"));
                else
                    verdict(context, 0, LITE_VERDICT_TAKEN, NULL);
            }
        }
        if (delegate->fail_claim) {
            fail(delegate, LITE_STATUS_ERROR, "forward: claim_nodes fails on purpose (fail_claim=1)");
            status = LITE_STATUS_ERROR;
        }
    }
    for (int32_t n = 0; n < count; n++) free(inner.reasons[n]);
    free(inner.reasons);
    free(inner.state);
    return status;
}

/* ---- Partitions ---- */

/* Appends `text` to the NUL-terminated string of `length` bytes in `out`, truncating to `capacity`
   (which must be at least 1); returns the new length. */
static size_t append(char *out, size_t capacity, size_t length, const char *text) {
    size_t room = capacity - 1 - length;
    size_t count = strlen(text);
    if (count > room) count = room;
    memmove(out + length, text, count);
    out[length + count] = '\0';
    return length + count;
}

static LiteStatus forward_create_partition(LiteDelegate *delegate, const LiteGraph *graph, const int32_t *node_indices,
                                           int32_t node_count, const int32_t *inputs, int32_t input_count,
                                           const int32_t *outputs, int32_t output_count, LitePartition **out) {
    if (delegate->late_verdict && delegate->stale_verdict)
        delegate->stale_verdict(delegate->stale_verdict_context, 0, LITE_VERDICT_TAKEN, NULL);
    if (!out || (node_count > 0 && !node_indices)) {
        report(delegate->services, LITE_STATUS_INVALID_ARGUMENT, "forward: create_partition given NULL arrays");
        return LITE_STATUS_INVALID_ARGUMENT;
    }
    *out = NULL;

    char text[200];
    int refused = 0;
    if (node_count < delegate->refuse_below) {
        snprintf(text, sizeof text, "refused: partition of %d nodes, fewer than refuse_below=%lld", (int)node_count,
                 (long long)delegate->refuse_below);
        refused = 1;
    }
    for (int32_t i = 0; i < node_count && !refused; i++) {
        if (contains(delegate->refuse_nodes, delegate->refuse_node_count, node_indices[i])) {
            snprintf(text, sizeof text, "refused: partition contains node %d", (int)node_indices[i]);
            refused = 1;
        }
    }
    if (refused) {
        fail(delegate, (LiteStatus)delegate->refuse_status, text);
        return (LiteStatus)delegate->refuse_status;
    }

    LitePartition *partition = calloc(1, sizeof *partition);
    if (!partition) {
        report(delegate->services, LITE_STATUS_OUT_OF_MEMORY, "forward: out of memory");
        return LITE_STATUS_OUT_OF_MEMORY;
    }
    LiteStatus status = forward_state.inner->create_partition(delegate->inner, graph, node_indices, node_count, inputs,
                                                              input_count, outputs, output_count, &partition->inner);
    if (status == LITE_STATUS_OK && !partition->inner) {
        report(delegate->services, LITE_STATUS_ERROR, "forward: inner create_partition returned OK without a partition");
        status = LITE_STATUS_ERROR;
    }
    if (status != LITE_STATUS_OK) {
        free(partition);
        return status;
    }
    partition->delegate = delegate;
    *out = partition;
    return LITE_STATUS_OK;
}

static LiteStatus forward_prepare_partition(LitePartition *partition, const LiteGraph *graph) {
    return forward_state.inner->prepare_partition(partition->inner, graph);
}

static LiteStatus forward_invoke_partition(LitePartition *partition, const void *const *inputs,
                                           const size_t *input_sizes, void *const *outputs,
                                           const size_t *output_sizes) {
    return forward_state.inner->invoke_partition(partition->inner, inputs, input_sizes, outputs, output_sizes);
}

static void forward_destroy_partition(LitePartition *partition) {
    if (!partition) return;
    forward_state.inner->destroy_partition(partition->inner);
    free(partition);
}

static LiteStatus forward_describe_partition(LitePartition *partition, LitePartitionInfo *info) {
    if (!info) return LITE_STATUS_INVALID_ARGUMENT;
    LiteStatus (*inner_describe)(LitePartition *, LitePartitionInfo *) = INNER_FN(describe_partition);
    LiteStatus status = LITE_STATUS_OK;
    if (inner_describe) status = inner_describe(partition->inner, info);
    if (status != LITE_STATUS_OK || !LITE_FIELD_FITS(LitePartitionInfo, summary, info->struct_size)) return status;

    char *summary = info->summary;
    summary[sizeof info->summary - 1] = '\0'; /* the inner may have filled it to the end */
    char prefixed[sizeof info->summary];
    const char *precision = partition->delegate->precision ? partition->delegate->precision : "none";
    const char *rest = inner_describe ? summary : "(the inner backend does not describe partitions)";
    size_t length = append(prefixed, sizeof prefixed, 0, "precision=");
    length = append(prefixed, sizeof prefixed, length, precision);
    length = append(prefixed, sizeof prefixed, length, "; ");
    append(prefixed, sizeof prefixed, length, rest);
    memcpy(summary, prefixed, sizeof prefixed);
    return LITE_STATUS_OK;
}

/* ---- Device ---- */

static LiteStatus forward_query_device(char *text, size_t capacity) {
    LiteStatus (*inner_query)(char *, size_t) = INNER_FN(query_device);
    char inner_text[512] = "no device probe";
    LiteStatus status = inner_query ? inner_query(inner_text, sizeof inner_text) : LITE_STATUS_OK;
    inner_text[sizeof inner_text - 1] = '\0';
    if (text && capacity > 0) snprintf(text, capacity, "forward to %s: %s", forward_state.inner->name, inner_text);
    return status;
}

static LiteStatus forward_query_device_info(LiteDeviceInfo *info) {
    if (!info || !LITE_FIELD_FITS(LiteDeviceInfo, description, info->struct_size)) return LITE_STATUS_INVALID_ARGUMENT;
    LiteStatus (*inner_info)(LiteDeviceInfo *) = INNER_FN(query_device_info);
    LiteStatus status;
    if (inner_info) {
        status = inner_info(info);
    } else {
        LiteStatus (*inner_query)(char *, size_t) = INNER_FN(query_device);
        info->kind = LITE_DEVICE_KIND_UNKNOWN;
        snprintf(info->description, sizeof info->description, "no device probe");
        status = inner_query ? inner_query(info->description, sizeof info->description) : LITE_STATUS_OK;
    }
    info->description[sizeof info->description - 1] = '\0';
    char prefixed[sizeof info->description];
    size_t length = append(prefixed, sizeof prefixed, 0, "forward to ");
    length = append(prefixed, sizeof prefixed, length, forward_state.inner->name);
    length = append(prefixed, sizeof prefixed, length, ": ");
    append(prefixed, sizeof prefixed, length, info->description);
    memcpy(info->description, prefixed, sizeof prefixed);
    return status;
}

/* ------------------------------------------------------------------------------------------------ */
/* The library table                                                                                */
/* ------------------------------------------------------------------------------------------------ */

/* Not const: the capability report is copied in from the inner backend at the first entry call. */
static LiteBackend forward_backend = {
    .struct_size = FORWARD_BACKEND_SIZE,
    .name = FORWARD_NAME,
    .vendor = "lite tests",
    .version = "1.0.0",
    .kind = LITE_BACKEND_KIND_ACCELERATOR,
    .query_device = forward_query_device,
    .create_delegate = forward_create_delegate,
    .destroy_delegate = forward_destroy_delegate,
    .claim_nodes = forward_claim_nodes,
    .create_partition = forward_create_partition,
    .prepare_partition = forward_prepare_partition,
    .invoke_partition = forward_invoke_partition,
    .destroy_partition = forward_destroy_partition,
    .describe_partition = forward_describe_partition,
    .query_device_info = forward_query_device_info,
};

static const LiteBackend *const forward_backends[] = {&forward_backend};

static const LitePluginLibrary forward_library = {
    .struct_size = sizeof(LitePluginLibrary),
    .abi_version_major = LITE_ABI_VERSION_MAJOR,
    .abi_version_minor = FORWARD_ABI_MINOR,
    .backend_count = 1,
    .backends = forward_backends,
};

/* Opens the inner library (or finds it open) and returns its chosen backend, or NULL with a reason. */
static const LiteBackend *open_inner(const char *path, uint32_t host_major, uint32_t host_minor,
                                     const LiteHostServices *services, char *reason, size_t capacity) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *error = dlerror();
        snprintf(reason, capacity, "forward: cannot open inner plugin %s: %s", path, error ? error : "unknown error");
        return NULL;
    }
    /* Never closed: the inner's tables back this plugin's until the process ends. */
    forward_state.handle = handle;
    dlerror();
    void *symbol = dlsym(handle, LITE_PLUGIN_ENTRY_SYMBOL);
    if (!symbol) {
        const char *error = dlerror();
        snprintf(reason, capacity, "forward: inner plugin %s has no %s: %s", path, LITE_PLUGIN_ENTRY_SYMBOL,
                 error ? error : "unknown error");
        return NULL;
    }
    LitePluginEntryFn entry;
    memcpy(&entry, &symbol, sizeof entry); /* object to function pointer, as dlsym requires */

    char inner_reason[512] = "";
    const LitePluginLibrary *library = entry(host_major, host_minor, services, inner_reason, sizeof inner_reason);
    inner_reason[sizeof inner_reason - 1] = '\0';
    if (!library) {
        snprintf(reason, capacity, "forward: inner plugin %s refused to load: %s", path,
                 inner_reason[0] ? inner_reason : "no reason given");
        return NULL;
    }
    if (library->struct_size < offsetof(LitePluginLibrary, backends) + sizeof(void *) ||
        library->struct_size > MAX_STRUCT_SIZE || library->abi_version_major != LITE_ABI_VERSION_MAJOR ||
        library->backend_count == 0 || library->backend_count > 64 || !library->backends) {
        snprintf(reason, capacity, "forward: inner plugin %s has an unusable library table (size %zu, ABI %u.%u, %u backends)",
                 path, library->struct_size, library->abi_version_major, library->abi_version_minor,
                 library->backend_count);
        return NULL;
    }
    const LiteBackend *inner = NULL;
#ifdef FORWARD_INNER_NAME
    for (uint32_t i = 0; i < library->backend_count && !inner; i++) {
        const LiteBackend *candidate = library->backends[i];
        if (candidate && candidate->struct_size >= offsetof(LiteBackend, name) + sizeof(char *) && candidate->name &&
            strcmp(candidate->name, FORWARD_INNER_NAME) == 0)
            inner = candidate;
    }
    if (!inner) {
        snprintf(reason, capacity, "forward: inner plugin %s has no backend named %s", path, FORWARD_INNER_NAME);
        return NULL;
    }
#else
    inner = library->backends[0];
#endif
    if (!inner || inner->struct_size < offsetof(LiteBackend, destroy_partition) + sizeof(void *) ||
        inner->struct_size > MAX_STRUCT_SIZE || !inner->name || !inner->create_delegate || !inner->destroy_delegate ||
        !inner->claim_nodes || !inner->create_partition || !inner->prepare_partition || !inner->invoke_partition ||
        !inner->destroy_partition) {
        snprintf(reason, capacity, "forward: inner plugin %s: its backend table is truncated or lacks functions", path);
        return NULL;
    }
    return inner;
}

/* Copies the inner backend's capability report into forward_backend. Returns 0, or 1 with a reason. */
static int copy_capabilities(const LiteBackend *inner, char *reason, size_t capacity) {
    size_t count = inner->operators ? inner->operator_count : 0;
    size_t stride = count > 0 ? inner->operators[0].struct_size : 0;
    if (count > 0 && (stride < sizeof(size_t) || stride > MAX_STRUCT_SIZE || count > 100000)) {
        snprintf(reason, capacity, "forward: inner backend %s declares %zu operators with stride %zu", inner->name,
                 count, stride);
        return 1;
    }
#ifdef FORWARD_DECLARE_ONLY
    LiteOperatorSupport only = {sizeof(LiteOperatorSupport), FORWARD_DECLARE_ONLY, 1, INT32_MAX};
    for (size_t i = 0; i < count; i++) {
        const LiteOperatorSupport *support = LITE_ARRAY_AT(LiteOperatorSupport, inner->operators, i);
        if (LITE_FIELD_FITS(LiteOperatorSupport, max_version, stride) && support->builtin_code == FORWARD_DECLARE_ONLY) {
            only.min_version = support->min_version;
            only.max_version = support->max_version;
        }
    }
    forward_state.operators = malloc(sizeof only);
    if (!forward_state.operators) goto out_of_memory;
    forward_state.operators[0] = only;
    forward_backend.operators = forward_state.operators;
    forward_backend.operator_count = 1;
    forward_backend.custom_operators = NULL;
    forward_backend.custom_operator_count = 0;
#else
    forward_state.operators = calloc(count + 1, sizeof(LiteOperatorSupport));
    if (!forward_state.operators) goto out_of_memory;
    for (size_t i = 0; i < count; i++) {
        const LiteOperatorSupport *support = LITE_ARRAY_AT(LiteOperatorSupport, inner->operators, i);
        LiteOperatorSupport *copy = &forward_state.operators[i];
        copy->struct_size = sizeof *copy;
        if (LITE_FIELD_FITS(LiteOperatorSupport, builtin_code, stride)) copy->builtin_code = support->builtin_code;
        if (LITE_FIELD_FITS(LiteOperatorSupport, min_version, stride)) copy->min_version = support->min_version;
        if (LITE_FIELD_FITS(LiteOperatorSupport, max_version, stride)) copy->max_version = support->max_version;
    }
    forward_backend.operators = count > 0 ? forward_state.operators : NULL;
    forward_backend.operator_count = count;

    size_t custom_count = inner->custom_operators ? inner->custom_operator_count : 0;
    if (custom_count > 100000) {
        snprintf(reason, capacity, "forward: inner backend %s declares %zu custom operators", inner->name, custom_count);
        return 1;
    }
    forward_state.custom_operators = calloc(custom_count + 1, sizeof(char *));
    if (!forward_state.custom_operators) goto out_of_memory;
    for (size_t i = 0; i < custom_count; i++) forward_state.custom_operators[i] = inner->custom_operators[i];
    forward_backend.custom_operators = custom_count > 0 ? forward_state.custom_operators : NULL;
    forward_backend.custom_operator_count = custom_count;
#endif
    forward_backend.data_type_mask = inner->data_type_mask;
#ifdef FORWARD_PRECISION_MASK
    forward_backend.precision_mask = FORWARD_PRECISION_MASK;
#else
    forward_backend.precision_mask = inner->precision_mask;
#endif
    forward_backend.threading = inner->threading;
    return 0;

out_of_memory:
    snprintf(reason, capacity, "forward: out of memory copying the capability report");
    return 1;
}

LITE_PLUGIN_EXPORT const LitePluginLibrary *lite_plugin_entry(uint32_t host_abi_major, uint32_t host_abi_minor,
                                                              const LiteHostServices *services, char *reason,
                                                              size_t capacity) {
    char scratch[1];
    if (!reason || capacity == 0) {
        reason = scratch;
        capacity = sizeof scratch;
    }
    reason[0] = '\0';
    if (host_abi_major != LITE_ABI_VERSION_MAJOR) {
        snprintf(reason, capacity, "forward plugin speaks delegate ABI %d.%d, host speaks %u", LITE_ABI_VERSION_MAJOR,
                 FORWARD_ABI_MINOR, host_abi_major);
        return NULL;
    }
#ifdef FORWARD_TO
    const char *path = FORWARD_TO;
#else
    const char *path = getenv("LITE_FORWARD_TO");
#endif
    if (!path || !path[0]) {
        snprintf(reason, capacity, "forward: no inner plugin (build with -DFORWARD_TO or set LITE_FORWARD_TO)");
        return NULL;
    }
    if (strlen(path) >= sizeof forward_state.path) {
        snprintf(reason, capacity, "forward: inner plugin path is too long");
        return NULL;
    }

    /* A plugin forwarding to itself, or to a forwarder that forwards back, re-enters here on this
       thread while holding the lock. */
    static _Thread_local int entering;
    if (entering) {
        snprintf(reason, capacity, "forward: forwarding loop: %.1000s leads back to this plugin", path);
        return NULL;
    }
    const LitePluginLibrary *result = NULL;
    pthread_mutex_lock(&forward_state.lock);
    entering = 1;
    if (forward_state.ready && strcmp(forward_state.path, path) != 0) {
        snprintf(reason, capacity, "forward: this process already forwards to %.1000s; cannot switch to %.1000s",
                 forward_state.path, path);
    } else {
        /* Every entry call runs the inner's entry too, so the inner always holds the latest services
           table the host handed out. Its backend table is static, so the copied report stays right. */
        const LiteBackend *inner = open_inner(path, host_abi_major, host_abi_minor, services, reason, capacity);
        if (inner && !forward_state.ready) {
            forward_state.inner = inner;
            if (copy_capabilities(inner, reason, capacity) == 0) {
                strcpy(forward_state.path, path);
                forward_state.ready = 1;
                char line[600];
                snprintf(line, sizeof line, "forward: forwarding to backend %s of %.500s", inner->name, path);
                log_line(services, LITE_LOG_INFO, line);
            } else {
                free(forward_state.operators);
                free(forward_state.custom_operators);
                forward_state.operators = NULL;
                forward_state.custom_operators = NULL;
                forward_state.inner = NULL;
            }
        } else if (inner) {
            forward_state.inner = inner;
        }
        if (forward_state.ready && inner) result = &forward_library;
    }
    entering = 0;
    pthread_mutex_unlock(&forward_state.lock);
    return result;
}
