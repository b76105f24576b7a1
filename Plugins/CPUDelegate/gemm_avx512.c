// The AVX-512F path's GEMM micro-kernels: 16 lanes (a panel's row is one zmm register), 12 rows
// per call over two panels side by side: 24 accumulators of the 32 zmm registers, each broadcast
// of A feeding two FMAs (a last odd panel: 12 accumulators, one FMA each); panels of at most 8
// columns go to the AVX2 kernels (GK_NARROW). The avx512-on-avx2 test
// build (isa.c) and tests/gemm_wide_on_avx2.c compile them for AVX2, so that the 16-lane source
// runs, and is checked, on CPUs without AVX-512.
#include "cpu_delegate.h"

#if CPU_HAVE_X86
#if CPU_AVX512_ON_AVX2
CPU_TARGET_PUSH("avx2,fma")
#define GK_MASKED GK_MASKED_AVX2
#else
CPU_TARGET_PUSH("avx512f,avx2,fma")
#define GK_MASKED GK_MASKED_AVX512
#endif
#define GK_W 16
#define GK_MR 12
#define GK_FMA 1
#define GK_TABLE cpu_gemm_avx512
#define GK_NARROW cpu_gemm_avx2
#include "gemm_kernels.h"
CPU_TARGET_POP
#endif
