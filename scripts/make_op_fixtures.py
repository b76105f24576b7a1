#!/usr/bin/env python3
"""Builds one tiny float model per operator test case, with inputs and reference outputs.

Usage: make_op_fixtures.py OUTDIR [--only SUBSTRING] [--compare-default]

For each case it writes OUTDIR/CASE.tflite, OUTDIR/CASE.input_K.npy (model input order; float32, or
float16 where the model input is float16) and OUTDIR/CASE.expected_K.npy (model output order), and
OUTDIR/manifest.txt with one line per case: CASE<TAB>num_inputs<TAB>num_outputs<TAB>tolerance, where
tolerance bounds max|actual - expected| / max|expected|. With --only, entries of cases not rebuilt stay
in the manifest. --compare-default also runs each NaN/infinity case on ai_edge_litert's default path
and prints where that differs from the expected output (NONFINITE_RULES).

Expected outputs come from ai_edge_litert's reference kernels (OpResolverType.BUILTIN_REF). Models the
official runtime cannot run (a MediaPipe custom op, CONV_2D without bias) get their expected outputs
from an equivalent builtin model built from the same weights. Every case draws its random data from a
generator seeded by the case name, so adding a case leaves the others' files unchanged.

Cases named *_nonfinite hold NaN, +inf and -inf at a few input positions, *_nan_weight one NaN
weight; their expected outputs are described at NONFINITE_RULES below.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import struct
import sys
import zlib
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tflite_builder import ModelBuilder  # noqa: E402

DEFAULT_TOLERANCE = 1e-5


@dataclasses.dataclass
class Case:
    name: str
    # Returns the model to write and, when the official runtime cannot run that model, an equivalent
    # model (same inputs and outputs, in order) that produces its expected outputs.
    build: Callable[[np.random.Generator], tuple[ModelBuilder, ModelBuilder | None]]
    input_scale: float = 1.0  # inputs are uniform in [-input_scale, input_scale]
    tolerance: float = DEFAULT_TOLERANCE
    nonfinite: tuple[float, ...] = ()  # values (NaN, +-inf) written at a few positions of each float input
    nan_weight: bool = False  # one element of the first float constant of rank >= 2 made NaN


CASES: list[Case] = []


def case(name: str, build, input_scale: float = 1.0, tolerance: float = DEFAULT_TOLERANCE) -> None:
    if any(c.name == name for c in CASES):
        raise ValueError(f"duplicate case {name}")
    CASES.append(Case(name, build, input_scale, tolerance))


def variant(base: str, suffix: str, **changes) -> None:
    """A copy of case `base` named `base_suffix`, with the fields in `changes` replaced."""
    original = next((c for c in CASES if c.name == base), None)
    if original is None:
        raise ValueError(f"no case {base}")
    name = f"{base}_{suffix}"
    if any(c.name == name for c in CASES):
        raise ValueError(f"duplicate case {name}")
    CASES.append(dataclasses.replace(original, name=name, **changes))


def weights(rng, shape, scale=1.0, dtype=np.float32):
    return rng.uniform(-scale, scale, size=shape).astype(dtype)


def single(rng, op, input_shapes, consts=(), **options):
    """One op: graph inputs of `input_shapes`, then constant inputs `consts` (arrays or None)."""
    b = ModelBuilder()
    inputs = [b.input(shape) for shape in input_shapes]
    inputs += [None if c is None else b.const(c) for c in consts]
    b.output(b.op(op, inputs, **options))
    return b, None


# Elementwise binary ----------------------------------------------------------------------------

def binary(op, a_shape, b_shape, activation="NONE", const_b=False):
    def build(rng):
        b = ModelBuilder()
        x = b.input(a_shape)
        y = b.const(weights(rng, b_shape, 2.0)) if const_b else b.input(b_shape)
        b.output(b.op(op, [x, y], fused_activation_function=activation))
        return b, None
    return build


for op in ("ADD", "SUB", "MUL"):
    lower = op.lower()
    case(f"{lower}_same_shape", binary(op, [1, 4, 4, 3], [1, 4, 4, 3]))
    case(f"{lower}_broadcast_channel", binary(op, [1, 4, 4, 3], [3]))
    case(f"{lower}_broadcast_1113", binary(op, [1, 4, 4, 3], [1, 1, 1, 3]))
    case(f"{lower}_broadcast_first_operand", binary(op, [1, 1, 1, 3], [1, 4, 4, 3]))
    case(f"{lower}_broadcast_both", binary(op, [2, 1, 3], [1, 4, 1]))
    case(f"{lower}_const_operand", binary(op, [1, 4, 4, 3], [1, 4, 4, 3], const_b=True))
    case(f"{lower}_const_broadcast", binary(op, [1, 5, 3, 7], [7], const_b=True))
    for activation in ("RELU", "RELU6", "RELU_N1_TO_1"):
        case(f"{lower}_{activation.lower()}", binary(op, [1, 4, 4, 3], [1, 4, 4, 3], activation),
             input_scale=4.0)


# Pooling ---------------------------------------------------------------------------------------

def pool(op, in_shape, filter_hw, stride_hw, padding, activation="NONE"):
    return lambda rng: single(rng, op, [in_shape], padding=padding, filter_height=filter_hw[0],
                              filter_width=filter_hw[1], stride_h=stride_hw[0], stride_w=stride_hw[1],
                              fused_activation_function=activation)


for op, prefix in (("AVERAGE_POOL_2D", "avg_pool"), ("MAX_POOL_2D", "max_pool")):
    for f in (2, 3):
        for s in (1, 2):
            for padding in ("SAME", "VALID"):
                case(f"{prefix}_f{f}_s{s}_{padding.lower()}", pool(op, [1, 7, 7, 5], (f, f), (s, s), padding))
    case(f"{prefix}_nonsquare_same", pool(op, [1, 7, 9, 3], (2, 3), (2, 1), "SAME"))
    case(f"{prefix}_nonsquare_valid", pool(op, [1, 8, 6, 4], (3, 2), (1, 2), "VALID"))
    case(f"{prefix}_relu6", pool(op, [2, 6, 6, 3], (2, 2), (2, 2), "VALID", "RELU6"), input_scale=10.0)
    # Channel counts past the 8-lane SIMD width, with a partial last block (CPU AVX2 paths).
    case(f"{prefix}_wide_channels_same", pool(op, [1, 9, 9, 21], (3, 3), (2, 2), "SAME"))
    case(f"{prefix}_wide_channels_valid", pool(op, [1, 8, 8, 16], (2, 2), (2, 2), "VALID"))


# Concatenation ---------------------------------------------------------------------------------

case("concat_axis3", lambda rng: single(rng, "CONCATENATION", [[1, 4, 4, 3], [1, 4, 4, 5]], axis=3))
case("concat_axis1", lambda rng: single(rng, "CONCATENATION", [[1, 2, 4, 3], [1, 5, 4, 3]], axis=1))
case("concat_axis_negative",
     lambda rng: single(rng, "CONCATENATION", [[1, 3, 3, 2], [1, 3, 3, 4], [1, 3, 3, 1]], axis=-1))
case("concat_three_inputs_axis2",
     lambda rng: single(rng, "CONCATENATION", [[1, 2, 1, 3], [1, 2, 3, 3], [1, 2, 2, 3]], axis=2))


# CONV_2D ---------------------------------------------------------------------------------------

def conv(in_shape, out_channels, kernel_hw=(3, 3), stride_hw=(1, 1), dilation_hw=(1, 1), padding="SAME",
         activation="NONE", bias=True):
    def build(rng):
        filters = weights(rng, [out_channels, *kernel_hw, in_shape[3]], 0.5)
        bias_values = weights(rng, [out_channels])
        options = dict(padding=padding, stride_h=stride_hw[0], stride_w=stride_hw[1],
                       dilation_h_factor=dilation_hw[0], dilation_w_factor=dilation_hw[1],
                       fused_activation_function=activation)
        if bias:
            return single(rng, "CONV_2D", [in_shape], [filters, bias_values], **options)
        # TFLite's CONV_2D refuses a model without bias ("has_bias was not true"), so the expected
        # output comes from the same convolution with a zero bias.
        model, _ = single(rng, "CONV_2D", [in_shape], [filters], **options)
        reference, _ = single(rng, "CONV_2D", [in_shape], [filters, np.zeros([out_channels], np.float32)],
                              **options)
        return model, reference
    return build


case("conv2d_1x1", conv([1, 6, 6, 16], 8, (1, 1)))
case("conv2d_3x3_same", conv([1, 8, 8, 3], 5))
case("conv2d_3x3_valid", conv([1, 8, 8, 3], 5, padding="VALID"))
case("conv2d_3x3_stride2_same", conv([1, 9, 9, 4], 8, stride_hw=(2, 2)))
case("conv2d_3x3_stride2_same_even", conv([1, 8, 8, 3], 4, stride_hw=(2, 2)))
case("conv2d_3x3_stride2_valid", conv([1, 9, 9, 4], 8, stride_hw=(2, 2), padding="VALID"))
case("conv2d_3x3_dilation2_same", conv([1, 9, 9, 3], 4, dilation_hw=(2, 2)))
case("conv2d_3x3_dilation2_valid", conv([1, 9, 9, 3], 4, dilation_hw=(2, 2), padding="VALID"))
case("conv2d_1x3_same", conv([1, 6, 7, 3], 4, (1, 3)))
case("conv2d_3x1_stride_1x2_valid", conv([1, 7, 8, 3], 4, (3, 1), stride_hw=(1, 2), padding="VALID"))
case("conv2d_nonsquare_input_stride2", conv([1, 5, 7, 3], 4, stride_hw=(2, 2)))
case("conv2d_no_bias", conv([1, 6, 6, 3], 4, bias=False))
case("conv2d_relu", conv([1, 6, 6, 3], 5, activation="RELU"))
case("conv2d_relu6", conv([1, 6, 6, 3], 5, activation="RELU6"), input_scale=4.0)
case("conv2d_3_to_5", conv([1, 5, 5, 3], 5, (1, 1)))
case("conv2d_16_to_24", conv([1, 6, 6, 16], 24))
case("conv2d_batch2", conv([2, 5, 5, 3], 4))
case("conv2d_32x32x16_to_32", conv([1, 32, 32, 16], 32))


# DEPTHWISE_CONV_2D -----------------------------------------------------------------------------

def depthwise(in_shape, kernel_hw=(3, 3), multiplier=1, stride_hw=(1, 1), dilation_hw=(1, 1), padding="SAME",
              activation="NONE", bias=True):
    def build(rng):
        channels = in_shape[3] * multiplier
        consts = [weights(rng, [1, *kernel_hw, channels])]
        if bias:
            consts.append(weights(rng, [channels]))
        return single(rng, "DEPTHWISE_CONV_2D", [in_shape], consts, padding=padding, stride_h=stride_hw[0],
                      stride_w=stride_hw[1], depth_multiplier=multiplier, dilation_h_factor=dilation_hw[0],
                      dilation_w_factor=dilation_hw[1], fused_activation_function=activation)
    return build


case("depthwise_3x3_same", depthwise([1, 8, 8, 8]))
case("depthwise_3x3_valid", depthwise([1, 8, 8, 8], padding="VALID"))
case("depthwise_3x3_stride2_same", depthwise([1, 9, 9, 6], stride_hw=(2, 2)))
case("depthwise_3x3_stride2_valid", depthwise([1, 9, 9, 6], stride_hw=(2, 2), padding="VALID"))
case("depthwise_3x3_dilation2", depthwise([1, 9, 9, 4], dilation_hw=(2, 2)))
case("depthwise_multiplier2", depthwise([1, 6, 6, 3], multiplier=2))
case("depthwise_5x5_same", depthwise([1, 8, 8, 5], (5, 5)))
case("depthwise_5x5_stride2_same", depthwise([1, 10, 10, 4], (5, 5), stride_hw=(2, 2)))
# Two inputs, no bias: TFLite's reference kernel runs this, but its optimized kernel (ai_edge_litert's
# default resolver) crashes on it, so only BUILTIN_REF can check this fixture.
case("depthwise_no_bias", depthwise([1, 6, 6, 4], bias=False))
case("depthwise_relu6", depthwise([1, 6, 6, 7], activation="RELU6"), input_scale=4.0)
case("depthwise_channels_5", depthwise([1, 5, 7, 5]))


# FULLY_CONNECTED -------------------------------------------------------------------------------

def fully_connected(in_shape, units, depth, bias=True, keep_num_dims=False, activation="NONE"):
    def build(rng):
        consts = [weights(rng, [units, depth]), weights(rng, [units]) if bias else None]
        return single(rng, "FULLY_CONNECTED", [in_shape], consts, keep_num_dims=keep_num_dims,
                      fused_activation_function=activation)
    return build


case("fc_2d", fully_connected([2, 16], 8, 16))
case("fc_4d_flattened", fully_connected([1, 2, 2, 4], 6, 16))
case("fc_no_bias", fully_connected([3, 10], 7, 10, bias=False))
case("fc_keep_num_dims_3d", fully_connected([2, 3, 8], 5, 8, keep_num_dims=True))
case("fc_3d_flattened_rows", fully_connected([2, 3, 8], 5, 8))
case("fc_relu", fully_connected([2, 12], 9, 12, activation="RELU"))


# Unary activations -----------------------------------------------------------------------------

for op in ("LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1", "HARD_SWISH"):
    case(op.lower(), lambda rng, op=op: single(rng, op, [[1, 5, 7, 3]]), input_scale=8.0)
case("logistic_2d", lambda rng: single(rng, "LOGISTIC", [[3, 17]]), input_scale=8.0)


# PAD, PRELU, RESHAPE ---------------------------------------------------------------------------

def pad(in_shape, paddings):
    return lambda rng: single(rng, "PAD", [in_shape], [np.array(paddings, np.int32)])


case("pad_spatial", pad([1, 4, 4, 3], [[0, 0], [1, 1], [1, 1], [0, 0]]))
case("pad_asymmetric", pad([1, 4, 5, 3], [[0, 0], [0, 2], [3, 1], [0, 0]]))
case("pad_channels", pad([1, 3, 3, 3], [[0, 0], [0, 0], [0, 0], [1, 4]]))
case("pad_channels_wide", pad([1, 4, 5, 19], [[0, 0], [0, 0], [0, 0], [0, 13]]))

case("prelu_alpha_channel", lambda rng: single(rng, "PRELU", [[1, 4, 4, 6]], [weights(rng, [1, 1, 6])]))
case("prelu_alpha_full", lambda rng: single(rng, "PRELU", [[1, 4, 5, 3]], [weights(rng, [4, 5, 3])]))

case("reshape_const_shape",
     lambda rng: single(rng, "RESHAPE", [[1, 4, 4, 3]], [np.array([1, 8, 6], np.int32)], new_shape=[1, 8, 6]))
case("reshape_const_shape_minus1",
     lambda rng: single(rng, "RESHAPE", [[1, 4, 4, 3]], [np.array([-1, 12], np.int32)]))
case("reshape_options_only", lambda rng: single(rng, "RESHAPE", [[2, 3, 4]], new_shape=[4, 6]))


# RESIZE_BILINEAR -------------------------------------------------------------------------------

def resize(in_shape, size, align_corners=False, half_pixel_centers=False):
    return lambda rng: single(rng, "RESIZE_BILINEAR", [in_shape], [np.array(size, np.int32)],
                              align_corners=align_corners, half_pixel_centers=half_pixel_centers)


case("resize_bilinear_up2x", resize([1, 4, 4, 3], [8, 8]))
case("resize_bilinear_down", resize([1, 8, 8, 3], [4, 4]))
case("resize_bilinear_nonint", resize([1, 3, 5, 2], [7, 4]))
case("resize_bilinear_align_corners", resize([1, 4, 4, 3], [7, 7], align_corners=True))
case("resize_bilinear_half_pixel", resize([1, 4, 4, 3], [8, 8], half_pixel_centers=True))
case("resize_bilinear_half_pixel_down", resize([1, 8, 8, 3], [5, 3], half_pixel_centers=True))
case("resize_bilinear_wide_channels", resize([1, 5, 6, 21], [11, 9]))
case("resize_bilinear_wide_half_pixel", resize([1, 6, 4, 16], [12, 8], half_pixel_centers=True))


# SOFTMAX ---------------------------------------------------------------------------------------

case("softmax_2d", lambda rng: single(rng, "SOFTMAX", [[2, 10]], beta=1.0), input_scale=4.0)
case("softmax_2d_beta_half", lambda rng: single(rng, "SOFTMAX", [[3, 7]], beta=0.5), input_scale=4.0)
case("softmax_4d", lambda rng: single(rng, "SOFTMAX", [[1, 4, 4, 7]], beta=1.0), input_scale=4.0)
case("softmax_4d_beta_half", lambda rng: single(rng, "SOFTMAX", [[1, 3, 3, 5]], beta=0.5), input_scale=4.0)
# Rows of 8 or more take the CPU delegate's AVX2 path: whole blocks of 8, and a masked last block.
case("softmax_4d_depth21", lambda rng: single(rng, "SOFTMAX", [[1, 5, 6, 21]], beta=1.0), input_scale=8.0)
case("softmax_2d_depth16_beta_half", lambda rng: single(rng, "SOFTMAX", [[4, 16]], beta=0.5), input_scale=8.0)


# STRIDED_SLICE ---------------------------------------------------------------------------------

def strided_slice(begin, end, strides, **masks):
    consts = [np.array(v, np.int32) for v in (begin, end, strides)]
    return lambda rng: single(rng, "STRIDED_SLICE", [[1, 8, 8, 6]], consts, **masks)


case("strided_slice_basic", strided_slice([0, 1, 2, 0], [1, 7, 6, 6], [1, 1, 1, 1]))
case("strided_slice_stride2", strided_slice([0, 0, 1, 0], [1, 8, 8, 6], [1, 2, 2, 1]))
case("strided_slice_negative_indices", strided_slice([0, -6, -7, 1], [1, -1, -2, -1], [1, 1, 1, 1]))
case("strided_slice_masks",
     strided_slice([0, 5, 2, 3], [0, 6, 7, 0], [1, 1, 2, 1], begin_mask=0b0011, end_mask=0b1001))
case("strided_slice_shrink_axis", strided_slice([0, 3, 0, 0], [1, 4, 8, 6], [1, 1, 1, 1], shrink_axis_mask=0b0011))
case("strided_slice_negative_stride",
     strided_slice([0, 6, 7, 0], [1, 0, 0, 6], [1, -2, -1, 1], end_mask=0b0010))


# TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias -------------------------------------

def transpose_conv_output_hw(in_hw, kernel_hw, stride_hw, padding):
    if padding == "SAME":
        return [in_hw[i] * stride_hw[i] for i in range(2)]
    return [(in_hw[i] - 1) * stride_hw[i] + kernel_hw[i] for i in range(2)]


def transpose_conv_model(in_shape, filters, bias_values, stride_hw, padding):
    b = ModelBuilder()
    x = b.input(in_shape)
    out_shape = [in_shape[0], *transpose_conv_output_hw(in_shape[1:3], filters.shape[1:3], stride_hw, padding),
                 filters.shape[0]]
    inputs = [b.const(np.array(out_shape, np.int32)), b.const(filters), x]
    if bias_values is not None:
        inputs.append(b.const(bias_values))
    b.output(b.op("TRANSPOSE_CONV", inputs, padding=padding, stride_h=stride_hw[0], stride_w=stride_hw[1]))
    return b


def transpose_conv(in_shape, out_channels, kernel_hw, stride_hw, padding, bias=False):
    def build(rng):
        filters = weights(rng, [out_channels, *kernel_hw, in_shape[3]])
        bias_values = weights(rng, [out_channels]) if bias else None
        return transpose_conv_model(in_shape, filters, bias_values, stride_hw, padding), None
    return build


PADDING_CODE = {"SAME": 1, "VALID": 2}  # TfLitePadding


def convolution2d_transpose_bias(in_shape, out_channels, kernel_hw, stride_hw, padding):
    def build(rng):
        filters = weights(rng, [out_channels, *kernel_hw, in_shape[3]])
        bias_values = weights(rng, [out_channels])
        b = ModelBuilder()
        x = b.input(in_shape)
        out_shape = [in_shape[0], *transpose_conv_output_hw(in_shape[1:3], kernel_hw, stride_hw, padding),
                     out_channels]
        # TfLiteTransposeConvParams {int32 padding; int32 stride_width; int32 stride_height;}
        params = struct.pack("<3i", PADDING_CODE[padding], stride_hw[1], stride_hw[0])
        y = b.custom_op("Convolution2DTransposeBias", [x, b.const(filters), b.const(bias_values)],
                        b.tensor(out_shape), params)
        b.output(y)
        return b, transpose_conv_model(in_shape, filters, bias_values, stride_hw, padding)
    return build


case("transpose_conv_s2_same", transpose_conv([1, 4, 4, 3], 5, (3, 3), (2, 2), "SAME"))
case("transpose_conv_s2_valid", transpose_conv([1, 4, 4, 3], 5, (3, 3), (2, 2), "VALID"))
case("transpose_conv_s1_same", transpose_conv([1, 5, 5, 4], 3, (3, 3), (1, 1), "SAME"))
case("transpose_conv_k2_s2_valid", transpose_conv([1, 4, 4, 6], 4, (2, 2), (2, 2), "VALID"))
case("transpose_conv_k4_s2_same_bias", transpose_conv([1, 4, 4, 6], 4, (4, 4), (2, 2), "SAME", bias=True))
case("transpose_conv_bias", transpose_conv([1, 4, 4, 3], 5, (3, 3), (2, 2), "SAME", bias=True))
case("transpose_conv_nonsquare", transpose_conv([1, 3, 5, 4], 3, (3, 2), (2, 1), "SAME", bias=True))
case("mediapipe_transpose_conv_bias_same",
     convolution2d_transpose_bias([1, 4, 4, 6], 4, (4, 4), (2, 2), "SAME"))
case("mediapipe_transpose_conv_bias_valid",
     convolution2d_transpose_bias([1, 3, 5, 3], 5, (2, 2), (2, 2), "VALID"))


# Float16: DEQUANTIZE at run time, and constant float16 weights as MediaPipe stores them -----------

def dequantize_input(rng):
    b = ModelBuilder()
    x = b.input([1, 4, 4, 3], np.float16)
    b.output(b.op("DEQUANTIZE", [x]))
    return b, None


def float16_weights_conv(rng):
    b = ModelBuilder()
    x = b.input([1, 6, 6, 3])
    filters = b.op("DEQUANTIZE", [b.const(weights(rng, [4, 3, 3, 3], dtype=np.float16))])
    bias_values = b.op("DEQUANTIZE", [b.const(weights(rng, [4], dtype=np.float16))])
    b.output(b.op("CONV_2D", [x, filters, bias_values], padding="SAME", stride_h=1, stride_w=1))
    return b, None


case("dequantize_float16_input", dequantize_input, input_scale=8.0)
case("conv2d_float16_weights", float16_weights_conv)


# DENSIFY of sparse constant weights (folded at load time), float32 and float16 as MediaPipe stores them.

def sparse_weights(rng, shape, dtype, density=0.3):
    values = weights(rng, shape, dtype=dtype)
    return np.where(rng.random(shape) < density, values, 0).astype(dtype)


def densify_conv(dtype, kernel):
    def build(rng):
        b = ModelBuilder()
        x = b.input([1, 6, 6, 8])
        shape = [6, kernel, kernel, 8]
        filters = b.op("DENSIFY", [b.const_sparse(sparse_weights(rng, shape, dtype))], b.tensor(shape, dtype))
        if dtype == np.float16:
            filters = b.op("DEQUANTIZE", [filters])
        b.output(b.op("CONV_2D", [x, filters, b.const(weights(rng, [6]))], padding="SAME", stride_h=1, stride_w=1))
        return b, None
    return build


case("densify_conv2d_1x1", densify_conv(np.float32, 1))
case("densify_float16_conv2d_3x3", densify_conv(np.float16, 3))


# MEAN, DEPTH_TO_SPACE --------------------------------------------------------------------------

def mean(axes, keep_dims):
    return lambda rng: single(rng, "MEAN", [[1, 4, 5, 6]], [np.array(axes, np.int32)], keep_dims=keep_dims)


case("mean_axes12_keep_dims", mean([1, 2], True))
case("mean_axes12", mean([1, 2], False))
case("mean_axis3_keep_dims", mean([3], True))
case("mean_axis3", mean([3], False))

case("depth_to_space_block2", lambda rng: single(rng, "DEPTH_TO_SPACE", [[1, 3, 3, 8]], block_size=2))
case("depth_to_space_block2_c12", lambda rng: single(rng, "DEPTH_TO_SPACE", [[1, 2, 4, 12]], block_size=2))


# A few ops with two inputs and two outputs -----------------------------------------------------

def multi_io(rng):
    b = ModelBuilder()
    # Tensor indices run opposite to graph input order, so a runtime that sorts by index gets it wrong.
    second = b.tensor([1, 6, 6, 3], name="second")
    first = b.tensor([1, 6, 6, 3], name="first")
    b.inputs = [first, second]
    total = b.op("ADD", [first, second])
    features = b.op("CONV_2D", [total, b.const(weights(rng, [4, 3, 3, 3])), b.const(weights(rng, [4]))],
                    padding="SAME", stride_h=1, stride_w=1, fused_activation_function="RELU")
    pooled = b.op("MAX_POOL_2D", [features], padding="VALID", filter_height=2, filter_width=2,
                  stride_h=2, stride_w=2)
    gate = b.op("LOGISTIC", [b.op("MUL", [first, second])])
    b.output(gate, pooled)
    return b, None


case("multi_input_output", multi_io)


# Layout operators: SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, GATHER, PACK, UNPACK, SHAPE, TRANSPOSE,
# SQUEEZE, EXPAND_DIMS, SPLIT. Their inputs are graph inputs, so the host's optimiser leaves them to
# the delegates; the "folded_" cases feed them constants so that the optimiser evaluates them.

def ints(values, dtype=np.int32):
    return np.array(values, dtype)


def space_batch(op, in_shape, block, edges):
    return lambda rng: single(rng, op, [in_shape], [ints(block), ints(edges)])


case("space_to_batch_block2", space_batch("SPACE_TO_BATCH_ND", [1, 4, 4, 3], [2, 2], [[0, 0], [0, 0]]))
case("space_to_batch_padded", space_batch("SPACE_TO_BATCH_ND", [1, 5, 5, 2], [2, 2], [[1, 2], [2, 1]]))
case("space_to_batch_block3x2_batch2", space_batch("SPACE_TO_BATCH_ND", [2, 6, 4, 3], [3, 2], [[0, 0], [1, 1]]))
case("space_to_batch_3d", space_batch("SPACE_TO_BATCH_ND", [1, 6, 4], [2], [[1, 1]]))
case("batch_to_space_block2", space_batch("BATCH_TO_SPACE_ND", [4, 2, 2, 3], [2, 2], [[0, 0], [0, 0]]))
case("batch_to_space_cropped", space_batch("BATCH_TO_SPACE_ND", [4, 3, 3, 2], [2, 2], [[1, 0], [0, 1]]))
case("batch_to_space_block3x2_batch2", space_batch("BATCH_TO_SPACE_ND", [12, 2, 3, 3], [3, 2], [[1, 1], [0, 2]]))
case("batch_to_space_3d", space_batch("BATCH_TO_SPACE_ND", [2, 4, 3], [2], [[0, 1]]))


def gather(params_shape, indices, axis, batch_dims=0, dtype=np.int32):
    return lambda rng: single(rng, "GATHER", [params_shape], [ints(indices, dtype)], axis=axis,
                              batch_dims=batch_dims)


case("gather_axis0", gather([5, 4], [4, 0, 2], 0))
case("gather_axis1_2d_indices", gather([2, 5, 3], [[1, 4], [0, 0]], 1))
case("gather_negative_axis", gather([2, 3, 6], [5, 1, 3, 3], -1))
case("gather_batch_dims1", gather([2, 5, 3], [[4, 1], [0, 2]], 1, batch_dims=1))
case("gather_int64_indices", gather([6, 2], [5, 5, 1], 0, dtype=np.int64))


def pack(shapes, axis):
    return lambda rng: single(rng, "PACK", shapes, values_count=len(shapes), axis=axis)


case("pack_axis0", pack([[2, 3], [2, 3]], 0))
case("pack_three_axis1", pack([[2, 3], [2, 3], [2, 3]], 1))
case("pack_axis_negative", pack([[3, 2, 4], [3, 2, 4]], -1))


def unpack(shape, axis):
    def build(rng):
        b = ModelBuilder()
        x = b.input(shape)
        count = shape[axis]
        b.output(*b.op("UNPACK", [x], [b.tensor() for _ in range(count)], num=count, axis=axis))
        return b, None
    return build


case("unpack_axis0", unpack([3, 4], 0))
case("unpack_axis1", unpack([2, 3, 4], 1))
case("unpack_axis_negative", unpack([2, 3, 2], -1))


def split(shape, axis, count):
    def build(rng):
        b = ModelBuilder()
        x = b.input(shape)
        b.output(*b.op("SPLIT", [b.const(ints(axis)), x], [b.tensor() for _ in range(count)], num_splits=count))
        return b, None
    return build


case("split_axis1_three", split([2, 6], 1, 3))
case("split_axis0_two", split([4, 3], 0, 2))
case("split_axis_negative", split([1, 2, 4, 6], -1, 2))


def shape_gather(in_shape):
    """SHAPE feeding a float GATHER: the shape picks values, so the output shows it in float."""
    def build(rng):
        b = ModelBuilder()
        x = b.input(in_shape)
        dims = b.op("SHAPE", [x], b.tensor(dtype=np.int32), out_type=tflite_int32())
        b.output(b.op("GATHER", [b.const(np.arange(10, dtype=np.float32) / 10), dims], axis=0))
        return b, None
    return build


def tflite_int32():
    import tflite
    return tflite.TensorType.INT32


case("shape_4d", shape_gather([1, 3, 5, 2]))
case("shape_2d", shape_gather([4, 7]))


def transpose(shape, perm):
    return lambda rng: single(rng, "TRANSPOSE", [shape], [ints(perm)])


case("transpose_3d", transpose([2, 3, 4], [2, 0, 1]))
case("transpose_nhwc_to_nchw", transpose([1, 4, 5, 3], [0, 3, 1, 2]))
case("transpose_2d", transpose([2, 3], [1, 0]))
case("transpose_5d", transpose([2, 1, 3, 2, 2], [4, 2, 0, 3, 1]))


def squeeze(shape, dims):
    return lambda rng: single(rng, "SQUEEZE", [shape], squeeze_dims=dims)


case("squeeze_dims", squeeze([1, 3, 1, 4], [0, 2]))
case("squeeze_all", squeeze([1, 3, 1, 4], []))
case("squeeze_negative_dim", squeeze([2, 3, 1], [-1]))


def expand_dims(shape, axis):
    return lambda rng: single(rng, "EXPAND_DIMS", [shape], [ints(axis)])


case("expand_dims_axis0", expand_dims([3, 4], 0))
case("expand_dims_axis_last", expand_dims([3, 4], -1))
case("expand_dims_axis1", expand_dims([2, 3, 4], 1))


def folded(rng):
    """Shape arithmetic on constants, as the converter writes it; the host folds it all at load."""
    b = ModelBuilder()
    x = b.input([1, 4, 6, 2])
    shape = b.op("SHAPE", [x], b.tensor(dtype=np.int32), out_type=tflite_int32())
    batch = b.op("STRIDED_SLICE", [shape, b.const(ints([0])), b.const(ints([1])), b.const(ints([1]))],
                 b.tensor(dtype=np.int32), shrink_axis_mask=1)
    rows = b.op("GATHER", [shape, b.const(ints([1, 2]))], b.tensor(dtype=np.int32), axis=0)
    count = b.op("MUL", [b.op("STRIDED_SLICE", [rows, b.const(ints([0])), b.const(ints([1])), b.const(ints([1]))],
                              b.tensor(dtype=np.int32), shrink_axis_mask=1),
                        b.op("STRIDED_SLICE", [rows, b.const(ints([1])), b.const(ints([2])), b.const(ints([1]))],
                             b.tensor(dtype=np.int32), shrink_axis_mask=1)],
                 b.tensor(dtype=np.int32))
    channels = b.const(ints([2]))
    b.set_shape(channels, [])  # const() makes at least 1-D arrays; PACK needs a scalar like the others
    new_shape = b.op("PACK", [batch, count, channels], b.tensor(dtype=np.int32), values_count=3, axis=0)
    # A shape computed at run time leaves the output's shape unknown to fill_unknown_shapes: declare it.
    flat = b.op("RESHAPE", [x, new_shape], b.tensor([1, 24, 2]))
    # A float constant chain too: (w * 2 - 1) / 4, then a transposed, unpacked row of it.
    # TFLite leaves the shapes of tensors computed only from constants undeclared: declare them.
    w = b.const(weights(rng, [2, 3]))
    doubled = b.op("MUL", [w, b.const(np.float32(2))], b.tensor([2, 3]))
    scaled = b.op("DIV", [b.op("SUB", [doubled, b.const(np.float32(1))], b.tensor([2, 3])), b.const(np.float32(4))],
                  b.tensor([2, 3]))
    rows_of = b.op("UNPACK", [b.op("TRANSPOSE", [scaled, b.const(ints([1, 0]))], b.tensor([3, 2]))],
                   [b.tensor([2]), b.tensor([2]), b.tensor([2])], num=3, axis=0)
    b.output(b.op("ADD", [flat, rows_of[1]], b.tensor([1, 24, 2])))
    return b, None


case("folded_shape_arithmetic", folded)


# More elementwise operators: MAXIMUM, MINIMUM, DIV, SQUARED_DIFFERENCE, RSQRT, EXP, LEAKY_RELU ----

for op in ("MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"):
    lower = op.lower()
    case(f"{lower}_same_shape", lambda rng, op=op: single(rng, op, [[1, 4, 4, 3], [1, 4, 4, 3]]))
    case(f"{lower}_broadcast", lambda rng, op=op: single(rng, op, [[2, 1, 3], [1, 4, 1]]))
    case(f"{lower}_const_operand", lambda rng, op=op: single(rng, op, [[1, 5, 3, 7]], [weights(rng, [7])]))


def divisor(rng, shape):
    return (rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)).astype(np.float32)


case("div_same_shape", lambda rng: single(rng, "DIV", [[1, 4, 4, 3]], [divisor(rng, [1, 4, 4, 3])]))
case("div_broadcast", lambda rng: single(rng, "DIV", [[2, 3, 4]], [divisor(rng, [3, 1])]))
case("div_relu6", lambda rng: single(rng, "DIV", [[1, 4, 4, 3]], [divisor(rng, [3])],
                                     fused_activation_function="RELU6"), input_scale=8.0)
case("div_two_inputs", lambda rng: single(rng, "DIV", [[1, 3, 3, 2], [1, 3, 3, 2]]))


def rsqrt(shape):
    """RSQRT of x*x + 0.1, so every input is positive."""
    def build(rng):
        b = ModelBuilder()
        x = b.input(shape)
        square = b.op("ADD", [b.op("MUL", [x, x]), b.const(np.float32(0.1))])
        b.output(b.op("RSQRT", [square]))
        return b, None
    return build


case("rsqrt_4d", rsqrt([1, 4, 4, 3]))
case("rsqrt_2d", rsqrt([5, 7]))
case("exp", lambda rng: single(rng, "EXP", [[1, 4, 4, 3]]), input_scale=3.0)
case("exp_2d", lambda rng: single(rng, "EXP", [[6, 5]]), input_scale=8.0)
case("leaky_relu_alpha02", lambda rng: single(rng, "LEAKY_RELU", [[1, 4, 4, 3]], alpha=0.2))
case("leaky_relu_alpha001", lambda rng: single(rng, "LEAKY_RELU", [[2, 7]], alpha=0.01))


# NaN and infinities ----------------------------------------------------------------------------
#
# NONFINITE_RULES. Every operator family above has a *_nonfinite case: the same model, its float
# inputs holding NaN, +inf and -inf at a few positions drawn from the case's generator. The
# weighted operators (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, MediaPipe's
# transposed convolution, PRELU) also have a *_nan_weight case: finite inputs, one weight NaN. The
# rule for a delegate: NaN in, NaN out; infinities as TFLite's default (XNNPACK) path gives them.
# Neither of ai_edge_litert's paths follows it everywhere, so the expected outputs are the reference
# kernels' with one correction (nonfinite_expected). What follows was *measured* with ai-edge-litert
# 2.3.0 on both paths; `make_op_fixtures.py DIR --compare-default` prints, per case, where the
# default path differs from the expected output (13 of the 91 cases; the others agree):
# - The reference kernels clamp float results to [-FLT_MAX, FLT_MAX] even without an activation
#   (ADD, SUB, MUL, DIV, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, both pools), and
#   MAX_POOL_2D starts each window at -FLT_MAX; the default path gives +-inf there. The expected
#   value is +-inf. (A clamp inside a chain of nodes cannot be undone at the output, so
#   multi_input_output_nonfinite gets NaN alone.)
# - Where the default path drops a NaN that the reference keeps, the NaN stands: EXP(NaN) is 0 on
#   the default path, and its AVERAGE_POOL_2D turns a window holding NaN into -inf (its output
#   clamp drops NaN: the defect the rule is for).
# - MAX_POOL_2D: the reference skips NaN taps (std::max(max, x), the NaN second), so a window of
#   NaN and finite values gives the finite maximum. The default path's answer for such a window
#   depends on where the NaN sits (in max_pool_f3_s1_same_nonfinite one such window gives -inf,
#   another 0.543 where the maximum is 0.916; 1-4 elements differ in each max_pool case, 8 in
#   multi_input_output_nonfinite after its pool): no kernel can match that, so the reference's
#   NaN-skipping stands, as docs/operators.md says. MAXIMUM and MINIMUM follow their comparison on
#   both paths (MAXIMUM(NaN, 0) = 0, MAXIMUM(0, NaN) = NaN). SOFTMAX: a NaN or +inf makes its row
#   NaN on both.
# - RESIZE_BILINEAR: the default path interpolates as a + (b - a) * t, which turns an inf next to a
#   finite value into NaN (inf - inf) where the reference's sum of weighted corners keeps inf; the
#   reference stands (its formula is the documented one, docs/operators.md).
# - A NaN weight reaches, on the reference, the outputs it multiplies a real input pixel into; the
#   default path also multiplies it by padding zeros (0 * NaN = NaN): at the borders of a SAME
#   convolution, and for TRANSPOSE_CONV at outputs the weight would reach from a zero row or column
#   past the input, even with VALID padding (9 more NaN in transpose_conv_s2_valid_nan_weight). The
#   reference stands. The CONV_2D and DEPTHWISE_CONV_2D *_nan_weight cases use windows without
#   padding (VALID, 1x1), where both paths agree, because the shipped kernels differ there: the CPU
#   convolution's im2col and the GPU CONV_2D and DEPTHWISE_CONV_2D kernels multiply padding zeros,
#   the CPU depthwise kernel skips padded taps.

for base in (
        "add_same_shape", "add_broadcast_both", "add_relu", "sub_broadcast_channel", "sub_relu6",
        "mul_const_broadcast", "mul_relu_n1_to_1",
        "avg_pool_f3_s1_same", "avg_pool_wide_channels_same", "avg_pool_relu6",
        "max_pool_f3_s1_same", "max_pool_f2_s2_valid", "max_pool_wide_channels_same", "max_pool_relu6",
        "concat_axis3",
        "conv2d_1x1", "conv2d_3x3_same", "conv2d_3x3_stride2_valid", "conv2d_no_bias", "conv2d_relu",
        "conv2d_relu6", "conv2d_16_to_24", "conv2d_32x32x16_to_32",
        "depthwise_3x3_same", "depthwise_3x3_stride2_valid", "depthwise_multiplier2", "depthwise_relu6",
        "depthwise_channels_5",
        "fc_2d", "fc_relu", "fc_keep_num_dims_3d",
        "logistic", "logistic_2d", "tanh", "relu", "relu6", "relu_n1_to_1", "hard_swish",
        "pad_spatial", "pad_channels_wide", "prelu_alpha_channel", "prelu_alpha_full", "reshape_const_shape",
        "resize_bilinear_up2x", "resize_bilinear_half_pixel", "resize_bilinear_wide_channels",
        "softmax_2d", "softmax_4d_depth21", "softmax_2d_depth16_beta_half",
        "strided_slice_basic",
        "transpose_conv_s2_same", "transpose_conv_bias", "mediapipe_transpose_conv_bias_same",
        "dequantize_float16_input", "conv2d_float16_weights", "densify_conv2d_1x1",
        "mean_axes12_keep_dims", "mean_axis3", "depth_to_space_block2",
        "space_to_batch_padded", "batch_to_space_cropped", "gather_axis0", "pack_axis0", "unpack_axis1",
        "split_axis1_three", "shape_4d", "transpose_3d", "squeeze_dims", "expand_dims_axis0",
        "folded_shape_arithmetic",
        "maximum_same_shape", "maximum_broadcast", "minimum_same_shape", "minimum_broadcast",
        "squared_difference_broadcast", "div_same_shape", "div_two_inputs", "div_relu6", "rsqrt_4d",
        "exp", "exp_2d", "leaky_relu_alpha02"):
    variant(base, "nonfinite", nonfinite=(np.nan, np.inf, -np.inf))
# Infinities only where no node before the output would clamp one: in this chain the reference's
# ADD clamps inf to FLT_MAX and the convolution after it makes finite values of that, which the
# correction at the output cannot undo. NaN is never clamped, so the chain gets NaN alone.
variant("multi_input_output", "nonfinite", nonfinite=(np.nan,))
for base in ("conv2d_3x3_valid", "conv2d_1x1", "depthwise_3x3_valid", "fc_2d", "fc_no_bias",
             "transpose_conv_s2_valid", "mediapipe_transpose_conv_bias_valid", "prelu_alpha_channel"):
    variant(base, "nan_weight", nan_weight=True)


# Running the reference -------------------------------------------------------------------------

def make_interpreter(model: bytes):
    from ai_edge_litert.interpreter import Interpreter
    try:
        from ai_edge_litert.interpreter import OpResolverType
        # Reference kernels: plain loops, no XNNPACK, so results are as exact as float32 allows.
        return Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    except ImportError:
        return Interpreter(model_content=model)


def fill_unknown_shapes(builder: ModelBuilder) -> None:
    """Gives tensors without a shape the shape the reference runtime computes for them."""
    unknown = [i for i, t in enumerate(builder.tensors) if t.shape is None]
    if not unknown:
        return
    for i in unknown:
        builder.tensors[i].shape = []  # the runtime resizes them while preparing the ops
    interpreter = make_interpreter(builder.build())
    interpreter.allocate_tensors()
    shapes = {d["index"]: list(d["shape"]) for d in interpreter.get_tensor_details()}
    for i in unknown:
        builder.tensors[i].shape = [int(v) for v in shapes[i]]


def run_reference(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    interpreter = make_interpreter(model)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()]


FLT_MAX = float(np.finfo(np.float32).max)


def add_nonfinite(rng, inputs: list[np.ndarray], values: tuple[float, ...]) -> None:
    """Writes each of `values` 1-3 times (by size) at distinct positions of every float input."""
    for value in inputs:
        if value.dtype.kind != "f" or value.size < 3 * len(values):
            continue
        each = min(3, max(1, value.size // 100))
        flat = value.reshape(-1)
        positions = rng.choice(flat.size, len(values) * each, replace=False)
        for k, special in enumerate(values):
            flat[positions[k * each:(k + 1) * each]] = special


def poison_weight(builders: list[ModelBuilder], rng) -> None:
    """Makes one element of the first float32 constant of rank >= 2 (the weights, PRELU's alpha) NaN,
    at the same position in each builder (the model and its equivalent reference model)."""
    position = None
    for builder in builders:
        tensor = next((t for t in builder.tensors if t.data is not None and t.dtype == np.float32
                       and t.sparse_csr is None and t.shape is not None and len(t.shape) >= 2), None)
        if tensor is None:
            raise RuntimeError("nan_weight: the model has no float constant of rank >= 2")
        values = np.frombuffer(tensor.data, dtype="<f4").copy()
        if position is None:
            position = int(rng.integers(values.size))
        values[position] = np.nan
        tensor.data = values.tobytes()


def nonfinite_expected(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The reference kernels' outputs with their +-FLT_MAX clamps undone (NONFINITE_RULES): a result
    of exactly +-FLT_MAX was +-inf before the clamp (inputs here lie within +-8)."""
    outputs = run_reference(model, inputs)
    for value in outputs:
        if value.dtype.kind == "f":
            value[np.abs(value) == FLT_MAX] *= np.inf
    return outputs


def compare_default(name: str, model: bytes, inputs: list[np.ndarray], expected: list[np.ndarray],
                    tolerance: float) -> None:
    """Prints how the default path's outputs differ from `expected`: per kind (nan, inf, finite) of
    expected -> default value, the number of elements that are not equal (finite ones: within the
    tolerance, relative to the largest finite expected magnitude)."""
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_content=model)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    kinds = {}
    for k, detail in enumerate(interpreter.get_output_details()):
        want, got = expected[k], interpreter.get_tensor(detail["index"])
        if want.dtype.kind != "f":
            continue
        scale = max(float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)), 1e-6)
        with np.errstate(invalid="ignore"):
            same = (want == got) | (np.isnan(want) & np.isnan(got)) | (
                np.isfinite(want) & np.isfinite(got) & (np.abs(want - got) <= tolerance * scale))
        kind = lambda v: "nan" if np.isnan(v) else "inf" if np.isinf(v) else "finite"
        for w, g in zip(want[~same], got[~same]):
            key = f"{kind(w)} -> {kind(g)}"
            kinds[key] = kinds.get(key, 0) + 1
    summary = ", ".join(f"{key}: {count}" for key, count in sorted(kinds.items()))
    print(f"{name}: default path {'agrees' if not kinds else 'differs (' + summary + ')'}")


def generate(c: Case, outdir: str, compare: bool = False) -> tuple[int, int]:
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    model, reference = c.build(rng)
    if c.nan_weight:
        poison_weight([model] if reference is None else [model, reference], rng)
    run = nonfinite_expected if c.nonfinite or c.nan_weight else run_reference
    if reference is None:
        fill_unknown_shapes(model)
        inputs = [rng.uniform(-c.input_scale, c.input_scale, model.tensors[i].shape).astype(model.tensors[i].dtype)
                  for i in model.inputs]
        if c.nonfinite:
            add_nonfinite(rng, inputs, c.nonfinite)
        model_bytes = model.build()
        expected = run(model_bytes, inputs)
        if compare and run is nonfinite_expected:
            compare_default(c.name, model_bytes, inputs, expected, c.tolerance)
    else:
        fill_unknown_shapes(reference)
        inputs = [rng.uniform(-c.input_scale, c.input_scale, model.tensors[i].shape).astype(model.tensors[i].dtype)
                  for i in model.inputs]
        if c.nonfinite:
            add_nonfinite(rng, inputs, c.nonfinite)
        reference_bytes = reference.build()
        expected = run(reference_bytes, inputs)
        if compare and run is nonfinite_expected:
            compare_default(c.name, reference_bytes, inputs, expected, c.tolerance)
        for k, index in enumerate(model.outputs):
            if model.tensors[index].shape is None:
                model.set_shape(index, expected[k].shape)
        model_bytes = model.build()
    for k, index in enumerate(model.outputs):
        if expected[k].size == 0:
            raise RuntimeError(f"{c.name}: output {k} is empty")
        if list(model.tensors[index].shape) != list(expected[k].shape):
            raise RuntimeError(f"{c.name}: output {k} is declared {model.tensors[index].shape} "
                               f"but the reference produced {list(expected[k].shape)}")

    with open(os.path.join(outdir, f"{c.name}.tflite"), "wb") as f:
        f.write(model_bytes)
    for k, value in enumerate(inputs):
        np.save(os.path.join(outdir, f"{c.name}.input_{k}.npy"), value)
    for k, value in enumerate(expected):
        np.save(os.path.join(outdir, f"{c.name}.expected_{k}.npy"), value)
    return len(inputs), len(expected)


def read_manifest(path: str) -> dict[str, str]:
    entries = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    entries[line.split("\t", 1)[0]] = line.rstrip("\n")
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--only", help="build only the cases whose name contains this")
    parser.add_argument("--compare-default", action="store_true",
                        help="print where the default path differs from the NaN/infinity cases' expected outputs")
    args = parser.parse_args()

    selected = [c for c in CASES if args.only is None or args.only in c.name]
    if not selected:
        print(f"make_op_fixtures.py: no case name contains {args.only!r}", file=sys.stderr)
        return 1
    os.makedirs(args.outdir, exist_ok=True)
    manifest_path = os.path.join(args.outdir, "manifest.txt")
    entries = read_manifest(manifest_path) if args.only is not None else {}
    for c in selected:
        try:
            num_inputs, num_outputs = generate(c, args.outdir, args.compare_default)
        except Exception as error:
            print(f"make_op_fixtures.py: case {c.name}: {error}", file=sys.stderr)
            return 1
        entries[c.name] = f"{c.name}\t{num_inputs}\t{num_outputs}\t{c.tolerance:g}"

    order = {c.name: i for i, c in enumerate(CASES)}
    names = sorted(entries, key=lambda n: (order.get(n, len(order)), n))
    with open(manifest_path + ".part", "w") as f:
        f.writelines(entries[n] + "\n" for n in names
                     if os.path.exists(os.path.join(args.outdir, f"{n}.tflite")))
    os.replace(manifest_path + ".part", manifest_path)
    print(f"{len(selected)} cases written to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
