"""Images into inputs (lite_tensor_set_image, `lite run --image`): the same decoding, resize and
normalisation as a numpy reimplementation on Pillow's decoding of the file, and the model outputs
as TFLite's on that array."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

from lite_runtime.interpreter import Interpreter, LiteError

PIL = pytest.importorskip("PIL.Image")
ai_edge_litert = pytest.importorskip("ai_edge_litert.interpreter")

CACHE = pathlib.Path(os.environ.get("LITE_CACHE", pathlib.Path.home() / ".cache/lite"))
IMAGE = CACHE / "images" / "grace_hopper.jpg"
MODELS = pathlib.Path(os.environ.get("LITE_MODELS", CACHE / "models"))
ROOT = pathlib.Path(__file__).resolve().parents[2]


def need(path):
    if not path.is_file():
        pytest.skip(f"{path} missing (scripts/fixtures/fetch_models.sh, scripts/fixtures/fetch_image.sh)")
    return path


def resize_half_pixel(pixels, height, width):
    """Bilinear resize with half-pixel centres, edges clamped (lite_image_to_floats' rule)."""
    source_h, source_w, _ = pixels.shape
    ys = np.maximum((np.arange(height) + 0.5) * (source_h / height) - 0.5, 0)
    xs = np.maximum((np.arange(width) + 0.5) * (source_w / width) - 0.5, 0)
    y0, x0 = ys.astype(int), xs.astype(int)
    y1, x1 = np.minimum(y0 + 1, source_h - 1), np.minimum(x0 + 1, source_w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    p = pixels.astype(np.float64)
    top = p[y0][:, x0] * (1 - fx) + p[y0][:, x1] * fx
    bottom = p[y1][:, x0] * (1 - fx) + p[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


@pytest.mark.parametrize("name,mean,std", [("face_landmark", 0.0, 255.0), ("hand_landmark_full", 127.5, 127.5)])
def test_image_input_matches_numpy_and_tflite(name, mean, std, tmp_path):
    path = str(need(MODELS / f"{name}.tflite"))
    pixels = np.asarray(PIL.open(need(IMAGE)).convert("RGB"))
    lite = Interpreter(model_path=path, delegates=["cpu"])
    lite.allocate_tensors()
    detail = lite.get_input_details()[0]
    _, height, width, _ = detail["shape"]
    expected_input = ((resize_half_pixel(pixels, height, width) - mean) / std).astype(np.float32)[None]
    lite.set_image(detail["index"], IMAGE, mean=mean, std=std)
    got_input = lite.get_tensor(detail["index"])
    # One JPEG decoder family on both sides; float32 against float64 arithmetic.
    assert np.max(np.abs(got_input - expected_input)) <= 1.01 / std

    reference = ai_edge_litert.Interpreter(model_path=path)
    reference.allocate_tensors()
    reference.set_tensor(reference.get_input_details()[0]["index"], got_input)
    reference.invoke()
    lite.invoke()
    for d in reference.get_output_details():
        theirs, ours = reference.get_tensor(d["index"]), lite.get_tensor(d["index"])
        assert np.max(np.abs(ours - theirs)) <= 1e-4 * max(1.0, float(np.max(np.abs(theirs))))

    # The command line does the same.
    lite_cli = ROOT / ".build" / "debug" / "lite"
    if lite_cli.is_file():
        args = [str(lite_cli), "run", path, "--image", str(IMAGE), "--output-dir", str(tmp_path), "--delegates", "cpu"]
        if mean:
            args += ["--range=-1,1"]
        subprocess.run(args, check=True)
        assert np.array_equal(np.load(tmp_path / "output_0.npy"), lite.get_tensor(lite.get_output_details()[0]["index"]))


def test_image_errors(tmp_path):
    path = str(need(MODELS / "face_landmark.tflite"))
    lite = Interpreter(model_path=path, delegates=["cpu"])
    index = lite.get_input_details()[0]["index"]
    with pytest.raises(LiteError, match="allocate"):
        lite.set_image(index, need(IMAGE))
    lite.allocate_tensors()
    with pytest.raises(ValueError, match="cannot open"):
        lite.set_image(index, tmp_path / "missing.png")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    with pytest.raises(ValueError, match="JPEG"):
        lite.set_image(index, junk)
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a PNG or JPEG"):
        lite.set_image(index, text)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(need(IMAGE).read_bytes()[:5000])
    with pytest.raises(ValueError, match="JPEG"):
        lite.set_image(index, truncated)
    png = tmp_path / "gray.png"
    PIL.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(png)
    lite.set_image(index, png)  # gray decodes as RGB for a 3-channel input
    got = lite.get_tensor(index)
    assert got.shape == (1, 192, 192, 3) and np.all(got[..., 0] == got[..., 1])
