// Dialect prelude for OpenGL ES: GLSL ES 3.10. The plugin writes "#version 310 es" and the
// kernel's #defines before this text. highp everywhere: mediump really is 16-bit on some drivers.
// Parameters are a std140 uniform block at binding 0 (only ivec4/vec4 members, so its layout is
// the same as the Vulkan push-constant block). fp16 storage packs two halves per uint.
precision highp float;
precision highp int;
#if GPU_FP16
#define STORAGE uvec2
#define LOAD(h) vec4(unpackHalf2x16((h).x), unpackHalf2x16((h).y))
#define PACK(v) uvec2(packHalf2x16((v).xy), packHalf2x16((v).zw))
#else
#define STORAGE vec4
#define LOAD(x) (x)
#define PACK(v) (v)
#endif
#define PARAMS_BEGIN layout(std140, binding = 0) uniform ParamBlock {
#define PARAMS_END } p;
