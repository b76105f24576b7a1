#!/usr/bin/env bash
# Installs a release build (`swift build -c release`) for C, C++ and Python host apps and for plugin
# authors:
#   PREFIX/include/lite/   lite.h (the C API), lite_delegate.h and lite_operators.h (the plugin ABI)
#   PREFIX/lib/lite/       liblite.so, the delegate plugins beside it (found with no environment
#                          variable: the host searches its own library's folder), the Swift runtime
#                          libraries liblite.so needs, and the `lite` command
#   PREFIX/bin/lite        -> ../lib/lite/lite
#   PREFIX/lib/pkgconfig/  lite.pc (apps: cc app.c $(pkg-config --cflags --libs lite)) and
#                          lite-delegate.pc (plugins: the header only, nothing to link)
# Usage: scripts/install.sh [PREFIX]          (default /usr/local)
#        scripts/install.sh --libs-only DIR   (liblite.so, plugins and runtime into DIR: the Python package)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LITE_BUILD_DIR:-$root/.build/release}"

libs_only=0
if [[ "${1:-}" == "--libs-only" ]]; then
  libs_only=1
  [[ $# -eq 2 ]] || { echo "install.sh: --libs-only needs a folder" >&2; exit 1; }
  libdir="$2"
else
  prefix="${1:-/usr/local}"
  libdir="$prefix/lib/lite"
fi

for file in libLiteC.so liblite_delegate_cpu.so liblite_delegate_vulkan.so liblite_delegate_gles.so lite; do
  [[ -f "$build/$file" ]] || { echo "install.sh: $build/$file missing: run 'swift build -c release' first" >&2; exit 1; }
done

mkdir -p "$libdir"
install -m 755 "$build/libLiteC.so" "$libdir/liblite.so"
install -m 755 "$build"/liblite_delegate_{cpu,vulkan,gles}.so "$libdir/"
# The Swift runtime (and Foundation) that liblite.so and lite load, so the folder works on a machine
# without the toolchain: liblite.so's and lite's RUNPATH include $ORIGIN.
runtime=$(ldd "$build/libLiteC.so" "$build/lite" | awk '$3 ~ /\/swift\// {print $3}' | sort -u)
for library in $runtime; do install -m 644 "$library" "$libdir/"; done
if [[ $libs_only == 1 ]]; then
  echo "$libdir"
  exit 0
fi

install -m 755 "$build/lite" "$libdir/lite"
mkdir -p "$prefix/bin" "$prefix/include/lite" "$prefix/lib/pkgconfig"
ln -sf ../lib/lite/lite "$prefix/bin/lite"
install -m 644 "$root/Sources/LiteC/include/lite.h" "$root/Sources/DelegateABI/include/lite_delegate.h" \
  "$root/Sources/DelegateABI/include/lite_operators.h" "$prefix/include/lite/"
version=$(sed -n 's/^#define LITE_API_VERSION_MAJOR \([0-9]*\)/\1/p' "$root/Sources/LiteC/include/lite.h").$(
  sed -n 's/^#define LITE_API_VERSION_MINOR \([0-9]*\)/\1/p' "$root/Sources/LiteC/include/lite.h")
cat > "$prefix/lib/pkgconfig/lite.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib/lite

Name: lite
Description: Lite TensorFlow Lite interpreter: the C API (lite.h) and its delegate plugins
Version: $version
Cflags: -I\${includedir}/lite
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -llite
PC
cat > "$prefix/lib/pkgconfig/lite-delegate.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include

Name: lite-delegate
Description: Lite delegate plugin ABI (lite_delegate.h): plugins include it and link against nothing of the host
Version: $(sed -n 's/^#define LITE_ABI_VERSION_MAJOR \([0-9]*\)/\1/p' "$root/Sources/DelegateABI/include/lite_delegate.h").$(sed -n 's/^#define LITE_ABI_VERSION_MINOR \([0-9]*\)/\1/p' "$root/Sources/DelegateABI/include/lite_delegate.h")
Cflags: -I\${includedir}/lite
PC
echo "installed into $prefix (pkg-config: PKG_CONFIG_PATH=$prefix/lib/pkgconfig)"
