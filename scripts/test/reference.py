#!/usr/bin/env python3
"""Runs a .tflite model with the official TFLite runtime (ai_edge_litert) and saves its outputs.

Usage: reference.py MODEL --input X.npy [Y.npy ...] --output-dir DIR [--reference-kernels]

Inputs are given in model input order (repeat --input or list several after it). Writes
DIR/output_0.npy, DIR/output_1.npy, ... in model output order, so other tools can compare against them.
By default the runtime uses its usual kernels with the XNNPACK delegate; --reference-kernels selects
its plain reference kernels (OpResolverType.BUILTIN_REF) instead.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np


def run_reference(model_path: str, inputs: list[np.ndarray], reference_kernels: bool = False) -> list[np.ndarray]:
    """Runs the model once on `inputs` (model input order); returns its outputs in model output order.

    - Throws: ValueError when the inputs do not match the model's inputs in count, shape or type.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.BUILTIN_REF if reference_kernels else OpResolverType.AUTO
    interpreter = Interpreter(model_path=model_path, experimental_op_resolver_type=resolver)
    details = interpreter.get_input_details()
    if len(details) != len(inputs):
        raise ValueError(f"model has {len(details)} inputs, got {len(inputs)}")
    for k, (detail, value) in enumerate(zip(details, inputs)):
        if value.dtype != detail["dtype"]:
            raise ValueError(f"input {k} ({detail['name']}) is {np.dtype(detail['dtype']).name}, got {value.dtype.name}")
        if tuple(value.shape) != tuple(detail["shape"]):
            raise ValueError(f"input {k} ({detail['name']}) has shape {list(detail['shape'])}, got {list(value.shape)}")
    interpreter.allocate_tensors()
    for detail, value in zip(details, inputs):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--input", action="extend", nargs="+", default=[], metavar="NPY",
                        help="input .npy files in model input order")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--reference-kernels", action="store_true",
                        help="use TFLite's reference kernels instead of the default ones with XNNPACK")
    args = parser.parse_args()

    try:
        inputs = [np.load(path) for path in args.input]
        outputs = run_reference(args.model, inputs, args.reference_kernels)
    except Exception as error:  # one line for callers that show stderr
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"reference.py: {message}", file=sys.stderr)
        return 1
    os.makedirs(args.output_dir, exist_ok=True)
    for k, value in enumerate(outputs):
        np.save(os.path.join(args.output_dir, f"output_{k}.npy"), value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
