"""The sidecar reader of the runtime: found, missing, broken."""

import json

import pytest

from keras_sr.runtime.sidecar import read_sidecar, sidecar_path


def test_reads_the_json_next_to_the_file(tmp_path):
    path = tmp_path / "model.tflite"
    sidecar_path(path).write_text(json.dumps({"scale": 3, "size_multiple": None}))
    assert read_sidecar(path) == {"scale": 3, "size_multiple": None}
    assert read_sidecar(tmp_path / "model.json")["scale"] == 3


def test_missing_and_broken_sidecars(tmp_path):
    path = tmp_path / "model.tflite"
    assert read_sidecar(path, missing_ok=True) is None
    with pytest.raises(FileNotFoundError, match="no sidecar .*model.json"):
        read_sidecar(path)
    sidecar_path(path).write_text("{not json")
    with pytest.raises(ValueError, match="cannot read .*model.json' as JSON"):
        read_sidecar(path, missing_ok=True)
    sidecar_path(path).write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds a list, not a JSON object"):
        read_sidecar(path)
