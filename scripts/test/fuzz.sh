#!/usr/bin/env bash
# Fuzzes the host's model loading, optimising, partitioning, allocation and invoke with libFuzzer and
# AddressSanitizer (Tests/Fuzz/ModelFuzzer.swift; docs/fuzzing.md). Fails on any crash, sanitizer
# report, leak, out-of-memory or timeout, and leaves each reproducer in the crash folder.
# Usage: scripts/test/fuzz.sh [SECONDS]        (default 300)
# Environment:
#   LITE_FUZZ_DIR         scratch folder: builds, corpus, crashes, logs (default .build-fuzz)
#   LITE_FUZZ_KEEP_GOING  1: run on after a finding (libFuzzer's fork mode, one job) to collect
#                         every distinct one in a long run; the script still fails at the end
#   LITE_FUZZ_ARGS        more libFuzzer flags (e.g. -seed=1 -runs=1000000)
#   LITE_FUZZ_DELEGATE_PATH  a folder holding liblite_delegate_cpu.so (default: built in LITE_FUZZ_DIR)
#   LITE_FUZZ_INVOKE_LIMIT   invoke only graphs of at most this many tensor bytes (default 16 MiB)
#   LITE_FUZZ_REAL_MODELS 1: seed with the small MediaPipe models too (slower; corpus-models/)
#   LITE_CACHE            where the seeds come from: fixtures/ (or LITE_FIXTURES) and models/
#                         (default ~/.cache/lite)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

seconds="${1:-300}"
dir="${LITE_FUZZ_DIR:-$PWD/.build-fuzz}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
fuzzer="$dir/lite-fuzz"
crashes="$dir/crashes"
mkdir -p "$crashes"

# The CPU delegate the host opens: a normal (uninstrumented) build, ours unless one is given.
plugin_dir="${LITE_FUZZ_DELEGATE_PATH:-}"
if [[ -z "$plugin_dir" ]]; then
  echo "== fuzz: the CPU delegate (a normal debug build) -> $dir/plugin"
  swift build --scratch-path "$dir/plugin" --product lite_delegate_cpu 2>&1 | tail -n 1
  plugin_dir="$(swift build --scratch-path "$dir/plugin" --show-bin-path)"
fi
[[ -f "$plugin_dir/liblite_delegate_cpu.so" ]] || { echo "fuzz: no liblite_delegate_cpu.so in $plugin_dir" >&2; exit 1; }

# The host's sources and the harness as one module: internals (ModelLoader.parse(bytes:name:),
# Interpreter.graph) are visible without @testable, and the normal build is untouched. Rebuilt when
# any of them or the ABI header is newer than the binary.
sources=()
while IFS= read -r file; do sources+=("$file"); done < <(find Sources/LiteHost Tests/Fuzz -name '*.swift' | sort)
if [[ ! -x "$fuzzer" ]] || [[ -n "$(find "${sources[@]}" Sources/DelegateABI/include -newer "$fuzzer" -print -quit)" ]]; then
  echo "== fuzz: building $fuzzer (swiftc -sanitize=fuzzer,address, ${#sources[@]} files)"
  # SwiftPM makes the C target's module map; swiftc needs one of its own.
  mkdir -p "$dir/modules/DelegateABI"
  printf 'module DelegateABI {\n    umbrella "%s"\n    export *\n}\n' \
    "$PWD/Sources/DelegateABI/include" >"$dir/modules/DelegateABI/module.modulemap"
  # gold warns once per ASan register-check thunk that it cannot export a local symbol: harmless.
  swiftc -parse-as-library -swift-version 6 -module-name LiteHost -O -g -sanitize=fuzzer,address \
    -I "$dir/modules/DelegateABI" "${sources[@]}" -o "$fuzzer" 2>&1 \
    | { grep -v "Cannot export local symbol '__asan_" || true; }
  [[ -x "$fuzzer" ]]
fi

# Tests/Fuzz/regressions: the reproducer of every finding so far, run with the seeds, so a fixed
# bug that comes back fails at once. libFuzzer adds what it finds to the first folder only.
# Seeds: every operator fixture (a few KB each, every operator the host knows). With
# LITE_FUZZ_REAL_MODELS=1, also the MediaPipe models of at most 256 KB (deep, real graphs, but some
# 20 times slower per input), with a corpus folder of their own so that fixture runs stay fast.
shopt -s nullglob
seeds=("${LITE_FIXTURES:-$cache/fixtures}"/*.tflite)
corpus="$dir/corpus" seed_dir="$dir/seeds" max_len=65536
if [[ "${LITE_FUZZ_REAL_MODELS:-0}" == 1 ]]; then
  corpus="$dir/corpus-models" seed_dir="$dir/seeds-models" max_len=262144
  for model in "$cache"/models/*.tflite; do
    (( $(stat -c %s "$model") <= 256 * 1024 )) && seeds+=("$model")
  done
fi
shopt -u nullglob
mkdir -p "$corpus" "$seed_dir"
(( ${#seeds[@]} > 0 )) || echo "fuzz: no seeds in $cache (run scripts/conformance_kit.sh first); starting empty" >&2
(( ${#seeds[@]} > 0 )) && cp -u "${seeds[@]}" "$seed_dir/"

flags=(
  -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=4096
  -dict=Tests/Fuzz/tflite.dict -artifact_prefix="$crashes/" -print_final_stats=1 -print_funcs=0
)
[[ "${LITE_FUZZ_KEEP_GOING:-0}" == 1 ]] && flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
# shellcheck disable=SC2206  # LITE_FUZZ_ARGS is a list of flags
flags+=(${LITE_FUZZ_ARGS:-})

# SWIFT_BACKTRACE=enable=no: Swift's backtracer would catch the trap before libFuzzer and ASan can
# report it (and under ASan it can hang). LITE_LOG_LEVEL=error: no warning line per input.
export SWIFT_BACKTRACE=enable=no LITE_LOG_LEVEL=error LITE_DELEGATE_PATH="$plugin_dir"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
log="$dir/fuzz-$(date +%Y%m%d-%H%M%S).log"
before="$(ls "$crashes" | sort)"
echo "== fuzz: $seconds s, ${#seeds[@]} seeds, log $log"
status=0
"$fuzzer" "${flags[@]}" "$corpus" "$seed_dir" Tests/Fuzz/regressions >"$log" 2>&1 || status=$?
# The last progress line: executions, coverage (cov: edges, ft: features), corpus, speed.
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^(stat::|Done )' "$log" || true
# slow-unit-* files are inputs over libFuzzer's -report_slow_units (10 s): kept, not failures.
new="$(comm -13 <(echo "$before") <(ls "$crashes" | sort) | { grep -v '^slow-unit-' || true; })"
if [[ -n "$new" ]]; then
  echo "fuzz: FAILED: $(wc -l <<<"$new") new finding(s) in $crashes (reproduce: $fuzzer FILE;" \
    "minimise: $fuzzer -minimize_crash=1 -runs=100000 FILE; log $log):" >&2
  # What each one is and where, by running it again (the first 20).
  head -n 20 <<<"$new" | while IFS= read -r name; do
    report="$("$fuzzer" -timeout=30 -rss_limit_mb=4096 "$crashes/$name" 2>&1 || true)"
    reason="$(grep -m 1 -oE 'Swift runtime failure: [^/]*|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): [^(]*|ERROR: libFuzzer: [a-z -]+' <<<"$report" || true)"
    frame="$(grep -m 1 -oE '(Sources|Plugins)/[^ ]+:[0-9]+' <<<"$report" || true)"
    echo "  $name ($(stat -c %s "$crashes/$name") bytes): ${reason:-no report on rerun} at ${frame:-?}" >&2
  done
  exit 1
fi
if (( status != 0 )); then
  echo "fuzz: FAILED: libFuzzer exited with $status; see $log" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "fuzz: no findings"
