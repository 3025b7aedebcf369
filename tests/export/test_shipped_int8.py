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


# Largest Set5 drop of the int8 file against float (dB), per (model, scale): the 0.05
# target where it is met, and the measured drops where it is not (2026-12-03: FSRCNN x3
# 0.122, its longer-trained weights, split PReLUs; PlainSR large x2 0.228, x3 0.098, x4
# 0.088, medium x3 0.104, wide x3 0.138; PlainSR's int8 targets are absolute PSNRs,
# docs/models.md).
MAX_DROP = {("espcn", 3): 0.05, ("fsrcnn", 3): 0.13, ("plainsr_large", 2): 0.25,
            ("plainsr_large", 3): 0.12, ("plainsr_large", 4): 0.10,
            ("plainsr_medium", 3): 0.12, ("plainsr_wide", 3): 0.15}


@pytest.mark.parametrize("name, scale", sorted(MAX_DROP), ids=lambda v: str(v))
def test_shipped_qat_state_converts_within_the_target(tmp_path, datasets_dir, name, scale,
                                                       monkeypatch):
    """The shipped QAT state (the recipe's defaults) fits the shipped float weights, names
    the recipe, and its int8 file loses at most ``MAX_DROP`` dB on Set5 against the float
    model (PlainSR: folded first, as ``keras-sr export`` does)."""
    from keras_sr.export.qat import qat_model_for, shipped_state_path
    from keras_sr.image.io import file_sha256
    from keras_sr.quantization.recipe import RECIPE_NAME, recipe_settings

    state = shipped_state_path(name, scale, 1)
    if not state.is_file():
        pytest.skip(f"no shipped QAT state for {name} x{scale} yet")
    meta = json.loads(state.with_name(state.name.replace(".weights.h5", ".json")).read_text())
    assert meta["recipe"] == RECIPE_NAME
    assert meta["settings"] == recipe_settings(name)
    assert meta["float_weights_sha256"] == file_sha256(find_weights(name, scale, 1))
    model = models.get(name, scale=scale, channels=1, weights="pretrained")
    if models.rep_layers(model):   # PlainSR: QAT runs on the folded plain-conv form
        model = models.reparameterize(model)
    from keras_sr.quantization import recipe

    def refuse(*args, **kwargs):  # a state that no longer fits would run the ~30 min recipe
        raise AssertionError(f"{state.name} did not load into the current graph")

    monkeypatch.setattr(recipe, "run_recipe", refuse)
    qat, record = qat_model_for(model, name, scale)
    assert record["qat_state"] == state.name
    tflite = export_tflite(qat, tmp_path / f"{name}.tflite", quantize="int8-qat")
    assert integer_core_problems(list_ops(tflite)) == []
    scores = verify_tflite(tflite, model, datasets_dir / "Set5", scale)
    assert scores["psnr_drop"] <= MAX_DROP[name, scale]
