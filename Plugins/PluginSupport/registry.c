// What every plugin's operator registry does the same way: find a node's descriptor, decide the
// claim (operator, version, params, input count, then the operator's own check) and build the
// capability report. The plugins keep only their tables of descriptors.
#include "lite_plugin_support.h"

#include <stdio.h>
#include <string.h>

#include "lite_operators.h"

const char *lps_builtin_name(int32_t builtin_code, char *buffer, size_t capacity) {
    const char *name = lite_builtin_operator_name(builtin_code);
    if (name) return name;
    snprintf(buffer, capacity, "builtin operator %d", builtin_code);
    return buffer;
}

const void *lps_registry_find(const LpsRegistry *registry, int32_t builtin_code, const char *custom_name) {
    for (size_t i = 0; i < registry->count; i++) {
        const void *op = registry->operators[i];
        const LpsOperatorIdentity identity = registry->identity(op);
        if (identity.builtin_code != builtin_code) continue;
        if (builtin_code != LITE_OP_CUSTOM) return op;
        if (custom_name && identity.custom_name && strcmp(custom_name, identity.custom_name) == 0)
            return op;
    }
    return NULL;
}

bool lps_registry_claim(const LpsRegistry *registry, const LiteGraph *graph, int32_t node_index,
                        const void **out_op, char *reason, size_t capacity) {
    const LiteNode *node = graph->nodes[node_index];
    const void *op = lps_registry_find(registry, node->builtin_code, node->custom_name);
    *out_op = op;
    if (!op) {
        if (node->builtin_code == LITE_OP_CUSTOM)
            return lps_decline(reason, capacity, "custom operator '%s' unsupported",
                               node->custom_name ? node->custom_name : "");
        char name[48];
        return lps_decline(reason, capacity, "%s unsupported",
                           lps_builtin_name(node->builtin_code, name, sizeof(name)));
    }
    const LpsOperatorIdentity identity = registry->identity(op);
    if (node->version < identity.min_version || node->version > identity.max_version)
        return lps_decline(reason, capacity, "%s version %d unsupported (supported %d..%d)",
                           identity.name, node->version, identity.min_version, identity.max_version);
    if (identity.params_size > 0) {
        const size_t *params_size = node->params;
        if (!params_size || *params_size < identity.params_size)
            return lps_decline(reason, capacity, "%s without parameters", identity.name);
    }
    if (registry->max_inputs > 0 && node->input_count > registry->max_inputs)
        return lps_decline(reason, capacity, "%s with %d inputs (at most %d)", identity.name,
                           node->input_count, registry->max_inputs);
    LpsCheckContext context = {.graph = graph, .node = node};
    char detail[LPS_REASON_CAPACITY] = "";
    if (!identity.check(&context, detail, sizeof(detail))) {
        // Prefix the operator name unless the reason already starts with it.
        if (strncmp(detail, identity.name, strlen(identity.name)) == 0)
            snprintf(reason, capacity, "%s", detail);
        else
            snprintf(reason, capacity, "%s: %s", identity.name, detail);
        return false;
    }
    return true;
}

/* Fills the report arrays once; the lock makes a first use from several threads safe. */
static void build_report(LpsRegistry *registry) {
    pthread_mutex_lock(&registry->lock);
    for (size_t i = 0; !registry->built && i < registry->count; i++) {
        const LpsOperatorIdentity identity = registry->identity(registry->operators[i]);
        if (identity.builtin_code == LITE_OP_CUSTOM)
            registry->custom_names[registry->custom_count++] = identity.custom_name;
        else
            registry->supported[registry->supported_count++] = (LiteOperatorSupport){
                .struct_size = sizeof(LiteOperatorSupport),
                .builtin_code = identity.builtin_code,
                .min_version = identity.min_version,
                .max_version = identity.max_version,
            };
    }
    registry->built = true;
    pthread_mutex_unlock(&registry->lock);
}

const LiteOperatorSupport *lps_registry_supported(LpsRegistry *registry, size_t *count) {
    build_report(registry);
    *count = registry->supported_count;
    return registry->supported;
}

const char *const *lps_registry_custom_names(LpsRegistry *registry, size_t *count) {
    build_report(registry);
    *count = registry->custom_count;
    return registry->custom_names;
}
