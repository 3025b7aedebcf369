"""Writing a benchmark's result JSON: one place for every script in benchmarks/."""

import json


def write_result(path, result):
    """Write ``result`` (a JSON-able dict) to ``path`` atomically and say so.

    Args:
        path: str or Path of the JSON file; parent folders are created.
        result: the benchmark's figures and settings.

    Returns:
        The Path written.
    """
    from keras_sr.image.io import atomic_write_text  # the package's one atomic writer

    path = atomic_write_text(path, json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return path
