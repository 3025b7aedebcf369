"""``write_result_json``: how the sub-commands write their ``--json`` result files."""

import json
from pathlib import Path


def write_result_json(path, result):
    """Write ``result`` to ``path`` as indented JSON and print ``wrote PATH``.

    Missing parent folders are created; the file is replaced atomically
    (``keras_sr.image.io.atomic_write_text``), so a reader never sees half a
    result.

    Args:
        path: str or ``Path`` of the JSON file.
        result: JSON-serializable object (``dict`` of a command's results).

    Returns:
        The ``Path`` written.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> path = write_result_json(Path(folder) / "out" / "r.json", {"psnr": 30.5})
        ... # doctest: +ELLIPSIS
        wrote .../out/r.json
        >>> path.read_text()
        '{\\n  "psnr": 30.5\\n}\\n'
    """
    # deferred on purpose: importing keras_sr.image starts Keras, which `--help` must not
    from keras_sr.image.io import atomic_write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return path


__all__ = ["write_result_json"]
