"""Lite: a TensorFlow Lite interpreter whose backends are delegate plugins.

``lite_runtime.interpreter.Interpreter`` has the constructor and methods of
``tflite_runtime.interpreter.Interpreter``, so a script changes one import::

    from lite_runtime.interpreter import Interpreter

It runs on ``liblite.so`` (the C API, ``lite.h``) through ctypes.
"""
from .interpreter import Interpreter, LiteError, available_delegates, load_delegate

__all__ = ["Interpreter", "LiteError", "available_delegates", "load_delegate"]
