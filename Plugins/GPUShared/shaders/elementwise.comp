// ADD, SUB, MUL, PRELU with numpy broadcasting, and unary operators (BINARY_OP = OP_COPY, the
// activation being an epilogue step). Each operand is 4-D with dimensions equal to the output's
// or 1; an operand with one channel broadcasts its value to every lane.
// Grid: x = output column, y = output row, z = batch * slices + slice.
#define OP_COPY 0
#define OP_ADD 1
#define OP_SUB 2
#define OP_MUL 3
#define OP_PRELU 4
PARAMS_BEGIN
    ivec4 out_shape; // height, width, channels, slices
    ivec4 a_shape;
    ivec4 b_shape;
    ivec4 batches;   // output, a, b, -
PARAMS_END

layout(std430, binding = 0) writeonly buffer Output { STORAGE_0 out_data[]; };
layout(std430, binding = 1) readonly buffer InputA { STORAGE_1 a_data[]; };
#if BINARY_OP != OP_COPY
layout(std430, binding = 2) readonly buffer InputB { STORAGE_2 b_data[]; };
#endif

int operand_index(ivec4 shape, int batches, int b, int y, int x, int slice) {
    return slice_index(shape, min(b, batches - 1), min(y, shape.x - 1), min(x, shape.y - 1),
                       shape.z == 1 ? 0 : slice);
}

void main() {
    ivec3 gid = ivec3(gl_GlobalInvocationID);
    int slices = p.out_shape.w;
    if (gid.x >= p.out_shape.y || gid.y >= p.out_shape.x || gid.z >= p.batches.x * slices) return;
    int b = gid.z / slices;
    int slice = gid.z - b * slices;
    vec4 a = LOAD(a_data[operand_index(p.a_shape, p.batches.y, b, gid.y, gid.x, slice)]);
    if (p.a_shape.z == 1) a = vec4(a.x);
#if BINARY_OP != OP_COPY
    vec4 c = LOAD(b_data[operand_index(p.b_shape, p.batches.z, b, gid.y, gid.x, slice)]);
    if (p.b_shape.z == 1) c = vec4(c.x);
#endif
#if BINARY_OP == OP_ADD
    vec4 v = a + c;
#elif BINARY_OP == OP_SUB
    vec4 v = a - c;
#elif BINARY_OP == OP_MUL
    vec4 v = a * c;
#elif BINARY_OP == OP_PRELU
    vec4 v = mix(a * c, a, greaterThanEqual(a, vec4(0.0)));
#else
    vec4 v = a;
#endif
    int out_index = slice_index(p.out_shape, b, gid.y, gid.x, slice);
    out_data[out_index] = PACK(finish_output(v, out_index, slice, p.out_shape.z));
}
