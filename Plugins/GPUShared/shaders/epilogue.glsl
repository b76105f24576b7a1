// Fused elementwise steps, applied in order to every output vec4 before it is stored: the
// node's own fused activation, then the activations and ADD/SUB/MUL/PRELU nodes folded into the
// kernel that produces their input. The planner defines, for step n < 4:
//   EPI_n          the step's kind (EPI_RELU ...)
//   EPI_n_BINDING  for steps with a tensor operand: its binding
//   EPI_n_MODE     how that operand broadcasts: EPI_MODE_FULL (same shape as the output),
//                  EPI_MODE_CHANNEL (one value per channel), EPI_MODE_SCALAR (one value)
//   EPI_n_STORAGE  for those: STORAGE_k of the operand's binding k (see common.glsl)
//   EPI_n_ALPHA    for EPI_LEAKY: the slope, as a float expression
#define EPI_RELU 1
#define EPI_RELU6 2
#define EPI_RELU_N1 3
#define EPI_TANH 4
#define EPI_LOGISTIC 5
#define EPI_HARD_SWISH 6
#define EPI_LEAKY 7
#define EPI_ADD 8
#define EPI_SUB 9
#define EPI_RSUB 10
#define EPI_MUL 11
#define EPI_PRELU 12

#define EPI_MODE_FULL 0
#define EPI_MODE_CHANNEL 1
#define EPI_MODE_SCALAR 2

vec4 epi_tanh(vec4 v) {
    // tanh saturates to +-1 in float beyond |x| = 9.02; clamping keeps exp() from overflowing in
    // implementations that compute it as (e^2x - 1) / (e^2x + 1).
    return keep_nan(v, tanh(clamp(v, -10.0, 10.0)));
}

vec4 epi_step(int kind, vec4 v, vec4 operand, float alpha) {
    // NaN in, NaN out through every step (keep_nan, common.glsl): min, max, clamp and exp may
    // drop it.
    if (kind == EPI_RELU) return keep_nan(v, max(v, vec4(0.0)));
    if (kind == EPI_RELU6) return clamp_keep_nan(v, vec4(0.0), vec4(6.0));
    if (kind == EPI_RELU_N1) return clamp_keep_nan(v, vec4(-1.0), vec4(1.0));
    if (kind == EPI_TANH) return epi_tanh(v);
    if (kind == EPI_LOGISTIC) return keep_nan(v, vec4(1.0) / (vec4(1.0) + exp(-v)));
    // HARD_SWISH(-inf) = -inf * 0 = NaN, as in TFLite.
    if (kind == EPI_HARD_SWISH) return keep_nan(v, v * clamp(v + vec4(3.0), vec4(0.0), vec4(6.0)) / 6.0);
    if (kind == EPI_LEAKY) return mix(v * alpha, v, greaterThan(v, vec4(0.0)));
    if (kind == EPI_ADD) return v + operand;
    if (kind == EPI_SUB) return v - operand;
    if (kind == EPI_RSUB) return operand - v;
    if (kind == EPI_MUL) return v * operand;
    if (kind == EPI_PRELU) return mix(v * operand, v, greaterThanEqual(v, vec4(0.0)));
    return v;
}

#define EPI_OPERAND(data, mode, index, slice) \
    ((mode) == EPI_MODE_FULL ? LOAD(data[index]) \
     : (mode) == EPI_MODE_CHANNEL ? LOAD(data[slice]) : vec4(LOAD(data[0]).x))

#ifdef EPI_0_BINDING
layout(std430, binding = EPI_0_BINDING) readonly buffer Epilogue0 { EPI_0_STORAGE epi0_data[]; };
#endif
#ifdef EPI_1_BINDING
layout(std430, binding = EPI_1_BINDING) readonly buffer Epilogue1 { EPI_1_STORAGE epi1_data[]; };
#endif
#ifdef EPI_2_BINDING
layout(std430, binding = EPI_2_BINDING) readonly buffer Epilogue2 { EPI_2_STORAGE epi2_data[]; };
#endif
#ifdef EPI_3_BINDING
layout(std430, binding = EPI_3_BINDING) readonly buffer Epilogue3 { EPI_3_STORAGE epi3_data[]; };
#endif
#ifndef EPI_0_ALPHA
#define EPI_0_ALPHA 0.0
#endif
#ifndef EPI_1_ALPHA
#define EPI_1_ALPHA 0.0
#endif
#ifndef EPI_2_ALPHA
#define EPI_2_ALPHA 0.0
#endif
#ifndef EPI_3_ALPHA
#define EPI_3_ALPHA 0.0
#endif

/* The value to store at vec4 `index` (slice `slice`) of an output with `channels` channels. */
vec4 finish_output(vec4 v, int index, int slice, int channels) {
#ifdef EPI_0
#ifdef EPI_0_BINDING
    v = epi_step(EPI_0, v, EPI_OPERAND(epi0_data, EPI_0_MODE, index, slice), EPI_0_ALPHA);
#else
    v = epi_step(EPI_0, v, vec4(0.0), EPI_0_ALPHA);
#endif
#endif
#ifdef EPI_1
#ifdef EPI_1_BINDING
    v = epi_step(EPI_1, v, EPI_OPERAND(epi1_data, EPI_1_MODE, index, slice), EPI_1_ALPHA);
#else
    v = epi_step(EPI_1, v, vec4(0.0), EPI_1_ALPHA);
#endif
#endif
#ifdef EPI_2
#ifdef EPI_2_BINDING
    v = epi_step(EPI_2, v, EPI_OPERAND(epi2_data, EPI_2_MODE, index, slice), EPI_2_ALPHA);
#else
    v = epi_step(EPI_2, v, vec4(0.0), EPI_2_ALPHA);
#endif
#endif
#ifdef EPI_3
#ifdef EPI_3_BINDING
    v = epi_step(EPI_3, v, EPI_OPERAND(epi3_data, EPI_3_MODE, index, slice), EPI_3_ALPHA);
#else
    v = epi_step(EPI_3, v, vec4(0.0), EPI_3_ALPHA);
#endif
#endif
    return mask_channels(v, slice, channels);
}
