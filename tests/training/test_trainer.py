"""The fit driver and its config: a tiny real run, schedules, clear config errors."""

import json

import keras
import numpy as np
import pytest

from keras_sr.training import config as config_lib
from keras_sr.training import trainer


@pytest.mark.slow_on_jax
def test_tiny_run_writes_everything(tiny_config, tmp_path):
    result = trainer.train(tiny_config, log=lambda message: None)
    out = tmp_path / "run"
    assert [h["epoch"] for h in result["history"]] == [1, 2]
    assert all(np.isfinite(h["loss"]) and 5 < h["val_psnr"] < 60 for h in result["history"])
    for name in ("checkpoints/last.weights.h5", "checkpoints/best.weights.h5",
                 "checkpoints/state.json", "learning_curve.png", "summary.json",
                 "images/epoch_0002.png"):
        assert (out / name).is_file(), name
    state = json.loads((out / "checkpoints/state.json").read_text())
    assert state["epoch"] == 2 and state["config"]["model"] == "espcn"
    best = max(h["val_psnr"] for h in result["history"])
    assert result["best"] == pytest.approx(best)
    assert result["model"].output_shape == (None, None, None, 1)


def test_schedules():
    base = config_lib.read_config({"model": "espcn", "scale": 3, "data": {"train": "x"},
                                   "epochs": 4, "steps_per_epoch": 10,
                                   "optimizer": {"name": "adam", "learning_rate": 0.1}})
    step = trainer.build_schedule(dict(base, schedule={"name": "step", "step_epochs": 1,
                                                       "gamma": 0.5}))
    np.testing.assert_allclose([float(step(s)) for s in (0, 10, 11, 25, 39)],
                               [0.1, 0.1, 0.05, 0.025, 0.0125], rtol=1e-6)
    cosine = trainer.build_schedule(dict(base, schedule={"name": "cosine"}))
    np.testing.assert_allclose([float(cosine(s)) for s in (0, 20, 40)], [0.1, 0.05, 0.0],
                               atol=1e-7)
    assert trainer.build_schedule(base) == 0.1
    optimizer = trainer.build_optimizer(dict(base, optimizer={"name": "adamw",
                                                              "learning_rate": 0.1,
                                                              "weight_decay": 0.01}))
    assert isinstance(optimizer, keras.optimizers.AdamW)


def _config(**changes):
    cfg = {"model": "espcn", "scale": 3, "data": {"train": "somewhere"}}
    cfg.update(changes)
    return cfg


@pytest.mark.parametrize("changes, message", [
    ({"loss": "l7"}, r"unknown loss name 'l7'"),
    ({"loss": {"l1": 1.0, "perceptual": 0.1}}, r"unknown loss name 'perceptual'"),
    ({"scale": 5}, r"unsupported `scale` 5"),
    ({"model": "no_such_model"}, r"no_such_model"),
    ({"epochs": 0}, r"'epochs' must be a positive integer; got 0"),
    ({"lerning_rate": 1e-3}, r"unknown config key 'lerning_rate'"),
    ({"data": {"train": "x", "patch": 3}}, r"unknown config key data.'patch'"),
    ({"data": {"train": "x", "degradation": "jpeg"}}, r"data.degradation"),
    ({"optimizer": {"name": "adagrad"}}, r"optimizer.name"),
    ({"distribution": "model_parallel"}, r"distribution"),
    ({"channels": 2}, r"'channels' must be 1"),
    ({"steps_per_execution": 3}, r"'steps_per_execution' 3 must divide 'steps_per_epoch' 100"),
])
def test_config_errors_are_clear(changes, message):
    with pytest.raises(config_lib.ConfigError, match=message):
        config_lib.read_config(_config(**changes))


def test_yaml_config_and_missing_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: espcn\nscale: 3\ndata:\n  train: T91\n  patch_size: 17\n")
    cfg = config_lib.read_config(path)
    assert cfg["data"]["patch_size"] == 17 and cfg["data"]["batch_size"] == 16
    with pytest.raises(FileNotFoundError, match="does not exist"):
        config_lib.read_config(tmp_path / "missing.yaml")


def test_data_errors_name_the_problem(tiny_config, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an image")
    with pytest.raises(config_lib.ConfigError) as error:
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], train=str(empty))))
    assert "config 'data.train'" in str(error.value) and str(empty) in str(error.value)
    assert "no image files" in str(error.value)
    with pytest.raises(config_lib.ConfigError) as error:
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], val=str(empty))))
    assert "config 'data.val'" in str(error.value) and str(empty) in str(error.value)
    # patch 30 x scale 2 = 60 px HR patches; a.png is 40x40: file, sizes and key named
    with pytest.raises(config_lib.ConfigError) as error:
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], patch_size=30)))
    message = str(error.value)
    assert "config 'data'" in message and "a.png, is 40x40" in message
    assert "60x60" in message and "patch_size" in message
    with pytest.raises(FileNotFoundError, match=r"config 'data.train': folder or set "
                                                r"'no/such/dir' not found"):
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], train="no/such/dir")))


def _explodes_after_epoch_one(config, tmp_path):
    """A run whose learning rate jumps from 1e-3 to 1e38 after epoch 1 (3 steps)."""
    config = dict(config, output_dir=str(tmp_path / "nan"), epochs=3,
                  schedule={"name": "step", "boundaries": [3], "gamma": 1e41})
    config["data"] = dict(config["data"], val=None)
    config["callbacks"] = dict(config["callbacks"], images_every=0, plot=False)
    return config


@pytest.mark.slow_on_jax
def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tiny_config, tmp_path):
    from keras_sr.training import callbacks as cb

    config = _explodes_after_epoch_one(tiny_config, tmp_path)
    messages = []
    result = trainer.train(config, log=messages.append)
    ckpt = tmp_path / "nan" / "checkpoints"
    assert result["stopped_on_nan"]
    said = [m for m in messages if "training stopped" in m]
    assert len(said) == 1, messages
    assert "restored the last good checkpoint (epoch 1)" in said[0] and str(ckpt) in said[0]
    assert "loss became" in said[0] and "Lower the learning rate" in said[0]
    # the files still hold epoch 1, and the returned model is that state (finite weights)
    state = cb.read_state(ckpt)
    assert state["epoch"] == 1 and [h["epoch"] for h in result["history"]] == [1]
    assert np.isfinite(result["history"][0]["loss"])
    full = config_lib.read_config(config)
    saved = trainer.build_model(full)
    saved.compile(optimizer=trainer.build_optimizer(full), loss="mae")
    cb.restore(saved, ckpt)
    for a, b in zip(saved.get_weights(), result["model"].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all(np.isfinite(w).all() for w in result["model"].get_weights())


@pytest.mark.slow_on_jax
def test_shipped_configs_are_valid():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "configs"
    paths = sorted(folder.glob("*.yaml"))
    assert len(paths) >= 2
    for path in paths:
        config_lib.read_config(path)


def test_steps_per_execution_trains_the_same_steps(tiny_config, tmp_path):
    """Several optimizer steps per compiled call: the same batches, the same weights."""
    weights = []
    for every in (1, 3):
        cfg = dict(tiny_config, steps_per_execution=every, output_dir=str(tmp_path / f"r{every}"))
        cfg["data"] = dict(cfg["data"], val=None)
        result = trainer.train(config_lib.read_config(cfg), log=lambda *_: None)
        assert int(result["model"].optimizer.iterations) == 6
        weights.append([np.asarray(w) for w in result["model"].get_weights()])
    for one, three in zip(*weights):
        np.testing.assert_allclose(one, three, rtol=1e-5, atol=1e-6)
