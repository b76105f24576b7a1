#!/usr/bin/env python3
"""The measurements of issue 16 ("Real-GPU numbers"), run by scripts/device/run.sh on the GPU machine.

Standard library only (the device's python3 has numpy; ai_edge_litert comes from the bundle's wheels and is
used only by the child processes: bundle/scripts/benchmark.py's TFLite worker and conformance.py).

Phases, each with an absolute deadline inside --budget so that one slow phase cannot starve the rest
(a phase may use what an earlier one left):
  env          nvidia-smi, `lite delegates --json` (device names), CPU, OS, Python packages   -> OUT/env.json
  bench        per model: TFLite (XNNPACK) at 1 thread and at nproc; `lite bench --json` on cpu at 1 thread
               and at nproc, vulkan fp32/fp16, gles fp32/fp16 (GPU runs as `--delegates GPU,cpu`)
  conformance  per GPU configuration, conformance.py on every model against TFLite's output (random inputs;
               the tolerances of Tests/expectations.json's gpu-random and gpu-image-fp16 checks)
  init         per GPU backend and model, `lite bench` with an empty kernel cache (lite's, the driver's and
               Mesa's cache folders all new), then again with the same folders: cold and warm init
  profile      `lite profile --json` on vulkan for two models, when lite has that subcommand
Every step has its own timeout; a failure is recorded and the run goes on. Records are appended to
OUT/results.jsonl as they come (one JSON object a line), so a run cut short still returns what it did.
Each step's stdout/stderr is kept under WORK/raw/ (run.sh packs it into OUT/raw.tar.gz).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

GPU_BACKENDS = ("vulkan", "gles")
PRECISIONS = ("fp32", "fp16")
# Phase deadlines as fractions of the budget (cumulative).
PHASE_END = {"bench": 0.55, "conformance": 0.78, "init": 0.95, "profile": 1.0}
PROFILE_MODELS = ("face_landmark", "pose_landmark_full")



def gpu_tolerances(bundle: str) -> dict[str, tuple[float, dict[str, float]]]:
    """Per precision, the tolerance and the per-model exceptions of the GPU checks in the bundle's copy
    of Tests/expectations.json (scripts/device/bundle.sh puts it there): fp32 from gpu-random, fp16
    from gpu-image-fp16."""
    with open(os.path.join(bundle, "Tests", "expectations.json")) as file:
        checks = {check["id"]: check for check in json.load(file)["checks"]}
    result = {}
    for precision, name in (("fp32", "gpu-random"), ("fp16", "gpu-image-fp16")):
        check = checks[name]
        result[precision] = (check["tolerance"],
                             {model: item["tolerance"] for model, item in check.get("model_tolerances", {}).items()})
    return result

class Suite:
    def __init__(self, args):
        self.args = args
        self.start = time.monotonic()
        self.nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.raw = os.path.join(args.work, "raw")
        os.makedirs(self.raw, exist_ok=True)
        self.results = open(os.path.join(args.out, "results.jsonl"), "a", buffering=1)
        self.cache = os.path.join(args.work, "cache")  # shared, warm kernel cache for bench and conformance
        self.available: dict[str, str] = {}  # backend -> device string
        self.has_tflite = False
        self.info: dict = {}
        self.phase_deadline = self.start + args.budget

    # --- plumbing -------------------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def log(self, message: str) -> None:
        print(f"[{self.elapsed():6.1f}s] {message}", flush=True)

    def record(self, **fields) -> dict:
        fields.setdefault("t_s", round(self.elapsed(), 2))
        self.results.write(json.dumps(fields) + "\n")
        return fields

    def phase(self, name: str) -> None:
        self.phase_deadline = self.start + self.args.budget * PHASE_END[name]
        self.log(f"== phase {name} (until {self.phase_deadline - self.start:.0f}s)")

    def left(self) -> float:
        return self.phase_deadline - time.monotonic()

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.setdefault("XDG_CACHE_HOME", self.cache)
        env.update(extra)
        return env

    def run(self, command: list[str], name: str, timeout: float, env: dict | None = None) -> dict:
        """Runs one step with a timeout (never past the phase's deadline); keeps its output under raw/.
        Returns rc (-9 on timeout, -2 when skipped for time), stdout, stderr's last line, wall_s."""
        timeout = min(timeout, self.left())
        path = os.path.join(self.raw, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if timeout < 1:
            return {"rc": -2, "stdout": "", "error": "skipped: out of time for this phase", "wall_s": 0.0}
        started = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env or self.env())
            rc, stdout, stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as expired:
            rc = -9
            stdout = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else expired.stdout or ""
            stderr = (expired.stderr.decode(errors="replace") if isinstance(expired.stderr, bytes)
                      else expired.stderr or "") + f"\ntimed out after {timeout:.0f} s"
        except OSError as error:
            rc, stdout, stderr = -1, "", str(error)
        wall = time.monotonic() - started
        with open(path + ".out", "w") as f:
            f.write(stdout)
        with open(path + ".err", "w") as f:
            f.write(" ".join(command) + f"\n# rc={rc} wall_s={wall:.2f}\n" + stderr)
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        error = None if rc == 0 else (lines[-1][:400] if lines else f"exit status {rc}")
        return {"rc": rc, "stdout": stdout, "error": error, "wall_s": round(wall, 3)}

    @staticmethod
    def last_json(text: str):
        for line in reversed(text.strip().splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass
        try:
            return json.loads(text)
        except ValueError:
            return None

    def model_path(self, model: str) -> str:
        return os.path.join(self.args.bundle, "models", model + ".tflite")

    # --- phases ---------------------------------------------------------------------------------------

    def capture_env(self) -> None:
        info: dict = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "nproc": self.nproc,
                      "uname": " ".join(platform.uname()), "python": sys.version.split()[0],
                      "models": self.args.models, "runs": self.args.runs, "warmup": self.args.warmup,
                      "rounds": self.args.rounds, "budget_s": self.args.budget}
        for key in ("VK_DRIVER_FILES", "VK_ICD_FILENAMES", "__EGL_VENDOR_LIBRARY_FILENAMES", "LD_LIBRARY_PATH",
                    "PYTHONPATH"):
            if key in os.environ:
                info.setdefault("environment", {})[key] = os.environ[key]
        try:
            with open("/proc/cpuinfo") as f:
                names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
            info["cpu"] = names[0] if names else platform.processor()
        except OSError:
            info["cpu"] = platform.processor()
        try:
            with open("/etc/os-release") as f:
                info["os"] = next((l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("PRETTY_NAME=")), "")
        except OSError:
            pass
        manifest = os.path.join(self.args.bundle, "MANIFEST.txt")
        if os.path.exists(manifest):
            with open(manifest) as f:
                info["bundle"] = [line.rstrip() for line in f][:6]
        if shutil.which("nvidia-smi"):
            step = self.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,pstate,clocks.sm,clocks.max.sm,"
                             "clocks.mem,temperature.gpu,power.draw", "--format=csv"], "env/nvidia-smi-query", 30)
            info["nvidia_smi"] = step["stdout"].strip().splitlines() if step["rc"] == 0 else step["error"]
            self.run(["nvidia-smi", "-q"], "env/nvidia-smi-q", 30)
        else:
            info["nvidia_smi"] = "not found (no NVIDIA GPU here: NVIDIA steps skipped)"
        step = self.run([self.args.lite, "delegates", "--json"], "env/delegates", 60)
        delegates = self.last_json(step["stdout"]) if step["rc"] == 0 else None
        info["delegates"] = {}
        if delegates is None:
            info["delegates_error"] = step["error"]
        else:
            for plugin in delegates.get("plugins", []):
                if "error" in plugin:
                    info["delegates"][os.path.basename(plugin["path"])] = {"error": plugin["error"]}
                for backend in plugin.get("backends", []):
                    entry = {"available": backend.get("available"), "version": backend.get("version"),
                             "device": backend.get("device") or backend.get("unavailable_reason")}
                    info["delegates"][backend["name"]] = entry
                    if backend.get("available"):
                        self.available[backend["name"]] = backend.get("device", "")
        step = self.run([self.args.lite, "--help"], "env/lite-help", 30)
        info["lite_subcommands"] = re.findall(r"^  (\w+)\s", step["stdout"], re.M)
        step = self.run([sys.executable, "-c", "import numpy, ai_edge_litert; print(f'ai_edge_litert {ai_edge_litert.__version__} "
                         "({ai_edge_litert.__file__}), numpy {numpy.__version__}')"], "env/python-packages", 60)
        self.has_tflite = step["rc"] == 0
        info["tflite"] = step["stdout"].strip() if self.has_tflite else f"unavailable: {step['error']}"
        self.info = info
        with open(os.path.join(self.args.out, "env.json"), "w") as f:
            json.dump(info, f, indent=1)
        self.record(kind="env", **{k: info[k] for k in ("cpu", "nproc", "nvidia_smi", "delegates", "tflite")})
        for name, entry in info["delegates"].items():
            self.log(f"{name}: {entry.get('device') or entry.get('error')}")
        self.log(f"TFLite: {info['tflite']}; nproc {self.nproc}")

    def configs(self) -> list[tuple[str, str, list[str], dict]]:
        """(name, backend, lite bench arguments, fields) for each lite configuration."""
        out = []
        for threads in sorted({1, self.nproc}):
            out.append((f"cpu_t{threads}", "cpu", ["--delegates", "cpu", "--threads", str(threads)],
                        {"backend": "cpu", "precision": "fp32", "threads": threads}))
        for backend in GPU_BACKENDS:
            for precision in PRECISIONS:
                out.append((f"{backend}_{precision}", backend,
                            ["--delegates", f"{backend},cpu", "--precision", precision],
                            {"backend": backend, "precision": precision, "threads": None}))
        return out

    def bench(self) -> None:
        self.phase("bench")
        args = self.args
        worker = os.path.join(args.bundle, "scripts", "benchmark.py")
        for round_index in range(args.rounds):
            for model in args.models:
                path = self.model_path(model)
                if not os.path.exists(path):
                    self.record(kind="bench", model=model, round=round_index, ok=False, error=f"no model at {path}")
                    continue
                for threads in sorted({1, self.nproc}):
                    config = f"tflite_t{threads}"
                    if not self.has_tflite:
                        self.record(kind="bench", model=model, config=config, engine="tflite", round=round_index,
                                    ok=False, error="skipped: ai_edge_litert unavailable")
                        continue
                    step = self.run([sys.executable, worker, "--tflite-worker", path, str(threads), str(args.runs),
                                     str(args.warmup)], f"bench/{model}__{config}__r{round_index}", args.step_timeout)
                    self.bench_record(model, config, "tflite", {"backend": "tflite-xnnpack", "precision": "fp32",
                                                                "threads": threads}, step, round_index)
                for config, backend, extra, fields in self.configs():
                    if backend != "cpu" and backend not in self.available:
                        self.record(kind="bench", model=model, config=config, engine="lite", round=round_index,
                                    ok=False, error=f"skipped: {backend} unavailable", **fields)
                        continue
                    env = self.env(LITE_LOG_LEVEL="info") if backend != "cpu" else None
                    step = self.run([args.lite, "bench", path, "--json", "--runs", str(args.runs), "--warmup",
                                     str(args.warmup)] + extra, f"bench/{model}__{config}__r{round_index}",
                                    args.step_timeout, env)
                    self.bench_record(model, config, "lite", fields, step, round_index)

    def bench_record(self, model, config, engine, fields, step, round_index) -> None:
        result = self.last_json(step["stdout"]) if step["rc"] == 0 else None
        keep = ("median_ms", "min_ms", "p90_ms", "init_ms", "first_ms", "peak_rss_mb", "delegates", "partitions")
        values = {k: result[k] for k in keep if result and k in result}
        ok = result is not None and "median_ms" in result
        record = self.record(kind="bench", model=model, config=config, engine=engine, round=round_index, ok=ok,
                             wall_s=step["wall_s"], error=None if ok else step["error"] or "no JSON", **fields,
                             **values)
        shown = f"{record['median_ms']:.3f} ms" if ok else f"FAILED: {record['error']}"
        self.log(f"bench {model:28} {config:12} {shown}")

    def conformance(self) -> None:
        self.phase("conformance")
        args = self.args
        if not self.has_tflite:
            self.record(kind="conformance", ok=False, error="skipped: ai_edge_litert unavailable")
            return
        script = os.path.join(args.bundle, "scripts", "conformance.py")
        models = [m for m in args.models if os.path.exists(self.model_path(m))]
        tolerances = gpu_tolerances(args.bundle)
        for backend in GPU_BACKENDS:
            for precision in PRECISIONS:
                config = f"{backend}_{precision}"
                if backend not in self.available:
                    self.record(kind="conformance", config=config, ok=False, error=f"skipped: {backend} unavailable")
                    continue
                default, exceptions = tolerances[precision]
                tolerance = f"{default:g}"
                command = [sys.executable, script, "--lite", args.lite, "--models-dir",
                           os.path.join(args.bundle, "models"), "--models", ",".join(models), "--delegates",
                           f"{backend},cpu", "--precision", precision, "--tolerance", tolerance,
                           "--allow-reference-spread", "--timeout", str(args.step_timeout)]
                for model, value in exceptions.items():
                    command += ["--model-tolerance", f"{model}={value:g}"]
                step = self.run(command, f"conformance/{config}", args.step_timeout * 2 + 30 * len(models))
                seen = set()
                for line in step["stdout"].splitlines():
                    match = re.match(r"^(PASS|FAIL) (\S+)\s+(.*)$", line)
                    if not match:
                        continue
                    verdict, model, detail = match.groups()
                    error = re.search(r"max_rel_err=([0-9.eE+-]+)", detail)
                    own = exceptions.get(model, default)
                    seen.add(model)
                    self.record(kind="conformance", model=model, config=config, backend=backend, precision=precision,
                                ok=verdict == "PASS", max_rel_err=float(error.group(1)) if error else None,
                                tolerance=own, detail=detail[:400])
                    self.log(f"conformance {config:12} {verdict} {model:28} {detail[:120]}")
                for model in models:
                    if model not in seen:
                        self.record(kind="conformance", model=model, config=config, backend=backend,
                                    precision=precision, ok=False, max_rel_err=None,
                                    detail=f"no verdict: {step['error'] or 'conformance.py printed none'}")

    def init(self) -> None:
        self.phase("init")
        args = self.args
        for backend in GPU_BACKENDS:
            if backend not in self.available:
                self.record(kind="init", backend=backend, ok=False, error=f"skipped: {backend} unavailable")
        # Model by model, both backends each, so that a phase cut short loses the last models, not a backend.
        for model in args.models:
            for backend in [b for b in GPU_BACKENDS if b in self.available]:
                path = self.model_path(model)
                if not os.path.exists(path):
                    continue
                folder = os.path.join(args.work, "init", f"{model}__{backend}")
                shutil.rmtree(folder, ignore_errors=True)
                os.makedirs(folder)
                # Every cache a run could use, new: lite's kernels, NVIDIA's shader/pipeline cache, Mesa's.
                env = self.env(XDG_CACHE_HOME=os.path.join(folder, "xdg"),
                               __GL_SHADER_DISK_CACHE_PATH=os.path.join(folder, "nv"),
                               MESA_SHADER_CACHE_DIR=os.path.join(folder, "mesa"))
                for name in ("xdg", "nv", "mesa"):
                    os.makedirs(os.path.join(folder, name))
                for state in ("cold", "warm"):
                    step = self.run([args.lite, "bench", path, "--json", "--runs", "3", "--warmup", "0",
                                     "--delegates", f"{backend},cpu", "--option",
                                     f"cache_dir={os.path.join(folder, 'xdg', 'lite')}"],
                                    f"init/{model}__{backend}__{state}", args.step_timeout, env)
                    result = self.last_json(step["stdout"]) if step["rc"] == 0 else None
                    ok = result is not None and "init_ms" in result
                    self.record(kind="init", model=model, backend=backend, state=state, ok=ok,
                                init_ms=result.get("init_ms") if ok else None,
                                first_ms=result.get("first_ms") if ok else None,
                                median_ms=result.get("median_ms") if ok else None,
                                wall_s=step["wall_s"], error=None if ok else step["error"])
                    self.log(f"init {model:28} {backend:7} {state}: "
                             + (f"init {result['init_ms']:.1f} ms, first {result['first_ms']:.1f} ms" if ok
                                else f"FAILED: {step['error']}"))

    def profile(self) -> None:
        self.phase("profile")
        if "profile" not in self.info.get("lite_subcommands", []):
            self.record(kind="profile", ok=False, error="skipped: lite has no profile subcommand")
            self.log("profile: skipped (lite has no profile subcommand)")
            return
        if "vulkan" not in self.available:
            self.record(kind="profile", ok=False, error="skipped: vulkan unavailable")
            return
        for model in PROFILE_MODELS:
            if model not in self.args.models:
                continue
            step = self.run([self.args.lite, "profile", self.model_path(model), "--json", "--delegates", "vulkan,cpu"],
                            f"profile/{model}__vulkan", self.args.step_timeout)
            result = self.last_json(step["stdout"]) if step["rc"] == 0 else None
            self.record(kind="profile", model=model, backend="vulkan", ok=result is not None,
                        error=None if result is not None else step["error"], result=result)
            self.log(f"profile {model}: {'ok' if result is not None else step['error']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lite", required=True, help="the unpacked lite binary")
    parser.add_argument("--bundle", required=True, help="the bundle folder (models/, scripts/)")
    parser.add_argument("--out", required=True, help="where results.jsonl and env.json go ($OUT)")
    parser.add_argument("--work", required=True, help="scratch folder (raw step logs, caches)")
    parser.add_argument("--models", help="comma-separated (default: every model in the bundle, in MANIFEST order)")
    parser.add_argument("--budget", type=float, default=420, help="seconds for all phases together")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1, help="bench rounds (TFLite and lite alternate per model)")
    parser.add_argument("--step-timeout", type=float, default=90, help="seconds for one step")
    parser.add_argument("--phases", default="bench,conformance,init,profile")
    args = parser.parse_args()
    if args.models:
        args.models = [m for m in args.models.split(",") if m]
    else:
        order = []
        manifest = os.path.join(args.bundle, "MANIFEST.txt")
        if os.path.exists(manifest):
            with open(manifest) as f:
                line = next((l for l in f if l.startswith("models:")), "models:")
            order = line.split(":", 1)[1].split()
        present = sorted(n[:-7] for n in os.listdir(os.path.join(args.bundle, "models")) if n.endswith(".tflite"))
        args.models = [m for m in order if m in present] + [m for m in present if m not in order]
    os.makedirs(args.out, exist_ok=True)
    suite = Suite(args)
    suite.log(f"models: {','.join(args.models)}; runs {args.runs}, warmup {args.warmup}, rounds {args.rounds}, "
              f"budget {args.budget:.0f} s")
    suite.capture_env()
    for name in args.phases.split(","):
        try:
            getattr(suite, name)()
        except Exception as error:  # one phase's bug must not lose the others
            suite.record(kind=name, ok=False, error=f"phase crashed: {type(error).__name__}: {error}")
            suite.log(f"phase {name} crashed: {type(error).__name__}: {error}")
    suite.log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
