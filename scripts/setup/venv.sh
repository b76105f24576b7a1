# Sourced by setup.sh and setup_tf.sh: one Python venv, created once, its packages installed again
# only when what is wanted changed.
# ensure_venv SCRIPT VENV STAMP WANTED LOG PIP_ARGS...: creates VENV when it has no python, runs
# `pip install PIP_ARGS` (output to LOG) unless the file STAMP holds WANTED, then writes WANTED to
# STAMP and prints VENV's python. On a failed install names SCRIPT and LOG, and exits.
ensure_venv() {
  local script="$1" venv="$2" stamp="$3" wanted="$4" log="$5"
  shift 5
  mkdir -p "$(dirname "$venv")"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
  fi
  # The stamp records what was installed, so reruns skip pip entirely.
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >"$log" 2>&1; then
      echo "$script: pip install failed; see $log" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    echo "$wanted" >"$stamp"
  fi
  echo "$venv/bin/python"
}
