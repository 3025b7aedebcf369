"""Writing a benchmark's result JSON: one place for every script in benchmarks/."""

import json
import os
from pathlib import Path


def write_result(path, result):
    """Write ``result`` (a JSON-able dict) to ``path`` atomically and say so.

    Args:
        path: str or Path of the JSON file; parent folders are created.
        result: the benchmark's figures and settings.

    Returns:
        The Path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}")
    return path
