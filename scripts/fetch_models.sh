#!/usr/bin/env bash
# Fetches MediaPipe's bundled .tflite models (from the mediapipe==0.10.14 wheel on PyPI) for conformance runs.
# Downloads the wheel once into $LITE_CACHE/wheels and unpacks mediapipe/modules/**/*.tflite flat into
# $LITE_CACHE/models (models/face_landmark.tflite, ...). Idempotent; prints the models folder on its last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
wheels="$cache/wheels"
models="$cache/models"
version="0.10.14"
# The wheel is only unpacked, never installed, so any Python that has pip can fetch it; prefer the venv's.
python="$cache/venv/bin/python"
[[ -x "$python" ]] || python="$(command -v python3)"

source "$here/wheel.sh"
mkdir -p "$wheels" "$models"
wheel="$(fetch_wheel fetch_models.sh mediapipe "$version")"

# A stamp names the wheel that was unpacked, so a second run does no work.
stamp="$models/.unpacked-from"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$(basename "$wheel")" ]]; then
  "$python" - "$wheel" "$models" <<'PY'
import os, sys, zipfile

wheel, models = sys.argv[1], sys.argv[2]
seen = {}
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if not (name.startswith("mediapipe/modules/") and name.endswith(".tflite")):
            continue
        flat = os.path.basename(name)
        if flat in seen:
            sys.exit(f"fetch_models.sh: two models share the name {flat}: {seen[flat]} and {name}")
        seen[flat] = name
        temporary = os.path.join(models, flat + ".part")
        with archive.open(name) as source, open(temporary, "wb") as target:
            target.write(source.read())
        os.replace(temporary, os.path.join(models, flat))
if not seen:
    sys.exit(f"fetch_models.sh: no mediapipe/modules/**/*.tflite in {wheel}")
PY
  basename "$wheel" >"$stamp"
fi

echo "$models"
