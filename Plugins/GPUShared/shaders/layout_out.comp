// Converts a partition output from the slice layout to the host's layout (row-major NHWC
// float32, in a staging buffer).
// Grid: x = column, y = row, z = batch * slices + slice.
PARAMS_BEGIN
    ivec4 shape; // height, width, channels, slices
    ivec4 batch; // batch, first float of the output in the staging buffer, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Staging { float staging[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.shape.w;
    if (gid.x >= p.shape.y || gid.y >= p.shape.x || gid.z >= p.batch.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    int first = p.batch.y + ((b * p.shape.x + gid.y) * p.shape.y + gid.x) * p.shape.z;
    vec4 v = LOAD(in_data[slice_index(p.shape, b, gid.y, gid.x, slice)]);
    for (int lane = 0; lane < 4; lane++) {
        int c = slice * 4 + lane;
        if (c < p.shape.z) staging[first + c] = v[lane];
    }
}
