// The AVX-512F path's GEMM micro-kernels: 16 lanes (a panel's row is one zmm register), 12 rows
// per call: 12 accumulators of the 32 zmm registers, enough independent chains to keep both FMA
// pipes busy through their latency, each broadcast of A feeding one FMA.
#include "cpu_delegate.h"

#if CPU_HAVE_X86
/* tests/gemm_wide_on_avx2.c and the avx512-on-avx2 test plugin (isa.c) compile this file for AVX2
   (GEMM_AVX512_TARGET), so that the 16-lane source runs, and is checked, on CPUs without AVX-512. */
#ifndef GEMM_AVX512_TARGET
#if CPU_AVX512_ON_AVX2
#define GEMM_AVX512_TARGET "avx2,fma"
#else
#define GEMM_AVX512_TARGET "avx512f,avx2,fma"
#endif
#endif
CPU_TARGET_PUSH(GEMM_AVX512_TARGET)
#define GK_W 16
#define GK_MR 12
#define GK_FMA 1
#define GK_TABLE cpu_gemm_avx512
#include "gemm_kernels.h"
CPU_TARGET_POP
#endif
