#!/usr/bin/env bash
# Fetches a real photograph for the conformance harness's `--inputs image`: grace_hopper.jpg, the
# portrait matplotlib ships as sample data (512x600 RGB JPEG), taken from the matplotlib wheel on
# PyPI (downloaded once into $LITE_CACHE/wheels, only unpacked, never installed).
# Idempotent; prints the image's path on its last line.
set -euo pipefail

cache="${LITE_CACHE:-$HOME/.cache/lite}"
wheels="$cache/wheels"
images="$cache/images"
version="3.11.2"
member="matplotlib/mpl-data/sample_data/grace_hopper.jpg"
python="$cache/venv/bin/python"
[[ -x "$python" ]] || python="$(command -v python3)"

mkdir -p "$wheels" "$images"
image="$images/grace_hopper.jpg"
if [[ ! -f "$image" ]]; then
  wheel="$(ls "$wheels"/matplotlib-"$version"-*.whl 2>/dev/null | head -n 1 || true)"
  if [[ -z "$wheel" ]]; then
    if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        -d "$wheels" "matplotlib==$version" >"$cache/fetch_image.log" 2>&1; then
      echo "fetch_image.sh: pip download of matplotlib==$version failed; see $cache/fetch_image.log" >&2
      tail -n 20 "$cache/fetch_image.log" >&2
      exit 1
    fi
    wheel="$(ls "$wheels"/matplotlib-"$version"-*.whl | head -n 1)"
  fi
  "$python" - "$wheel" "$member" "$image" <<'PY'
import os, sys, zipfile

wheel, member, image = sys.argv[1:4]
with zipfile.ZipFile(wheel) as archive:
    if member not in archive.namelist():
        sys.exit(f"fetch_image.sh: no {member} in {wheel}")
    with archive.open(member) as source, open(image + ".part", "wb") as target:
        target.write(source.read())
os.replace(image + ".part", image)
PY
fi

echo "$image"
