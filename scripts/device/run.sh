#!/usr/bin/env bash
# What the GPU machine runs for issue 16 ("Real-GPU numbers"), from the repository root there, with
# .build-device/bundle (scripts/device/bundle.sh) carried. Everything that comes back is under $OUT:
#   run.log        this script's whole output (also what the tool's output_tail shows the end of)
#   results.jsonl  one JSON object per measurement (suite.py), written as they come
#   env.json       GPU (nvidia-smi), Vulkan/GLES device names (lite delegates), CPU, OS, packages
#   summary.md     the Markdown tables (summarize.py), printed last
#   raw.tar.gz     every step's command line, stdout and stderr
# Steps: unpack the binaries; the loader .debs when libvulkan/libEGL/libGLESv2 are missing (dpkg -x into /,
# ldconfig); NVIDIA's ICD files under /usr/local/nvidia when the loaders would not find them otherwise (skipped
# when that folder is absent); the wheels into WORK/site; then suite.py (bench, conformance, init, profile) within
# LITE_DEVICE_BUDGET seconds; then summarize.py. No step's failure stops the run.
#
# Usage (device):  bash scripts/device/run.sh
# Dry run here:    OUT=/tmp/device-out PYTHON=$LITE_CACHE/venv/bin/python LITE_DEVICE_MODELS=a,b bash scripts/device/run.sh
# Env: OUT (default /tmp/device-out), PYTHON (python3), LITE_BUNDLE (.build-device/bundle),
#      LITE_DEVICE_WORK (/tmp/lite-device), LITE_DEVICE_BUDGET (400 s for suite.py), LITE_DEVICE_MODELS
#      (default: all bundled), LITE_DEVICE_RUNS (50), LITE_DEVICE_WARMUP (5), LITE_DEVICE_ROUNDS (1),
#      LITE_DEVICE_FORCE_DEBS=1 and LITE_DEVICE_DEB_ROOT=DIR (unpack the .debs into DIR and put its lib folder on
#      LD_LIBRARY_PATH: a test of the packages on a machine that has the loaders), LITE_DEVICE_FORCE_WHEELS=1.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
OUT="${OUT:-/tmp/device-out}"
bundle="${LITE_BUNDLE:-$repo/.build-device/bundle}"
work="${LITE_DEVICE_WORK:-/tmp/lite-device}"
budget="${LITE_DEVICE_BUDGET:-400}"
python="${PYTHON:-python3}"
mkdir -p "$OUT"
started=$(date +%s)
step() { echo "== [$(( $(date +%s) - started ))s] $*"; }

main() {

step "run.sh in $repo; bundle $bundle; OUT $OUT; work $work; python $python ($("$python" --version 2>&1))"
if [[ ! -f "$bundle/lite-bin.tar.xz" ]]; then
  echo "no $bundle/lite-bin.tar.xz: run scripts/device/bundle.sh here first and name .build-device/bundle in carry"
  exit 2
fi
head -n 6 "$bundle/MANIFEST.txt" 2>/dev/null

step "unpack the binaries"
rm -rf "$work"; mkdir -p "$work"
if command -v xz >/dev/null; then
  timeout 120 tar -xJf "$bundle/lite-bin.tar.xz" -C "$work"
else
  timeout 120 "$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
    "$bundle/lite-bin.tar.xz" "$work"
fi || { echo "cannot unpack the binaries"; exit 2; }
lite="$work/bin/lite"
# The plugins' RUNPATH ends in $ORIGIN, which finds bin/libswiftCore.so; LD_LIBRARY_PATH makes sure of it.
export LD_LIBRARY_PATH="$work/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LITE_DELEGATE_PATH="$work/bin"

step "GPU loaders"
missing=()
known="$(ldconfig -p 2>/dev/null)"
for lib in libvulkan.so.1 libEGL.so.1 libGLESv2.so.2; do
  grep -qF "$lib" <<<"$known" || missing+=("$lib")
done
if (( ${#missing[@]} )) || [[ -n "${LITE_DEVICE_FORCE_DEBS:-}" ]]; then
  root="${LITE_DEVICE_DEB_ROOT:-/}"
  echo "missing: ${missing[*]:-none}; unpacking $(ls "$bundle"/gl/*.deb | wc -l) .debs into $root"
  mkdir -p "$root"
  for f in "$bundle"/gl/*.deb; do timeout 60 dpkg -x "$f" "$root" || echo "dpkg -x $(basename "$f") failed"; done
  if [[ "$root" == / ]]; then
    ldconfig || echo "ldconfig failed"
  else
    export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu:$LD_LIBRARY_PATH"
  fi
else
  echo "libvulkan.so.1, libEGL.so.1 and libGLESv2.so.2 are there: the .debs are not needed"
fi
ldconfig -p 2>/dev/null | grep -E 'libvulkan\.so\.1|libEGL\.so\.1|libGLESv2\.so\.2|libEGL_nvidia|libGLX_nvidia' || true

nv=/usr/local/nvidia
if [[ -d "$nv" ]]; then
  icd="$nv/share/vulkan/icd.d/nvidia_icd.json"
  if [[ -f "$icd" ]] && ! ls /etc/vulkan/icd.d/*nvidia* /usr/share/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
    export VK_DRIVER_FILES="$icd"; echo "VK_DRIVER_FILES=$icd"; cat "$icd"
  fi
  vendor="$nv/share/glvnd/egl_vendor.d/10_nvidia.json"
  if [[ -f "$vendor" ]] && ! ls /usr/share/glvnd/egl_vendor.d/*nvidia* /etc/glvnd/egl_vendor.d/*nvidia* >/dev/null 2>&1; then
    export __EGL_VENDOR_LIBRARY_FILENAMES="$vendor"; echo "__EGL_VENDOR_LIBRARY_FILENAMES=$vendor"
  fi
  for d in "$nv/lib64" "$nv/lib"; do [[ -d "$d" ]] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; done
  timeout 30 nvidia-smi || echo "nvidia-smi failed"
else
  echo "no $nv: the NVIDIA driver steps are skipped"
fi

step "TFLite (ai-edge-litert) for $python"
if [[ -z "${LITE_DEVICE_FORCE_WHEELS:-}" ]] && "$python" -c 'import ai_edge_litert' 2>/dev/null; then
  echo "ai_edge_litert is already importable: the bundled wheels are not installed"
else
  if timeout 180 "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$work/site" "$bundle"/whl/*.whl; then
    export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}"
  else
    # A wheel whose files all go to the root (these do) installs by unzipping; for a python without pip.
    echo "pip install of the bundled wheels failed: unzipping them into $work/site instead"
    "$python" -c 'import sys, zipfile; [zipfile.ZipFile(w).extractall(sys.argv[1]) for w in sys.argv[2:]]' \
      "$work/site" "$bundle"/whl/*.whl && export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}"
  fi
fi
"$python" -c 'import numpy, ai_edge_litert; print("numpy", numpy.__version__, "ai_edge_litert", ai_edge_litert.__version__, ai_edge_litert.__file__)' \
  || echo "ai_edge_litert cannot be imported: the TFLite steps will be skipped"

step "lite delegates"
timeout 60 "$lite" delegates 2>&1 | grep -v '^  operators:' || echo "lite delegates failed"

step "measurements (suite.py, budget ${budget}s)"
suite_args=(--lite "$lite" --bundle "$bundle" --out "$OUT" --work "$work" --budget "$budget"
            --runs "${LITE_DEVICE_RUNS:-50}" --warmup "${LITE_DEVICE_WARMUP:-5}" --rounds "${LITE_DEVICE_ROUNDS:-1}")
[[ -n "${LITE_DEVICE_MODELS:-}" ]] && suite_args+=(--models "$LITE_DEVICE_MODELS")
PYTHONUNBUFFERED=1 timeout -k 5 $((budget + 45)) "$python" scripts/device/suite.py "${suite_args[@]}" \
  || echo "suite.py exited with status $?"

step "pack the step logs"
tar -czf "$OUT/raw.tar.gz" -C "$work" raw 2>/dev/null || echo "tar of the step logs failed"

step "summary"
"$python" scripts/device/summarize.py "$OUT/results.jsonl" --env "$OUT/env.json" >"$OUT/summary.md" \
  || echo "summarize.py failed"
cat "$OUT/summary.md"
step "done; files in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
}

# A pipeline, not exec > >(tee): the script returns only once tee has written the last line.
# exit on the same line: bash has read it all, so an edit to this file during a run changes nothing.
main 2>&1 | tee -a "$OUT/run.log"; exit "${PIPESTATUS[0]}"
