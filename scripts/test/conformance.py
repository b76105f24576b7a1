#!/usr/bin/env python3
"""Checks the `lite` CLI against the official TFLite runtime on MediaPipe's models.

Usage: conformance.py [--delegates LIST] [--lite PATH] [--models a,b,c] [--tolerance 1e-4]
                      [--expect-error MODEL=SUBSTRING ...] [--models-dir DIR]
                      [--precision fp16] [--option KEY=VALUE ...]

For each model (fetched by fetch_models.sh unless --models-dir is given) it makes seeded random float
inputs of the model's input shapes (or, with --inputs image, a photograph resized to each image input:
fetch_image.sh's grace_hopper.jpg, or --image PATH), runs ai_edge_litert (default kernels with XNNPACK) and
`LITE run MODEL --input IN_0.npy [--input IN_1.npy ...] --output-dir DIR [--delegates LIST]` (plus
--precision and each --option, passed through), and
compares every output: shapes equal and max|lite - ref| / max(max|ref|, 1e-6) <= tolerance. An output over
the tolerance is also measured against TFLite's own spread (its reference kernels, OpResolverType.BUILTIN_REF,
against its XNNPACK path on the same inputs); with --allow-reference-spread it passes when lite is no further
from XNNPACK than that, and the line says so.
A model named by --expect-error passes when `lite run` exits non-zero with SUBSTRING in its stderr.
--converter checks the TensorFlow-converted models of make_converter_models.py instead (built into
${LITE_CACHE}/converter-models when missing).
--check NAME takes all of that (delegates, models, inputs, precision, delegate options, tolerances, expected
errors, the forwarding plugin's seed) from one run of Tests/expectations.json, the harness's list of what is checked
and why (expectations.py); --models then keeps only the named models of it. --list-checks prints the
names of the runs, only those on --delegates when given.

Prints one line per model (PASS/FAIL) and finally "N passed, M failed"; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(SCRIPTS)
sys.path.insert(0, HERE)
import expectations  # noqa: E402
from reference import run_reference  # noqa: E402

EXPECTATIONS = expectations.load()
# MediaPipe's models, and the Keras models converted by TensorFlow's TFLiteConverter
# (scripts/fixtures/make_converter_models.py).
DEFAULT_MODELS = EXPECTATIONS["model_sets"]["mediapipe"]
CONVERTER_MODELS = EXPECTATIONS["model_sets"]["converter"]


def last_path(command: list[str], name: str, brief: bool = False) -> str:
    """Runs a helper that prints a path on its last line; exits with its error (the last line of it
    when `brief`) when it fails."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        detail = last_line(result.stderr) if brief else result.stderr.strip()
        sys.exit(f"{os.path.basename(sys.argv[0])}: {name} failed: {detail}")
    return result.stdout.strip().splitlines()[-1]


def converter_models() -> str:
    return last_path([sys.executable, os.path.join(SCRIPTS, "fixtures", "make_converter_models.py")], "make_converter_models.py",
                     brief=True)


def fetch_models() -> str:
    return last_path(["bash", os.path.join(SCRIPTS, "fixtures", "fetch_models.sh")], "fetch_models.sh")


def fetch_image() -> str:
    return last_path(["bash", os.path.join(SCRIPTS, "fixtures", "fetch_image.sh")], "fetch_image.sh")


def image_input(image_path: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """The photograph resized (bilinear) to an NHWC float input of 3 channels, in [0, 1]; None for
    an input of another shape."""
    if len(shape) != 4 or shape[0] != 1 or shape[3] != 3:
        return None
    from PIL import Image

    with Image.open(image_path) as image:
        resized = image.convert("RGB").resize((shape[2], shape[1]), Image.Resampling.BILINEAR)
    return (np.asarray(resized, dtype=np.float32) / 255.0).reshape(shape)


def model_inputs(model_path: str, seed: int, image_path: str | None = None) -> list[np.ndarray]:
    """Inputs of the model's shapes and types, the same on every run: random in [0, 1], or the
    photograph at image_path for each float image input (other inputs stay random).

    [0, 1] is the range of the images these models take. Wider inputs push some outputs into an
    ill-conditioned regime: with [-1, 1], pose_landmark_full's segmentation output differs by 2.2e-4
    (relative) between TFLite's own reference kernels and its XNNPACK path. Random pixels are
    themselves far from what the models were trained on: on them pose_landmark_full's segmentation
    logits reach magnitudes of ~1000 and move by 7e-2 (relative) when only the input is rounded to
    half precision, which no photograph does.
    """
    from ai_edge_litert.interpreter import Interpreter

    rng = np.random.default_rng(seed)
    details = Interpreter(model_path=model_path).get_input_details()
    inputs = []
    for d in details:
        shape = tuple(int(x) for x in d["shape"])
        value = rng.uniform(0.0, 1.0, size=shape).astype(d["dtype"])
        if image_path is not None and d["dtype"] == np.float32:
            picture = image_input(image_path, shape)
            if picture is not None:
                value = picture
        inputs.append(value)
    return inputs


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no message)"


def run_lite(lite: str, model_path: str, input_paths: list[str], output_dir: str, delegates: str | None,
             timeout: float, threads: int | None = None, precision: str | None = None,
             options: list[str] | None = None) -> tuple[int, str]:
    """Runs `lite run`; returns its exit code (-1 on timeout) and the last line of its stderr."""
    command = [lite, "run", model_path]
    for path in input_paths:
        command += ["--input", path]
    command += ["--output-dir", output_dir]
    if delegates:
        command += ["--delegates", delegates]
    if threads is not None:
        command += ["--threads", str(threads)]
    if precision:
        command += ["--precision", precision]
    for option in options or []:
        command += ["--option", option]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, f"lite run timed out after {timeout:g} s"
    return result.returncode, last_line(result.stderr)


def relative_error(actual: np.ndarray, expected: np.ndarray) -> tuple[float, np.ndarray]:
    """max|actual - expected| / max(max|expected|, 1e-6), and the elementwise |difference|."""
    difference = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    scale = max(float(np.abs(expected).max(initial=0.0)), 1e-6)
    return float(difference.max(initial=0.0)) / scale, difference


def compare(name: str, reference: list[np.ndarray], output_dir: str, tolerance: float,
            reference_kernels=None, allow_spread: bool = False) -> tuple[bool, str]:
    """Compares lite's outputs with TFLite's. An output over the tolerance is measured against
    TFLite's own spread too: how far TFLite's reference kernels are from its XNNPACK path on the same
    inputs (reference_kernels() runs them once, when first needed). With allow_spread such an output
    passes when lite is no further from XNNPACK than TFLite's reference kernels are; the line says so."""
    worst = 0.0
    notes = []
    ref_outputs = None
    for k, expected in enumerate(reference):
        path = os.path.join(output_dir, f"output_{k}.npy")
        if not os.path.exists(path):
            return False, f"lite wrote no output_{k}.npy ({len(reference)} outputs expected)"
        actual = np.load(path)
        if actual.shape != expected.shape:
            return False, f"output {k} has shape {list(actual.shape)}, expected {list(expected.shape)}"
        error, difference = relative_error(actual, expected)
        if np.isfinite(error) and error <= tolerance:
            worst = max(worst, error)
            continue
        spread = None
        if reference_kernels is not None and np.isfinite(error):
            if ref_outputs is None:
                try:
                    ref_outputs = reference_kernels()
                except Exception as failure:  # e.g. a MediaPipe custom op only the XNNPACK path has
                    ref_outputs = last_line(str(failure))
            if isinstance(ref_outputs, list):
                spread, _ = relative_error(ref_outputs[k], expected)
        if allow_spread and spread is not None and error <= spread:
            notes.append(f"output {k} {error:.2e} > {tolerance:g}, within TFLite's own spread "
                         f"(its reference kernels: {spread:.2e})")
            continue
        where = np.unravel_index(int(np.nanargmax(difference)), difference.shape) if difference.size else ()
        own = (f"; TFLite's reference kernels: {spread:.2e}" if spread is not None else
               f"; TFLite's reference kernels cannot run it: {ref_outputs}" if isinstance(ref_outputs, str) else "")
        return False, (f"output {k} max_rel_err={error:.2e} > {tolerance:g}{own} "
                       f"(at {list(map(int, where))}: lite {float(actual[where]):.7g}, reference {float(expected[where]):.7g})")
    extra = os.path.join(output_dir, f"output_{len(reference)}.npy")
    if os.path.exists(extra):
        return False, f"lite wrote more than the {len(reference)} outputs the model has"
    summary = f"max_rel_err={worst:.1e} ({len(reference)} output{'s' if len(reference) != 1 else ''})"
    return True, summary + "".join(f"; {note}" for note in notes)


def check_model(name: str, args, models_dir: str, expected_error: str | None) -> tuple[bool, str]:
    model_path = os.path.join(models_dir, f"{name}.tflite")
    if not os.path.exists(model_path):
        return False, f"no model at {model_path}"
    with tempfile.TemporaryDirectory(prefix=f"conformance-{name}-") as work:
        try:
            inputs = model_inputs(model_path, args.seed + zlib.crc32(name.encode()), args.image)
        except Exception as error:
            source = f"the image {args.image} or " if args.image else ""
            return False, f"cannot make inputs from {source}the model (ai_edge_litert): {last_line(str(error))}"
        input_paths = []
        for k, value in enumerate(inputs):
            input_paths.append(os.path.join(work, f"input_{k}.npy"))
            np.save(input_paths[-1], value)
        output_dir = os.path.join(work, "out")
        os.makedirs(output_dir)
        status, message = run_lite(args.lite, model_path, input_paths, output_dir, args.delegates, args.timeout,
                                   args.threads, args.precision, args.option)

        if expected_error is not None:
            if status == 0:
                return False, f"lite run succeeded; expected an error containing {expected_error!r}"
            if expected_error not in message:
                return False, f"lite run failed with {message!r}; expected it to contain {expected_error!r}"
            return True, f"failed as expected: {message}"

        if status != 0:
            return False, f"lite run exited {status}: {message}"
        try:
            reference = run_reference(model_path, inputs)
        except Exception as error:
            return False, f"ai_edge_litert failed: {last_line(str(error))}"
        return compare(name, reference, output_dir, args.model_tolerances.get(name, args.tolerance),
                       lambda: run_reference(model_path, inputs, reference_kernels=True), args.allow_reference_spread)


def apply_check(args, run: expectations.Run) -> None:
    """Sets args (and the environment of the lite runs) to those of one run of the expectations file.
    --models, when given, keeps only those of the run's models (an empty string when none are left)."""
    entry = run.entry
    models = run.models(EXPECTATIONS)
    if args.models:
        wanted = set(args.models.split(","))
        models = [name for name in models if name in wanted]
    args.models = ",".join(models)
    args.converter = entry.get("converter", False)
    args.inputs = entry["inputs"]
    args.precision = entry.get("precision")
    args.tolerance = entry["tolerance"]
    args.allow_reference_spread = entry.get("allow_reference_spread", False)
    args.model_tolerance = [f"{name}={item['tolerance']:g}" for name, item in entry.get("model_tolerances", {}).items()]
    args.expect_error = [f"{name}={item['message']}" for name, item in entry.get("expect_errors", {}).items()]
    os.environ.update(entry.get("env", {}))
    args.option = list(entry.get("options", []))
    if run.seed is None:
        args.delegates = run.delegate
    else:
        # The forwarding plugin runs its share on the delegate of the run; cpu runs the rest.
        plugins = os.path.dirname(os.path.abspath(args.lite))
        os.environ["LITE_FORWARD_TO"] = os.path.join(plugins, f"liblite_delegate_{run.delegate}.so")
        args.delegates = f"{os.path.abspath(args.forwarding_plugin)},cpu"
        args.option = [f"forward.seed={run.seed}"] + entry["forward"].get("options", []) + args.option


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lite", default=os.path.join(REPO, ".build", "debug", "lite"),
                        help="the lite CLI binary (default: .build/debug/lite)")
    parser.add_argument("--delegates", help="passed through to `lite run --delegates`")
    parser.add_argument("--models", help="comma-separated model names (default: the MediaPipe set)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="max error relative to max|reference|")
    parser.add_argument("--model-tolerance", action="append", default=[], metavar="MODEL=TOL",
                        help="a different tolerance for one model (state the reason where you pass it)")
    parser.add_argument("--expect-error", action="append", default=[], metavar="MODEL=SUBSTRING",
                        help="MODEL must make `lite run` fail with SUBSTRING in its message (repeatable)")
    parser.add_argument("--models-dir", help="folder of MODEL.tflite files (default: fetch_models.sh's)")
    parser.add_argument("--converter", action="store_true",
                        help="the TensorFlow-converted models (default --models and --models-dir for them)")
    parser.add_argument("--threads", type=int, help="passed through to `lite run --threads`")
    parser.add_argument("--precision", choices=["fp32", "fp16"],
                        help="passed through to `lite run --precision` (GPU delegates)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="passed through to `lite run --option` (repeatable)")
    parser.add_argument("--seed", type=int, default=0, help="base seed for the random inputs")
    parser.add_argument("--inputs", choices=["random", "image"], default="random",
                        help="random pixels in [0, 1] (default), or a photograph for every image input")
    parser.add_argument("--allow-reference-spread", action="store_true",
                        help="an output over the tolerance passes if lite is within the distance between "
                             "TFLite's own XNNPACK path and its reference kernels on it (reported as such)")
    parser.add_argument("--image", help="the photograph for --inputs image (default: fetch_image.sh's)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed for one lite run")
    parser.add_argument("--check", metavar="ID@DELEGATE[#SEED]",
                        help="one run of Tests/expectations.json: its delegates, models, inputs, precision, "
                             "tolerances and expected errors")
    parser.add_argument("--list-checks", action="store_true",
                        help="print the runs of Tests/expectations.json (those on --delegates when given)")
    parser.add_argument("--forwarding-plugin", default=os.path.join(REPO, ".build", "tests", "liblite_forward.so"),
                        help="the forwarding test plugin for --check forwarding runs "
                             "(default: .build/tests/liblite_forward.so, built by scripts/test/c_tests.sh)")
    args = parser.parse_args()

    if args.list_checks:
        wanted = args.delegates.split(",") if args.delegates else None
        for run in expectations.runs(EXPECTATIONS, wanted):
            print(run.name)
        return 0
    if args.check:
        taken = [flag for flag, name in [("--delegates", "delegates"), ("--tolerance", "tolerance"),
                                         ("--model-tolerance", "model_tolerance"), ("--expect-error", "expect_error"),
                                         ("--converter", "converter"), ("--precision", "precision"),
                                         ("--inputs", "inputs"), ("--allow-reference-spread", "allow_reference_spread"),
                                         ("--option", "option")]
                 if getattr(args, name) != parser.get_default(name)]
        if taken:
            parser.error(f"--check sets {', '.join(taken)} itself (from {os.path.relpath(expectations.PATH)})")
        try:
            apply_check(args, expectations.find(EXPECTATIONS, args.check))
        except KeyError as error:
            parser.error(error.args[0])
        if not args.models:
            print(f"skipped: no model of {args.check} in --models")
            return 0

    if not os.path.isfile(args.lite) or not os.access(args.lite, os.X_OK):
        print(f"conformance.py: no lite binary at {args.lite} (build it, or pass --lite)", file=sys.stderr)
        return 2
    args.model_tolerances = {}
    for item in args.model_tolerance:
        name, separator, value = item.partition("=")
        try:
            args.model_tolerances[name] = float(value)
        except ValueError:
            parser.error(f"--model-tolerance takes MODEL=TOLERANCE, got {item!r}")
    expected_errors = {}
    for item in args.expect_error:
        name, separator, substring = item.partition("=")
        if not separator or not name or not substring:
            parser.error(f"--expect-error takes MODEL=SUBSTRING, got {item!r}")
        expected_errors[name] = substring
    default_models = CONVERTER_MODELS if args.converter else DEFAULT_MODELS
    names = [n for n in args.models.split(",") if n] if args.models else list(default_models)
    names += [n for n in expected_errors if n not in names]
    models_dir = args.models_dir or (converter_models() if args.converter else fetch_models())
    if args.inputs == "image":
        try:
            import PIL  # noqa: F401  (Pillow decodes the photograph)
        except ImportError:
            print("conformance.py: --inputs image needs Pillow (scripts/setup/setup.sh installs it)", file=sys.stderr)
            return 2
        args.image = args.image or fetch_image()
        if not os.path.isfile(args.image):
            print(f"conformance.py: no image at {args.image}", file=sys.stderr)
            return 2
    else:
        args.image = None

    passed = failed = 0
    width = max(len(n) for n in names)
    for name in names:
        ok, detail = check_model(name, args, models_dir, expected_errors.get(name))
        print(f"{'PASS' if ok else 'FAIL'} {name:<{width}}  {detail}", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
