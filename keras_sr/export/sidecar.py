"""The sidecar JSON written next to each ``.tflite`` file (read by the Android / web demos).

``model.tflite`` -> ``model.json`` with: scale, channels, colour space, input and output
dtype / shape / int8 scale and zero point, the float value range and how to map it,
the receptive radius and the recommended tile size and overlap (LR px).
"""

import json
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from keras_sr.image.io import atomic_write_text
from keras_sr.inference.tiling import receptive_radius
from keras_sr.runtime import run_batch
from keras_sr.runtime.sidecar import read_sidecar, sidecar_path

__all__ = ["SIDECAR_VERSION", "build_sidecar", "infer_scale", "read_sidecar",
           "sidecar_path", "write_sidecar"]

SIDECAR_VERSION = 1
DEFAULT_TILE = 128


def infer_scale(model, channels):
    """The integer upscaling factor of ``model`` (output height / input height)."""
    out = run_batch(model, np.zeros((1, 8, 8, channels), dtype="float32"))
    scale = out.shape[1] / 8
    if scale != int(scale) or out.shape[2] != 8 * scale:
        raise ValueError(f"model {getattr(model, 'name', model)!r} maps 8x8 to "
                         f"{out.shape[1]}x{out.shape[2]}: not an integer upscaling")
    return int(scale)


def _tensor_entry(details):
    dtype = np.dtype(details["dtype"]).name
    signature = details.get("shape_signature", details["shape"])
    scale, zero_point = details["quantization"]
    entry = {"name": details["name"], "dtype": dtype,
             "shape": [None if int(v) < 0 else int(v) for v in signature]}
    if dtype == "float32":
        entry.update({"quant_scale": None, "quant_zero_point": None,
                      "value_range": [0.0, 1.0]})
    else:
        info = np.iinfo(dtype)
        entry.update({"quant_scale": float(scale), "quant_zero_point": int(zero_point),
                      "value_range": [int(info.min), int(info.max)],
                      "dequantize": "real = quant_scale * (q - quant_zero_point)"})
    return entry


def build_sidecar(model, tflite_path, quantize="none", input_size=None, tile=None,
                  extra=None):
    """Describe a converted model as a JSON-ready dict.

    Args:
        model: the Keras model that was converted (float or QAT).
        tflite_path: the written ``.tflite`` file (its tensors give dtypes and quant params).
        quantize: the ``export_tflite`` mode.
        input_size: None (dynamic) or ``(height, width)`` of a fixed-size export.
        tile: optional int, recommended core tile in LR px (default 128, or what fits a
            fixed input size).
        extra: optional dict merged in last.

    Returns:
        dict (see ``docs/export.md`` for every key).
    """
    channels = int(model.input_shape[-1])
    scale = infer_scale(model, channels)
    radius = receptive_radius(model, scale, channels=channels)
    overlap = max(radius, 1)
    if input_size is not None:
        tile = max(1, min(input_size) - 2 * overlap)
    interpreter = Interpreter(model_path=str(tflite_path))
    sidecar = {
        "format_version": SIDECAR_VERSION,
        "file": Path(tflite_path).name,
        "model": getattr(model, "name", None),
        "scale": scale,
        "channels": channels,
        "colour_space": "RGB" if channels == 3 else "Y (ITU-R BT.601, [16, 235] / 255)",
        "chroma_upsampling": None if channels == 3 else "bicubic (MATLAB imresize) on CbCr",
        "quantize": quantize,
        "input_size": None if input_size is None else [int(v) for v in input_size],
        "dynamic_size": input_size is None,
        "float_value_range": [0.0, 1.0],
        "input": _tensor_entry(interpreter.get_input_details()[0]),
        "output": _tensor_entry(interpreter.get_output_details()[0]),
        "receptive_radius": radius,
        "tile": {"size": int(tile or DEFAULT_TILE), "overlap": int(overlap),
                 "units": "LR pixels; the model sees size + 2 * overlap"},
        "params": int(model.count_params()),
    }
    sidecar.update(extra or {})
    return sidecar


def write_sidecar(tflite_path, sidecar):
    """Write ``sidecar`` as pretty JSON next to ``tflite_path``; return its path."""
    path = sidecar_path(tflite_path)
    atomic_write_text(path, json.dumps(sidecar, indent=2) + "\n")
    return path
