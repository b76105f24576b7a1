#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine with the Swift toolchain and runs a real model end
# to end: MediaPipe's face_landmark through `lite run` on the CPU delegate, compared with the official
# TFLite runtime (ai-edge-litert) on the same input.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup/install-deps.sh
python="$(scripts/setup/setup.sh | tail -n 1)"
swift build
models="$(scripts/fixtures/fetch_models.sh | tail -n 1)"

model="$models/face_landmark.tflite"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" - "$model" "$work/input.npy" <<'PY'
import sys
import numpy as np
from ai_edge_litert.interpreter import Interpreter
shape = Interpreter(model_path=sys.argv[1]).get_input_details()[0]["shape"]
np.save(sys.argv[2], np.random.default_rng(0).random(shape, dtype=np.float32))
PY
LITE_DELEGATES=cpu .build/debug/lite run "$model" --input "$work/input.npy" --output-dir "$work/lite"
"$python" scripts/test/reference.py "$model" --input "$work/input.npy" --output-dir "$work/tflite" 2>/dev/null
"$python" - "$work" <<'PY'
import glob, os, sys
import numpy as np
work = sys.argv[1]
for path in sorted(glob.glob(os.path.join(work, "lite", "output_*.npy"))):
    name = os.path.basename(path)
    ours, ref = np.load(path), np.load(os.path.join(work, "tflite", name))
    err = float(np.abs(ours - ref).max() / max(np.abs(ref).max(), 1e-6))
    print(f"face_landmark {name}: shape {ours.shape}, max relative difference to TFLite {err:.2e}")
PY
