#!/usr/bin/env python3
"""Start-up of `lite bench` against the official TFLite runtime (ai-edge-litert): init (load, plan,
prepare) and the first invocation, next to the steady-state median.

Each round runs every configuration once per model, each in a fresh process, in alternating order
(forwards, then backwards), so that a change in the machine's load reaches every configuration
alike; prints the median over the rounds of each figure. TFLite's init is Interpreter(...) plus
allocate_tensors() (what benchmark.py's TFLite worker times); lite's is what `lite bench` reports
as init_ms (Interpreter(modelPath:) plus allocateTensors()).

Usage (with the venv's python, see scripts/setup/setup.sh):
  python scripts/bench/startup.py [--lite .build/release/lite] [--rounds 9] [--threads 1]
                                  [--models face_landmark,hand_landmark_full]
                                  [--delegates NAME=PATH ...]
--delegates compares plugin builds (each PATH passed to `lite bench --delegates`), e.g.
before=/tmp/old/liblite_delegate_cpu.so after=.build/release/liblite_delegate_cpu.so; the default
is the cpu delegate found by name.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

MODELS_DIR = os.path.join(os.environ.get("LITE_CACHE", os.path.expanduser("~/.cache/lite")), "models")

TFLITE = r'''
import json, statistics, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
start = time.perf_counter()
interpreter = Interpreter(model_path=sys.argv[1], num_threads=int(sys.argv[2]))
interpreter.allocate_tensors()
init = (time.perf_counter() - start) * 1e3
rng = np.random.default_rng(12345)
for detail in interpreter.get_input_details():
    interpreter.set_tensor(detail["index"], rng.random(detail["shape"], dtype=np.float32))
start = time.perf_counter()
interpreter.invoke()
first = (time.perf_counter() - start) * 1e3
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    interpreter.invoke()
    times.append((time.perf_counter() - start) * 1e3)
print(json.dumps({"init_ms": init, "first_ms": first, "median_ms": statistics.median(times)}))
'''


def run(configuration, model, args):
    """One process: {init_ms, first_ms, median_ms} of `configuration` on `model`."""
    name, delegate = configuration
    if delegate is None:
        command = [sys.executable, "-c", TFLITE, model, str(args.threads), str(args.runs)]
    else:
        command = [args.lite, "bench", model, "--json", "--runs", str(args.runs), "--warmup", "0",
                   "--threads", str(args.threads), "--delegates", delegate]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{name} on {model}: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'failed'}")
    return json.loads(out.stdout.strip().splitlines()[-1] if delegate is None else out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lite", default=".build/release/lite")
    parser.add_argument("--models", default="face_landmark,hand_landmark_full")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10, help="timed invocations after the first (steady-state median)")
    parser.add_argument("--delegates", nargs="*", default=["lite=cpu"], metavar="NAME=PATH",
                        help="lite configurations: a name and what `lite bench --delegates` gets")
    args = parser.parse_args()

    configurations = [("tflite", None)]
    for item in args.delegates:
        name, separator, delegate = item.partition("=")
        if not separator or not name or not delegate:
            parser.error(f"--delegates takes NAME=PATH, got {item!r}")
        configurations.append((name, delegate))
    results = {}
    for round_index in range(args.rounds):
        for model in args.models.split(","):
            path = os.path.join(MODELS_DIR, f"{model}.tflite")
            order = configurations if round_index % 2 == 0 else list(reversed(configurations))
            for configuration in order:
                results.setdefault((model, configuration[0]), []).append(run(configuration, path, args))
    print(f"threads={args.threads} rounds={args.rounds} (alternating), medians over the rounds")
    print(f"{'model':22s} {'runtime':10s} {'init ms':>9s} {'first ms':>9s} {'steady ms':>10s}")
    for model in args.models.split(","):
        for name, _ in configurations:
            rows = results[(model, name)]
            median = {key: statistics.median(row[key] for row in rows) for key in ("init_ms", "first_ms", "median_ms")}
            print(f"{model:22s} {name:10s} {median['init_ms']:9.2f} {median['first_ms']:9.2f} {median['median_ms']:10.2f}")


if __name__ == "__main__":
    main()
