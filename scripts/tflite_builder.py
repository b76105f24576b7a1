"""Builds small float .tflite models in Python, for test fixtures.

A ModelBuilder records tensors and operators of one subgraph and serialises them with the generated
schema code of the `tflite` package: schema version 3, file identifier "TFL3", buffer 0 the empty
sentinel that TFLite expects. Nothing is written until build(), so shapes of intermediate tensors may
be left unknown and filled in later with set_shape() (make_op_fixtures.py takes them from the reference
runtime).

    b = ModelBuilder()
    x = b.input([1, 8, 8, 3])
    w = b.const(np.ones([5, 3, 3, 3], np.float32))
    y = b.op("CONV_2D", [x, w, None], padding="SAME", stride_w=1, stride_h=1, fused_activation_function="RELU6")
    b.output(y)
    open("conv.tflite", "wb").write(b.build())

Builtin options are keyword arguments named as the fields of the op's options table in schema.fbs
(`stride_w`, `keep_num_dims`, `new_shape`, ...); enum fields also take their names as strings.
"""

from __future__ import annotations

import dataclasses

import flatbuffers
import numpy as np
import tflite

SCHEMA_VERSION = 3
FILE_IDENTIFIER = b"TFL3"

# Operators whose builtin options table the fixtures use. Ops absent here carry no options.
OPTIONS_TABLE = {
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "CONCATENATION": "ConcatenationOptions",
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "PAD": "PadOptions",
    "RESHAPE": "ReshapeOptions",
    "RESIZE_BILINEAR": "ResizeBilinearOptions",
    "SOFTMAX": "SoftmaxOptions",
    "STRIDED_SLICE": "StridedSliceOptions",
    "TRANSPOSE_CONV": "TransposeConvOptions",
    "DEQUANTIZE": "DequantizeOptions",
    "HARD_SWISH": "HardSwishOptions",
    "MEAN": "ReducerOptions",
    "DEPTH_TO_SPACE": "DepthToSpaceOptions",
    "DIV": "DivOptions",
    "GATHER": "GatherOptions",
    "PACK": "PackOptions",
    "UNPACK": "UnpackOptions",
    "SQUEEZE": "SqueezeOptions",
    "SPLIT": "SplitOptions",
    "SHAPE": "ShapeOptions",
    "TRANSPOSE": "TransposeOptions",
    "EXPAND_DIMS": "ExpandDimsOptions",
    "SPACE_TO_BATCH_ND": "SpaceToBatchNDOptions",
    "BATCH_TO_SPACE_ND": "BatchToSpaceNDOptions",
    "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions",
    "SQUARED_DIFFERENCE": "SquaredDifferenceOptions",
    "EXP": "ExpOptions",
    "LEAKY_RELU": "LeakyReluOptions",
}

# Option fields whose values may be given as enum names.
ENUM_FIELDS = {
    "padding": tflite.Padding,
    "fused_activation_function": tflite.ActivationFunctionType,
    "weights_format": tflite.FullyConnectedOptionsWeightsFormat,
}

TENSOR_TYPES = {
    np.dtype(np.float32): tflite.TensorType.FLOAT32,
    np.dtype(np.float16): tflite.TensorType.FLOAT16,
    np.dtype(np.int32): tflite.TensorType.INT32,
    np.dtype(np.int64): tflite.TensorType.INT64,
}

# Operator codes at or above this value are stored only in OperatorCode.builtin_code; the deprecated
# int8 field then holds this placeholder (schema.fbs: PLACEHOLDER_FOR_GREATER_OP_CODES).
PLACEHOLDER_FOR_GREATER_OP_CODES = 127

# Constant data starts on this boundary so a runtime may map it in place and read it with vector loads.
BUFFER_ALIGNMENT = 16


@dataclasses.dataclass
class TensorSpec:
    name: str
    shape: list[int] | None
    dtype: np.dtype
    data: bytes | None = None
    # CSR sparsity of a constant: (segments, indices) of its last dimension; data holds the nonzeros.
    sparse_csr: tuple[list[int], list[int]] | None = None


@dataclasses.dataclass
class OperatorSpec:
    code: tuple[int, str | None, int]  # (builtin code, custom code, version)
    inputs: list[int]
    outputs: list[int]
    options_table: str | None = None
    options: dict | None = None
    custom_options: bytes | None = None


def _camel(field: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in field.split("_"))


def _builtin_code(op_name: str) -> int:
    try:
        return getattr(tflite.BuiltinOperator, op_name)
    except AttributeError:
        raise ValueError(f"unknown builtin operator {op_name!r}") from None


class ModelBuilder:
    """Records one subgraph's tensors and operators; build() returns the .tflite bytes."""

    def __init__(self, description: str = "lite test fixture"):
        self.description = description
        self.tensors: list[TensorSpec] = []
        self.operators: list[OperatorSpec] = []
        self.inputs: list[int] = []
        self.outputs: list[int] = []

    # Tensors -------------------------------------------------------------------------------------

    def tensor(self, shape=None, dtype=np.float32, name: str | None = None) -> int:
        """Adds a tensor without data (an intermediate or output); shape None means "fill in later"."""
        dtype = np.dtype(dtype)
        if dtype not in TENSOR_TYPES:
            raise ValueError(f"unsupported tensor type {dtype}")
        index = len(self.tensors)
        self.tensors.append(TensorSpec(name or f"t{index}", None if shape is None else list(shape), dtype))
        return index

    def input(self, shape, dtype=np.float32, name: str | None = None) -> int:
        """Adds a graph input; inputs keep the order of these calls."""
        index = self.tensor(shape, dtype, name or f"input_{len(self.inputs)}")
        self.inputs.append(index)
        return index

    def const(self, data, dtype=None, name: str | None = None) -> int:
        """Adds a constant tensor holding `data` (its dtype unless `dtype` is given)."""
        array = np.ascontiguousarray(np.asarray(data, dtype=dtype))
        index = self.tensor(array.shape, array.dtype, name or f"const_{len(self.tensors)}")
        self.tensors[index].data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        return index

    def const_sparse(self, data, dtype=None, name: str | None = None) -> int:
        """Adds a constant stored in TFLite's sparse format: every dimension dense except the last,
        which is CSR (segments and indices per row of the leading dimensions). Only the nonzero
        values are stored. Read it through a DENSIFY operator, as converted models do."""
        array = np.ascontiguousarray(np.asarray(data, dtype=dtype))
        rows = array.reshape(-1, array.shape[-1])
        segments, indices, values = [0], [], []
        for row in rows:
            nonzero = np.flatnonzero(row)
            indices.extend(int(i) for i in nonzero)
            values.extend(row[nonzero])
            segments.append(len(indices))
        index = self.tensor(array.shape, array.dtype, name or f"sparse_{len(self.tensors)}")
        packed = np.asarray(values, dtype=array.dtype)
        self.tensors[index].data = packed.astype(packed.dtype.newbyteorder("<"), copy=False).tobytes()
        self.tensors[index].sparse_csr = (segments, indices)
        return index

    def output(self, *indices: int) -> None:
        """Marks graph outputs, in order."""
        self.outputs.extend(indices)

    def set_shape(self, index: int, shape) -> None:
        self.tensors[index].shape = list(shape)

    # Operators -----------------------------------------------------------------------------------

    def op(self, op_name: str, inputs, outputs=None, *, version: int = 1, **options) -> int | list[int]:
        """Adds a builtin operator.

        - Parameters:
          - op_name: the BuiltinOperator name, e.g. "CONV_2D".
          - inputs: tensor indices; None marks an omitted optional input (-1 in the model).
          - outputs: tensor indices, one index, or None for one new float32 tensor of unknown shape.
          - options: fields of the op's builtin options table (see OPTIONS_TABLE).
        - Returns: the output index, or the list of them when several were given.
        """
        table = OPTIONS_TABLE.get(op_name)
        if options and table is None:
            raise ValueError(f"{op_name} takes no builtin options here, got {sorted(options)}")
        code = (_builtin_code(op_name), None, version)
        return self._add(OperatorSpec(code, [], [], table, options), inputs, outputs)

    def custom_op(self, custom_code: str, inputs, outputs=None, custom_options: bytes = b"", *,
                  version: int = 1) -> int | list[int]:
        """Adds a custom operator whose options are the raw `custom_options` bytes."""
        code = (tflite.BuiltinOperator.CUSTOM, custom_code, version)
        return self._add(OperatorSpec(code, [], [], custom_options=bytes(custom_options)), inputs, outputs)

    def _add(self, spec: OperatorSpec, inputs, outputs):
        single = outputs is None or isinstance(outputs, int)
        if outputs is None:
            outputs = self.tensor()
        outputs = [outputs] if isinstance(outputs, int) else list(outputs)
        spec.inputs = [-1 if i is None else int(i) for i in inputs]
        spec.outputs = outputs
        self.operators.append(spec)
        return outputs[0] if single else outputs

    # Serialisation -------------------------------------------------------------------------------

    def build(self) -> bytes:
        """Serialises the model. Every tensor must have a shape by now."""
        for t in self.tensors:
            if t.shape is None:
                raise ValueError(f"tensor {t.name!r} has no shape; call set_shape() first")
        b = flatbuffers.Builder(4096)

        # Buffers: 0 is the empty sentinel, then one per constant tensor.
        buffer_of_tensor = {}
        buffer_offsets = [self._buffer(b, None)]
        for index, t in enumerate(self.tensors):
            if t.data is not None:
                buffer_of_tensor[index] = len(buffer_offsets)
                buffer_offsets.append(self._buffer(b, t.data))

        tensor_offsets = [self._tensor(b, t, buffer_of_tensor.get(i, 0)) for i, t in enumerate(self.tensors)]

        codes = []
        for op in self.operators:
            if op.code not in codes:
                codes.append(op.code)
        code_offsets = [self._operator_code(b, code) for code in codes]
        operator_offsets = [self._operator(b, op, codes.index(op.code)) for op in self.operators]

        tensors_vec = self._offset_vector(b, tflite.SubGraphStartTensorsVector, tensor_offsets)
        inputs_vec = self._int32_vector(b, tflite.SubGraphStartInputsVector, self.inputs)
        outputs_vec = self._int32_vector(b, tflite.SubGraphStartOutputsVector, self.outputs)
        operators_vec = self._offset_vector(b, tflite.SubGraphStartOperatorsVector, operator_offsets)
        subgraph_name = b.CreateString("main")
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, tensors_vec)
        tflite.SubGraphAddInputs(b, inputs_vec)
        tflite.SubGraphAddOutputs(b, outputs_vec)
        tflite.SubGraphAddOperators(b, operators_vec)
        tflite.SubGraphAddName(b, subgraph_name)
        subgraph = tflite.SubGraphEnd(b)

        codes_vec = self._offset_vector(b, tflite.ModelStartOperatorCodesVector, code_offsets)
        subgraphs_vec = self._offset_vector(b, tflite.ModelStartSubgraphsVector, [subgraph])
        buffers_vec = self._offset_vector(b, tflite.ModelStartBuffersVector, buffer_offsets)
        description = b.CreateString(self.description)
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, SCHEMA_VERSION)
        tflite.ModelAddOperatorCodes(b, codes_vec)
        tflite.ModelAddSubgraphs(b, subgraphs_vec)
        tflite.ModelAddDescription(b, description)
        tflite.ModelAddBuffers(b, buffers_vec)
        model = tflite.ModelEnd(b)
        b.Finish(model, file_identifier=FILE_IDENTIFIER)
        return bytes(b.Output())

    @staticmethod
    def _int32_vector(b, start, values):
        start(b, len(values))
        for v in reversed(values):
            b.PrependInt32(int(v))
        return b.EndVector()

    @staticmethod
    def _offset_vector(b, start, offsets):
        start(b, len(offsets))
        for off in reversed(offsets):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()

    @staticmethod
    def _aligned_bytes(b, data: bytes):
        b.StartVector(1, len(data), BUFFER_ALIGNMENT)
        b.head -= len(data)
        b.Bytes[b.head:b.head + len(data)] = data
        return b.EndVector()

    def _buffer(self, b, data):
        data_vec = None if data is None else self._aligned_bytes(b, data)
        tflite.BufferStart(b)
        if data_vec is not None:
            tflite.BufferAddData(b, data_vec)
        return tflite.BufferEnd(b)

    def _int32_index_vector(self, b, values):
        vector = self._int32_vector(b, tflite.Int32VectorStartValuesVector, values)
        tflite.Int32VectorStart(b)
        tflite.Int32VectorAddValues(b, vector)
        return tflite.Int32VectorEnd(b)

    def _sparsity(self, b, t: TensorSpec):
        segments, indices = t.sparse_csr
        dims = []
        for axis, extent in enumerate(t.shape):
            if axis < len(t.shape) - 1:
                tflite.DimensionMetadataStart(b)
                tflite.DimensionMetadataAddFormat(b, tflite.DimensionType.DENSE)
                tflite.DimensionMetadataAddDenseSize(b, extent)
            else:
                segments_table = self._int32_index_vector(b, segments)
                indices_table = self._int32_index_vector(b, indices)
                tflite.DimensionMetadataStart(b)
                tflite.DimensionMetadataAddFormat(b, tflite.DimensionType.SPARSE_CSR)
                tflite.DimensionMetadataAddArraySegmentsType(b, tflite.SparseIndexVector.Int32Vector)
                tflite.DimensionMetadataAddArraySegments(b, segments_table)
                tflite.DimensionMetadataAddArrayIndicesType(b, tflite.SparseIndexVector.Int32Vector)
                tflite.DimensionMetadataAddArrayIndices(b, indices_table)
            dims.append(tflite.DimensionMetadataEnd(b))
        order = self._int32_vector(b, tflite.SparsityParametersStartTraversalOrderVector, range(len(t.shape)))
        metadata = self._offset_vector(b, tflite.SparsityParametersStartDimMetadataVector, dims)
        tflite.SparsityParametersStart(b)
        tflite.SparsityParametersAddTraversalOrder(b, order)
        tflite.SparsityParametersAddDimMetadata(b, metadata)
        return tflite.SparsityParametersEnd(b)

    def _tensor(self, b, t: TensorSpec, buffer_index: int):
        name = b.CreateString(t.name)
        shape = self._int32_vector(b, tflite.TensorStartShapeVector, t.shape)
        sparsity = self._sparsity(b, t) if t.sparse_csr is not None else None
        tflite.TensorStart(b)
        if sparsity is not None:
            tflite.TensorAddSparsity(b, sparsity)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, TENSOR_TYPES[t.dtype])
        tflite.TensorAddBuffer(b, buffer_index)
        tflite.TensorAddName(b, name)
        return tflite.TensorEnd(b)

    @staticmethod
    def _operator_code(b, code):
        builtin, custom, version = code
        custom_name = b.CreateString(custom) if custom is not None else None
        tflite.OperatorCodeStart(b)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(builtin, PLACEHOLDER_FOR_GREATER_OP_CODES))
        tflite.OperatorCodeAddBuiltinCode(b, builtin)
        if custom_name is not None:
            tflite.OperatorCodeAddCustomCode(b, custom_name)
        tflite.OperatorCodeAddVersion(b, version)
        return tflite.OperatorCodeEnd(b)

    def _operator(self, b, op: OperatorSpec, code_index: int):
        options = self._options(b, op.options_table, op.options or {}) if op.options_table else None
        custom = self._aligned_bytes(b, op.custom_options) if op.custom_options is not None else None
        inputs = self._int32_vector(b, tflite.OperatorStartInputsVector, op.inputs)
        outputs = self._int32_vector(b, tflite.OperatorStartOutputsVector, op.outputs)
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, code_index)
        tflite.OperatorAddInputs(b, inputs)
        tflite.OperatorAddOutputs(b, outputs)
        if options is not None:
            tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, op.options_table))
            tflite.OperatorAddBuiltinOptions(b, options)
        if custom is not None:
            tflite.OperatorAddCustomOptions(b, custom)
            tflite.OperatorAddCustomOptionsFormat(b, tflite.CustomOptionsFormat.FLEXBUFFERS)
        return tflite.OperatorEnd(b)

    @staticmethod
    def _options(b, table: str, fields: dict):
        # The package re-exports every generated function under its table-prefixed name.
        # Vectors must be finished before the table starts.
        vectors = {}
        for field, value in fields.items():
            if isinstance(value, (list, tuple, np.ndarray)):
                start = getattr(tflite, f"{table}Start{_camel(field)}Vector", None)
                if start is None:
                    raise ValueError(f"{table}.{field} is not a vector field")
                vectors[field] = ModelBuilder._int32_vector(b, start, list(value))
        getattr(tflite, f"{table}Start")(b)
        for field, value in fields.items():
            add = getattr(tflite, f"{table}Add{_camel(field)}", None)
            if add is None:
                raise ValueError(f"{table} has no field {field!r}")
            if field in vectors:
                value = vectors[field]
            elif isinstance(value, str):
                value = getattr(ENUM_FIELDS[field], value)
            add(b, value)
        return getattr(tflite, f"{table}End")(b)
