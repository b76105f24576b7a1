// DEPTHWISE_CONV_2D's vector kernels on the AVX-512F path: 16 channels per zmm register, partial
// blocks through an opmask. The avx512-on-avx2 test build (isa.c) compiles them for AVX2, the
// partial blocks through two masked ymm loads.
#include "../cpu_delegate.h"

#if CPU_HAVE_X86
#if CPU_AVX512_ON_AVX2
CPU_TARGET_PUSH("avx2,fma")
#define GK_MASKED GK_MASKED_AVX2
#else
CPU_TARGET_PUSH("avx512f,avx2,fma")
#define GK_MASKED GK_MASKED_AVX512
#endif
#define GK_W 16
#define GK_FMA 1
#define GK_ROWS cpu_depthwise_rows_avx512
#include "depthwise_kernels.h"
CPU_TARGET_POP
#endif
