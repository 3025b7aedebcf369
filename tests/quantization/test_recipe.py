"""THE QAT recipe: settings, a run that resumes, and QAT states that reload exactly."""

import json

import keras
import numpy as np
import pytest

from keras_sr.quantization import is_qat_model
from keras_sr.quantization.recipe import (
    DEFAULTS, RECIPE_NAME, load_state, recipe_settings, run_recipe, save_state,
    state_sidecar)
from toy_models import tiny_espcn


def _data(scale=2, count=16, size=8, seed=0):
    rng = np.random.default_rng(seed)
    hr = rng.uniform(0.0, 1.0, (count, size * scale, size * scale, 1)).astype("float32")
    lr = hr[:, ::scale, ::scale]
    return lr, hr


def test_settings_defaults_overrides_and_errors():
    assert recipe_settings("espcn") == DEFAULTS
    assert recipe_settings("fsrcnn")["epochs"] == 48
    assert recipe_settings("espcn", epochs=3, loss=None)["epochs"] == 3
    with pytest.raises(ValueError, match="unknown setting"):
        recipe_settings("espcn", epoch=3)
    with pytest.raises(ValueError, match="`patches` must be >= 1"):
        recipe_settings("espcn", patches=0)


def test_state_round_trip_gives_the_same_outputs(tmp_path):
    keras.utils.set_random_seed(0)
    model = tiny_espcn(scale=2, channels=1)
    lr, hr = _data()
    settings = recipe_settings("espcn", epochs=1, batch_size=8, steps_per_execution=1)
    qat, record = run_recipe(model, lr, hr, settings, verbose=0)
    assert is_qat_model(qat) and record["recipe"] == RECIPE_NAME
    identity = {"model": "tiny", "scale": 2, "channels": 1, "float_weights_sha256": "abc"}
    path = tmp_path / "tiny_x2_c1.qat.weights.h5"
    sidecar = save_state(qat, path, identity, record)
    assert sidecar == tmp_path / "tiny_x2_c1.qat.json"
    assert json.loads(sidecar.read_text())["settings"]["epochs"] == 1
    loaded, meta = load_state(model, path, identity)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(lr[:2])),
                                  keras.ops.convert_to_numpy(qat(lr[:2])))
    with pytest.raises(ValueError, match="float_weights_sha256"):
        load_state(model, path, {**identity, "float_weights_sha256": "other"})
    with pytest.raises(ValueError, match="must end in .qat.weights.h5"):
        save_state(qat, tmp_path / "x.weights.h5", identity, record)
    assert state_sidecar("a/b.qat.weights.h5").name == "b.qat.json"


def test_a_run_resumes_from_its_checkpoint(tmp_path):
    lr, hr = _data()
    settings = recipe_settings("espcn", epochs=2, batch_size=8, steps_per_execution=1)
    keras.utils.set_random_seed(0)
    whole, _ = run_recipe(tiny_espcn(scale=2, channels=1), lr, hr, settings, verbose=0)
    keras.utils.set_random_seed(0)
    folder = tmp_path / "ck"
    run_recipe(tiny_espcn(scale=2, channels=1), lr, hr, {**settings, "epochs": 1},
               checkpoint_dir=folder, verbose=0)
    assert json.loads((folder / "state.json").read_text())["epoch"] == 1
    keras.utils.set_random_seed(0)
    resumed, record = run_recipe(tiny_espcn(scale=2, channels=1), lr, hr, settings,
                                 checkpoint_dir=folder, verbose=0)
    assert record["epochs_run"] == 1
    assert json.loads((folder / "state.json").read_text())["epoch"] == 2
    # the optimizer's moments restart, so a resumed run is close to, not equal to, one run
    a = keras.ops.convert_to_numpy(whole(lr[:4]))
    b = keras.ops.convert_to_numpy(resumed(lr[:4]))
    assert np.abs(a - b).mean() < 0.05
