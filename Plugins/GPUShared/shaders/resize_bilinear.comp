// RESIZE_BILINEAR as TFLite's reference kernel. The interpolation table is computed on the host
// exactly as TFLite does (float32), so the GPU only blends: for output row y, table[y] =
// (y0, y1, y - y0 fraction, -); for output column x, table[height + x] = (x0, x1, fraction, -).
// Grid: x = output column, y = output row, z = batch * slices + slice.
PARAMS_BEGIN
    ivec4 in_shape;  // height, width, channels, slices
    ivec4 out_shape; // height, width, channels, slices
    ivec4 batch;     // batch, -, -, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer Input { STORAGE_1 in_data[]; };
layout(std430, binding = 2) readonly buffer Table { vec4 table[]; };

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.batch.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    vec4 row = table[gid.y];
    vec4 column = table[p.out_shape.x + gid.x];
    int y0 = int(row.x), y1 = int(row.y), x0 = int(column.x), x1 = int(column.y);
    float dy = row.z, dx = column.z;
    vec4 top_left = LOAD(in_data[slice_index(p.in_shape, b, y0, x0, slice)]);
    vec4 bottom_left = LOAD(in_data[slice_index(p.in_shape, b, y1, x0, slice)]);
    vec4 top_right = LOAD(in_data[slice_index(p.in_shape, b, y0, x1, slice)]);
    vec4 bottom_right = LOAD(in_data[slice_index(p.in_shape, b, y1, x1, slice)]);
    vec4 v = top_left * (1.0 - dy) * (1.0 - dx) + bottom_left * dy * (1.0 - dx) +
             top_right * (1.0 - dy) * dx + bottom_right * dy * dx;
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(v, out_index, slice, p.out_shape.z));
}
