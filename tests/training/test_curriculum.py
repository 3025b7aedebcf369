"""Curriculum training of a multi-level model: loss weights per step, config errors, resume."""

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.image.resize import imresize
from keras_sr.training import curriculum, trainer
from keras_sr.training.config import ConfigError, read_config

PLAN = {"switch_step": 3, "decay_steps": 2, "final_weight": 0.25}


class Recorder(keras.callbacks.Callback):
    """The loss-weight variables as the step about to run sees them (after Curriculum)."""

    def __init__(self, steps_per_epoch):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.seen = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        weights = self.model.level_weights
        self.seen[self.epoch * self.steps_per_epoch + batch] = [
            round(float(keras.ops.convert_to_numpy(w)), 6) for w in weights]


def _config(tiny_config, tmp_path, name, **changes):
    config = dict(tiny_config, model="lapsrn", scale=4,
                  model_args={"filters": 4, "depth": 1, "pyramid": True},
                  steps_per_epoch=2, epochs=4, curriculum=PLAN,
                  output_dir=str(tmp_path / name))
    config["data"] = dict(config["data"], val=None, patch_size=4, batch_size=2)
    config["callbacks"] = dict(config["callbacks"], images_every=0, plot=False)
    config.update(changes)
    return config


def test_level_weights_linear_and_cosine():
    plan = curriculum.check_curriculum(dict(PLAN, decay="cosine"))
    assert curriculum.level_weights(4, 2, plan) == [0.625, 1.0]   # half way: cos = 0
    linear = curriculum.check_curriculum(PLAN)
    assert [curriculum.level_weights(s, 2, linear) for s in (0, 2, 3, 4, 5, 9)] == [
        [1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.625, 1.0], [0.25, 1.0], [0.25, 1.0]]
    # three levels (x8): x4 on at 3, x8 on at 6; each lower level decays after the next
    assert [curriculum.level_weights(s, 3, linear) for s in (0, 3, 4, 6, 7, 8)] == [
        [1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.625, 1.0, 0.0], [0.25, 1.0, 1.0],
        [0.25, 0.625, 1.0], [0.25, 0.25, 1.0]]
    assert curriculum.level_weights(7, 2, None) == [1.0, 1.0]


def test_weights_change_at_the_configured_steps(tiny_config, tmp_path):
    recorder = Recorder(steps_per_epoch=2)
    result = trainer.train(_config(tiny_config, tmp_path, "run"), log=lambda m: None,
                           extra_callbacks=[recorder])
    assert recorder.seen == {0: [1.0, 0.0], 1: [1.0, 0.0], 2: [1.0, 0.0], 3: [1.0, 1.0],
                             4: [0.625, 1.0], 5: [0.25, 1.0], 6: [0.25, 1.0],
                             7: [0.25, 1.0]}
    model = result["model"]   # the top level, LR -> SR x4
    assert model.output_shape == (None, None, None, 1)
    assert np.isfinite(result["history"][-1]["loss"])
    assert {"loss_x2", "loss_x4"} <= set(result["history"][-1])   # unweighted, per level
    assert result["best"] == -min(h["loss_x4"] for h in result["history"])


def test_loss_is_the_weighted_sum_of_level_losses():
    pyramid = models.get("lapsrn", scale=4, channels=1, filters=4, depth=1, pyramid=True)
    sr = curriculum.top_level_model(pyramid, 4)
    wrapper = curriculum.LevelLosses(pyramid, sr, keras.losses.MeanAbsoluteError(), [0.5, 2.0])
    rng = np.random.default_rng(0)
    lr = rng.uniform(size=(2, 5, 5, 1)).astype("float32")
    hr = rng.uniform(size=(2, 20, 20, 1)).astype("float32")
    out = {k: keras.ops.convert_to_numpy(v) for k, v in wrapper(lr).items()}
    hr2 = keras.ops.convert_to_numpy(imresize(hr, scale=0.5))
    expected = 0.5 * np.abs(out["sr_x2"] - hr2).mean() + 2.0 * np.abs(out["sr_x4"] - hr).mean()
    loss = keras.ops.convert_to_numpy(wrapper.compute_loss(lr, hr, wrapper(lr)))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(sr(lr)), out["sr_x4"], atol=1e-6)


def test_resume_mid_curriculum_matches_uninterrupted(tiny_config, tmp_path):
    whole_seen = Recorder(2)
    whole = trainer.train(_config(tiny_config, tmp_path, "whole"), log=lambda m: None,
                          extra_callbacks=[whole_seen])
    trainer.train(_config(tiny_config, tmp_path, "parts", epochs=2), log=lambda m: None)
    resumed_seen = Recorder(2)
    resumed = trainer.train(_config(tiny_config, tmp_path, "parts"), log=lambda m: None,
                            extra_callbacks=[resumed_seen])
    assert resumed["initial_epoch"] == 2
    assert resumed_seen.seen == {s: whole_seen.seen[s] for s in (4, 5, 6, 7)}
    for a, b in zip(whole["model"].get_weights(), resumed["model"].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("plan, match", [
    ({"switch_step": 0}, r"'curriculum.switch_step' must be an integer >= 1"),
    ({"decay_steps": 5}, r"'curriculum.switch_step' must be an integer >= 1 .*None"),
    ({"switch_step": 5, "final_weight": 1.5}, r"'curriculum.final_weight' must be a number "
                                              r"in \[0, 1\]"),
    ({"switch_step": 5, "decay": "exp"}, r"'curriculum.decay' must be one of"),
    ({"switch_step": 5, "switch": 3}, r"unknown config key 'curriculum.switch'"),
    ([1000, 0.1], r"'curriculum' must be a mapping"),
])
def test_bad_curriculum_is_a_config_error(tiny_config, tmp_path, plan, match):
    with pytest.raises(ConfigError, match=match):
        read_config(_config(tiny_config, tmp_path, "bad", curriculum=plan))


def test_curriculum_needs_a_multi_level_model(tiny_config, tmp_path):
    with pytest.raises(ConfigError, match=r"'curriculum' .* one output .*pyramid: true"):
        read_config(dict(tiny_config, curriculum=PLAN))
    config = _config(tiny_config, tmp_path, "dev", curriculum=None)
    config["data"] = dict(config["data"], degrade_on="device")
    with pytest.raises(ConfigError, match=r"degrade_on: device' cannot train a multi-level"):
        read_config(config)
