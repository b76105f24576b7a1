// DEPTHWISE_CONV_2D's vector kernels on the AVX2+FMA path: 8 channels per ymm register.
#include "../cpu_delegate.h"

#if CPU_HAVE_X86
CPU_TARGET_PUSH("avx2,fma")
#define GK_W 8
#define GK_FMA 1
#define GK_MASKED GK_MASKED_AVX2
#define GK_ROWS cpu_depthwise_rows_avx2
#include "depthwise_kernels.h"
CPU_TARGET_POP
#endif
