#!/usr/bin/env bash
# Creates the Python venv the scripts use, and installs scripts/setup/requirements.txt into it.
# Idempotent: a venv whose installed requirements already match is left alone.
# Usage: scripts/setup/setup.sh        (prints the venv's python path on its last line)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LITE_CACHE:-$HOME/.cache/lite}"
source "$here/venv.sh"
requirements="$here/requirements.txt"
ensure_venv setup.sh "$cache/venv" "$cache/venv/.requirements.sha256" "$(sha256sum "$requirements" | cut -d' ' -f1)" \
  "$cache/pip.log" -r "$requirements"
