#!/usr/bin/env bash
# The test command: everything CI checks, one section a line. What real models must do on which
# delegate, at which tolerance and why, is Tests/expectations.json; the plugins' C tests are
# scripts/test/c_tests.sh's list.
# Usage: scripts/test.sh            (after scripts/setup/install-deps.sh once on a fresh machine)
# Environment: LITE_CACHE (default ~/.cache/lite), LITE_TEST_DELEGATES (the delegates of the first
#              `swift test`; default cpu), LITE_CONFORMANCE_MODELS (comma list: only these models in
#              the real-model checks; default every model of each check).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache="${LITE_CACHE:-$HOME/.cache/lite}"
export LITE_FIXTURES="${LITE_FIXTURES:-$cache/fixtures}"
# The fixture suites skip when fixtures are missing (a fresh clone's `swift test`); here they must run.
export LITE_REQUIRE_FIXTURES=1
models_flag=()
[[ -n "${LITE_CONFORMANCE_MODELS:-}" ]] && models_flag=(--models "$LITE_CONFORMANCE_MODELS")
status=0

echo "== setup: the python venv (scripts/setup/requirements.txt) and TensorFlow's (scripts/setup/setup_tf.sh)"
python="$(scripts/setup/setup.sh | tail -n 1)"
scripts/setup/setup_tf.sh >/dev/null

echo "== build: swift build, the plugins' C tests, generated sources up to date"
swift build
scripts/test/c_tests.sh build
"$python" scripts/embed_shaders.py --check
"$python" scripts/gen_operators.py --check

echo "== operator fixtures -> $LITE_FIXTURES, MediaPipe models and their goldens (scripts/conformance_kit.sh)"
scripts/conformance_kit.sh >/dev/null

echo "== swift test (delegates: ${LITE_TEST_DELEGATES:-cpu})"
swift test || status=1

echo "== cpu delegate on its portable kernels (LITE_CPU_ISA=portable): operator fixtures"
LITE_TEST_DELEGATES=cpu LITE_CPU_ISA=portable swift test --skip-build --filter "OperatorTests|InterpreterTests" || status=1

# The avx512 path's source compiled for AVX2 (scripts/test/c_tests.sh builds that plugin), so that
# it runs here whatever the CPU; on a CPU with AVX-512 the run above took the real avx512 path.
echo "== cpu delegate, its AVX-512 kernels' source compiled for AVX2 (LITE_CPU_ISA=avx512): operator fixtures"
LITE_TEST_DELEGATES="$PWD/.build/tests/avx512-on-avx2/liblite_delegate_cpu.so" LITE_CPU_ISA=avx512 \
  swift test --skip-build --filter "OperatorTests|InterpreterTests" || status=1

for gpu in vulkan gles; do
  # Operators outside Tests/expectations.json's gpu_operators may fall back to the CPU; every other
  # node must run on $gpu. Vulkan runs with the Khronos validation layer: any message fails the call.
  echo "== $gpu delegate on Mesa's software driver: operator fixtures"
  LITE_TEST_DELEGATES=$gpu LITE_TEST_FALLBACK=cpu LITE_VULKAN_VALIDATION=1 \
    swift test --skip-build --filter "OperatorTests|InterpreterTests" || status=1
done

# Each run of Tests/expectations.json: `lite run` against ai-edge-litert. (A file that does not read
# stops the script here, under set -e, rather than running no check.)
checks="$("$python" scripts/test/conformance.py --list-checks)"
for check in $checks; do
  echo "== real models: $check"
  "$python" scripts/test/conformance.py --lite .build/debug/lite --check "$check" "${models_flag[@]}" || status=1
done

echo "== lite conformance against each shipped plugin (the plugin authors' check)"
for plugin in cpu vulkan gles; do
  LITE_VULKAN_VALIDATION=1 .build/debug/lite conformance $plugin | tail -n 2 || status=1
done

echo "== the plugins' C tests: thread pool, GLES threads, barriers, shared rules, inconsistent graphs, kernel caches"
scripts/test/c_tests.sh check || status=1

echo "== host APIs: the C API on each delegate, install layout and pkg-config, the C/C++ example, Python, a Swift app"
scripts/test/c_api.sh "$python" || status=1

# About 12 minutes on 2 cores, from nothing: the ASan/UBSan build, its Swift tests and real models
# (about 8), then the fuzz target's build (about 2) and two minutes of fuzzing (docs/fuzzing.md).
echo "== sanitizers: host under ASan, plugins under ASan + UBSan: swift test and real models on cpu"
scripts/test/sanitize.sh || status=1
echo "== fuzz: 120 s of libFuzzer over model loading, optimising, partitioning, allocation and invoke"
# The CPU delegate of the normal build above; any crash, sanitizer report, leak, out-of-memory or
# timeout fails, with its reproducer in .build-fuzz/crashes.
LITE_FUZZ_DELEGATE_PATH="$PWD/.build/debug" scripts/test/fuzz.sh 120 || status=1
exit $status
