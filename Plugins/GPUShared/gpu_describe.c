/* What a planned partition became, for LiteBackend.describe_partition (ABI 1.2), shared by the GPU
   delegates so that `lite inspect` reports them the same way. */
#include "gpu_shared.h"

#include <stdio.h>

void gpu_program_describe(const GpuProgram *program, size_t extra_device_bytes, LitePartitionInfo *info) {
    size_t size = info->struct_size;
    if (LITE_FIELD_FITS(LitePartitionInfo, dispatch_count, size)) info->dispatch_count = program->dispatch_count;
    if (LITE_FIELD_FITS(LitePartitionInfo, device_bytes, size))
        info->device_bytes = program->arena_bytes + program->blob_bytes + program->input_staging_bytes +
                             program->output_staging_bytes + extra_device_bytes;
    if (LITE_FIELD_FITS(LitePartitionInfo, summary, size))
        snprintf(info->summary, sizeof info->summary, "%d nodes -> %d kernels + %d layout conversions, %s",
                 program->node_count, program->kernel_dispatches,
                 program->dispatch_count - program->kernel_dispatches,
                 program->precision == GPU_PRECISION_FP16 ? "fp16" : "fp32");
}
