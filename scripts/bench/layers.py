#!/usr/bin/env python3
"""Times every operator of a model on its own, in `lite bench` and in TFLite, side by side.

For each operator of the model's first subgraph, writes a one-operator model (the operator, its
tensors and their buffers; the DEQUANTIZE of a float16 constant that feeds it comes along, so its
weights stay constant for both runtimes), then times it in TFLite (ai-edge-litert, its default
XNNPACK path) and in `lite bench`, alternating the two over the rounds. Prints one line per
operator (shapes, both medians, the ratio, the difference) sorted by the difference, then the sums.

A layer on its own runs with its input warm in the cache, and neither runtime can fuse it with its
neighbours (the CPU delegate's fused ADD or activation is then a layer of its own), so the sums
are not the model's time: the table shows where one runtime's kernel loses to the other's.

Usage (with the venv's python, see scripts/setup/setup.sh):
  python scripts/bench/layers.py MODEL [--lite .build/release/lite] [--threads 1] [--rounds 3]
                                 [--runs 50] [--top 25] [--ops CONV_2D,DEPTHWISE_CONV_2D]
                                 [--nodes 3,7] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from ai_edge_litert import schema_py_generated as schema

OPCODE_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def op_name(model, op) -> str:
    code = model.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    if builtin == schema.BuiltinOperator.CUSTOM:
        return (code.customCode or b"CUSTOM").decode()
    return OPCODE_NAMES.get(builtin, str(builtin))


def has_data(model, tensor) -> bool:
    data = model.buffers[tensor.buffer].data
    return data is not None and len(data) > 0


def constant_producers(model, graph):
    """For each tensor computed from constants alone (a DEQUANTIZE of float16 weights), the operator
    indices that compute it, in order."""
    producers: dict[int, list[int]] = {}
    for index, op in enumerate(graph.operators):
        inputs = [t for t in op.inputs if t >= 0]
        if not inputs or op.outputs is None:
            continue
        if all(has_data(model, graph.tensors[t]) or t in producers for t in inputs):
            chain = [i for t in inputs for i in producers.get(t, [])]
            for t in op.outputs:
                producers[t] = chain + [index]
    return producers


def extract(model, graph, index: int, producers) -> bytes:
    """A model of operator `index` (and the operators computing its constant inputs)."""
    op = graph.operators[index]
    chain = [i for t in op.inputs if t >= 0 for i in producers.get(t, [])]
    ops = list(dict.fromkeys(chain + [index]))
    used: list[int] = []
    for i in ops:
        for t in list(graph.operators[i].inputs) + list(graph.operators[i].outputs):
            if t >= 0 and t not in used:
                used.append(t)
    remap = {t: n for n, t in enumerate(used)}
    buffers = [schema.BufferT()]
    tensors = []
    for t in used:
        tensor = graph.tensors[t]
        copy = schema.TensorT()
        for field, value in vars(tensor).items():
            setattr(copy, field, value)
        if has_data(model, tensor):
            buffer = schema.BufferT()
            buffer.data = model.buffers[tensor.buffer].data
            copy.buffer = len(buffers)
            buffers.append(buffer)
        else:
            copy.buffer = 0
        tensors.append(copy)
    new_ops = []
    for i in ops:
        source = graph.operators[i]
        copy = schema.OperatorT()
        for field, value in vars(source).items():
            setattr(copy, field, value)
        copy.inputs = [remap[t] if t >= 0 else -1 for t in source.inputs]
        copy.outputs = [remap[t] for t in source.outputs]
        new_ops.append(copy)
    sub = schema.SubGraphT()
    sub.tensors = tensors
    sub.operators = new_ops
    sub.inputs = [remap[t] for t in op.inputs if t >= 0 and not has_data(model, graph.tensors[t])
                  and t not in producers]
    sub.outputs = [remap[t] for t in op.outputs]
    sub.name = graph.name
    out = schema.ModelT()
    out.version = model.version
    out.operatorCodes = model.operatorCodes
    out.subgraphs = [sub]
    out.buffers = buffers
    out.description = b"one layer"
    builder = schema.flatbuffers.Builder(1024) if hasattr(schema, "flatbuffers") else None
    if builder is None:
        import flatbuffers
        builder = flatbuffers.Builder(1024)
    builder.Finish(out.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def time_tflite(path: str, threads: int, runs: int, warmup: int) -> float:
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=path, num_threads=threads)
    interpreter.allocate_tensors()
    rng = np.random.default_rng(0)
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], rng.random(detail["shape"], dtype=np.float32)
                               .astype(detail["dtype"]))
    for _ in range(warmup + 1):
        interpreter.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        interpreter.invoke()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def time_lite(lite: str, path: str, threads: int, runs: int, warmup: int) -> float:
    out = subprocess.run([lite, "bench", path, "--delegates", "cpu", "--threads", str(threads), "--runs",
                          str(runs), "--warmup", str(warmup), "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "lite bench failed")
    return json.loads(out.stdout)["median_ms"]


def shape_text(graph, tensors) -> str:
    return "x".join(str(d) for d in graph.tensors[tensors[0]].shape) if len(tensors) else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--lite", default=".build/release/lite")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--top", type=int, default=25, help="lines to print (0: all)")
    parser.add_argument("--ops", help="only these operators (comma-separated names)")
    parser.add_argument("--nodes", help="only these node indices (comma-separated)")
    parser.add_argument("--save", help="keep the one-layer models in this folder (nodeN.tflite)")
    args = parser.parse_args()

    with open(args.model, "rb") as f:
        model = schema.ModelT.InitFromPackedBuf(f.read(), 0)
    graph = model.subgraphs[0]
    producers = constant_producers(model, graph)
    wanted = set(args.ops.split(",")) if args.ops else None
    rows = []
    nodes = {int(n) for n in args.nodes.split(",")} if args.nodes else None
    with tempfile.TemporaryDirectory() as tmp:
        if args.save:
            os.makedirs(args.save, exist_ok=True)
            tmp = args.save
        for index, op in enumerate(graph.operators):
            name = op_name(model, op)
            if any(t in producers for t in op.outputs) or (wanted and name not in wanted) or \
                    (nodes is not None and index not in nodes):
                continue
            path = os.path.join(tmp, f"node{index}.tflite")
            with open(path, "wb") as f:
                f.write(extract(model, graph, index, producers))
            tflite_ms, lite_ms = [], []
            try:
                for _ in range(args.rounds):
                    tflite_ms.append(time_tflite(path, args.threads, args.runs, args.warmup))
                    lite_ms.append(time_lite(args.lite, path, args.threads, args.runs, args.warmup))
            except Exception as error:  # one layer either runtime refuses: say so, go on
                print(f"node {index} {name}: {error}", file=sys.stderr)
                continue
            inputs = [t for t in op.inputs if t >= 0]
            weights = [t for t in inputs[1:] if has_data(model, graph.tensors[t]) or t in producers]
            rows.append((index, name, shape_text(graph, inputs), shape_text(graph, weights),
                         shape_text(graph, op.outputs), statistics.median(tflite_ms), statistics.median(lite_ms)))
    rows.sort(key=lambda r: r[6] - r[5], reverse=True)
    print(f"model={os.path.basename(args.model)} threads={args.threads} rounds={args.rounds} runs={args.runs}")
    print(f"{'node':>5} {'operator':22} {'input':16} {'weights':14} {'output':16} {'tflite ms':>9} {'lite ms':>8} "
          f"{'ratio':>6} {'diff ms':>8}")
    for row in rows[: args.top or len(rows)]:
        index, name, i, w, o, t, l = row
        print(f"{index:5d} {name[:22]:22} {i[:16]:16} {w[:14]:14} {o[:16]:16} {t:9.3f} {l:8.3f} {l / t:6.2f} {l - t:8.3f}")
    if not rows:
        print("no layer could be timed", file=sys.stderr)
        return 1
    total_t, total_l = sum(r[5] for r in rows), sum(r[6] for r in rows)
    print(f"sum over {len(rows)} layers: tflite {total_t:.3f} ms, lite {total_l:.3f} ms, ratio {total_l / total_t:.2f}")
    by_op: dict[str, list[float]] = {}
    for r in rows:
        by_op.setdefault(r[1], [0.0, 0.0])
        by_op[r[1]][0] += r[5]
        by_op[r[1]][1] += r[6]
    for name, (t, l) in sorted(by_op.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:22} tflite {t:8.3f} ms  lite {l:8.3f} ms  ratio {l / t:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
