// The kernel path (instruction set) a delegate runs: chosen once in create_delegate from what the
// CPU and its OS support, the option isa= and the variable LITE_CPU_ISA; every kernel asks the
// delegate (cpu_use_avx2) instead of probing the CPU itself.
//
// Built with -DCPU_AVX512_ON_AVX2=1 (scripts/test/c_tests.sh's avx512-on-avx2 plugin), the avx512
// path's kernels are compiled for AVX2+FMA and the path needs only those: its source then runs,
// through every operator and model test, on CPUs without AVX-512. Never a shipped build.
#include "cpu_delegate.h"

/* What each path needs, in the words an error names. */
static const struct {
    CpuIsa isa;
    const char *name;        /* the option's value */
    const char *description; /* for the device description */
    uint32_t needs;          /* CPU_FEATURE_* bits */
} paths[] = {
    {CPU_ISA_PORTABLE, "portable", "portable C", 0},
    {CPU_ISA_AVX2, "avx2", "AVX2+FMA", CPU_FEATURE_AVX2 | CPU_FEATURE_FMA},
#if CPU_AVX512_ON_AVX2
    {CPU_ISA_AVX512, "avx512", "AVX-512 source compiled for AVX2+FMA (a test build)", CPU_FEATURE_AVX2 | CPU_FEATURE_FMA},
#else
    {CPU_ISA_AVX512, "avx512", "AVX-512F GEMM, AVX2+FMA", CPU_FEATURE_AVX2 | CPU_FEATURE_FMA | CPU_FEATURE_AVX512F},
#endif
};

static const struct {
    uint32_t bit;
    const char *name;
} feature_names[] = {{CPU_FEATURE_AVX2, "AVX2"}, {CPU_FEATURE_FMA, "FMA"}, {CPU_FEATURE_AVX512F, "AVX-512F"}};

uint32_t cpu_isa_features(void) {
    uint32_t features = 0;
#if CPU_HAVE_X86
    // __builtin_cpu_supports("avx2") is true only when CPUID reports AVX2 and XGETBV says the OS
    // saves the YMM registers (XCR0 bits 1 and 2): libgcc's and compiler-rt's
    // __cpu_indicator_init both gate AVX2 on that check. "fma" is the CPUID bit alone in
    // compiler-rt, so the path needs both, and the AVX2 check covers the OS's part for FMA too
    // (FMA's instructions use the same YMM state).
    // "avx512f" likewise needs XCR0 to show the opmask and all 32 ZMM registers saved (bits 5, 6
    // and 7, with the YMM bits).
    if (__builtin_cpu_supports("avx2")) features |= CPU_FEATURE_AVX2;
    if (__builtin_cpu_supports("fma")) features |= CPU_FEATURE_FMA;
    if (__builtin_cpu_supports("avx512f")) features |= CPU_FEATURE_AVX512F;
#endif
    return features;
}

CpuIsa cpu_isa_best(uint32_t features) {
    CpuIsa best = CPU_ISA_PORTABLE;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if ((features & paths[i].needs) == paths[i].needs) best = paths[i].isa;
    return best;
}

const char *cpu_isa_name(CpuIsa isa) {
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i].isa == isa) return paths[i].name;
    return "?";
}

const char *cpu_isa_description(CpuIsa isa) {
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i].isa == isa) return paths[i].description;
    return "?";
}

bool cpu_isa_parse(const char *value, uint32_t features, const char *source, CpuIsa *isa,
                   char *error, size_t capacity) {
    for (size_t i = 0; value && i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (strcmp(value, paths[i].name) != 0) continue;
        const uint32_t missing = paths[i].needs & ~features;
        if (missing == 0) {
            *isa = paths[i].isa;
            return true;
        }
        char names[64] = "";
        for (size_t f = 0; f < sizeof(feature_names) / sizeof(feature_names[0]); f++)
            if (missing & feature_names[f].bit)
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                         names[0] ? " and " : "", feature_names[f].name);
        snprintf(error, capacity, "%s=%s needs %s, which this CPU (or its OS) lacks", source, value,
                 names);
        return false;
    }
    snprintf(error, capacity, "%s must be ", source);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        snprintf(error + strlen(error), capacity - strlen(error), "%s'%s'",
                 i == 0 ? "" : (i + 1 == sizeof(paths) / sizeof(paths[0]) ? " or " : ", "),
                 paths[i].name);
    snprintf(error + strlen(error), capacity - strlen(error), ", got '%s'", value ? value : "(null)");
    return false;
}

bool cpu_isa_default(uint32_t features, CpuIsa *isa, char *error, size_t capacity) {
    const char *forced = getenv("LITE_CPU_ISA");
    if (forced && forced[0]) return cpu_isa_parse(forced, features, "LITE_CPU_ISA", isa, error, capacity);
    *isa = cpu_isa_best(features);
    return true;
}
