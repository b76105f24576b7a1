#!/usr/bin/env python3
"""Writes the real-model goldens that `lite conformance PLUGIN` checks a plugin against.

Usage: make_model_goldens.py MODELS_DIR OUT_DIR [--models a,b,c]

For each model (MODELS_DIR/NAME.tflite, from fetch_models.sh) it writes seeded random inputs in [0, 1]
of the model's input shapes (conformance.py's model_inputs with its default seeds, so they are the
inputs scripts/test.sh checks on) as OUT_DIR/NAME.input_K.npy, the official runtime's outputs on them
(ai_edge_litert with its default kernels and XNNPACK, reference.py's run_reference) as
OUT_DIR/NAME.expected_K.npy, and OUT_DIR/manifest.txt with one line per model:
NAME<TAB>model path<TAB>num_inputs<TAB>num_outputs<TAB>tolerance of each output, comma-separated
(bounds on max|actual - expected| / max(max|expected|, 1e-6)).
Idempotent: a model whose files all exist is not run again; the manifest is rewritten every time.
Prints OUT_DIR on its last line.
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conformance import model_inputs  # noqa: E402
from reference import run_reference  # noqa: E402

DEFAULT_TOLERANCE = 1e-4

# The float MediaPipe models that scripts/test.sh checks on every delegate, CPU and GPU. The harness's
# other models are left out: face_landmark_with_attention needs a custom operator no shipped delegate
# runs (Landmarks2TransformMatrix), and the rest repeat these models' operators.
# Per-output tolerances other than DEFAULT_TOLERANCE, with test.sh's reasons:
#  - selfie_segmentation: on random pixels its sigmoid output peaks near 0.015, so a logit difference
#    of ~1e-4 (float32 accumulation order over 136 layers) reads as 1.3e-4 relative; test.sh allows 3e-4.
#  - pose_landmark_full, output 2 (the segmentation logits): magnitudes of ~1e3 that move by 6e-4 of
#    their scale when the input is only scaled by 1 +- 1e-6 (scripts/sensitivity.py), so TFLite's own
#    kernels disagree with each other that much; test.sh allows 2e-3 on the GPU delegates and TFLite's
#    own spread on the CPU.
MODELS: dict[str, dict[int | str, float]] = {
    "face_landmark": {},
    "selfie_segmentation": {"all": 3e-4},
    "face_detection_short_range": {},
    "hand_landmark_full": {},
    "palm_detection_lite": {},
    "pose_landmark_full": {2: 2e-3},
}


def save(path: str, value: np.ndarray) -> None:
    """np.save through a temporary file, so an interrupted run never leaves a partial array."""
    temporary = path + ".part.npy"
    np.save(temporary, value)
    os.replace(temporary, path)


def make_golden(name: str, model_path: str, out_dir: str) -> str:
    """Writes one model's inputs and expected outputs (unless present); returns its manifest line."""
    # conformance.py's seeds: its default --seed 0 plus the CRC of the name.
    inputs = model_inputs(model_path, zlib.crc32(name.encode()))
    input_paths = [os.path.join(out_dir, f"{name}.input_{k}.npy") for k in range(len(inputs))]
    from ai_edge_litert.interpreter import Interpreter

    output_count = len(Interpreter(model_path=model_path).get_output_details())
    expected_paths = [os.path.join(out_dir, f"{name}.expected_{k}.npy") for k in range(output_count)]
    if not all(os.path.exists(path) for path in input_paths + expected_paths):
        outputs = run_reference(model_path, inputs)
        for path, value in zip(input_paths, inputs):
            save(path, value)
        for path, value in zip(expected_paths, outputs):
            save(path, value)
    special = MODELS.get(name, {})
    tolerances = [special.get(k, special.get("all", DEFAULT_TOLERANCE)) for k in range(output_count)]
    return "\t".join([name, os.path.abspath(model_path), str(len(inputs)), str(output_count),
                      ",".join(f"{t:g}" for t in tolerances)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models_dir", help="folder of NAME.tflite files (fetch_models.sh's)")
    parser.add_argument("out_dir", help="folder for the goldens and manifest.txt")
    parser.add_argument("--models", help="comma-separated model names (default: " + ",".join(MODELS) + ")")
    args = parser.parse_args()

    names = [n for n in args.models.split(",") if n] if args.models else list(MODELS)
    os.makedirs(args.out_dir, exist_ok=True)
    lines = []
    for name in names:
        model_path = os.path.join(args.models_dir, f"{name}.tflite")
        if not os.path.exists(model_path):
            print(f"make_model_goldens.py: no model at {model_path}", file=sys.stderr)
            return 1
        lines.append(make_golden(name, model_path, args.out_dir))
        print(f"{name}: {lines[-1].split(chr(9))[3]} outputs", file=sys.stderr)
    manifest = os.path.join(args.out_dir, "manifest.txt")
    with open(manifest + ".part", "w") as file:
        file.write("".join(line + "\n" for line in lines))
    os.replace(manifest + ".part", manifest)
    print(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
