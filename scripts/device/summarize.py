#!/usr/bin/env python3
"""Turns what scripts/device/run.sh brings back (results.jsonl, env.json) into Markdown for docs/performance.md.

Usage: summarize.py RESULTS.jsonl [--env ENV.json] [RESULTS2.jsonl ...]

Prints: the machine (GPU, driver, Vulkan and GLES devices, CPU, threads), then one table row per model and
configuration with the median latency (the median of the rounds' medians), its ratio to TFLite (XNNPACK) at
1 thread and at nproc threads (lite / TFLite: below 1 is faster), the conformance result against TFLite's
output (largest relative error, and whether it is within the tolerance), and the geometric mean of the ratios
per configuration; then cold and warm initialisation of the GPU delegates; then everything that failed or was
skipped. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import defaultdict

ORDER = ["tflite_t1", "tflite_tN", "cpu_t1", "cpu_tN", "vulkan_fp32", "vulkan_fp16", "gles_fp32", "gles_fp16"]


def load(paths: list[str]) -> list[dict]:
    records = []
    for path in paths:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    records.append(json.loads(line))
                except ValueError:
                    print(f"summarize.py: {path}:{number}: not JSON, skipped", file=sys.stderr)
    return records


def config_key(config: str, nproc: int) -> str:
    """cpu_t16 -> cpu_tN (for ordering and labels) when 16 is the machine's thread count."""
    for prefix in ("tflite_t", "cpu_t"):
        if config.startswith(prefix) and config[len(prefix):] == str(nproc) and nproc != 1:
            return prefix + "N"
    return config


def label(config: str, nproc: int) -> str:
    names = {"tflite_t1": "TFLite CPU, 1 thread", "tflite_tN": f"TFLite CPU, {nproc} threads",
             "cpu_t1": "lite cpu, 1 thread", "cpu_tN": f"lite cpu, {nproc} threads",
             "vulkan_fp32": "lite vulkan fp32", "vulkan_fp16": "lite vulkan fp16",
             "gles_fp32": "lite gles fp32", "gles_fp16": "lite gles fp16"}
    return names.get(config, config)


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 10 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("--env", help="env.json from the same run")
    args = parser.parse_args()
    records = load(args.results)
    env = {}
    if args.env:
        try:
            with open(args.env) as f:
                env = json.load(f)
        except (OSError, ValueError) as error:
            print(f"summarize.py: {args.env}: {error}", file=sys.stderr)
    nproc = int(env.get("nproc") or next((r.get("nproc") for r in records if r.get("kind") == "env"), 1) or 1)

    lines: list[str] = []
    out = lines.append
    out("### Real GPU (issue 16)")
    out("")
    smi = env.get("nvidia_smi")
    if isinstance(smi, list) and len(smi) >= 2:
        header = [h.strip() for h in smi[0].split(",")]
        values = [v.strip() for v in smi[1].split(",")]
        gpu = dict(zip(header, values))
        out(f"- GPU: {gpu.get('name', '?')}, driver {gpu.get('driver_version', '?')}, {gpu.get('memory.total [MiB]', '?')}"
            f", clocks at the start: SM {gpu.get('clocks.current.sm [MHz]', '?')} (max {gpu.get('clocks.max.sm [MHz]', '?')}),"
            f" memory {gpu.get('clocks.current.memory [MHz]', '?')}")
    elif smi:
        out(f"- GPU: {smi}")
    for name in ("vulkan", "gles", "cpu"):
        entry = env.get("delegates", {}).get(name)
        if entry:
            state = entry.get("device") if entry.get("available") else f"unavailable: {entry.get('device')}"
            out(f"- `{name}` delegate: {state}")
    if env:
        out(f"- CPU: {env.get('cpu', '?')}, {nproc} threads; {env.get('os', '?')}; Python {env.get('python', '?')}; "
            f"TFLite: {env.get('tflite', '?')}")
        out(f"- `lite bench` and TFLite: {env.get('runs', '?')} timed runs after {env.get('warmup', '?')} warm-up, "
            f"{env.get('rounds', '?')} round(s) (median of the rounds' medians); random inputs in [0, 1); "
            f"GPU runs as `--delegates GPU,cpu`; {env.get('date_utc', '')}")
        if env.get("bundle"):
            out(f"- bundle: {'; '.join(env['bundle'][1:3])}")
    out("")

    # Latency.
    medians: dict[tuple[str, str], list[float]] = defaultdict(list)
    extra: dict[tuple[str, str], dict] = {}
    models: list[str] = []
    for r in records:
        if r.get("kind") != "bench" or not r.get("config") or not r.get("model"):
            continue
        key = (r["model"], config_key(r["config"], nproc))
        if r["model"] not in models:
            models.append(r["model"])
        if r.get("ok"):
            medians[key].append(float(r["median_ms"]))
            extra[key] = r
    conformance: dict[tuple[str, str], dict] = {}
    for r in records:
        if r.get("kind") == "conformance" and r.get("model") and r.get("config"):
            conformance[(r["model"], r["config"])] = r

    def median(model: str, config: str) -> float | None:
        values = medians.get((model, config))
        return statistics.median(values) if values else None

    out("| model | configuration | median ms | × TFLite 1 thread | × TFLite " + f"{nproc} threads | "
        "max rel. error vs TFLite (tolerance) | partitions |")
    out("|---|---|---:|---:|---:|---|---:|")
    ratios: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for model in models:
        t1, tn = median(model, "tflite_t1"), median(model, "tflite_tN")
        for config in ORDER:
            m = median(model, config)
            if m is None and (model, config) not in extra:
                failed = next((r for r in records if r.get("kind") == "bench" and r.get("model") == model
                               and config_key(r.get("config", ""), nproc) == config and not r.get("ok")), None)
                if failed is None:
                    continue
                out(f"| {model} | {label(config, nproc)} | – | – | – | {failed.get('error', '')[:80]} | |")
                continue
            r1 = m / t1 if m is not None and t1 else None
            rn = m / tn if m is not None and tn else None
            if r1 is not None:
                ratios[config]["t1"].append(r1)
            if rn is not None:
                ratios[config]["tn"].append(rn)
            check = conformance.get((model, config))
            if check is None:
                error = "" if not config.startswith(("vulkan", "gles")) else "not checked"
            elif check.get("max_rel_err") is None:
                error = f"FAIL: {check.get('detail') or check.get('error') or ''}"[:80]
            else:
                verdict = "ok" if check.get("ok") else "**over**"
                error = f"{check['max_rel_err']:.1e} ({check.get('tolerance', 0):g}) {verdict}"
                if "spread" in (check.get("detail") or ""):
                    error += ", within TFLite's own spread"
            parts = extra.get((model, config), {}).get("partitions", "")
            out(f"| {model} | {label(config, nproc)} | {fmt_ms(m)} | {fmt_ratio(r1)} | {fmt_ratio(rn)} | {error} | {parts} |")
    out("")
    if ratios:
        out(f"Geometric mean of lite / TFLite (below 1: lite is faster), over the models each configuration ran:")
        out("")
        out(f"| configuration | × TFLite 1 thread | × TFLite {nproc} threads | models |")
        out("|---|---:|---:|---:|")
        for config in ORDER:
            if config not in ratios or config.startswith("tflite_t1"):
                continue
            g1 = ratios[config]["t1"]
            gn = ratios[config]["tn"]
            geo = lambda xs: math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None  # noqa: E731
            out(f"| {label(config, nproc)} | {fmt_ratio(geo(g1))} | {fmt_ratio(geo(gn))} | {max(len(g1), len(gn))} |")
        out("")

    # Initialisation.
    init: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for r in records:
        if r.get("kind") == "init" and r.get("model"):
            init[(r["model"], r["backend"])][r.get("state", "")] = r
    if init:
        out("GPU initialisation (load, plan, allocate, prepare: `init_ms` of `lite bench`), with every kernel cache "
            "empty (lite's, the driver's), then again with the caches it filled:")
        out("")
        out("| model | delegate | cold init ms | warm init ms | cold first invoke ms | warm first invoke ms |")
        out("|---|---|---:|---:|---:|---:|")
        for (model, backend), states in init.items():
            cold, warm = states.get("cold", {}), states.get("warm", {})
            if not cold.get("ok") and not warm.get("ok"):
                out(f"| {model} | {backend} | – | – | {(cold.get('error') or '')[:60]} | |")
                continue
            out(f"| {model} | {backend} | {fmt_ms(cold.get('init_ms'))} | {fmt_ms(warm.get('init_ms'))} | "
                f"{fmt_ms(cold.get('first_ms'))} | {fmt_ms(warm.get('first_ms'))} |")
        out("")

    # Profiles, failures, skips.
    for r in records:
        if r.get("kind") == "profile" and r.get("ok"):
            out(f"- `lite profile` {r.get('model')} on {r.get('backend')}: in results.jsonl")
    problems = sorted({" ".join(str(p) for p in (r.get("kind"), r.get("model"), r.get("config", r.get("backend"))) if p)
                       + f": {r['error']}" for r in records if r.get("error") and not r.get("ok")})
    if problems:
        out("Failed or skipped:")
        out("")
        for problem in problems:
            out(f"- {problem[:300]}")
        out("")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
