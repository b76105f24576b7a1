"""lite_runtime against ai-edge-litert in one process: real models on each delegate, the
tflite_runtime API's behaviour (details, resize, errors, views), and threads.

Models come from LITE_MODELS (default ~/.cache/lite/models, filled by scripts/fixtures/fetch_models.sh);
tests that need one skip when it is missing.
"""
import os
import pathlib
import sys
import threading

import numpy as np
import pytest

from lite_runtime.interpreter import Interpreter, LiteError, available_delegates, load_delegate

ai_edge_litert = pytest.importorskip("ai_edge_litert.interpreter")

CACHE = pathlib.Path(os.environ.get("LITE_CACHE", pathlib.Path.home() / ".cache/lite"))
MODELS = pathlib.Path(os.environ.get("LITE_MODELS", CACHE / "models"))
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "test"))
import expectations  # noqa: E402  (Tests/expectations.json: which model runs where, at which tolerance)
from reference import run_reference  # noqa: E402

DATA = expectations.load()
# The real-model checks of the data file on random inputs, as conformance.py runs them through
# `lite run`, here through the Python package in this process: (check, delegate, model).
CHECKS = ["mediapipe-random", "converter", "gpu-random"]
CASES = [(run.entry["id"], run.delegate, name) for run in expectations.runs(DATA) if run.entry["id"] in CHECKS
         for name in run.models(DATA)]


def model(name, folder=None):
    path = (folder or MODELS) / f"{name}.tflite"
    if not path.is_file():
        pytest.skip(f"{path} missing (scripts/fixtures/fetch_models.sh, scripts/fixtures/make_converter_models.py)")
    return str(path)


def random_inputs(details, seed):
    rng = np.random.default_rng(seed)
    return [rng.random(d["shape"], dtype=np.float32) for d in details]


def run(interpreter, inputs):
    interpreter.allocate_tensors()
    for d, x in zip(interpreter.get_input_details(), inputs):
        interpreter.set_tensor(d["index"], x)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def relative_error(ours, theirs):
    scale = max(float(np.max(np.abs(theirs), initial=0.0)), 1e-6)
    return float(np.max(np.abs(ours.astype(np.float64) - theirs), initial=0.0)) / scale


@pytest.mark.parametrize("check,delegate,name", CASES, ids=[f"{c}@{d}:{n}" for c, d, n in CASES])
def test_real_models_as_the_data_file_says(check, delegate, name):
    entry = next(e for e in DATA["checks"] if e["id"] == check)
    path = model(name, CACHE / "converter-models" if entry.get("converter") else None)
    error = entry.get("expect_errors", {}).get(name)
    if error:
        with pytest.raises(LiteError, match=error["message"]):
            Interpreter(model_path=path, delegates=[delegate])
        return
    tolerance = entry.get("model_tolerances", {}).get(name, {}).get("tolerance", entry["tolerance"])
    reference = ai_edge_litert.Interpreter(model_path=path)
    reference.allocate_tensors()
    inputs = random_inputs(reference.get_input_details(), seed=1)
    expected = run(reference, inputs)
    lite = Interpreter(model_path=path, delegates=[delegate])
    assert [d["name"] for d in lite.get_input_details()] == [d["name"] for d in reference.get_input_details()]
    assert [d["index"] for d in lite.get_output_details()] == [d["index"] for d in reference.get_output_details()]
    got = run(lite, inputs)
    assert len(got) == len(expected)
    spread = None
    for k, (ours, theirs) in enumerate(zip(got, expected)):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        assert np.isnan(ours).sum() == np.isnan(theirs).sum()
        err = relative_error(ours, theirs)
        if err <= tolerance:
            continue
        # As conformance.py: over the tolerance passes within TFLite's own spread (its reference kernels).
        assert entry.get("allow_reference_spread"), f"{name} on {delegate}: output {k} {err:.2e} > {tolerance}"
        spread = spread or run_reference(path, inputs, reference_kernels=True)
        assert err <= relative_error(spread[k], theirs), f"{name} on {delegate}: output {k} {err:.2e} beyond TFLite's spread"
    if delegate != "cpu":
        assert {p["delegate"] for p in lite.partition_plan()["partitions"]} <= {delegate, "cpu"}


def test_model_content_and_tflite_runtime_details():
    path = model("face_landmark")
    with open(path, "rb") as f:
        content = f.read()
    lite = Interpreter(model_content=content, delegates=["cpu"], num_threads=1)
    reference = ai_edge_litert.Interpreter(model_content=content)
    for ours, theirs in zip(lite.get_input_details() + lite.get_output_details(),
                            reference.get_input_details() + reference.get_output_details()):
        assert set(theirs) <= set(ours)
        for key in ("name", "index", "dtype", "quantization"):
            assert ours[key] == theirs[key]
        assert np.array_equal(ours["shape"], theirs["shape"]) and ours["shape"].dtype == theirs["shape"].dtype


@pytest.mark.parametrize("name", ["face_landmark", "hand_landmark_full", "face_detection_short_range"])
def test_resize_as_tflite(name):
    """A batch of 2: the same output shapes and values as TFLite's (models whose RESHAPE constants
    fold the batch give TFLite's shapes too)."""
    path = model(name)
    results = []
    for interpreter in (ai_edge_litert.Interpreter(model_path=path), Interpreter(model_path=path, delegates=["cpu"])):
        detail = interpreter.get_input_details()[0]
        interpreter.resize_tensor_input(detail["index"], [2] + list(detail["shape"][1:]))
        interpreter.allocate_tensors()
        assert list(interpreter.get_input_details()[0]["shape"]) == [2] + list(detail["shape"][1:])
        x = np.random.default_rng(3).random([2] + list(detail["shape"][1:]), dtype=np.float32)
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        results.append([interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()])
    for theirs, ours in zip(*results):
        assert ours.shape == theirs.shape
        assert relative_error(ours, theirs) <= 1e-4


def test_resize_that_cannot_work_is_an_error():
    lite = Interpreter(model_path=model("selfie_segmentation"), delegates=["cpu"])
    lite.resize_tensor_input(lite.get_input_details()[0]["index"], [1, 128, 128, 3])
    with pytest.raises(ValueError, match="AVERAGE_POOL_2D"):
        lite.allocate_tensors()


def test_tensor_view_is_the_memory():
    lite = Interpreter(model_path=model("face_landmark"), delegates=["cpu"])
    lite.allocate_tensors()
    detail = lite.get_input_details()[0]
    view = lite.tensor(detail["index"])
    view()[...] = 0.5
    assert np.all(lite.get_tensor(detail["index"]) == 0.5)
    lite.invoke()
    out = lite.get_output_details()[0]["index"]
    assert np.array_equal(lite.tensor(out)(), lite.get_tensor(out))


def test_errors_are_exceptions_with_one_line():
    with pytest.raises(ValueError, match="cannot open"):
        Interpreter(model_path="/nonexistent.tflite")
    with pytest.raises(ValueError):
        Interpreter(model_content=b"not a model at all, just bytes")
    with pytest.raises(LiteError, match="no_such_delegate"):
        Interpreter(model_path=model("face_landmark"), delegates=["no_such_delegate"])
    with pytest.raises(ValueError, match="precision"):
        Interpreter(model_path=model("face_landmark"), precision="fp8")
    lite = Interpreter(model_path=model("face_landmark"), delegates=["cpu"])
    with pytest.raises(LiteError, match="allocate"):
        lite.invoke()
    detail = lite.get_input_details()[0]
    lite.allocate_tensors()
    with pytest.raises(ValueError, match="type FLOAT64"):
        lite.set_tensor(detail["index"], np.zeros(detail["shape"], dtype=np.float64))
    with pytest.raises(ValueError, match="Dimension mismatch"):
        lite.set_tensor(detail["index"], np.zeros([1, 2, 2, 3], dtype=np.float32))
    with pytest.raises(ValueError, match="not a model input"):
        lite.set_tensor(9999, np.zeros(detail["shape"], dtype=np.float32))
    with pytest.raises(ValueError):
        lite.resize_tensor_input(detail["index"], [1, 0, 192, 3])
    with pytest.raises(LiteError, match="Landmarks2TransformMatrix"):
        Interpreter(model_path=model("face_landmark_with_attention"), delegates=["cpu"])


def test_two_interpreters_on_two_threads():
    path = model("face_landmark")
    x = random_inputs(Interpreter(model_path=path, delegates=["cpu"]).get_input_details(), seed=5)
    expected = run(Interpreter(model_path=path, delegates=["cpu"]), x)
    failures = []

    def work():
        lite = Interpreter(model_path=path, delegates=["cpu"])
        for _ in range(10):
            got = run(lite, x)
            if not all(np.array_equal(a, b) for a, b in zip(got, expected)):
                failures.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_delegates_found_and_load_delegate():
    found = available_delegates()
    names = {b["name"] for p in found["plugins"] for b in p.get("backends", [])}
    assert {"cpu", "vulkan", "gles"} <= names
    cpu_path = next(p["path"] for p in found["plugins"] if any(b["name"] == "cpu" for b in p.get("backends", [])))
    lite = Interpreter(model_path=model("face_landmark"),
                       experimental_delegates=[load_delegate(cpu_path, {"num_threads": "1"})])
    plan = lite.partition_plan()
    assert plan["delegates"][0]["name"] == "cpu" and plan["partitions"]


def test_profile_through_the_c_api():
    lite = Interpreter(model_path=model("face_landmark"), delegates=["cpu"], profiling=True)
    assert lite.last_profile() == {}
    lite.allocate_tensors()
    lite.invoke()
    profile = lite.last_profile()
    kernels = [e for e in profile["events"] if e["kind"] == "kernel"]
    partitions = [e for e in profile["events"] if e["kind"] == "partition"]
    assert len(partitions) == len(lite.partition_plan()["partitions"]) and kernels
    nodes = sorted(n for e in kernels for n in e["nodes"])
    assert nodes == sorted(n for p in lite.partition_plan()["partitions"] for n in p["nodes"])
    assert sum(e["duration_ns"] for e in partitions + [e for e in profile["events"] if e["kind"] == "host"]) <= profile["duration_ns"]
    assert Interpreter(model_path=model("face_landmark"), delegates=["cpu"]).last_profile() == {}
