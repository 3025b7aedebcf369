"""benchmarks/int8_conv_peak.py and quantizer_comparison.py: the arithmetic, a tiny run,
ai-edge-quantizer on a tiny conv (skipped when it is not installed), the results' keys."""

import importlib.util
import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))  # the scripts import their sibling modules


def _script(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peak = _script("int8_conv_peak")
comparison = _script("quantizer_comparison")


def test_macs_and_fraction_of_peak_arithmetic():
    from keras_sr.models import macs_per_pixel

    model = peak.conv_layer(4)
    assert macs_per_pixel(model, per="input") == 9 * 4 * 4
    assert peak.gmacs_per_s(1.5e9, 0.03) == pytest.approx(50.0)
    # a model doing the peak's MAC/s reaches 1.0; twice the time, 0.5
    assert peak.fraction_of_peak(144, 1000, 1e-6, 144.0) == pytest.approx(1.0)
    assert peak.fraction_of_peak(144, 1000, 2e-6, 144.0) == pytest.approx(0.5)
    # ESPCN x3 at 640x360 in 54 ms against a 100 GMAC/s peak
    assert peak.fraction_of_peak(22624, 230400, 0.054, 100.0) == pytest.approx(0.9653, abs=1e-4)


def test_peak_is_the_best_size_per_thread_count():
    rows = [{"threads": 1, "gmacs_per_s": 3.0, "size": [8, 8]},
            {"threads": 1, "gmacs_per_s": 5.0, "size": [16, 16]},
            {"threads": 2, "gmacs_per_s": 4.0, "size": [8, 8]}]
    best = peak.peak_by_threads(rows)
    assert best[1]["size"] == [16, 16] and best[2]["gmacs_per_s"] == 4.0


def test_tiny_peak_run_rows(tmp_path):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TFLite conversion needs the TensorFlow backend")
    # large enough that the call takes well over the 1 us median_ms is rounded to
    rows = peak.measure_peak([(96, 128)], 8, [1], runs=2, warmup=0, folder=tmp_path)
    (row,) = rows
    assert set(peak.PEAK_KEYS) <= set(row)
    assert row["macs"] == 96 * 128 * 9 * 8 * 8
    # both rounded (median_ms to 1 us): equal within that rounding
    assert row["gmacs_per_s"] == pytest.approx(row["macs"] / row["median_ms"] / 1e6, rel=0.05)


def test_drops_against_float():
    scores = {"float": {"Set5": 32.3, "B100": 28.2},
              "keras_sr int8-qat": {"Set5": 32.25, "B100": 28.19}}
    assert comparison.drops(scores, comparison.VARIANTS) == {
        "keras_sr int8-qat": {"Set5": 0.05, "B100": 0.01}}


def test_ai_edge_quantizer_on_a_tiny_conv(tmp_path):
    pytest.importorskip("ai_edge_quantizer", reason="ai-edge-quantizer (the bench extra) "
                        "is not installed")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TFLite conversion needs the TensorFlow backend")
    from keras_sr.export import export_tflite, list_ops
    from keras_sr.runtime import TFLiteModel

    model = peak.conv_layer(4)
    float_path = export_tflite(model, tmp_path / "conv.tflite")
    x = np.random.default_rng(0).uniform(0, 1, (8, 6, 6, 4)).astype("float32")
    path = comparison.ai_edge_quantize(float_path, x, tmp_path / "conv_int8.tflite")
    convs = [op for op in list_ops(path) if op["op"] == "CONV_2D"]
    assert convs and convs[0]["inputs"][:2] == ["int8", "int8"]
    expected = keras.ops.convert_to_numpy(model(x))
    got = TFLiteModel(path)(x[:1])
    span = float(expected.max() - expected.min())  # the calibrated output range
    # input, weight and output rounding: a few steps of the output's int8 grid
    assert np.abs(got - expected[:1]).max() < 8 * span / 255


@pytest.mark.parametrize("name, keys", [("int8_conv_peak", "MODEL_KEYS"),
                                        ("quantizer_comparison", None)])
def test_committed_results_have_the_keys(name, keys):
    path = REPO / "benchmarks" / "results" / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"{path.name} not measured yet")
    result = json.loads(path.read_text())
    assert {"date", "machine", "load_note"} <= set(result)
    if keys is not None:
        for row in result["models"]:
            assert set(getattr(peak, keys)) <= set(row)
        assert set(result["peak"]) == {"1", "2"}
    else:
        for row in result["results"]:
            assert {"psnr_float", "drop_db", "variants"} <= set(row)
