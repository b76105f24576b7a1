// Dialect prelude for Vulkan: GLSL 450 compiled to SPIR-V by shaderc. The plugin writes
// "#version 450" and the kernel's #defines before this text.
// Parameters are push constants (at most 128 bytes: eight ivec4/vec4 members).
// HALF4 is how a vec4 is stored in an fp16 buffer; LOAD widens either storage type to a vec4
// (vec4(vec4) is the identity), PACK_HALF narrows for a store (see common.glsl for PACK).
#if GPU_FP16
#extension GL_EXT_shader_16bit_storage : require
#define HALF4 f16vec4
#define PACK_HALF(v) f16vec4(v)
#endif
#define LOAD(x) vec4(x)
#define PARAMS_BEGIN layout(push_constant) uniform ParamBlock {
#define PARAMS_END } p;
