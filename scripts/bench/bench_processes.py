#!/usr/bin/env python3
"""Per-process spread: runs `lite bench` (and TFLite) in many short processes, alternating configurations.

Usage: bench_processes.py MODEL THREADS PROCESSES RUNS CONFIG [CONFIG ...]
  CONFIG: `tflite` (ai-edge-litert, its default XNNPACK path, via benchmark.py's worker),
          `lite` (the lite binary below with --delegates cpu),
          a delegate plugin path (lite with --delegates PATH), or
          `lite:KEY=VALUE,...` (lite with those environment variables).
Environment: LITE (the lite binary; default .build/release/lite), LITE_MODELS (default fetch_models.sh's folder).

Prints, per configuration, the median over processes of each process's median invoke time, the
smallest, and every process's median in run order. benchmark.py reports one median of medians;
this shows whether the processes agree (on the 2-core VM they often do not: a configuration can be
bimodal per process).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test"))
from conformance import fetch_models  # noqa: E402


def main() -> int:
    if len(sys.argv) < 6:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    model, threads, processes, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    configs = sys.argv[5:]
    lite = os.environ.get("LITE", os.path.join(os.path.dirname(os.path.dirname(HERE)), ".build", "release", "lite"))
    models = os.environ.get("LITE_MODELS") or fetch_models()
    path = model if model.endswith(".tflite") else os.path.join(models, f"{model}.tflite")
    results: dict[str, list[float]] = {c: [] for c in configs}
    for _ in range(processes):
        for config in configs:
            env = dict(os.environ)
            if config == "tflite":
                command = [sys.executable, os.path.join(HERE, "benchmark.py"), "--tflite-worker", path, threads, runs, "5"]
            else:
                delegates = "cpu"
                if config.startswith("lite:"):
                    for item in config[5:].split(","):
                        key, _, value = item.partition("=")
                        env[key] = value
                elif config != "lite":
                    delegates = config
                command = [lite, "bench", path, "--delegates", delegates, "--threads", threads, "--runs", runs, "--json"]
            out = subprocess.run(command, env=env, capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{config}: exit {out.returncode}: {out.stderr.strip()[-300:]}", file=sys.stderr)
                return 1
            results[config].append(json.loads(out.stdout)["median_ms"])
    print(f"model={os.path.basename(path)} threads={threads} processes={processes} runs={runs}")
    for config, values in results.items():
        print(f"{config:<40} median {statistics.median(values):8.3f}  min {min(values):8.3f}  "
              f"all {' '.join(f'{v:.2f}' for v in values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
