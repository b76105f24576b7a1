// Converts a partition input from the host's layout (row-major NHWC float32, or float16 with
// STAGING_FP16, in a staging buffer) to the slice layout.
// Grid: x = column, y = row, z = batch * slices + slice.
PARAMS_BEGIN
    ivec4 shape; // height, width, channels, slices
    ivec4 batch; // batch, first element of the input in the staging buffer, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
#if STAGING_FP16
layout(std430, binding = 1) readonly buffer Staging { uint staging[]; };
float staged(int i) { return unpackHalf2x16(staging[i / 2])[i % 2]; }
#else
layout(std430, binding = 1) readonly buffer Staging { float staging[]; };
float staged(int i) { return staging[i]; }
#endif

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.shape.w;
    if (gid.x >= p.shape.y || gid.y >= p.shape.x || gid.z >= p.batch.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int first = p.batch.y + ((b * p.shape.x + gid.y) * p.shape.y + gid.x) * p.shape.z;
    vec4 v = vec4(0.0);
    for (int lane = 0; lane < 4; lane++) {
        int c = slice * 4 + lane;
        if (c < p.shape.z) v[lane] = staged(first + c);
    }
    out_data[slice_index(p.shape, b, gid.y, gid.x, slice)] = PACK(v);
}
