#!/usr/bin/env bash
# The host APIs beyond Swift, on the debug build (`swift build` first): the C API's own test
# (Tests/CAPI/capi_test.c) on each delegate, the install layout and its pkg-config files with the
# example compiled as C and as C++ by a plain cc line, the Python package against ai-edge-litert
# (pytest) and installed with pip into a fresh venv, and a Swift app package that finds the plugins
# without linking them (Examples/SwiftApp).
# Usage: scripts/test/c_api.sh PYTHON   (the venv's python, from scripts/setup/setup.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
python="$1"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
models="$cache/models"
image="$cache/images/grace_hopper.jpg"
build="$PWD/.build/debug"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

echo "-- capi_test: error paths, file/buffer, in-place data, resize, two threads"
cc -Wall -Werror -I Sources/LiteC/include Tests/CAPI/capi_test.c -L "$build" -lLiteC -Wl,-rpath,"$build" -lpthread \
  -o "$work/capi_test"
for delegate in cpu vulkan gles; do
  for model in face_landmark selfie_segmentation; do
    LITE_VULKAN_VALIDATION=1 "$work/capi_test" "$models/$model.tflite" "$delegate" || status=1
  done
done

echo "-- install layout, pkg-config, the example as C and C++"
LITE_BUILD_DIR="$build" scripts/install.sh "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc -Wall -Werror Examples/CAPI/label_image.c $(pkg-config --cflags --libs lite) -o "$work/label_image"
c++ -x c++ -Wall -Werror Examples/CAPI/label_image.c $(pkg-config --cflags --libs lite) -o "$work/label_image_cxx"
if ldd "$work/label_image" | grep -q liblite_delegate; then echo "FAIL: a plugin is a load-time dependency"; status=1; fi
# Plugins come from liblite.so's folder: no environment variable.
env -u LITE_DELEGATE_PATH "$work/label_image" "$models/face_landmark.tflite" "$image" --delegate cpu --top 3 || status=1
env -u LITE_DELEGATE_PATH "$work/label_image_cxx" "$models/selfie_segmentation.tflite" "$image" --delegate gles --top 2 || status=1
# A plugin author's build: the header from pkg-config, nothing of the host linked.
cc -shared -fPIC -Wall -Werror Examples/SampleDelegate/sample_delegate.c $(pkg-config --cflags lite-delegate) \
  -o "$work/liblite_delegate_sample.so"
if ldd "$work/liblite_delegate_sample.so" | grep -q 'liblite\.so'; then echo "FAIL: the sample plugin links the host"; status=1; fi

echo "-- Python package against ai-edge-litert (pytest)"
LITE_LIBRARY="$build/libLiteC.so" PYTHONPATH="$PWD/python" "$python" -m pytest -q python/tests || status=1

echo "-- pip install ./python into a fresh venv"
"$python" -m venv "$work/venv"
LITE_BUILD_DIR="$build" "$work/venv/bin/pip" install -q ./python >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; status=1; }
rm -rf python/build python/*.egg-info
(cd "$work" && env -u LITE_DELEGATE_PATH "$work/venv/bin/python" - "$models/face_landmark.tflite" <<'PY') || status=1
import sys
import numpy as np
from lite_runtime import _native
from lite_runtime.interpreter import Interpreter
assert "/venv/" in _native.library_path, _native.library_path
interpreter = Interpreter(model_path=sys.argv[1], delegates=["cpu"])
interpreter.allocate_tensors()
interpreter.invoke()
print("pip-installed lite_runtime:", _native.library_path, interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).shape)
PY

echo "-- a Swift app package: LiteHost as a dependency, plugins built beside it, not linked"
(
  cd Examples/SwiftApp
  cp -n ../../Package.resolved . 2>/dev/null || true
  swift build -q && swift build -q --product lite_delegate_cpu
  if ldd .build/debug/SwiftApp | grep -q liblite_delegate; then echo "FAIL: the app links a plugin"; exit 1; fi
  env -u LITE_DELEGATE_PATH .build/debug/SwiftApp "$models/face_landmark.tflite" cpu
) || status=1
exit $status
