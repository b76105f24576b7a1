#!/usr/bin/env bash
# Creates the TensorFlow venv that scripts/fixtures/make_converter_models.py converts Keras models in:
# tensorflow-cpu (with its Keras), numpy, and ai-edge-litert for checking the converted models.
# Kept apart from scripts/setup/setup.sh's venv: TensorFlow is large and pins its own numpy.
# Idempotent: a venv whose installed requirements already match is left alone.
# Usage: scripts/setup/setup_tf.sh     (prints the venv's python path on its last line)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
source "$here/venv.sh"
# tf-keras is not needed: TensorFlow 2.16+ ships Keras 3, whose models TFLiteConverter converts.
requirements="tensorflow-cpu==2.21.0"
ensure_venv setup_tf.sh "$cache/tf-venv" "$cache/tf-venv/.requirements" "$requirements" "$cache/tf-pip.log" $requirements
