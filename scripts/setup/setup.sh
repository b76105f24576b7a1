#!/usr/bin/env bash
# Creates the Python venv the scripts in this folder use, and installs scripts/setup/requirements.txt into it.
# Idempotent: a venv whose installed requirements already match is left alone.
# Usage: scripts/setup/setup.sh        (prints the venv's python path on its last line)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
venv="$cache/venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

mkdir -p "$cache"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
# The stamp records which requirements.txt was installed, so reruns skip pip entirely.
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$requirements" >"$cache/pip.log" 2>&1; then
    echo "setup.sh: pip install failed; see $cache/pip.log" >&2
    tail -n 20 "$cache/pip.log" >&2
    exit 1
  fi
  echo "$wanted" >"$stamp"
fi

echo "$venv/bin/python"
