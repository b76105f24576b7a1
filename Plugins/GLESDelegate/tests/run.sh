#!/usr/bin/env bash
# The GPU plugins' C tests: builds each into .build/ and runs it against the plugins of the debug
# build (swift build first). Exit status 77 from a test is a skip (no device), anything else non-zero
# a failure. Usage: Plugins/GLESDelegate/tests/run.sh
#   gpu_hazards  the shared barrier tracker, compiled with GPUShared's sources (no GPU needed)
#   gpu_rules    what vulkan and gles must do alike (index checks, buffer sizes, boolean words)
#   gles_threads two gles delegates invoked from two threads at once
#   gpu_cache    24 delegates on 8 threads sharing one kernel cache; corrupted and unwritable caches
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
tests=Plugins/GLESDelegate/tests
plugins=.build/debug
abi=(-I Sources/DelegateABI/include)
status=0
run() { "$@" || [[ $? -eq 77 ]] || status=1; }

# Every C source of GPUShared and PluginSupport (what the plugins link), test folders left out.
mapfile -t shared < <(find Plugins/GPUShared Plugins/PluginSupport -name '*.c' -not -path '*/tests/*' | sort)
cc -O1 -Wall -Werror "${abi[@]}" -I Plugins/PluginSupport/include -I Plugins/GPUShared/include \
  "$tests/gpu_hazards.c" "${shared[@]}" -lm -o .build/gpu_hazards
run .build/gpu_hazards

cc -Wall -Werror "${abi[@]}" "$tests/gpu_rules.c" -ldl -o .build/gpu_rules
cc -Wall -Werror "${abi[@]}" "$tests/gles_threads.c" -ldl -lpthread -o .build/gles_threads
cc -Wall -Werror "${abi[@]}" "$tests/gpu_cache.c" -ldl -lpthread -o .build/gpu_cache
for gpu in vulkan gles; do
  LITE_VULKAN_VALIDATION=1 run .build/gpu_rules "$PWD/$plugins/liblite_delegate_$gpu.so"
done
run .build/gles_threads "$plugins/liblite_delegate_gles.so"
for gpu in vulkan gles; do
  LITE_VULKAN_VALIDATION=1 run .build/gpu_cache "$PWD/$plugins/liblite_delegate_$gpu.so"
done
exit $status
