#!/usr/bin/env bash
# Builds everything a GPU machine needs to benchmark Lite (issue 16) into ONE ignored folder,
# .build-device/bundle, which the device tool's `run` carries (see docs/performance.md, "Real GPU").
# The machine has no Swift toolchain and no network, so the folder holds:
#   lite-bin.tar.xz  bin/lite (release, Swift runtime and Foundation linked statically, stripped),
#                    bin/liblite_delegate_{cpu,vulkan,gles}.so and bin/libswiftCore.so (the plugins are C,
#                    but SwiftPM links them through swiftc, which adds swiftrt.o and a NEEDED libswiftCore.so;
#                    their RUNPATH ends in $ORIGIN, so the copy beside them is found where /opt/swift is absent)
#   models/          MediaPipe models (scripts/fixtures/fetch_models.sh) and, when present and when they fit, the
#                    converter models in $LITE_CACHE/converter-models (make_converter_models.py)
#   whl/             ai-edge-litert (cp312 manylinux x86_64, unused vendor plugins pruned) and backports.strenum;
#                    its other needs (numpy, flatbuffers, tqdm, typing-extensions, protobuf, ml-dtypes) are
#                    in the device image (KINDS.md)
#   gl/              the Debian loader packages (libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
#   scripts/         the project scripts run.sh uses (conformance.py with expectations.py, reference.py,
#                    benchmark.py), frozen with the binary; Tests/expectations.json, which conformance.py reads
#   MANIFEST.txt     commit, contents, sizes
# Then it checks the bundle plus the working tree against the 64 MiB carry limit (dropping models from the end
# of the list until it fits), and checks the binary: no libswift*.so from /opt, and `lite delegates` and a `lite run`
# of face_landmark on cpu with an empty environment and /opt hidden (when unshare works).
#
# Usage: scripts/device/bundle.sh      (run it in the checkout the device tool sends: the session's own)
# Env:   LITE_DEVICE_PYTHON=3.12 (the device's Python; 3.11 makes a bundle for a dry run with this machine's venv)
#        LITE_DEVICE_MODELS=a,b,...  (default below)   LITE_CACHE (default ~/.cache/lite)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
pyver="${LITE_DEVICE_PYTHON:-3.12}"
pytag="cp${pyver/./}"
scratch=.build-device
bundle="$scratch/bundle"
stage="$scratch/stage"
limit=$((64 * 1024 * 1024))
margin=$((512 * 1024))   # transfers and the files run.sh adds are not ours to size exactly
# Priority order: the last ones are dropped first when the carry would be over its limit.
models="${LITE_DEVICE_MODELS:-face_landmark,selfie_segmentation,face_detection_short_range,palm_detection_lite,hand_landmark_full,pose_landmark_full,deeplab,mobilenet_v2}"
log() { echo "bundle.sh: $*" >&2; }

# 1. Build (release, static Swift runtime). Incremental after the first time.
mkdir -p "$scratch"
log "swift build -c release --static-swift-stdlib --scratch-path $scratch"
nice -n 19 swift build -c release --static-swift-stdlib --scratch-path "$scratch" >"$scratch/bundle-build.log" 2>&1 || {
  tail -n 30 "$scratch/bundle-build.log" >&2; log "build failed; see $scratch/bundle-build.log"; exit 1; }
out="$scratch/release"

rm -rf "$stage" "$bundle"
mkdir -p "$stage/bin" "$bundle/models" "$bundle/whl" "$bundle/gl" "$bundle/scripts"
cp "$out/lite" "$stage/bin/"
for name in cpu vulkan gles; do cp "$out/liblite_delegate_$name.so" "$stage/bin/"; done
swiftlib="$(dirname "$(dirname "$(realpath "$(command -v swift)")")")/lib/swift/linux"
cp "$swiftlib/libswiftCore.so" "$stage/bin/"
strip "$stage/bin/lite"
strip --strip-unneeded "$stage/bin/"*.so

# 2. Check the binary before packing it.
log "checking the binary"
if ldd "$stage/bin/lite" | grep -E 'libswift|libFoundation|/opt/' >&2; then log "lite still links the toolchain"; exit 1; fi
for so in "$stage/bin/"liblite_delegate_*.so; do
  if LD_LIBRARY_PATH="$stage/bin" ldd "$so" | grep '/opt/' >&2; then log "$so resolves libraries from /opt"; exit 1; fi
done
# A float32 .npy of face_landmark's input shape, with the standard library only.
face="$(bash scripts/fixtures/fetch_models.sh | tail -n 1)/face_landmark.tflite"
check="$scratch/check"; rm -rf "$check"; mkdir -p "$check"
"$stage/bin/lite" inspect "$face" --delegates cpu --json >"$check/inspect.json"
python3 - "$check/inspect.json" "$check/in.npy" <<'PY'
import json, struct, sys, random
shape = json.load(open(sys.argv[1]))["inputs"][0]["shape"]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{d}, " for d in shape)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
count = 1
for d in shape: count *= d
rng = random.Random(0)
with open(sys.argv[2], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack(f"<{count}f", *(rng.random() for _ in range(count))))
PY
hide=(); if unshare -m true 2>/dev/null; then hide=(unshare -m sh -c 'mount -t tmpfs none /opt && exec "$@"' sh); fi
env -i PATH=/usr/bin:/bin "${hide[@]}" "$stage/bin/lite" delegates >"$check/delegates.txt" 2>&1 || {
  cat "$check/delegates.txt" >&2; log "lite delegates failed with an empty environment"; exit 1; }
env -i PATH=/usr/bin:/bin "${hide[@]}" "$stage/bin/lite" run "$face" --input "$check/in.npy" \
  --output-dir "$check/out" --delegates cpu >"$check/run.txt" 2>&1 || {
  cat "$check/run.txt" >&2; log "lite run of face_landmark on cpu failed with an empty environment"; exit 1; }
ls "$check/out/output_0.npy" >/dev/null
log "ok: lite delegates and lite run (cpu) with env -i${hide:+ and /opt hidden}; $(grep -c '^[a-z]' "$check/delegates.txt") plugins listed"

# 3. Pack the binaries (xz: the device unpacks with Python's tarfile if it has no xz).
log "packing bin/ (xz)"
tar -C "$stage" -cf - bin | nice -n 19 xz -9 -T2 >"$bundle/lite-bin.tar.xz"

# 4. Wheels: downloaded once into $cache/device, the ai-edge-litert one pruned of what its Interpreter never loads.
wheels="$cache/device/wheels-$pytag"; mkdir -p "$wheels"
platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
           --platform manylinux2014_x86_64 --platform manylinux1_x86_64)
for spec in ai-edge-litert==2.3.0 backports.strenum==1.2.8; do
  stem="$(echo "${spec%%==*}" | tr .- __)-${spec##*==}-"
  if ! ls "$wheels/$stem"*.whl >/dev/null 2>&1; then
    log "pip download $spec ($pytag)"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --python-version "$pyver" --implementation cp "${platforms[@]}" -d "$wheels" "$spec" >&2
  fi
done
python3 - "$wheels" "$bundle/whl" <<'PY'
import glob, os, shutil, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
# Vendor NPU compiler/dispatch plugins, the WebGPU accelerator and the AOT tool: loaded only by
# CompiledModel with those accelerators, never by ai_edge_litert.interpreter (XNNPACK on the CPU).
pruned = ("ai_edge_litert/libLiteRtWebGpuAccelerator.so", "ai_edge_litert/tools/apply_plugin_main",
          "ai_edge_litert/vendors/")
for wheel in sorted(glob.glob(os.path.join(source, "*.whl"))):
    out = os.path.join(target, os.path.basename(wheel))
    if not os.path.basename(wheel).startswith("ai_edge_litert-"):
        shutil.copy(wheel, out)
        continue
    dropped = 0
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename.startswith(pruned):
                dropped += 1
                continue
            data = zin.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                data = b"".join(line + b"\n" for line in data.splitlines() if not line.decode().startswith(pruned))
            zout.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    print(f"bundle.sh: {os.path.basename(wheel)}: {dropped} files pruned "
          f"({os.path.getsize(wheel) >> 20} -> {os.path.getsize(out) >> 20} MiB)", file=sys.stderr)
PY

# 5. Loader packages, as the device notes say (an amd64 list of its own, so any host architecture works).
debs="$cache/device/gl"
if ! ls "$debs"/libvulkan1_*.deb >/dev/null 2>&1; then
  log "apt-get download of the loaders"
  mkdir -p "$debs" /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update -qq >&2
  (cd "$debs" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >&2 2>/dev/null)
fi
cp "$debs"/*.deb "$bundle/gl/"

# 6. Scripts run.sh uses, frozen with the binary they were tested with.
cp scripts/test/conformance.py scripts/test/expectations.py scripts/test/reference.py scripts/bench/benchmark.py \
  "$bundle/scripts/"
mkdir -p "$bundle/Tests" && cp Tests/expectations.json "$bundle/Tests/"

# 7. Models, in priority order, while the carry stays under its limit.
mediapipe="$(bash scripts/fixtures/fetch_models.sh | tail -n 1)"
tree_bytes="$(git ls-files -z -co --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')"
used() { echo $(( $(du -sb "$bundle" | cut -f1) + tree_bytes )); }
kept=(); dropped=()
IFS=, read -ra wanted <<<"$models"
for name in "${wanted[@]}"; do
  file="$mediapipe/$name.tflite"; [[ -f "$file" ]] || file="$cache/converter-models/$name.tflite"
  if [[ ! -f "$file" ]]; then dropped+=("$name(missing)"); continue; fi
  if (( $(used) + $(stat -c %s "$file") + margin > limit )); then dropped+=("$name(size)"); continue; fi
  cp "$file" "$bundle/models/"; kept+=("$name")
done

{
  echo "Lite device bundle (issue 16), made $(date -u +%FT%TZ) on $(uname -n)"
  echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- Sources Plugins Package.swift || echo ' (+ uncommitted changes in Sources/Plugins)')"
  echo "swift: $(swift --version 2>&1 | head -n 1)"
  echo "python wheels for: $pytag"
  echo "models: ${kept[*]}"
  echo "dropped: ${dropped[*]:-none}"
  echo
  (cd "$bundle" && find . -type f ! -name MANIFEST.txt -printf '%s\t%p\n' | sort -k2)
  echo
  tar -tvJf "$bundle/lite-bin.tar.xz"
} >"$bundle/MANIFEST.txt"

total="$(used)"
log "models: ${kept[*]}; dropped: ${dropped[*]:-none}"
log "bundle $(du -sb "$bundle" | cut -f1) bytes + working tree $tree_bytes = $total bytes of $limit ($((total * 100 / limit))%)"
(( total <= limit )) || { log "over the carry limit"; exit 1; }
echo "$bundle"
