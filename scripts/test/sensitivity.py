#!/usr/bin/env python3
"""How far TFLite's own outputs move under perturbations no runtime can avoid.

Usage: sensitivity.py [--models a,b,c] [--inputs random|image] [--image PATH] [--models-dir DIR]

For each model and output it prints max|changed - ref| / max|ref| (the conformance harness's metric),
where ref is TFLite's default path (XNNPACK) on conformance.py's inputs and "changed" is TFLite's
default path after:
- fp16 input: the inputs rounded to half precision (what storing one tensor as fp16 does);
- 1e-6 input: every input value multiplied by (1 + u), u uniform in [-1e-6, 1e-6] (about 8 float32 ulps);
- ref kernels: not a perturbation of the input: TFLite's reference kernels (BUILTIN_REF) instead of XNNPACK.
An output that moves by more than a tolerance under these cannot be held to that tolerance by a
runtime that does not repeat XNNPACK's arithmetic bit for bit.
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conformance import DEFAULT_MODELS, fetch_image, fetch_models, model_inputs, relative_error  # noqa: E402
from reference import run_reference  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", help="comma-separated model names (default: the MediaPipe set)")
    parser.add_argument("--inputs", choices=["random", "image"], default="random")
    parser.add_argument("--image", help="the photograph for --inputs image (default: fetch_image.sh's)")
    parser.add_argument("--models-dir", help="folder of MODEL.tflite files (default: fetch_models.sh's)")
    parser.add_argument("--seed", type=int, default=0, help="base seed, as conformance.py's")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n] if args.models else DEFAULT_MODELS
    models_dir = args.models_dir or fetch_models()
    if args.inputs == "image":
        try:
            import PIL  # noqa: F401  (Pillow decodes the photograph)
        except ImportError:
            print("sensitivity.py: --inputs image needs Pillow (scripts/setup/setup.sh installs it)", file=sys.stderr)
            return 2
    image = (args.image or fetch_image()) if args.inputs == "image" else None
    rng = np.random.default_rng(12345)
    print(f"inputs={args.inputs}  relative change of each output (max|changed - ref| / max|ref|)")
    print(f"{'model':<32} {'output':>6} {'max|ref|':>10} {'fp16 input':>11} {'1e-6 input':>11} {'ref kernels':>12}")
    for name in names:
        path = os.path.join(models_dir, f"{name}.tflite")
        inputs = model_inputs(path, args.seed + zlib.crc32(name.encode()), image)
        reference = run_reference(path, inputs)
        half = run_reference(path, [x.astype(np.float16).astype(x.dtype) for x in inputs])
        nudged = run_reference(path, [(x * (1 + rng.uniform(-1e-6, 1e-6, x.shape))).astype(x.dtype) for x in inputs])
        try:
            kernels = run_reference(path, inputs, reference_kernels=True)
        except Exception:  # a MediaPipe custom op only the XNNPACK path runs
            kernels = None
        for k, ref in enumerate(reference):
            own = f"{relative_error(kernels[k], ref)[0]:12.2e}" if kernels else f"{'-':>12}"
            print(f"{name:<32} {k:>6} {float(np.abs(ref).max()):10.3g} {relative_error(half[k], ref)[0]:11.2e} "
                  f"{relative_error(nudged[k], ref)[0]:11.2e} {own}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
