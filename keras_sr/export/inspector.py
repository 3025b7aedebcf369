"""Read a ``.tflite`` file's operators and tensor types (through the LiteRT interpreter)."""

from pathlib import Path

import numpy as np

INTEGER_TYPES = ("int8", "uint8", "int16", "int32", "int64", "bool")
# Ops allowed to touch float tensors at the edges of a full-integer graph.
BOUNDARY_OPS = ("QUANTIZE", "DEQUANTIZE")


def list_ops(path):
    """Operators of a ``.tflite`` file in execution order, with their tensor dtypes.

    Args:
        path: str or Path of the ``.tflite`` file.

    Returns:
        list of dicts ``{"index", "op", "inputs": [dtype names], "outputs": [dtype names]}``
        (optional inputs, e.g. a missing bias, are left out).
    """
    from ai_edge_litert.interpreter import Interpreter

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"list_ops: no such .tflite file: {path}")
    interpreter = Interpreter(model_path=str(path))
    tensors = {t["index"]: np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details()}
    ops = []
    for op in interpreter._get_ops_details():
        ops.append({
            "index": int(op["index"]),
            "op": op["op_name"],
            "inputs": [tensors[i] for i in op["inputs"] if i >= 0 and i in tensors],
            "outputs": [tensors[i] for i in op["outputs"] if i >= 0 and i in tensors],
        })
    return ops


def op_counts(ops):
    """``{op name: count}`` of a :func:`list_ops` result."""
    counts = {}
    for op in ops:
        counts[op["op"]] = counts.get(op["op"], 0) + 1
    return counts


def is_float_op(op):
    """True when an op reads or writes a float tensor."""
    return any(t.startswith("float") for t in op["inputs"] + op["outputs"])


def integer_core_problems(ops, core_ops=("CONV_2D", "DEPTH_TO_SPACE", "TRANSPOSE_CONV")):
    """Check that a graph is full-integer between its first and last core op.

    Every ``CONV_2D``, ``DEPTH_TO_SPACE`` and ``TRANSPOSE_CONV`` must read and write int8
    activations (bias int32), and no op between the first and the last of them may touch a float tensor.

    Args:
        ops: a :func:`list_ops` result.
        core_ops: op names that must be int8.

    Returns:
        list of strings, one per problem (empty when the graph is full-integer).
    """
    problems = []
    positions = [i for i, op in enumerate(ops) if op["op"] in core_ops]
    if not positions:
        return [f"no {' / '.join(core_ops)} op in the graph"]
    for i in positions:
        op = ops[i]
        # TRANSPOSE_CONV's first input is the int32 output shape, its data is input 2
        data = op["inputs"][2:3] if op["op"] == "TRANSPOSE_CONV" else op["inputs"][:1]
        activations = op["outputs"] + data
        if any(t != "int8" for t in activations):
            problems.append(f"op {op['index']} {op['op']} is not int8: inputs {op['inputs']}, "
                            f"outputs {op['outputs']}")
    for op in ops[positions[0]:positions[-1] + 1]:
        if is_float_op(op):
            problems.append(f"float op {op['index']} {op['op']} between int8 ops: inputs "
                            f"{op['inputs']}, outputs {op['outputs']}")
    return problems
