#!/usr/bin/env bash
# Fetches and makes everything `lite conformance PLUGIN` needs besides the plugin itself: the Python
# venv with the official TFLite runtime (setup.sh), the operator fixtures (make_op_fixtures.py),
# MediaPipe's models (fetch_models.sh) and the real-model goldens on them (make_model_goldens.py:
# seeded random inputs, TFLite's outputs, a manifest).
# Usage: scripts/conformance_kit.sh        then: lite conformance ./libmine.so
# Environment: LITE_CACHE (default ~/.cache/lite); LITE_FIXTURES (default $LITE_CACHE/fixtures). The
# goldens go to $LITE_CACHE/conformance: the folders `lite conformance` reads by default.
# Idempotent: reruns keep what exists. Prints the cache folder (fixtures/, conformance/) on its last line.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
fixtures="${LITE_FIXTURES:-$cache/fixtures}"
goldens="$cache/conformance"

python="$("$here/setup/setup.sh" | tail -n 1)"

# The fixtures are made again only when the scripts that make them changed: a stamp records which
# ones made them (fixtures scripts/test.sh made, without a stamp, are made once more).
stamp="$fixtures/.made-by.sha256"
wanted="$(cat "$here/fixtures/make_op_fixtures.py" "$here/fixtures/tflite_builder.py" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$fixtures/manifest.txt" || ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
  "$python" "$here/fixtures/make_op_fixtures.py" "$fixtures" >/dev/null
  echo "$wanted" >"$stamp"
fi
echo "operator fixtures: $fixtures"

models="$("$here/fixtures/fetch_models.sh" | tail -n 1)"

# TFLite logs a line per interpreter on stderr; keep it in a log and show it only on failure.
log="$cache/make_model_goldens.log"
if ! "$python" "$here/fixtures/make_model_goldens.py" "$models" "$goldens" >/dev/null 2>"$log"; then
  echo "conformance_kit.sh: make_model_goldens.py failed; see $log" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "real-model goldens: $goldens"

echo "$cache"
