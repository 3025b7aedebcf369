"""The fit driver and its config: a tiny real run, schedules, clear config errors."""

import json

import keras
import numpy as np
import pytest

from keras_sr.training import config as config_lib
from keras_sr.training import trainer


# Eager JAX compiles every op on first use: the full run takes minutes there.
SLOW_ON_JAX = (pytest.mark.slow if keras.backend.backend() == "jax"
               else pytest.mark.skipif(False, reason="fast on this backend"))


@SLOW_ON_JAX
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
    with pytest.raises(ValueError, match="no image files"):
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], train=str(empty))))
    with pytest.raises(ValueError, match=r"a.png is 40x40.*smaller|a.png is 40x40"):
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], patch_size=30)))
    with pytest.raises(FileNotFoundError, match="not found"):
        trainer.train(dict(tiny_config, data=dict(tiny_config["data"], train="no/such/dir")))


@SLOW_ON_JAX
def test_shipped_configs_are_valid():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "configs"
    paths = sorted(folder.glob("*.yaml"))
    assert len(paths) >= 2
    for path in paths:
        config_lib.read_config(path)
