#!/usr/bin/env bash
# The test command: builds everything, generates the operator fixtures with the official TFLite
# runtime, runs the Swift tests, then the real-model conformance check against TFLite.
# Usage: scripts/test.sh            (after scripts/install-deps.sh once on a fresh machine)
# Environment: LITE_CACHE (default ~/.cache/lite), LITE_TEST_DELEGATES (default cpu),
#              LITE_CONFORMANCE_MODELS (comma list; default every model of the harness).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache="${LITE_CACHE:-$HOME/.cache/lite}"
export LITE_FIXTURES="${LITE_FIXTURES:-$cache/fixtures}"
delegates="${LITE_TEST_DELEGATES:-cpu}"

echo "== setup (python venv: ai-edge-litert, numpy, tflite)"
python="$(scripts/setup.sh | tail -n 1)"

echo "== build"
swift build

echo "== operator fixtures -> $LITE_FIXTURES"
"$python" scripts/make_op_fixtures.py "$LITE_FIXTURES" >/dev/null

echo "== swift test"
swift test

echo "== real models: lite run --delegates $delegates against ai-edge-litert"
scripts/fetch_models.sh >/dev/null
models_flag=()
[[ -n "${LITE_CONFORMANCE_MODELS:-}" ]] && models_flag=(--models "$LITE_CONFORMANCE_MODELS")
"$python" scripts/conformance.py --lite .build/debug/lite --delegates "$delegates" "${models_flag[@]}"
