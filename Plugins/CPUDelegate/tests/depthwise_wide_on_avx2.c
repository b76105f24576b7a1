// The AVX-512 path's depthwise source (ops/depthwise_avx512.c: 16 lanes, partial blocks through
// an opmask) compiled for AVX2+FMA, as cpu_depthwise_rows_avx512_on_avx2: depthwise_kernels.c
// runs it on CPUs without AVX-512.
// The kernels' 16-lane helpers are always inlined, so the calling convention -Wpsabi warns about
// (a 64-byte vector passed without AVX-512) is never used.
#pragma GCC diagnostic ignored "-Wpsabi"
#define CPU_AVX512_ON_AVX2 1
#define cpu_depthwise_rows_avx512 cpu_depthwise_rows_avx512_on_avx2
#include "../ops/depthwise_avx512.c"
