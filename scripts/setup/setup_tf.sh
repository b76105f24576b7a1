#!/usr/bin/env bash
# Creates the TensorFlow venv that scripts/fixtures/make_converter_models.py converts Keras models in:
# tensorflow-cpu (with its Keras), numpy, and ai-edge-litert for checking the converted models.
# Kept apart from scripts/setup/setup.sh's venv: TensorFlow is large and pins its own numpy.
# Idempotent: a venv whose installed requirements already match is left alone.
# Usage: scripts/setup/setup_tf.sh     (prints the venv's python path on its last line)
set -euo pipefail

cache="${LITE_CACHE:-$HOME/.cache/lite}"
venv="$cache/tf-venv"
stamp="$venv/.requirements"
# tf-keras is not needed: TensorFlow 2.16+ ships Keras 3, whose models TFLiteConverter converts.
requirements="tensorflow-cpu==2.21.0"

mkdir -p "$cache"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi

if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$requirements" ]]; then
  # shellcheck disable=SC2086  # the requirements are separate words on purpose
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $requirements \
      >"$cache/tf-pip.log" 2>&1; then
    echo "setup_tf.sh: pip install failed; see $cache/tf-pip.log" >&2
    tail -n 20 "$cache/tf-pip.log" >&2
    exit 1
  fi
  echo "$requirements" >"$stamp"
fi

echo "$venv/bin/python"
