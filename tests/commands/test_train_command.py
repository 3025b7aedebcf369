"""``keras-sr train`` and ``keras-sr demo`` through the CLI entry point."""

import keras
import pytest
import yaml

from keras_sr import cli


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
