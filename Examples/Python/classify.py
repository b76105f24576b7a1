"""A typical tflite_runtime script: load a model, feed an image, print the top outputs.

It is written for TFLite's own runtime (ai_edge_litert, or tflite_runtime on older installs); with the
import line changed to `from lite_runtime.interpreter import Interpreter` it runs on Lite unchanged.

    python classify.py MODEL IMAGE
"""
import sys

import numpy as np
from PIL import Image

from ai_edge_litert.interpreter import Interpreter

interpreter = Interpreter(model_path=sys.argv[1], num_threads=1)
interpreter.allocate_tensors()
input_details = interpreter.get_input_details()
output_details = interpreter.get_output_details()

_, height, width, _ = input_details[0]["shape"]
image = Image.open(sys.argv[2]).convert("RGB").resize((width, height))
data = np.expand_dims(np.asarray(image, dtype=input_details[0]["dtype"]) / 255.0, axis=0).astype(input_details[0]["dtype"])
interpreter.set_tensor(input_details[0]["index"], data)
interpreter.invoke()

for detail in output_details:
    values = interpreter.get_tensor(detail["index"]).reshape(-1)
    top = np.argsort(values)[::-1][:3]
    print(detail["name"], list(detail["shape"]), " ".join(f"{i}:{values[i]:.4f}" for i in top))
