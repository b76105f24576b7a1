// The AVX2+FMA path's GEMM micro-kernels: 8 lanes, 6 rows per call (12 accumulators of the 16
// ymm registers, two for the panel's row, one for A's broadcast).
#include "cpu_delegate.h"

#if CPU_HAVE_X86
CPU_TARGET_PUSH("avx2,fma")
#define GK_W 8
#define GK_MR 6
#define GK_FMA 1
#define GK_MASKED GK_MASKED_AVX2
#define GK_TABLE cpu_gemm_avx2
#include "gemm_kernels.h"
CPU_TARGET_POP
#endif
