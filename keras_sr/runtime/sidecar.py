"""Where a ``.tflite`` file's sidecar JSON lives, and reading it.

``keras_sr.export`` writes the sidecar (``keras_sr.export.sidecar.build_sidecar``); the
runner reads what it needs to call the file (``size_multiple``), the demos the rest.
"""

import json
from pathlib import Path


def sidecar_path(tflite_path):
    """``model.tflite`` -> ``model.json``.

    >>> sidecar_path("out/espcn_x3_int8.tflite").name
    'espcn_x3_int8.json'
    """
    return Path(tflite_path).with_suffix(".json")


def read_sidecar(tflite_path, missing_ok=False):
    """Load the sidecar of a ``.tflite`` file (or a ``.json`` path) as a dict.

    Args:
        tflite_path: str or Path of the ``.tflite`` file or of its ``.json``.
        missing_ok: return None instead of raising when there is no sidecar.

    Raises:
        FileNotFoundError: no sidecar (unless ``missing_ok``).
        ValueError: the sidecar is not a JSON object (the message names the file).
    """
    path = Path(tflite_path)
    path = path if path.suffix == ".json" else sidecar_path(path)
    if not path.is_file():
        if missing_ok:
            return None
        raise FileNotFoundError(f"read_sidecar: no sidecar {path} next to {tflite_path}")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"read_sidecar: cannot read {str(path)!r} as JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"read_sidecar: {str(path)!r} holds a {type(data).__name__}, "
                         "not a JSON object")
    return data
