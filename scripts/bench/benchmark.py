#!/usr/bin/env python3
"""Benchmarks `lite bench` against the official TFLite runtime (ai-edge-litert), side by side.

For each model, rounds alternate between TFLite (its default CPU path, XNNPACK, same thread count)
and `lite bench`, each in its own process so that peak RSS is per runtime. Prints per-model medians
(the median of the rounds' medians), the ratio lite/TFLite, peak RSS of both, and the geometric mean
of the ratios.

Usage (with the venv's python, see scripts/setup/setup.sh):
  python scripts/bench/benchmark.py [--lite .build/release/lite] [--threads 1] [--rounds 3] [--runs 50]
                              [--models face_landmark,selfie_segmentation,...] [--delegates cpu]
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
DEFAULT_MODELS = "face_landmark,selfie_segmentation,face_detection_short_range,hand_landmark_full,pose_landmark_full"
# TensorFlow-converted models (scripts/fixtures/make_converter_models.py), benchmarked after the MediaPipe set.
DEFAULT_CONVERTER_MODELS = "mobilenet_v2,deeplab"


def tflite_worker(model, threads, runs, warmup):
    """Runs in a child process: times TFLite's invoke and prints one JSON line."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    start = time.perf_counter()
    interpreter = Interpreter(model_path=model, num_threads=threads)
    interpreter.allocate_tensors()
    init_ms = (time.perf_counter() - start) * 1e3
    rng = np.random.default_rng(12345)
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], rng.random(detail["shape"], dtype=np.float32))
    for _ in range(max(warmup, 1)):
        interpreter.invoke()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        interpreter.invoke()
        times.append((time.perf_counter() - t0) * 1e3)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"init_ms": init_ms, "median_ms": statistics.median(times), "min_ms": min(times),
                      "peak_rss_mb": peak_mb}))


def run_tflite(model, args):
    out = subprocess.run([sys.executable, __file__, "--tflite-worker", model, str(args.threads), str(args.runs),
                          str(args.warmup)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_lite(model, args):
    command = [args.lite, "bench", model, "--json", "--runs", str(args.runs), "--warmup", str(args.warmup),
               "--threads", str(args.threads)]
    if args.delegates:
        command += ["--delegates", args.delegates]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "lite bench failed")
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tflite-worker", nargs=4, metavar=("MODEL", "THREADS", "RUNS", "WARMUP"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--lite", default=".build/release/lite")
    parser.add_argument("--delegates", default=None, help="passed to lite bench (default: LITE_DELEGATES/all)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--models", default=DEFAULT_MODELS)
    parser.add_argument("--models-dir", default=None)
    parser.add_argument("--converter-models", default=DEFAULT_CONVERTER_MODELS,
                        help="TensorFlow-converted models to add (built by make_converter_models.py); '' for none")
    args = parser.parse_args()
    if args.tflite_worker:
        model, threads, runs, warmup = args.tflite_worker
        tflite_worker(model, int(threads), int(runs), int(warmup))
        return 0

    models_dir = args.models_dir or subprocess.run([os.path.join(SCRIPTS, "fixtures", "fetch_models.sh")], capture_output=True,
                                                   text=True, check=True).stdout.strip().splitlines()[-1]
    print(f"threads={args.threads} rounds={args.rounds} runs={args.runs} warmup={args.warmup} "
          f"delegates={args.delegates or 'default'}")
    print(f"{'model':30} {'tflite ms':>10} {'lite ms':>10} {'ratio':>7} {'tflite MB':>10} {'lite MB':>9}")
    models = [(name, os.path.join(models_dir, name + ".tflite"), "mediapipe") for name in args.models.split(",") if name]
    converter = [name for name in args.converter_models.split(",") if name]
    if converter:
        built = subprocess.run([sys.executable, os.path.join(SCRIPTS, "fixtures", "make_converter_models.py")], capture_output=True,
                               text=True, check=True).stdout.strip().splitlines()[-1]
        models += [(name, os.path.join(built, name + ".tflite"), "converter") for name in converter]
    ratios = {"mediapipe": [], "converter": []}
    for name, model, group in models:
        tflite, lite = [], []
        try:
            for _ in range(args.rounds):
                tflite.append(run_tflite(model, args))
                lite.append(run_lite(model, args))
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print(f"{name:30} FAILED: {error}")
            continue
        t = statistics.median(r["median_ms"] for r in tflite)
        lt = statistics.median(r["median_ms"] for r in lite)
        ratios[group].append(lt / t)
        print(f"{name:30} {t:10.3f} {lt:10.3f} {lt / t:7.2f} {max(r['peak_rss_mb'] for r in tflite):10.1f} "
              f"{max(r['peak_rss_mb'] for r in lite):9.1f}")
    for group, label in (("mediapipe", "MediaPipe models"), ("converter", "converted models")):
        if ratios[group]:
            geomean = math.exp(sum(math.log(r) for r in ratios[group]) / len(ratios[group]))
            print(f"geometric mean ratio lite/tflite: {geomean:.3f} over {len(ratios[group])} {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
