#!/usr/bin/env bash
# The plugins' C tests: each is built from the list below into .build/tests, then run against the
# plugins of the normal build (.build/debug, from `swift build`).
# Usage: scripts/test/c_tests.sh build       builds every test, the forwarding plugin that
#                                            scripts/test/conformance.py's forwarding checks load included
#        scripts/test/c_tests.sh check [TEXT]
#                                            runs every check of the list (those whose title contains TEXT
#                                            when given) against what `build` made; exit 1 if any failed
#        scripts/test/c_tests.sh run [TEXT]  build, then check
# A GPU check (its title starts with vulkan: or gles:) that exits 77 found no device and counts as skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

out=.build/tests
plugins=.build/debug
abi="-I Sources/DelegateABI/include"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -g"
pool_stress="$abi -I Plugins/PluginSupport/include -I Plugins/CPUDelegate Plugins/CPUDelegate/tests/pool_stress.c -lpthread"
bad_graphs="$abi Plugins/CPUDelegate/tests/bad_graphs.c -ldl"
gpu_tests=Plugins/GLESDelegate/tests
# Every C source the GPU plugins link (GPUShared, PluginSupport), for the barrier tracker's own test.
gpu_shared="$(find Plugins/GPUShared Plugins/PluginSupport -name '*.c' -not -path '*/tests/*' | sort | tr '\n' ' ')"

# The Swift toolchain's Clang, which builds the plugins: the GEMM test checks what it compiles.
clang="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
gemm_kernels="$abi -I Plugins/PluginSupport/include -I Plugins/CPUDelegate
     Plugins/CPUDelegate/tests/gemm_kernels.c Plugins/CPUDelegate/tests/gemm_wide_on_avx2.c
     Plugins/CPUDelegate/gemm*.c Plugins/CPUDelegate/threadpool.c Plugins/CPUDelegate/prepared_memory.c
     Plugins/CPUDelegate/isa.c Plugins/CPUDelegate/common.c Plugins/PluginSupport/*.c -lpthread -lm"
depthwise_kernels="$abi -I Plugins/PluginSupport/include -I Plugins/CPUDelegate
     Plugins/CPUDelegate/tests/depthwise_kernels.c Plugins/CPUDelegate/tests/depthwise_wide_on_avx2.c
     Plugins/CPUDelegate/ops/depthwise_avx2.c Plugins/CPUDelegate/ops/depthwise_avx512.c
     Plugins/CPUDelegate/isa.c Plugins/CPUDelegate/common.c Plugins/PluginSupport/*.c -lm"

# OUTPUT | compiler and flags (relative to the repository; word-split and globbed)
builds=(
  "liblite_forward.so | cc -shared -fPIC -Wall -Werror $abi Tests/Plugins/forwarding_delegate.c -ldl"
  "pool_stress | cc -O2 $pool_stress"
  # gcc's ThreadSanitizer: the Swift toolchain's clang lacks a usable TSan runtime here.
  "pool_stress_tsan | gcc -fsanitize=thread -g -O1 $pool_stress"
  "gles_threads | cc -Wall -Werror $abi $gpu_tests/gles_threads.c -ldl -lpthread"
  "gpu_hazards | cc -O1 -Wall -Werror $abi -I Plugins/PluginSupport/include -I Plugins/GPUShared/include
     $gpu_tests/gpu_hazards.c $gpu_shared -lm"
  "gpu_rules | cc -Wall -Werror $abi $gpu_tests/gpu_rules.c -ldl"
  "bad_graphs | cc -Wall -Werror $bad_graphs"
  "isa_select | cc -Wall -Wextra -Werror $abi -I Plugins/PluginSupport/include -I Plugins/CPUDelegate
     Plugins/CPUDelegate/tests/isa_select.c -ldl"
  "gemm_kernels | $clang -O3 -fno-math-errno -Wall -Wextra -Werror $gemm_kernels"
  "gemm_kernels_sanitized | cc $sanitize -Wno-psabi $gemm_kernels"
  "depthwise_kernels | $clang -O3 -fno-math-errno -Wall -Wextra -Werror $depthwise_kernels"
  "depthwise_kernels_sanitized | cc $sanitize -Wno-psabi $depthwise_kernels"
  "bad_graphs_sanitized | cc $sanitize $bad_graphs"
  # The CPU plugin built from its sources under the same sanitizers: signed overflow in the plugin
  # then fails bad_graphs too.
  "sanitized/liblite_delegate_cpu.so | cc -shared -fPIC -O1 -fno-math-errno $sanitize $abi
     -I Plugins/PluginSupport/include -I Plugins/CPUDelegate/include Plugins/CPUDelegate/*.c
     Plugins/CPUDelegate/ops/*.c Plugins/PluginSupport/*.c -lpthread -lm"
  "gpu_cache | cc -Wall -Werror $abi $gpu_tests/gpu_cache.c -ldl -lpthread"
  # The CPU plugin with its avx512 path compiled for AVX2 (Plugins/CPUDelegate/isa.c): scripts/test.sh
  # runs the operator fixtures and real models on it, so that the AVX-512 source is checked on any
  # CPU with AVX2. (-Wpsabi: its 64-byte vectors never cross a call, all helpers are inlined.)
  "avx512-on-avx2/liblite_delegate_cpu.so | $clang -shared -fPIC -O2 -fno-math-errno -Wno-psabi
     -DCPU_AVX512_ON_AVX2=1 $abi -I Plugins/PluginSupport/include -I Plugins/CPUDelegate/include
     Plugins/CPUDelegate/*.c Plugins/CPUDelegate/ops/*.c Plugins/PluginSupport/*.c -lpthread -lm"
)

# What is checked | the command (run from the repository; word-split)
checks=(
  # A hang (a chunk nobody claims) is a failure too, hence the timeouts.
  "CPU thread pool: every item of 60,000 random jobs run exactly once (pools of 2-4 threads)
     | timeout 300 $out/pool_stress"
  "CPU thread pool under ThreadSanitizer: any report fails | env TSAN_OPTIONS=halt_on_error=1:exitcode=66 timeout 900 $out/pool_stress_tsan"
  "gles: two delegates invoked from two threads at once | $out/gles_threads $plugins/liblite_delegate_gles.so"
  "gpu: the shared barrier tracker on planned dispatch lists (no device) | $out/gpu_hazards"
  "vulkan: the rules both GPU plugins share (index checks, buffer sizes, boolean words)
     | env LITE_VULKAN_VALIDATION=1 $out/gpu_rules $PWD/$plugins/liblite_delegate_vulkan.so"
  "gles: the same rules | $out/gpu_rules $PWD/$plugins/liblite_delegate_gles.so"
  # Every refusal must come with a report_error message, nothing may crash: against the normal
  # plugins, then under AddressSanitizer and UBSan against the normal and the sanitized CPU plugin.
  # The GPU plugins refuse the same graphs at prepare, where their planner sees the dataflow.
  "cpu: the kernel path (isa=, LITE_CPU_ISA) on every feature set, and through create_delegate
     | $out/isa_select $plugins/liblite_delegate_cpu.so"
  "cpu: the GEMM micro-kernels of every path this CPU runs (and the AVX-512 source compiled for AVX2)
     against a double reference on 600 random products; indirect, threaded and panel-range runs and the FMA paths bit-identical
     | $out/gemm_kernels"
  "cpu: the same with GCC under ASan and UBSan | $out/gemm_kernels_sanitized"
  "cpu: the depthwise kernels of every vector path (and the AVX-512 source compiled for AVX2) against a
     double reference on 1,500 random layers with fused epilogues; nothing written past the output, the paths bit-identical
     | $out/depthwise_kernels"
  "cpu: the same with GCC under ASan and UBSan | $out/depthwise_kernels_sanitized"
  "cpu: inconsistent graphs, overflowing windows, zero-size tensors | $out/bad_graphs $plugins/liblite_delegate_cpu.so"
  "cpu: the same under ASan and UBSan | $out/bad_graphs_sanitized $plugins/liblite_delegate_cpu.so"
  "cpu built with ASan and UBSan: the same | $out/bad_graphs_sanitized $out/sanitized/liblite_delegate_cpu.so"
  "vulkan: the same graphs | env LITE_VULKAN_VALIDATION=1 $out/bad_graphs $plugins/liblite_delegate_vulkan.so"
  "gles: the same graphs | $out/bad_graphs $plugins/liblite_delegate_gles.so"
  "vulkan: 24 delegates on 8 threads sharing one kernel cache, corrupted and unwritable caches
     | env LITE_VULKAN_VALIDATION=1 $out/gpu_cache $PWD/$plugins/liblite_delegate_vulkan.so"
  "gles: the same | $out/gpu_cache $PWD/$plugins/liblite_delegate_gles.so"
)

build() {
  local entry output command
  mkdir -p "$out/sanitized" "$out/avx512-on-avx2"
  for entry in "${builds[@]}"; do
    output="${entry%%|*}"; output="${output// /}"
    command="${entry#*|}"
    # shellcheck disable=SC2086  # the command is a word list by design
    $command -o "$out/$output"
  done
}

run() {
  local only="${1:-}" entry title command status=0 code
  for entry in "${checks[@]}"; do
    title="${entry%%|*}"; title="$(echo $title)"
    command="${entry#*|}"
    [[ $title == *"$only"* ]] || continue
    echo "== $title"
    code=0
    # Output is the checks' own; only bad_graphs prints a line per graph, kept out of the log.
    if [[ $command == *bad_graphs* ]]; then $command >/dev/null || code=$?; else $command || code=$?; fi
    if (( code == 77 )) && [[ $title == vulkan:* || $title == gles:* ]]; then
      echo "skipped: no device"
    elif (( code != 0 )); then
      status=1
    fi
  done
  return $status
}

case "${1:-}" in
  build) build ;;
  check) run "${2:-}" ;;
  run) build && run "${2:-}" ;;
  *) echo "usage: scripts/test/c_tests.sh build | check [TEXT] | run [TEXT]" >&2; exit 2 ;;
esac
