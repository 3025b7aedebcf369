"""``keras-sr train`` and ``keras-sr demo`` through the CLI entry point."""

import json

import keras
import pytest
import yaml

from keras_sr import cli

# Eager JAX compiles every op on first use: training runs take minutes there.
SLOW_ON_JAX = (pytest.mark.slow if keras.backend.backend() == "jax"
               else pytest.mark.skipif(False, reason="fast on this backend"))


@pytest.fixture
def config_file(tmp_path):
    from PIL import Image
    from skimage import data

    train = tmp_path / "train"
    train.mkdir()
    Image.fromarray(data.astronaut()[100:140, 180:220]).save(train / "a.png")
    config = {"model": "espcn", "scale": 2, "channels": 1,
              "model_args": {"filters": 8, "mapping_filters": 4},
              "data": {"train": str(train), "patch_size": 6, "batch_size": 2},
              "epochs": 1, "steps_per_epoch": 2, "output_dir": str(tmp_path / "run"),
              "callbacks": {"verbose": 0, "tensorboard": False}}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.slow
def test_train_command_runs_and_overrides(config_file, tmp_path, capsys):
    status = cli.main(["train", "--config", str(config_file), "--epochs", "2",
                       "--output-dir", str(tmp_path / "other")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "2 epoch(s) done" in out
    assert (tmp_path / "other" / "checkpoints" / "last.weights.h5").is_file()


def test_train_command_clear_errors(config_file, tmp_path, capsys):
    config = yaml.safe_load(config_file.read_text())
    config["loss"] = "l3"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    assert cli.main(["train", "--config", str(bad)]) == 2
    assert "unknown loss name 'l3'" in capsys.readouterr().err
    assert cli.main(["train", "--config", str(tmp_path / "none.yaml")]) == 2
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    assert cli.main(["train", "--config", str(config_file), "--backend", other]) == 2
    assert "already running" in capsys.readouterr().err


def _run_with(config_file, tmp_path, capsys, **changes):
    config = yaml.safe_load(config_file.read_text())
    config.update(changes)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(config))
    status = cli.main(["train", "--config", str(path)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_train_command_names_the_bad_folder_image_and_scale(config_file, tmp_path, capsys):
    data = yaml.safe_load(config_file.read_text())["data"]
    empty = tmp_path / "empty"
    empty.mkdir()
    status, _, err = _run_with(config_file, tmp_path, capsys,
                               data=dict(data, train=str(empty)))
    assert status == 2
    assert "config 'data.train'" in err and str(empty) in err and "no image files" in err
    status, _, err = _run_with(config_file, tmp_path, capsys,
                               data=dict(data, val=str(empty)))
    assert status == 2 and "config 'data.val'" in err and str(empty) in err
    # patch 30 x scale 2 = 60 px; a.png is 40x40
    status, _, err = _run_with(config_file, tmp_path, capsys, data=dict(data, patch_size=30))
    assert status == 2
    assert "a.png is 40x40" in err and "60x60" in err and "patch_size" in err
    status, _, err = _run_with(config_file, tmp_path, capsys, scale=5)
    assert status == 2
    assert "config 'model' 'espcn' at scale 5" in err and "unsupported `scale` 5" in err
    status, _, err = _run_with(config_file, tmp_path, capsys, loss={"l1": 1.0, "ssim2": 0.1})
    assert status == 2 and "config 'loss': unknown loss name 'ssim2'" in err


@SLOW_ON_JAX
def test_train_command_nan_loss_exits_3_and_says_what_it_kept(config_file, tmp_path,
                                                                  capsys):
    # learning rate 1e-3 for the 4 steps of epoch 1, then 1e38: the loss overflows
    # within epoch 2
    status, out, _ = _run_with(config_file, tmp_path, capsys, epochs=3, steps_per_epoch=4,
                               schedule={"name": "step", "boundaries": [4], "gamma": 1e41})
    ckpt = tmp_path / "run" / "checkpoints"
    assert status == 3, out
    assert "training stopped, restored the last good checkpoint (epoch 1)" in out
    assert str(ckpt) in out
    assert json.loads((ckpt / "state.json").read_text())["epoch"] == 1


@pytest.mark.slow
def test_demo_command_tiny(tmp_path, capsys):
    status = cli.main(["demo", "--steps", "3", "--batch-size", "4", "--out",
                       str(tmp_path / "demo")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "bicubic" in out and "dB" in out
    assert (tmp_path / "demo" / "comparison.png").is_file()
    assert (tmp_path / "demo" / "espcn_x3_c1.keras").is_file()
    if keras.backend.backend() == "tensorflow":
        assert (tmp_path / "demo" / "espcn_x3_c1_int8.tflite").is_file()
