// Dialect prelude for OpenGL ES: GLSL ES 3.10. The plugin writes "#version 310 es" and the
// kernel's #defines before this text. highp everywhere: mediump really is 16-bit on some drivers.
// Parameters are a std140 uniform block at binding 0 (only ivec4/vec4 members, so its layout is
// the same as the Vulkan push-constant block). fp16 storage packs two halves per uint (HALF4);
// LOAD widens either storage type to a vec4 by overload, PACK_HALF narrows for a store (see
// common.glsl for PACK).
precision highp float;
precision highp int;
vec4 gpu_load(vec4 v) { return v; }
vec4 gpu_load(uvec2 h) { return vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y)); }
#define LOAD(value) gpu_load(value)
#if GPU_FP16
#define HALF4 uvec2
#define PACK_HALF(v) uvec2(packHalf2x16((v).xy), packHalf2x16((v).zw))
#endif
#define PARAMS_BEGIN layout(std140, binding = 0) uniform ParamBlock {
#define PARAMS_END } p;
