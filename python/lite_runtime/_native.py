"""Finds liblite.so and declares the C API's functions (lite.h) for ctypes."""
import ctypes
import os
import pathlib

_HERE = pathlib.Path(__file__).resolve().parent


def _candidates():
    """Where liblite.so may be, in order: LITE_LIBRARY, the package's own copy (a wheel, or
    `pip install` after the release build), an installed prefix, a build tree around the package."""
    if os.environ.get("LITE_LIBRARY"):
        yield pathlib.Path(os.environ["LITE_LIBRARY"])
    yield _HERE / "_lib" / "liblite.so"
    for prefix in ("/usr/local", "/usr"):
        yield pathlib.Path(prefix) / "lib" / "lite" / "liblite.so"
    for parent in _HERE.parents:
        for config in ("release", "debug"):
            yield parent / ".build" / config / "libLiteC.so"


def _load():
    tried = []
    for path in _candidates():
        tried.append(str(path))
        if path.is_file():
            return ctypes.CDLL(str(path)), str(path)
    raise ImportError("lite_runtime: liblite.so not found (tried " + ", ".join(tried)
                      + "); build it with `swift build -c release` or set LITE_LIBRARY")


lib, library_path = _load()

_c = ctypes
_p = _c.c_void_p
_s = _c.c_char_p
_i32 = _c.c_int32

_SIGNATURES = {
    "lite_api_version": (_c.c_uint32, []),
    "lite_last_error": (_s, []),
    "lite_result_name": (_s, [_i32]),
    "lite_model_create_from_file": (_i32, [_s, _c.POINTER(_p)]),
    "lite_model_create_from_buffer": (_i32, [_p, _c.c_size_t, _c.POINTER(_p)]),
    "lite_model_delete": (None, [_p]),
    "lite_interpreter_options_create": (_p, []),
    "lite_interpreter_options_delete": (None, [_p]),
    "lite_interpreter_options_add_delegate": (_i32, [_p, _s]),
    "lite_interpreter_options_set_delegate_option": (_i32, [_p, _s, _s]),
    "lite_interpreter_options_set_precision": (_i32, [_p, _s]),
    "lite_interpreter_options_set_num_threads": (_i32, [_p, _i32]),
    "lite_interpreter_options_set_profiling": (_i32, [_p, _i32]),
    "lite_interpreter_profile_json": (_s, [_p]),
    "lite_interpreter_create": (_i32, [_p, _p, _c.POINTER(_p)]),
    "lite_interpreter_delete": (None, [_p]),
    "lite_interpreter_last_error": (_s, [_p]),
    "lite_interpreter_input_count": (_i32, [_p]),
    "lite_interpreter_output_count": (_i32, [_p]),
    "lite_interpreter_input": (_p, [_p, _i32]),
    "lite_interpreter_output": (_p, [_p, _i32]),
    "lite_interpreter_resize_input": (_i32, [_p, _i32, _c.POINTER(_i32), _i32]),
    "lite_interpreter_allocate_tensors": (_i32, [_p]),
    "lite_interpreter_invoke": (_i32, [_p]),
    "lite_interpreter_partition_count": (_i32, [_p]),
    "lite_interpreter_plan_json": (_s, [_p]),
    "lite_interpreter_warning_count": (_i32, [_p]),
    "lite_interpreter_warning": (_s, [_p, _i32]),
    "lite_tensor_name": (_s, [_p]),
    "lite_tensor_index": (_i32, [_p]),
    "lite_tensor_type": (_i32, [_p]),
    "lite_tensor_rank": (_i32, [_p]),
    "lite_tensor_dim": (_i32, [_p, _i32]),
    "lite_tensor_byte_size": (_c.c_size_t, [_p]),
    "lite_tensor_data": (_p, [_p]),
    "lite_tensor_copy_from": (_i32, [_p, _p, _c.c_size_t]),
    "lite_tensor_copy_to": (_i32, [_p, _p, _c.c_size_t]),
    "lite_tensor_set_image": (_i32, [_p, _s, _c.c_float, _c.c_float]),
    "lite_delegates_json": (_s, []),
}

for _name, (_restype, _argtypes) in _SIGNATURES.items():
    _function = getattr(lib, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes

API_VERSION_MAJOR = 1
if lib.lite_api_version() >> 16 != API_VERSION_MAJOR:
    raise ImportError(f"lite_runtime: {library_path} has C API major version {lib.lite_api_version() >> 16}, "
                      f"this package needs {API_VERSION_MAJOR}")

# LiteResult values (lite.h).
RESULT_OK = 0
RESULT_INVALID_ARGUMENT = 1
RESULT_MODEL_ERROR = 2
RESULT_SHAPE_ERROR = 6
