"""Issue 18 for training: honest resume, the divergence guard, damaged checkpoints, an
unwritable output folder, sidecars beside every checkpoint, clear config errors."""

import json

import keras
import numpy as np
import pytest

from keras_sr.training import callbacks as cb
from keras_sr.training import trainer
from keras_sr.training.config import ConfigError, read_config


def _config(tiny_config, **changes):
    config = read_config(dict(tiny_config, **changes))
    config["callbacks"].update(images_every=0, plot=False)
    return config


def _run(config, resume=True):
    lines = []
    result = trainer.train(config, resume=resume, log=lines.append)
    return result, "\n".join(lines)


def test_a_changed_learning_rate_is_applied_on_resume(tiny_config):
    config = _config(tiny_config, epochs=1)
    _run(config)
    config = _config(tiny_config, epochs=2, optimizer={"name": "adam", "learning_rate": 5e-4})
    result, log = _run(config)
    assert "learning rate 0.0005 (the checkpoint ran at 0.001): applied" in log
    assert float(keras.ops.convert_to_numpy(result["model"].optimizer.learning_rate)) == \
        pytest.approx(5e-4)
    state = cb.read_state(config["output_dir"] + "/checkpoints")
    assert state["epoch"] == 2
    assert state["config"]["optimizer"]["learning_rate"] == 5e-4


def test_a_resume_with_another_architecture_is_refused(tiny_config):
    _run(_config(tiny_config, epochs=1))
    changed = _config(tiny_config, epochs=2, model_args={"filters": 6, "mapping_filters": 4})
    with pytest.raises(ConfigError, match=r"model_args: .*'filters': 8.* there, .*'filters': "
                                          r"6.* now.*--no-resume"):
        _run(changed)


def test_divergence_without_nan_stops_and_keeps_the_last_good_checkpoint(tiny_config):
    good = _config(tiny_config, epochs=1, steps_per_epoch=6)
    _run(good)
    ckpt = good["output_dir"] + "/checkpoints"
    best_before = open(ckpt + "/best.weights.h5", "rb").read()
    wild = _config(tiny_config, epochs=3, steps_per_epoch=6,
                   optimizer={"name": "adam", "learning_rate": 1000000.0},
                   callbacks={"divergence": {"warmup_batches": 2}, "verbose": 0,
                              "tensorboard": False})
    result, log = _run(wild)
    assert result["stopped_on_divergence"] and not result["stopped_on_nan"]
    assert "training diverged: loss" in log and "its running level" in log
    assert "restored the last good checkpoint (epoch 1)" in log
    state = cb.read_state(ckpt)
    assert state["epoch"] == 1 and state["best_epoch"] == 1
    assert open(ckpt + "/best.weights.h5", "rb").read() == best_before


def test_validation_below_bicubic_after_the_warm_up_stops():
    guard = cb.DivergenceGuard(warmup_epochs=2, log=lambda message: None)
    guard.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
    guard.on_epoch_end(0, {"loss": 0.1, "val_psnr": 20.0, "val_bicubic_psnr": 25.0})
    assert not guard.stopped   # still warming up
    guard.on_epoch_end(1, {"loss": 0.1, "val_psnr": 26.0, "val_bicubic_psnr": 25.0})
    assert not guard.stopped
    guard.on_epoch_end(2, {"loss": 0.1, "val_psnr": 24.5, "val_bicubic_psnr": 25.0})
    assert guard.stopped
    assert "validation PSNR 24.50 dB at epoch 3 is below bicubic (25.00 dB)" in guard.message


def test_a_damaged_last_checkpoint_falls_back_to_best(tiny_config):
    config = _config(tiny_config, epochs=2)
    _run(config)
    ckpt = config["output_dir"] + "/checkpoints"
    best_epoch = cb.read_state(ckpt)["best_epoch"]
    data = open(ckpt + "/last.weights.h5", "rb").read()
    open(ckpt + "/last.weights.h5", "wb").write(data[: len(data) // 3])
    result, log = _run(_config(tiny_config, epochs=3))
    assert "last.weights.h5' is damaged" in log
    assert f"resuming from the intact best.weights.h5 (epoch {best_epoch}) instead" in log
    assert result["initial_epoch"] == best_epoch
    assert cb.read_state(ckpt)["epoch"] == 3


def test_damaged_last_and_best_or_state_name_the_file(tiny_config):
    config = _config(tiny_config, epochs=1)
    _run(config)
    ckpt = config["output_dir"] + "/checkpoints"
    for name in ("last.weights.h5", "best.weights.h5"):
        open(f"{ckpt}/{name}", "wb").write(b"not hdf5")
    with pytest.raises(ConfigError, match=r"best.weights.h5' is damaged.*--no-resume"):
        _run(_config(tiny_config, epochs=2))
    text = open(ckpt + "/state.json").read()
    open(ckpt + "/state.json", "w").write(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"checkpoint state '.*checkpoints/state.json' is "
                                         r"damaged.*--no-resume"):
        _run(_config(tiny_config, epochs=2))
    result, _ = _run(_config(tiny_config, epochs=1), resume=False)   # the way out
    assert result["initial_epoch"] == 0


def test_an_unwritable_output_folder_fails_before_training(tiny_config, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    config = _config(tiny_config, output_dir=str(blocker / "run"))
    with pytest.raises(ConfigError, match=r"output folder '.*a_file/run' is not writable.*"
                                          r"--output-dir"):
        _run(config)


def test_every_checkpoint_has_a_sidecar_naming_the_model(tiny_config):
    config = _config(tiny_config, epochs=2)
    _run(config)
    for name in ("last", "best"):
        meta = json.loads(open(f"{config['output_dir']}/checkpoints/{name}.json").read())
        assert (meta["model"], meta["scale"], meta["channels"]) == ("espcn", 2, 1)
        assert meta["config"]["output_dir"] == config["output_dir"]
        assert meta["epoch"] in (1, 2)


@pytest.mark.parametrize("rate, message", [
    ("fast", r"'optimizer.learning_rate' must be a number > 0; got 'fast'"),
    (-1.0, r"'optimizer.learning_rate' must be a number > 0"),
])
def test_a_bad_learning_rate_names_the_key(tiny_config, rate, message):
    with pytest.raises(ConfigError, match=message):
        read_config(dict(tiny_config, optimizer={"name": "adam", "learning_rate": rate}))


def test_a_yaml_exponent_without_a_dot_is_read_as_a_number(tiny_config):
    config = read_config(dict(tiny_config, optimizer={"name": "adam", "learning_rate": "1e-3"}))
    assert config["optimizer"]["learning_rate"] == 1e-3
    assert np.isclose(trainer.build_schedule(config), 1e-3)
