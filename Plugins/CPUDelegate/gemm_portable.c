// The portable path's GEMM micro-kernels: 4 lanes (SSE2 on x86-64, the baseline; NEON elsewhere),
// a multiply then an add (no FMA in the baseline), 4 rows per call.
#include "cpu_delegate.h"

#define GK_W 4
#define GK_MR 4
#define GK_FMA 0
#define GK_TABLE cpu_gemm_portable
#include "gemm_kernels.h"
