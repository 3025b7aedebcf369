"""``data.degrade_on: device``: HR crops in the stream, the LR made inside the training step.

Checks that the device route makes the very LR of the input pipeline (same crops, same
draws), that one step and a whole tiny run train exactly as the pipeline route, that the
checkpoints, the returned model and a saved ``.keras`` file are the plain SR model,
that resume and the NaN guard still work, and the config errors. Runs on TensorFlow
(``tf.data``) and on JAX (``HRCropPyDataset``).
"""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D
from keras_sr.layers import Degrade
from keras_sr.training import callbacks as cb
from keras_sr.training import config as config_lib
from keras_sr.training import device_degradation as dd
from keras_sr.training import trainer

TF = keras.backend.backend() == "tensorflow"


def _with_data(config, **data):
    out = dict(config)
    out["data"] = dict(config["data"], **data)
    return out


def _first_batch(dataset):
    """Batch 0 of a ``tf.data`` stream or a ``PyDataset``, as numpy."""
    batch = next(iter(dataset)) if TF else dataset[0]
    if isinstance(batch, dict):
        return {key: np.asarray(value) for key, value in batch.items()}
    return tuple(np.asarray(value) for value in batch)


def _quiet(config, tmp_path, name, **changes):
    """A short run of ``config``: no validation, images or plot unless ``changes`` say."""
    out = dict(config, output_dir=str(tmp_path / name), **changes)
    out["callbacks"] = dict(config["callbacks"], images_every=0, plot=False)
    return out


def _pair(tiny_config, degradation="bicubic", start_step=6):
    """(pipeline config, device config, pipeline batch, device batch) at ``start_step``
    (a multiple of ``steps_per_epoch``: where the trainer restarts a stream)."""
    pipeline = config_lib.read_config(_with_data(tiny_config, degradation=degradation))
    device = config_lib.read_config(_with_data(tiny_config, degradation=degradation,
                                               degrade_on="device"))
    return (pipeline, device,
            _first_batch(trainer.build_train_data(pipeline, start_step)),
            _first_batch(trainer.build_train_data(device, start_step)))


# --------------------------------------------------------------------------- the same LR
@pytest.mark.parametrize("degradation", ["bicubic", "blur-downscale-noise"])
def test_device_lr_equals_pipeline_lr(tiny_config, degradation):
    pipeline, device, (lr, hr), batch = _pair(tiny_config, degradation)
    # the stream carries uint8 RGB crops and the seed rows of batch 6, nothing else
    assert set(batch) == {"hr", "seeds"}
    assert batch["hr"].dtype == np.uint8 and batch["hr"].shape == (4, 12, 12, 3)
    np.testing.assert_array_equal(batch["seeds"][:, 0], 0 + dd.SEED_OFFSET + np.arange(4))
    np.testing.assert_array_equal(batch["seeds"][:, 1], [6, 6, 6, 6])
    sr = trainer.build_model(pipeline)
    sr.compile(optimizer="adam", loss="mae")
    wrapper = trainer.build_training_model(device, sr)
    assert isinstance(wrapper, dd.DegradeThenUpscale) and wrapper.sr_model is sr
    device_hr = np.asarray(wrapper.hr(batch))
    device_lr = np.asarray(wrapper.lr(batch))
    assert device_lr.shape == lr.shape == (4, 6, 6, 1) and device_hr.shape == hr.shape
    np.testing.assert_allclose(device_hr, hr, atol=1e-6)   # the loss target: Y of the crops
    # both routes round the LR to 8 bits: the values are k / 255 on both sides
    for image in (lr, device_lr):
        np.testing.assert_allclose(image * 255, np.round(image * 255), atol=1e-3)
    np.testing.assert_allclose(device_lr, lr, atol=1e-5)
    bicubic = np.asarray(D.quantize(D.downscale(hr, 2)))
    if degradation == "bicubic":
        np.testing.assert_allclose(device_lr, bicubic, atol=1e-5)
    else:   # blur and noise drawn from (seed + 7919, 6): far from plain bicubic
        assert np.abs(device_lr - bicubic).max() > 0.02


def test_one_step_gives_the_pipeline_loss_and_update(tiny_config):
    pipeline, device, (lr, hr), batch = _pair(tiny_config, "bicubic", start_step=0)
    keras.utils.set_random_seed(0)   # the random init (and so the loss) is the same each run
    plain = trainer.build_model(pipeline)
    plain.compile(optimizer=trainer.build_optimizer(pipeline), loss=trainer.build_loss(pipeline))
    sr = trainer.build_model(device)
    sr.set_weights(plain.get_weights())
    sr.compile(optimizer=trainer.build_optimizer(device), loss=trainer.build_loss(device))
    wrapper = trainer.build_training_model(device, sr)
    assert wrapper.optimizer is sr.optimizer
    expected = float(plain.train_on_batch(lr, hr))
    loss = float(wrapper.train_on_batch(batch))
    assert np.isfinite(expected) and expected > 0.0
    assert loss == pytest.approx(expected, rel=1e-5)
    assert int(sr.optimizer.iterations) == 1
    for a, b in zip(plain.get_weights(), sr.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)


def test_degrade_layer_draws_from_the_given_seeds(rng):
    hr = rng.random((3, 8, 8, 3)).astype("float32")
    layer = Degrade(2, "blur-downscale-noise", seed=1, options={"kernel_size": 5})
    rows = dd.seed_rows(11, 7, 3, "int64" if TF else "uint32")
    expected = np.asarray(D.degrade(hr, 2, "blur-downscale-noise", seed=D.SeedStream(rows[0]),
                                    kernel_size=5))
    out = np.asarray(layer(hr, seeds=rows))
    np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(hr, seeds=rows)), out, atol=0)  # stateless
    other = np.asarray(layer(hr, seeds=dd.seed_rows(11, 8, 3, rows.dtype)))
    assert np.abs(other - out).max() > 1e-3   # another step, other draws
    assert Degrade(2, "bicubic").supports_jit
    assert Degrade(2, "realesrgan").supports_jit is (not TF)   # Poisson/JPEG: no XLA on TF


@pytest.mark.tf_only
def test_numpy_crop_stream_equals_tf_data(tiny_config):
    _, device, _, batch = _pair(tiny_config, start_step=3)
    data = device["data"]
    numpy_stream = dd.HRCropPyDataset(data["train"], scale=2, patch_size=6, batch_size=4,
                                      steps_per_epoch=3, seed=0)
    numpy_stream.epoch = 1   # global step 3 = epoch 1, batch 0
    other = numpy_stream[0]
    np.testing.assert_array_equal(other["hr"], batch["hr"])
    np.testing.assert_array_equal(other["seeds"], batch["seeds"])


# --------------------------------------------------------------------------- train()
def test_device_run_trains_like_the_pipeline_and_saves_the_sr_model(tiny_config, tmp_path):
    from keras_sr.data.datasets import validation_images

    runs = {}
    for mode in ("pipeline", "device"):
        config = _with_data(tiny_config, degrade_on=mode)
        config["output_dir"] = str(tmp_path / mode)
        config["callbacks"] = dict(config["callbacks"], images_every=2, plot=False)
        runs[mode] = trainer.train(config, log=lambda message: None)
    pipeline, device = runs["pipeline"], runs["device"]
    assert [h["epoch"] for h in device["history"]] == [1, 2]
    for a, b in zip(pipeline["history"], device["history"]):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-5)
        assert 5 < b["val_psnr"] < 60 and b["val_psnr"] == pytest.approx(a["val_psnr"], abs=1e-3)
    # the returned model is the plain SR model (LR -> SR), not the wrapper
    model = device["model"]
    assert not isinstance(model, dd.DegradeThenUpscale)
    assert model.input_shape == model.output_shape == (None, None, None, 1)
    for a, b in zip(pipeline["model"].get_weights(), model.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    assert (tmp_path / "device" / "images" / "epoch_0002.png").is_file()
    # the checkpoints load into a freshly built SR model (weights + optimizer state)
    ckpt = tmp_path / "device" / "checkpoints"
    full = config_lib.read_config(_with_data(tiny_config, degrade_on="device"))
    lr = validation_images(tiny_config["data"]["val"], 2, channels=1)[0][1][None]
    assert lr.shape == (1, 12, 15, 1)
    for which in ("best", "last"):
        fresh = trainer.build_model(full)
        fresh.compile(optimizer=trainer.build_optimizer(full), loss="mae")
        state = cb.restore(fresh, ckpt, which)
        assert state["epoch"] == 2 and state["config"]["data"]["degrade_on"] == "device"
        assert int(fresh.optimizer.iterations) == (6 if which == "last" else
                                                   3 * state["best_epoch"])
        sr = np.asarray(fresh(lr))
        assert sr.shape == (1, 24, 30, 1) and np.isfinite(sr).all()
        if which == "best":
            np.testing.assert_allclose(sr, np.asarray(model(lr)), atol=1e-6)
    # ... and the returned model saves as a .keras file that loads in safe mode
    path = tmp_path / "sr.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(lr)), np.asarray(model(lr)), atol=1e-6)


def test_device_run_resumes_exactly(tiny_config, tmp_path):
    config = _with_data(tiny_config, val=None, degrade_on="device",
                        degradation="blur-downscale-noise",
                        degradation_options={"kernel_size": 5})
    whole = trainer.train(_quiet(config, tmp_path, "whole", epochs=2), log=lambda m: None)
    first = trainer.train(_quiet(config, tmp_path, "parts", epochs=1), log=lambda m: None)
    messages = []
    resumed = trainer.train(_quiet(config, tmp_path, "parts", epochs=2), log=messages.append)
    assert first["initial_epoch"] == 0 and resumed["initial_epoch"] == 1
    assert any("resuming from epoch 1" in m for m in messages)
    assert any("degrading on the device" in m for m in messages)
    assert [h["epoch"] for h in resumed["history"]] == [1, 2]
    assert resumed["history"][1]["loss"] == pytest.approx(whole["history"][1]["loss"],
                                                          rel=1e-5)
    for a, b in zip(whole["model"].get_weights(), resumed["model"].get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_device_run_nan_guard_restores_the_sr_model(tiny_config, tmp_path):
    config = _with_data(tiny_config, val=None, degrade_on="device")
    config = _quiet(config, tmp_path, "nan", epochs=3,
                    schedule={"name": "step", "boundaries": [3], "gamma": 1e41})
    messages = []
    result = trainer.train(config, log=messages.append)
    assert result["stopped_on_nan"]
    assert any("restored the last good checkpoint (epoch 1)" in m for m in messages), messages
    assert [h["epoch"] for h in result["history"]] == [1]
    full = config_lib.read_config(config)
    saved = trainer.build_model(full)
    saved.compile(optimizer=trainer.build_optimizer(full), loss="mae")
    cb.restore(saved, tmp_path / "nan" / "checkpoints")
    for a, b in zip(saved.get_weights(), result["model"].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert all(np.isfinite(w).all() for w in result["model"].get_weights())


# --------------------------------------------------------------------------- config
def _config(**data):
    return {"model": "espcn", "scale": 3, "data": dict({"train": "somewhere"}, **data)}


def test_degrade_on_default_and_errors():
    assert config_lib.read_config(_config())["data"]["degrade_on"] == "pipeline"
    assert config_lib.read_config(_config(degrade_on="device"))["data"]["degrade_on"] == "device"
    for bad in ("gpu", None, "Device"):
        with pytest.raises(config_lib.ConfigError) as error:
            config_lib.read_config(_config(degrade_on=bad))
        message = str(error.value)
        assert "'data.degrade_on'" in message and "('pipeline', 'device')" in message
        assert repr(bad) in message
    with pytest.raises(config_lib.ConfigError, match=r"degrade_on: device.*data.train_lr"):
        config_lib.read_config(_config(degrade_on="device", train_lr="lr_folder"))


def test_gpu_example_config():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "configs" / "edsr_baseline_x4_gpu.yaml"
    config = config_lib.read_config(path)
    assert config["data"]["degrade_on"] == "device" and config["model"] == "edsr_baseline"
    assert config["scale"] == 4 and config["data"]["degradation"] == "bicubic"



_SUBPROCESS = """
import json, sys
if sys.argv[2] == "tensorflow":   # 2 virtual CPU devices, before TensorFlow starts
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
from keras_sr.training import trainer
result = trainer.train(json.loads(sys.argv[1]), log=print)
print("RESULT", json.dumps({"replicas": result["replicas"],
                            "loss": [h["loss"] for h in result["history"]]}))
"""


def _train_in(backend, config):
    """``trainer.train(config)`` in a fresh process of ``backend`` with 2 CPU devices."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(repo), KERAS_BACKEND=backend,
               TF_CPP_MIN_LOG_LEVEL="3", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    done = subprocess.run([sys.executable, "-c", _SUBPROCESS, json.dumps(config), backend],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    line = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_device_route_under_data_parallel(backend, tiny_config, tmp_path):
    """2 virtual CPU devices: MirroredStrategy (TF) / DataParallel (JAX) split the uint8
    crops and the seed rows; with bicubic (no draws) the run equals the one-device run."""
    config = _quiet(_with_data(tiny_config, val=None, degrade_on="device"), tmp_path, "one")
    single = _train_in(backend, config)
    parallel = _train_in(backend, dict(config, distribution="data_parallel",
                                       output_dir=str(tmp_path / "two")))
    assert single["replicas"] == 1 and parallel["replicas"] == 2
    assert all(np.isfinite(single["loss"]))
    np.testing.assert_allclose(parallel["loss"], single["loss"], rtol=1e-4)
