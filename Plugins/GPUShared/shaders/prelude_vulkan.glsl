// Dialect prelude for Vulkan: GLSL 450 compiled to SPIR-V by shaderc. The plugin writes
// "#version 450" and the kernel's #defines before this text.
// Parameters are push constants (at most 128 bytes: eight ivec4/vec4 members).
#if GPU_FP16
#extension GL_EXT_shader_16bit_storage : require
#define STORAGE f16vec4
#define LOAD(x) vec4(x)
#define PACK(v) f16vec4(v)
#else
#define STORAGE vec4
#define LOAD(x) (x)
#define PACK(v) (v)
#endif
#define PARAMS_BEGIN layout(push_constant) uniform ParamBlock {
#define PARAMS_END } p;
