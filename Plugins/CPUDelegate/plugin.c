// The plugin's entry point, its one backend ("cpu"), delegate creation and claiming.
#include "cpu_delegate.h"

#include <unistd.h>

#define MAX_THREADS 256

static int online_cpus(void) {
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count < 1 ? 1 : (count > MAX_THREADS ? MAX_THREADS : (int)count);
}

/* ---------------------------------------------------------------------------------------------- */
/* Device description                                                                             */
/* ---------------------------------------------------------------------------------------------- */

static void cpu_model_name(char *name, size_t capacity) {
    snprintf(name, capacity, "CPU");
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (!file) return;
    char line[256];
    while (fgets(line, sizeof(line), file)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *value = strchr(line, ':');
        if (!value) break;
        value++;
        while (*value == ' ' || *value == '\t') value++;
        snprintf(name, capacity, "%s", value);
        name[strcspn(name, "\n")] = '\0';
        break;
    }
    fclose(file);
}

/* The path a delegate gets without the option isa= is part of the description: the widest the
   CPU has, or LITE_CPU_ISA's (a value create_delegate would refuse is named as such). */
static LiteStatus query_device(char *text, size_t capacity) {
    if (!text || capacity == 0) return LITE_STATUS_INVALID_ARGUMENT;
    char model[128];
    cpu_model_name(model, sizeof(model));
#if defined(__x86_64__)
    const char *arch = "x86_64";
#elif defined(__aarch64__)
    const char *arch = "aarch64";
#else
    const char *arch = "generic";
#endif
    const uint32_t features = cpu_isa_features();
    CpuIsa isa;
    char error[CPU_REASON_CAPACITY];
    if (cpu_isa_default(features, &isa, error, sizeof(error))) {
        const char *forced = getenv("LITE_CPU_ISA");
        snprintf(text, capacity, "%s %s, %d threads, %s kernels%s", arch, model, online_cpus(),
                 cpu_isa_description(isa), forced && forced[0] ? " (LITE_CPU_ISA)" : "");
    } else {
        snprintf(text, capacity, "%s %s, %d threads, %s kernels (%s)", arch, model, online_cpus(),
                 cpu_isa_description(cpu_isa_best(features)), error);
    }
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Delegate                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

static LiteStatus create_delegate(const LiteHostServices *services, const char *const *option_keys,
                                  const char *const *option_values, size_t option_count,
                                  LiteDelegate **out_delegate) {
    CpuDelegateState probe = {.services = services};
    if (!out_delegate)
        return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT, "cpu: out_delegate is NULL");
    *out_delegate = NULL;
    if (services && (services->struct_size == 0 || services->struct_size > 4096)) {
        // Refuse an absurd table rather than read past it; nothing can be reported through it.
        return LITE_STATUS_INVALID_ARGUMENT;
    }
    if (option_count > 0 && (!option_keys || !option_values))
        return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT, "cpu: option arrays are NULL");

    int threads = 1; // like TFLite's default: one thread unless asked
    bool profile = false;
    const uint32_t features = cpu_isa_features();
    CpuIsa isa;
    char isa_error[CPU_REASON_CAPACITY];
    // The variable is only a default: an option isa= overrides even a value it would refuse.
    bool isa_valid = cpu_isa_default(features, &isa, isa_error, sizeof(isa_error));
    for (size_t i = 0; i < option_count; i++) {
        const char *key = option_keys[i], *value = option_values[i];
        if (!key) return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT, "cpu: option %zu has no key", i);
        if (strcmp(key, "num_threads") == 0) {
            long parsed;
            if (!lps_parse_int(value, -1, MAX_THREADS, &parsed))
                return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT,
                                "cpu: num_threads must be an integer in -1...%d (0 or -1: all "
                                "cores), got '%s'", MAX_THREADS, value ? value : "(null)");
            threads = parsed <= 0 ? online_cpus() : (int)parsed;
        } else if (strcmp(key, "precision") == 0) {
            if (value && strcmp(value, "fp32") == 0) continue;
            if (value && strcmp(value, "fp16") == 0) {
                cpu_log(&probe, LITE_LOG_WARNING,
                        "precision fp16 requested; this backend computes in fp32");
                continue;
            }
            return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT,
                            "cpu: precision must be 'fp32' or 'fp16', got '%s'",
                            value ? value : "(null)");
        } else if (strcmp(key, "profile") == 0) {
            if (!lps_parse_bool(value, &profile))
                return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT, "cpu: profile must be 0 or 1, got '%s'",
                                value ? value : "(null)");
        } else if (strcmp(key, "isa") == 0) {
            if (!cpu_isa_parse(value, features, "isa", &isa, isa_error, sizeof(isa_error)))
                return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT, "cpu: %s", isa_error);
            isa_valid = true;
        } else if (strcmp(key, "cache_dir") == 0 || strcmp(key, "model_token") == 0) {
            continue; // nothing to compile, nothing to cache
        } else {
            cpu_log(&probe, LITE_LOG_WARNING, "ignoring unknown option '%s'", key);
        }
    }

    if (!isa_valid) return cpu_fail(&probe, LITE_STATUS_INVALID_ARGUMENT, "cpu: %s", isa_error);

    CpuDelegateState *delegate = calloc(1, sizeof(*delegate));
    if (!delegate) return cpu_fail(&probe, LITE_STATUS_OUT_OF_MEMORY, "cpu: out of memory");
    delegate->services = services;
    delegate->num_threads = threads;
    delegate->isa = isa;
    cpu_log(delegate, LITE_LOG_DEBUG, "%s kernels", cpu_isa_description(isa));
    // Events need the 1.3 service; an older host's table has no profile_event to call.
    delegate->profile_events = profile && lps_profile_available(services);
    if (threads > 1) {
        delegate->pool = cpu_pool_create(threads);
        if (!delegate->pool) {
            free(delegate);
            return cpu_fail(&probe, LITE_STATUS_OUT_OF_MEMORY, "cpu: cannot create %d threads",
                            threads);
        }
        if (cpu_pool_threads(delegate->pool) < threads)
            cpu_log(delegate, LITE_LOG_WARNING, "started only %d of %d threads",
                    cpu_pool_threads(delegate->pool), threads);
    }
    *out_delegate = (LiteDelegate *)delegate;
    return LITE_STATUS_OK;
}

static void destroy_delegate(LiteDelegate *handle) {
    CpuDelegateState *delegate = (CpuDelegateState *)handle;
    if (!delegate) return;
    cpu_pool_destroy(delegate->pool);
    free(delegate);
}

/* ---------------------------------------------------------------------------------------------- */
/* Claiming                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

bool cpu_validate_graph(const CpuDelegateState *delegate, const LiteGraph *graph) {
    char error[128];
    if (lps_validate_graph(graph, error, sizeof(error))) return true;
    cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: %s", error);
    return false;
}

static LiteStatus claim_nodes(LiteDelegate *handle, const LiteGraph *graph, LiteVerdictFn verdict,
                              void *verdict_context) {
    CpuDelegateState *delegate = (CpuDelegateState *)handle;
    if (!delegate) return LITE_STATUS_INVALID_ARGUMENT;
    if (!verdict)
        return cpu_fail(delegate, LITE_STATUS_INVALID_ARGUMENT, "cpu: verdict callback is NULL");
    if (!cpu_validate_graph(delegate, graph)) return LITE_STATUS_INVALID_ARGUMENT;
    for (int32_t i = 0; i < graph->node_count; i++) {
        char reason[CPU_REASON_CAPACITY];
        const void *op;
        if (lps_registry_claim(&cpu_registry, graph, i, &op, reason, sizeof(reason)))
            verdict(verdict_context, i, LITE_VERDICT_TAKEN, NULL);
        else
            verdict(verdict_context, i, LITE_VERDICT_DECLINED, reason);
    }
    return LITE_STATUS_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* Library                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static LiteBackend cpu_backend = {
    .struct_size = sizeof(LiteBackend),
    .name = "cpu",
    .vendor = "Lite",
    .version = "1.0.0",
    .kind = LITE_BACKEND_KIND_CPU,
    .data_type_mask = LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_FLOAT32) |
                      LITE_DATA_TYPE_BIT(LITE_DATA_TYPE_INT32),
    .precision_mask = LITE_PRECISION_FP32,
    .threading = LITE_THREADING_FREE,
    .query_device = query_device,
    .create_delegate = create_delegate,
    .destroy_delegate = destroy_delegate,
    .claim_nodes = claim_nodes,
    .create_partition = cpu_create_partition,
    .prepare_partition = cpu_prepare_partition,
    .invoke_partition = cpu_invoke_partition,
    .destroy_partition = cpu_destroy_partition,
};

LPS_DEFINE_PLUGIN_ENTRY(cpu_backend, cpu_registry);
