"""benchmarks/quantization_quality.py: result rows kept per model, float weights loading."""

import importlib.util
import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))  # the script imports its sibling modules
spec = importlib.util.spec_from_file_location("quantization_quality",
                                              REPO / "benchmarks" / "quantization_quality.py")
quality = importlib.util.module_from_spec(spec)
spec.loader.exec_module(quality)


def test_a_run_replaces_only_the_rows_of_its_models(tmp_path):
    path = tmp_path / "q.json"
    old = [{"model": "espcn", "scale": 3, "settings": {}, "v": 1},
           {"model": "fsrcnn", "scale": 3, "settings": {}, "v": 1},
           {"model": "espcn", "scale": 2, "v": 0}]  # older layout: no settings, dropped
    path.write_text(json.dumps({"results": old}))
    rows = quality.merge_rows(path, [{"model": "espcn", "scale": 3, "settings": {}, "v": 2}])
    assert [(r["model"], r["scale"], r["v"]) for r in rows] == [("espcn", 3, 2),
                                                                 ("fsrcnn", 3, 1)]
    assert quality.merge_rows(tmp_path / "none.json", rows[:1]) == rows[:1]


def test_float_weights_from_a_file(tmp_path):
    from keras_sr import models
    keras.utils.set_random_seed(0)
    source = models.get("espcn", scale=3)
    source.save_weights(tmp_path / "w.weights.h5")
    target = models.get("espcn", scale=3)
    assert quality.load_float_weights(target, tmp_path / "w.weights.h5") == "w.weights.h5"
    for a, b in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileNotFoundError, match="--weights: no file"):
        quality.load_float_weights(models.get("espcn", scale=3), tmp_path / "missing.h5")
