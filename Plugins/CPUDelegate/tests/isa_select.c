/*
 * isa_select.c — how the CPU delegate chooses its kernel path (isa.c), on every feature set, not
 * only this machine's: the widest path the features allow, the option isa= and LITE_CPU_ISA
 * narrowing it, and the errors for an unknown path or one that needs a missing feature (each
 * missing feature named). Then, given the plugin, the same through create_delegate: isa=portable
 * is accepted, an unknown value is refused with a report_error message, and isa=avx2 (isa=avx512)
 * is accepted exactly when this CPU has AVX2 and FMA (and AVX-512F).
 *
 *   cc -I Sources/DelegateABI/include -I Plugins/PluginSupport/include -I Plugins/CPUDelegate \
 *      Plugins/CPUDelegate/tests/isa_select.c -ldl -o /tmp/isa_select \
 *      && /tmp/isa_select .build/debug/liblite_delegate_cpu.so
 *
 * Exit status 0: pass; anything else: fail (each failure is printed).
 */
#include "../isa.c"

#include <dlfcn.h>

static int failures;

#define EXPECT(condition, ...)                                                                   \
    do {                                                                                         \
        if (!(condition)) {                                                                      \
            fprintf(stderr, "isa_select: line %d: ", __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
            failures++;                                                                          \
        }                                                                                        \
    } while (0)

static const uint32_t avx2_fma = CPU_FEATURE_AVX2 | CPU_FEATURE_FMA;
static const uint32_t all = CPU_FEATURE_AVX2 | CPU_FEATURE_FMA | CPU_FEATURE_AVX512F;

static void choosing(void) {
    EXPECT(cpu_isa_best(0) == CPU_ISA_PORTABLE, "no features: portable");
    EXPECT(cpu_isa_best(CPU_FEATURE_AVX2) == CPU_ISA_PORTABLE, "AVX2 without FMA: portable");
    EXPECT(cpu_isa_best(CPU_FEATURE_FMA) == CPU_ISA_PORTABLE, "FMA without AVX2: portable");
    EXPECT(cpu_isa_best(avx2_fma) == CPU_ISA_AVX2, "AVX2 and FMA: avx2");
    EXPECT(cpu_isa_best(all) == CPU_ISA_AVX512, "AVX2, FMA and AVX-512F: avx512");
    EXPECT(cpu_isa_best(CPU_FEATURE_AVX512F | CPU_FEATURE_AVX2) == CPU_ISA_PORTABLE,
           "AVX-512F without FMA: portable");
    EXPECT(strcmp(cpu_isa_name(CPU_ISA_AVX2), "avx2") == 0 && strcmp(cpu_isa_name(CPU_ISA_PORTABLE), "portable") == 0 &&
               strcmp(cpu_isa_name(CPU_ISA_AVX512), "avx512") == 0,
           "names");
    EXPECT(cpu_isa_has_avx2(CPU_ISA_AVX512) && cpu_isa_has_avx2(CPU_ISA_AVX2) &&
               !cpu_isa_has_avx2(CPU_ISA_PORTABLE),
           "avx512 runs the AVX2 kernels outside the GEMM");
}

static void parsing(void) {
    char error[256] = "";
    CpuIsa isa = CPU_ISA_AVX2;
    EXPECT(cpu_isa_parse("portable", 0, "isa", &isa, error, sizeof(error)) && isa == CPU_ISA_PORTABLE,
           "portable needs nothing");
    EXPECT(cpu_isa_parse("portable", all, "isa", &isa, error, sizeof(error)) && isa == CPU_ISA_PORTABLE,
           "portable narrows avx2");
    EXPECT(cpu_isa_parse("avx2", all, "isa", &isa, error, sizeof(error)) && isa == CPU_ISA_AVX2, "avx2 narrows avx512");
    EXPECT(cpu_isa_parse("avx512", all, "isa", &isa, error, sizeof(error)) && isa == CPU_ISA_AVX512, "avx512");
    EXPECT(!cpu_isa_parse("avx512", avx2_fma, "isa", &isa, error, sizeof(error)) && strstr(error, "isa=avx512") &&
               strstr(error, "needs AVX-512F,") && !strstr(error, "FMA"),
           "avx512 on an AVX2 CPU names AVX-512F only: %s", error);

    isa = CPU_ISA_PORTABLE;
    EXPECT(!cpu_isa_parse("avx2", 0, "isa", &isa, error, sizeof(error)), "avx2 without features");
    EXPECT(strstr(error, "isa=avx2") && strstr(error, "AVX2 and FMA"), "names both: %s", error);
    EXPECT(!cpu_isa_parse("avx2", CPU_FEATURE_AVX2, "isa", &isa, error, sizeof(error)), "avx2 without FMA");
    EXPECT(strstr(error, "FMA") && !strstr(error, "AVX2 and"), "names FMA only: %s", error);
    EXPECT(isa == CPU_ISA_PORTABLE, "a refusal leaves the path alone");

    EXPECT(!cpu_isa_parse("avx1024", all, "LITE_CPU_ISA", &isa, error, sizeof(error)), "unknown path");
    EXPECT(strstr(error, "LITE_CPU_ISA") && strstr(error, "'portable'") && strstr(error, "'avx2'") &&
               strstr(error, "'avx512'") && strstr(error, "'avx1024'"),
           "names the choices and the value: %s", error);
    EXPECT(!cpu_isa_parse(NULL, all, "isa", &isa, error, sizeof(error)) && strstr(error, "(null)"),
           "no value: %s", error);
    char small[8];
    EXPECT(!cpu_isa_parse("avx2", 0, "isa", &isa, small, sizeof(small)) && strlen(small) < sizeof(small),
           "a short error buffer is cut, not overrun");
}

static void defaults(void) {
    char error[256] = "";
    CpuIsa isa = CPU_ISA_PORTABLE;
    unsetenv("LITE_CPU_ISA");
    EXPECT(cpu_isa_default(all, &isa, error, sizeof(error)) && isa == CPU_ISA_AVX512, "unset: the widest");
    EXPECT(cpu_isa_default(avx2_fma, &isa, error, sizeof(error)) && isa == CPU_ISA_AVX2, "unset, no AVX-512: avx2");
    setenv("LITE_CPU_ISA", "", 1);
    EXPECT(cpu_isa_default(all, &isa, error, sizeof(error)) && isa == CPU_ISA_AVX512, "empty: the widest");
    setenv("LITE_CPU_ISA", "avx2", 1);
    EXPECT(cpu_isa_default(all, &isa, error, sizeof(error)) && isa == CPU_ISA_AVX2, "LITE_CPU_ISA=avx2 narrows avx512");
    setenv("LITE_CPU_ISA", "portable", 1);
    EXPECT(cpu_isa_default(all, &isa, error, sizeof(error)) && isa == CPU_ISA_PORTABLE, "LITE_CPU_ISA=portable");
    setenv("LITE_CPU_ISA", "avx2", 1);
    EXPECT(!cpu_isa_default(0, &isa, error, sizeof(error)) && strstr(error, "LITE_CPU_ISA=avx2"),
           "LITE_CPU_ISA=avx2 without the features: %s", error);
    unsetenv("LITE_CPU_ISA");
}

/* The plugin's create_delegate with one option isa=VALUE. */
static int reports;
static char last_report[512];
static void on_error(void *context, LiteStatus status, const char *message) {
    (void)context, (void)status;
    reports++;
    snprintf(last_report, sizeof(last_report), "%s", message ? message : "");
}
static void on_log(void *context, LiteLogLevel level, const char *message) {
    (void)context, (void)level, (void)message;
}

static LiteStatus create_with(const LiteBackend *backend, const char *value) {
    LiteHostServices services = {.struct_size = sizeof(LiteHostServices),
                                 .abi_version_major = LITE_ABI_VERSION_MAJOR,
                                 .abi_version_minor = LITE_ABI_VERSION_MINOR,
                                 .log = on_log,
                                 .report_error = on_error};
    const char *keys[] = {"isa"}, *values[] = {value};
    LiteDelegate *delegate = NULL;
    reports = 0;
    last_report[0] = '\0';
    LiteStatus status = backend->create_delegate(&services, keys, values, 1, &delegate);
    if (delegate) backend->destroy_delegate(delegate);
    return status;
}

static void plugin(const char *path) {
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        EXPECT(false, "dlopen %s: %s", path, dlerror());
        return;
    }
    LitePluginEntryFn entry = (LitePluginEntryFn)dlsym(library, LITE_PLUGIN_ENTRY_SYMBOL);
    char reason[256] = "";
    const LitePluginLibrary *lib =
        entry ? entry(LITE_ABI_VERSION_MAJOR, LITE_ABI_VERSION_MINOR, NULL, reason, sizeof(reason)) : NULL;
    EXPECT(lib && lib->backend_count == 1, "plugin entry: %s", reason);
    if (!lib || lib->backend_count != 1) return;
    const LiteBackend *backend = lib->backends[0];
    EXPECT(create_with(backend, "portable") == LITE_STATUS_OK, "isa=portable: %s", last_report);
    EXPECT(create_with(backend, "sse9") == LITE_STATUS_INVALID_ARGUMENT && reports == 1 &&
               strstr(last_report, "'sse9'"),
           "isa=sse9 refused with a message: %s", last_report);
    const CpuIsa best = cpu_isa_best(cpu_isa_features());
    const bool has_avx2 = cpu_isa_has_avx2(best), has_avx512 = best == CPU_ISA_AVX512;
    const LiteStatus avx2 = create_with(backend, "avx2");
    EXPECT(has_avx2 ? avx2 == LITE_STATUS_OK : avx2 == LITE_STATUS_INVALID_ARGUMENT && reports == 1,
           "isa=avx2 on a CPU %s AVX2+FMA: status %d, %s", has_avx2 ? "with" : "without", (int)avx2,
           last_report);
    const LiteStatus avx512 = create_with(backend, "avx512");
    EXPECT(has_avx512 ? avx512 == LITE_STATUS_OK
                      : avx512 == LITE_STATUS_INVALID_ARGUMENT && reports == 1 && strstr(last_report, "AVX-512F"),
           "isa=avx512 on a CPU %s AVX-512F: status %d, %s", has_avx512 ? "with" : "without",
           (int)avx512, last_report);
    char device[256] = "";
    EXPECT(backend->query_device && backend->query_device(device, sizeof(device)) == LITE_STATUS_OK &&
               strstr(device, has_avx512 ? "AVX-512F GEMM, AVX2+FMA kernels" : has_avx2 ? "AVX2+FMA kernels" : "portable C kernels"),
           "the device description names the path: %s", device);
    // Not dlclose: the delegates are gone, but a plugin's threads may still be winding down.
}

int main(int argc, char **argv) {
    choosing();
    parsing();
    defaults();
    if (argc > 1) plugin(argv[1]);
    if (failures) fprintf(stderr, "isa_select: %d failure(s)\n", failures);
    else printf("isa_select: pass\n");
    return failures ? 1 : 0;
}
