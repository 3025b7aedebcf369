"""The shipped ESPCN x3 in int8: the Keras QAT twin predicts the LiteRT model on Set5.

A calibrated (not fine-tuned) QAT copy of the shipped weights is converted to a
full-integer TFLite file and run by ai-edge-litert on Set5 by the published protocol.
Its PSNR must equal the Keras fake-quant twin's (the simulation QAT trains on is the
graph the phone runs) and the value measured when the weights were made (32.01 dB:
0.27 dB under float before fine-tuning; docs/export.md).
"""

import json

import pytest

from keras_sr import models
from keras_sr.export import export_tflite, integer_core_problems, list_ops, verify_tflite
from keras_sr.export.patches import load_folders, sample_patches
from keras_sr.models.pretrained import find_weights
from keras_sr.quantization import quantize_model

pytestmark = [pytest.mark.tf_only, pytest.mark.datasets]


def test_shipped_espcn_x3_int8_twin_matches_litert(tmp_path, datasets_dir):
    model = models.get("espcn", scale=3, weights="pretrained")
    path = find_weights("espcn", 3, 1)
    sidecar = json.loads(path.with_name(path.name.replace(".weights.h5", ".json")).read_text())
    calibration, _ = sample_patches(load_folders(datasets_dir / "T91"), 3, patch_size=24,
                                    count=128, channels=1, seed=3)
    qat = quantize_model(model, calibration_data=calibration)
    tflite = export_tflite(qat, tmp_path / "espcn_x3_int8.tflite", quantize="int8-qat")
    assert integer_core_problems(list_ops(tflite)) == []
    float_scores = verify_tflite(tflite, model, datasets_dir / "Set5", 3)
    twin_scores = verify_tflite(tflite, qat, datasets_dir / "Set5", 3)
    assert float_scores["images"] == 5
    assert float_scores["psnr_keras"] == pytest.approx(sidecar["psnr_y"]["Set5"], abs=0.01)
    assert twin_scores["psnr_keras"] == pytest.approx(twin_scores["psnr_tflite"], abs=0.01)
    assert float_scores["psnr_tflite"] == pytest.approx(32.01, abs=0.03)
