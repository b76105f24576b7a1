// Helpers shared by every kernel, in the subset of GLSL that GLSL 450 and GLSL ES 3.10 share.
//
// Layout: a tensor is seen as 4-D [batch, height, width, channels] (lower ranks padded with 1s on
// the left) and stored as vec4 "slices" of 4 channels: element (b, y, x, c) is lane c % 4 of
// vec4 ((b * height + y) * width + x) * slices + c / 4. Lanes past the last channel hold zeros.
// Shape parameters are ivec4(height, width, channels, slices) plus the batch in another member.

layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;

const float FLOAT_LOWEST = -3.402823466e+38;

/* Zeros the lanes of `slice` that lie past `channels`. */
vec4 mask_channels(vec4 v, int slice, int channels) {
    ivec4 lane = ivec4(slice * 4) + ivec4(0, 1, 2, 3);
    return mix(vec4(0.0), v, lessThan(lane, ivec4(channels)));
}

/* vec4 index of (b, y, x, slice) in a tensor of shape ivec4(height, width, channels, slices). */
int slice_index(ivec4 shape, int b, int y, int x, int slice) {
    return ((b * shape.x + y) * shape.y + x) * shape.w + slice;
}
