"""The Interpreter of tflite_runtime / ai_edge_litert, on Lite's C API."""
import ctypes
import json

import numpy as np

from . import _native

lib = _native.lib

# LiteElementType values are TFLite's type codes.
_DTYPES = {1: np.float32, 2: np.int32, 4: np.int64, 6: np.bool_, 10: np.float16}


class LiteError(RuntimeError):
    """A failed call of the C API: `result` is the LiteResult name, the message is the one line
    the command line prints."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


class LiteValueError(LiteError, ValueError):
    """A bad argument or model: a ValueError, as tflite_runtime raises for these."""


def _raise(code, message):
    name = lib.lite_result_name(code).decode()
    kind = LiteValueError if code in (_native.RESULT_INVALID_ARGUMENT, _native.RESULT_MODEL_ERROR,
                                      _native.RESULT_SHAPE_ERROR) else LiteError
    raise kind(message, name)


def _check(code, message_source):
    if code != _native.RESULT_OK:
        _raise(code, message_source().decode(errors="replace"))


class Delegate:
    """A delegate plugin named by its library path (what `load_delegate` returns)."""

    def __init__(self, library, options=None):
        self.library = str(library)
        self.options = dict(options or {})

    def __repr__(self):
        return f"Delegate({self.library!r})"


def load_delegate(library, options=None):
    """A Lite delegate plugin (liblite_delegate_NAME.so, or a bare backend name such as "vulkan") to
    pass in `experimental_delegates`; `options` are its KEY=VALUE options."""
    return Delegate(library, options)


def available_delegates():
    """The delegate plugins found: what `lite delegates --json` prints."""
    return json.loads(lib.lite_delegates_json().decode())


class Interpreter:
    """Runs a .tflite model on Lite's delegates.

    The tflite_runtime arguments: `model_path` or `model_content`, `experimental_delegates` (from
    `load_delegate`), `num_threads`. Lite's own: `delegates` (backend names or plugin paths in
    priority order, as LITE_DELEGATES), `delegate_options` ({"NAME.KEY": "VALUE"}), `precision`
    ("fp32" or "fp16"), `profiling` (keep each invoke's profile: `last_profile()`). The rest of tflite_runtime's keyword arguments are accepted and ignored.
    Like tflite_runtime's, one interpreter must not be used from two threads at once.
    """

    def __init__(self, model_path=None, model_content=None, experimental_delegates=None, num_threads=None,
                 delegates=None, delegate_options=None, precision=None, profiling=False, **_ignored):
        self._interp = None
        if (model_path is None) == (model_content is None):
            raise ValueError("Interpreter needs exactly one of model_path and model_content")
        model = ctypes.c_void_p()
        if model_path is not None:
            code = lib.lite_model_create_from_file(str(model_path).encode(), ctypes.byref(model))
        else:
            content = bytes(model_content)
            code = lib.lite_model_create_from_buffer(content, len(content), ctypes.byref(model))
        _check(code, lib.lite_last_error)
        options = lib.lite_interpreter_options_create()
        try:
            names = list(delegates or []) + [d.library for d in (experimental_delegates or [])]
            for name in names:
                _check(lib.lite_interpreter_options_add_delegate(options, str(name).encode()), lib.lite_last_error)
            merged = {}
            for d in experimental_delegates or []:
                prefix = d.library.rsplit("/", 1)[-1].removeprefix("liblite_delegate_").removesuffix(".so")
                merged.update({f"{prefix}.{k}": v for k, v in d.options.items()})
            merged.update(delegate_options or {})
            for key, value in merged.items():
                _check(lib.lite_interpreter_options_set_delegate_option(options, str(key).encode(), str(value).encode()),
                       lib.lite_last_error)
            if precision is not None:
                _check(lib.lite_interpreter_options_set_precision(options, str(precision).encode()), lib.lite_last_error)
            if profiling:
                _check(lib.lite_interpreter_options_set_profiling(options, 1), lib.lite_last_error)
            if num_threads is not None and num_threads > 0:
                _check(lib.lite_interpreter_options_set_num_threads(options, int(num_threads)), lib.lite_last_error)
            interp = ctypes.c_void_p()
            _check(lib.lite_interpreter_create(model, options, ctypes.byref(interp)), lib.lite_last_error)
            self._interp = interp
        finally:
            lib.lite_interpreter_options_delete(options)
            lib.lite_model_delete(model)
        self._inputs = [lib.lite_interpreter_input(self._interp, i) for i in range(lib.lite_interpreter_input_count(self._interp))]
        self._outputs = [lib.lite_interpreter_output(self._interp, i) for i in range(lib.lite_interpreter_output_count(self._interp))]
        self._by_index = {}
        for handle in self._inputs + self._outputs:
            self._by_index.setdefault(lib.lite_tensor_index(handle), handle)
        self._input_indices = {lib.lite_tensor_index(h): i for i, h in enumerate(self._inputs)}
        self._allocated = False

    def __del__(self):
        if getattr(self, "_interp", None):
            lib.lite_interpreter_delete(self._interp)
            self._interp = None

    def _check(self, code):
        _check(code, lambda: lib.lite_interpreter_last_error(self._interp))

    # -- tflite_runtime's methods ---------------------------------------------------------------

    def allocate_tensors(self):
        self._check(lib.lite_interpreter_allocate_tensors(self._interp))
        self._allocated = True

    def invoke(self):
        self._check(lib.lite_interpreter_invoke(self._interp))

    def get_input_details(self):
        return [self._details(h) for h in self._inputs]

    def get_output_details(self):
        return [self._details(h) for h in self._outputs]

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        position = self._input_position(input_index)
        dims = np.asarray(tensor_size, dtype=np.int32).reshape(-1)
        array = (ctypes.c_int32 * max(len(dims), 1))(*dims.tolist())
        self._check(lib.lite_interpreter_resize_input(self._interp, position, array, len(dims)))
        self._allocated = False

    def set_tensor(self, tensor_index, value):
        handle = self._input_handle(tensor_index)
        dtype, shape = self._dtype(handle), self._shape(handle)
        value = np.asarray(value)
        if value.dtype != dtype:
            raise ValueError(f"Cannot set tensor: Got value of type {value.dtype.name.upper()} but expected type "
                             f"{np.dtype(dtype).name.upper()} for input {self._input_indices[tensor_index]}, "
                             f"name: {lib.lite_tensor_name(handle).decode()}")
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"Cannot set tensor: Dimension mismatch. Got {list(value.shape)} but expected "
                             f"{list(shape)} for input {self._input_indices[tensor_index]}.")
        value = np.ascontiguousarray(value)
        self._check(lib.lite_tensor_copy_from(handle, value.ctypes.data, value.nbytes))

    def get_tensor(self, tensor_index, subgraph_index=0):
        handle = self._handle(tensor_index)
        out = np.empty(self._shape(handle), dtype=self._dtype(handle))
        self._check(lib.lite_tensor_copy_to(handle, out.ctypes.data, out.nbytes))
        return out

    def tensor(self, tensor_index):
        """A function that returns a numpy view of the tensor's memory (no copy), valid until the
        next allocate_tensors() or resize; as tflite_runtime's, do not hold the view across those."""
        handle = self._handle(tensor_index)

        def view():
            pointer = lib.lite_tensor_data(handle)
            if not pointer:
                raise LiteValueError("allocate_tensors() must be called before tensor()", "LITE_RESULT_NOT_ALLOCATED")
            size = lib.lite_tensor_byte_size(handle)
            raw = np.ctypeslib.as_array((ctypes.c_uint8 * size).from_address(pointer))
            return raw.view(self._dtype(handle)).reshape(self._shape(handle))

        return view

    def get_signature_list(self):
        return {}

    # -- Lite's own -------------------------------------------------------------------------------

    def set_image(self, tensor_index, path, mean=0.0, std=255.0):
        """Fills a float32 [1, height, width, 1 or 3] input from a PNG or JPEG file: decoded, resized
        bilinearly (half-pixel centres) to the input's size, (pixel - mean) / std. The defaults give
        [0, 1]; mean=127.5, std=127.5 gives [-1, 1]. Needs allocate_tensors() first."""
        handle = self._input_handle(tensor_index)
        self._check(lib.lite_tensor_set_image(handle, str(path).encode(), float(mean), float(std)))

    def partition_plan(self):
        """Which delegate runs which nodes, and why the others declined (lite.h's plan JSON)."""
        return json.loads(lib.lite_interpreter_plan_json(self._interp).decode())

    def last_profile(self):
        """The last invoke's events when created with profiling=True (lite.h's profile JSON): each
        with kind (partition, kernel, host), name, delegate, nodes, start_ns and duration_ns."""
        return json.loads(lib.lite_interpreter_profile_json(self._interp).decode())

    @property
    def warnings(self):
        return [lib.lite_interpreter_warning(self._interp, i).decode()
                for i in range(lib.lite_interpreter_warning_count(self._interp))]

    # -- helpers ----------------------------------------------------------------------------------

    def _handle(self, tensor_index):
        try:
            return self._by_index[int(tensor_index)]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"Tensor {tensor_index} is not a model input or output: Lite keeps only those "
                             "(intermediate tensors live inside the delegates)") from None

    def _input_handle(self, tensor_index):
        if int(tensor_index) not in self._input_indices:
            raise ValueError(f"Tensor {tensor_index} is not a model input")
        return self._by_index[int(tensor_index)]

    def _input_position(self, input_index):
        if int(input_index) in self._input_indices:
            return self._input_indices[int(input_index)]
        raise ValueError(f"Tensor {input_index} is not a model input")

    @staticmethod
    def _dtype(handle):
        code = lib.lite_tensor_type(handle)
        if code not in _DTYPES:
            raise LiteError(f"tensor type code {code} is not supported by this package", "LITE_RESULT_ERROR")
        return _DTYPES[code]

    @staticmethod
    def _shape(handle):
        return tuple(lib.lite_tensor_dim(handle, i) for i in range(lib.lite_tensor_rank(handle)))

    def _details(self, handle):
        shape = np.array(self._shape(handle), dtype=np.int32)
        return {
            "name": lib.lite_tensor_name(handle).decode(),
            "index": lib.lite_tensor_index(handle),
            "shape": shape,
            "shape_signature": shape.copy(),
            "dtype": self._dtype(handle),
            "quantization": (0.0, 0),
            "quantization_parameters": {
                "scales": np.array([], dtype=np.float32),
                "zero_points": np.array([], dtype=np.int32),
                "quantized_dimension": 0,
            },
            "sparsity_parameters": {},
        }
