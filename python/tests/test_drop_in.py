"""A tflite_runtime-style script (Examples/Python/classify.py) runs unchanged on lite_runtime except
for its import line, and prints TFLite's results."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHE = pathlib.Path(os.environ.get("LITE_CACHE", pathlib.Path.home() / ".cache/lite"))
pytest.importorskip("PIL")
pytest.importorskip("ai_edge_litert")


@pytest.mark.parametrize("name", ["face_landmark", "hand_landmark_full"])
def test_classify_script_runs_with_one_line_changed(name, tmp_path):
    model = CACHE / "models" / f"{name}.tflite"
    image = CACHE / "images" / "grace_hopper.jpg"
    if not model.is_file() or not image.is_file():
        pytest.skip("models or image missing (scripts/fixtures/fetch_models.sh, scripts/fixtures/fetch_image.sh)")
    original = (ROOT / "Examples" / "Python" / "classify.py").read_text()
    changed = original.replace("from ai_edge_litert.interpreter import Interpreter",
                               "from lite_runtime.interpreter import Interpreter")
    assert changed.count("\n") == original.count("\n") and changed != original
    script = tmp_path / "classify_lite.py"
    script.write_text(changed)
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    run = lambda path: subprocess.run([sys.executable, str(path), str(model), str(image)], capture_output=True, text=True,
                                      check=True, env=environment).stdout
    theirs, ours = run(ROOT / "Examples" / "Python" / "classify.py"), run(script)
    # The same outputs, indices and values to the printed 4 decimals (float32 summation order aside).
    assert ours.splitlines()[0].split()[:2] == theirs.splitlines()[0].split()[:2]
    for a, b in zip(ours.splitlines(), theirs.splitlines()):
        ours_top = [(int(i), float(v)) for i, v in (x.split(":") for x in a.split("] ")[1].split())]
        theirs_top = [(int(i), float(v)) for i, v in (x.split(":") for x in b.split("] ")[1].split())]
        for (i, v), (j, w) in zip(ours_top, theirs_top):
            assert abs(v - w) <= 1e-3 * max(1.0, abs(w))
            assert i == j or abs(v - w) <= 1e-3 * max(1.0, abs(w))
