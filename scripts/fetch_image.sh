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

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/wheel.sh"
mkdir -p "$wheels" "$images"
image="$images/grace_hopper.jpg"
if [[ ! -f "$image" ]]; then
  wheel="$(fetch_wheel fetch_image.sh matplotlib "$version")"
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
