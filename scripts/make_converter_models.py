#!/usr/bin/env python3
"""Builds Keras models with random weights and converts them with TensorFlow's TFLiteConverter.

Usage: make_converter_models.py [OUTDIR] [--models a,b,c] [--force]

OUTDIR defaults to ${LITE_CACHE:-~/.cache/lite}/converter-models. Each model is written as
OUTDIR/NAME.tflite (float32, no quantisation), skipped when it is already there unless --force.
The models are what a user's converted .tflite files look like: Keras applications and typical
segmentation, pose and U-Net heads, with the shape arithmetic (SHAPE, STRIDED_SLICE, PACK) that the
converter leaves behind dynamic batch sizes, and the SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND pairs of
atrous convolutions. They are not committed: TensorFlow makes them in a minute or two.

TensorFlow lives in its own venv (scripts/setup_tf.sh); run with any python, the script re-executes
itself there. Then check them against the official runtime:

    scripts/conformance.py --models-dir ~/.cache/lite/converter-models --models mobilenet_v2,...
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("LITE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "lite")
DEFAULT_OUTDIR = os.path.join(CACHE, "converter-models")


def ensure_tensorflow() -> None:
    """Re-executes this script in the TensorFlow venv unless TensorFlow imports here."""
    try:
        import tensorflow  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("LITE_TF_REEXEC"):
        sys.exit("make_converter_models.py: tensorflow does not import even in the TensorFlow venv")
    result = subprocess.run(["bash", os.path.join(HERE, "setup_tf.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"make_converter_models.py: setup_tf.sh failed: {result.stderr.strip()}")
    python = result.stdout.strip().splitlines()[-1]
    os.environ["LITE_TF_REEXEC"] = "1"
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


# Models ------------------------------------------------------------------------------------------
# Each builder returns a Keras model with a dynamic batch dimension (as Keras models have).

def mobilenet(keras):
    return keras.applications.MobileNet(weights=None, input_shape=(224, 224, 3))


def mobilenet_v2(keras):
    return keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3))


def mobilenet_v3_small(keras):
    return keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3))


def atrous_depthwise_conv(tf, keras, x, rate: int, name: str):
    """A 3x3 depthwise convolution of dilation `rate` written as TensorFlow lowers one (and as
    older converters kept it): SPACE_TO_BATCH_ND, a VALID convolution, BATCH_TO_SPACE_ND."""
    channels = x.shape[-1]
    kernel = keras.initializers.GlorotUniform(seed=rate)((3, 3, channels, 1))

    class AtrousDepthwise(keras.layers.Layer):
        def call(self, inputs):
            height, width = inputs.shape[1], inputs.shape[2]
            # TensorFlow's required_space_to_batch_paddings for SAME: (k-1)*rate split evenly, then
            # extra at the end so the padded size divides by the rate; crops take it off again.
            total = 2 * rate
            paddings, crops = [], []
            for size in (height, width):
                before, after = total // 2, total - total // 2
                extra = (-(size + before + after)) % rate
                paddings.append([before, after + extra])
                crops.append([0, extra])
            batched = tf.space_to_batch_nd(inputs, [rate, rate], paddings)
            convolved = tf.nn.depthwise_conv2d(batched, kernel, strides=[1, 1, 1, 1], padding="VALID")
            return tf.compat.v1.batch_to_space_nd(convolved, [rate, rate], crops)

    return AtrousDepthwise(name=name)(x)


def deeplab(keras):
    """DeepLab v3 style: MobileNetV2 at output stride 16, ASPP with dilated 3x3 convolutions and an
    image-pooling branch, bilinear upsampling to the input size, softmax over 21 classes."""
    import tensorflow as tf

    inputs = keras.Input((257, 257, 3))
    backbone = keras.applications.MobileNetV2(weights=None, include_top=False, input_tensor=inputs)
    features = backbone.get_layer("block_13_expand_relu").output  # 17x17, stride 16
    size = features.shape[1]
    layers = keras.layers

    def conv_bn_relu(x, filters, kernel=1, rate=1, name=""):
        x = layers.Conv2D(filters, kernel, padding="same", dilation_rate=rate, use_bias=False, name=name)(x)
        x = layers.BatchNormalization(name=name + "_bn")(x)
        return layers.ReLU(name=name + "_relu")(x)

    branches = [conv_bn_relu(features, 64, name="aspp0")]
    # Dilated convolutions both ways: as Keras writes them (the converter emits dilated CONV_2D)
    # and as TensorFlow lowers atrous depthwise convolutions (SPACE_TO_BATCH_ND pairs).
    branches.append(conv_bn_relu(features, 64, kernel=3, rate=6, name="aspp1"))
    for rate in (12, 18):
        x = atrous_depthwise_conv(tf, keras, features, rate, name=f"aspp_atrous{rate}")
        branches.append(conv_bn_relu(x, 64, name=f"aspp_atrous{rate}_project"))
    pooled = layers.GlobalAveragePooling2D(keepdims=True, name="image_pool")(features)
    pooled = conv_bn_relu(pooled, 64, name="image_pool_conv")
    branches.append(layers.UpSampling2D(size=(size, size), interpolation="bilinear", name="image_pool_up")(pooled))
    x = layers.Concatenate(name="aspp_concat")(branches)
    x = conv_bn_relu(x, 64, name="aspp_project")
    x = layers.Conv2D(21, 1, name="logits")(x)
    x = layers.Resizing(257, 257, interpolation="bilinear", name="upsample")(x)
    outputs = layers.Softmax(name="probabilities")(x)
    return keras.Model(inputs, outputs, name="deeplab")


def posenet(keras):
    """PoseNet style: MobileNet v1 at output stride 16 with sigmoid heatmaps and offset heads."""
    inputs = keras.Input((257, 257, 3))
    backbone = keras.applications.MobileNet(weights=None, include_top=False, input_tensor=inputs, alpha=0.75)
    features = backbone.get_layer("conv_pw_11_relu").output  # 17x17
    layers = keras.layers
    heatmaps = layers.Conv2D(17, 1, activation="sigmoid", name="heatmaps")(features)
    offsets = layers.Conv2D(34, 1, name="offsets")(features)
    forward = layers.Conv2D(32, 1, name="displacement_fwd")(features)
    backward = layers.Conv2D(32, 1, name="displacement_bwd")(features)
    return keras.Model(inputs, [heatmaps, offsets, forward, backward], name="posenet")


def unet(keras):
    """U-Net: conv blocks with PReLU, max pooling, Conv2DTranspose upsampling, skip concatenation."""
    layers = keras.layers
    inputs = keras.Input((128, 128, 3))

    def block(x, filters, name):
        for i in range(2):
            x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv{i}")(x)
            x = layers.PReLU(shared_axes=[1, 2], name=f"{name}_prelu{i}")(x)
        return x

    skips, x = [], inputs
    for level, filters in enumerate((16, 32, 64)):
        x = block(x, filters, f"down{level}")
        skips.append(x)
        x = layers.MaxPooling2D(name=f"pool{level}")(x)
    x = block(x, 128, "bottom")
    for level, filters in reversed(list(enumerate((16, 32, 64)))):
        x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same", name=f"up{level}")(x)
        x = layers.Concatenate(name=f"skip{level}")([x, skips[level]])
        x = block(x, filters, f"up{level}_block")
    outputs = layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x)
    return keras.Model(inputs, outputs, name="unet")


def reshape_head(keras):
    """A Keras Reshape((-1, C)): with a dynamic batch the converter computes the new shape with
    SHAPE, STRIDED_SLICE and PACK."""
    layers = keras.layers
    inputs = keras.Input((16, 16, 8))
    x = layers.Conv2D(24, 3, padding="same", activation="relu", name="features")(inputs)
    x = layers.Reshape((-1, 24), name="tokens")(x)
    x = layers.Dense(10, name="classes")(x)
    outputs = layers.Softmax(name="probabilities")(x)
    return keras.Model(inputs, outputs, name="reshape_head")


MODELS = {
    "mobilenet": mobilenet,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_v3_small": mobilenet_v3_small,
    "deeplab": deeplab,
    "posenet": posenet,
    "unet": unet,
    "reshape_head": reshape_head,
}


def calibrate_batch_norms(keras, model, seed: int) -> None:
    """Gives every BatchNormalization layer the statistics of its input on random images, and a
    random scale and offset. With weights=None a Keras application's batch norms are identities
    and the activations of a deep random network fade to ~1e-15: every output would be the same
    constant and a comparison would prove nothing. Normalised, they stay of order one."""
    import numpy as np

    rng = np.random.default_rng(seed)
    images = [rng.uniform(0.0, 1.0, (4, *t.shape[1:])).astype("float32") for t in model.inputs]
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        probe = keras.Model(model.inputs, layer.input)
        values = np.asarray(probe(images if len(images) > 1 else images[0], training=False))
        axes = tuple(range(values.ndim - 1))
        layer.moving_mean.assign(values.mean(axes))
        layer.moving_variance.assign(values.var(axes) + 1e-3)
        if layer.gamma is not None:
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape).astype("float32"))
        if layer.beta is not None:
            layer.beta.assign(rng.uniform(-0.2, 0.5, layer.beta.shape).astype("float32"))


def convert(tf, model) -> bytes:
    """Float32 conversion with the default converter (no optimisations, no quantisation)."""
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    return converter.convert()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", default=DEFAULT_OUTDIR)
    parser.add_argument("--models", help=f"comma-separated subset of {','.join(MODELS)}")
    parser.add_argument("--force", action="store_true", help="rebuild models that exist")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n] if args.models else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown models {unknown}; known: {', '.join(MODELS)}")

    todo = [n for n in names if args.force or not os.path.exists(os.path.join(args.outdir, f"{n}.tflite"))]
    if todo:
        ensure_tensorflow()
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        keras = tf.keras
        os.makedirs(args.outdir, exist_ok=True)
        for name in todo:
            keras.utils.set_random_seed(1234)
            model = MODELS[name](keras)
            calibrate_batch_norms(keras, model, seed=1234)
            data = convert(tf, model)
            path = os.path.join(args.outdir, f"{name}.tflite")
            with open(path + ".part", "wb") as f:
                f.write(data)
            os.replace(path + ".part", path)
            print(f"{name}: {len(data)} bytes", file=sys.stderr)
    print(args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
