"""``keras-sr train`` and ``keras-sr demo`` through the CLI entry point."""

import json
from pathlib import Path

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
    assert "a.png, is 40x40" in err and "60x60" in err and "patch_size" in err
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
def test_demo_command_tiny_never_ends_worse_than_the_shipped_weights(tmp_path, capsys):
    import numpy as np

    from keras_sr import models   # importing models registers the layers load_model needs
    from keras_sr.inference.evaluate import evaluate

    out_dir = tmp_path / "demo"
    status = cli.main(["demo", "--steps", "3", "--epochs", "1", "--batch-size", "4",
                       "--qat-epochs", "1", "--out", str(out_dir)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"keras-sr demo: writing into {out_dir}" in out
    summary = json.loads((out_dir / "demo_summary.json").read_text())
    validation, test = summary["validation"], summary["test"]
    assert summary["validation_set"] != summary["test_set"]
    assert summary["epochs"] == summary["planned_epochs"] == 1 and summary["steps"] == 3
    assert "keras-sr demo: epoch 1/1: validation PSNR" in out

    # the start is the shipped model, scored on the validation images before training
    shipped = models.get("espcn", scale=3, channels=1, weights="pretrained")
    shipped_val = evaluate(shipped, summary["validation_set"], 3, progress=False)["psnr_y"]
    assert validation["start_psnr_y"] == pytest.approx(shipped_val, abs=1e-6)
    assert [row["epoch"] for row in validation["history"]] == [1]

    # the written model is never worse than the shipped weights on the validation images
    final = keras.saving.load_model(str(out_dir / "espcn_x3_c1.keras"))
    final_val = evaluate(final, summary["validation_set"], 3, progress=False)["psnr_y"]
    assert final_val >= shipped_val - 1e-6
    sidecar = json.loads((out_dir / "espcn_x3_c1.json").read_text())
    assert (sidecar["model"], sidecar["scale"], sidecar["channels"]) == ("espcn", 3, 1)
    if validation["improved"]:
        assert final_val == pytest.approx(validation["best_psnr_y"], abs=1e-6)
        assert final_val >= shipped_val + summary["min_gain_db"]
        assert "kept the fine-tuned weights" in out
    else:   # three steps perturb the weights: the shipped ones come back
        assert "did not improve the validation PSNR, kept the shipped weights" in out
        assert all(np.array_equal(a, b)
                   for a, b in zip(final.get_weights(), shipped.get_weights()))
        assert test["psnr_y"] == test["start_psnr_y"]

    # printed scores are the test set's, better than bicubic (Set5: +1.9 dB, chelsea +0.5)
    test_name = Path(summary["test_set"]).name
    assert f"{test_name} (test): ESPCN x3 {test['psnr_y']:.2f} dB" in out
    assert f"bicubic {test['bicubic_psnr_y']:.2f} dB" in out
    assert test["psnr_y"] > test["bicubic_psnr_y"] + 0.3
    assert (out_dir / "comparison.png").is_file()
    if keras.backend.backend() == "tensorflow":
        assert (out_dir / "espcn_x3_c1_int8.tflite").is_file()
        assert f"int8 TFLite {test['int8_psnr_y']:.2f} dB" in out
        assert test["bicubic_psnr_y"] < test["int8_psnr_y"] <= test["psnr_y"] + 0.05


@SLOW_ON_JAX
def test_train_command_start_up_summary_and_ctrl_c_then_resume(config_file, tmp_path,
                                                                  capsys, monkeypatch):
    """A run prints what it found before training; Ctrl-C in epoch 2 ends with one line
    and the resume hint (no traceback); the same command resumes at epoch 1."""
    from keras_sr.training import callbacks as cb

    config = yaml.safe_load(config_file.read_text())
    config["epochs"] = 3
    config_file.write_text(yaml.safe_dump(config))
    original = cb.Checkpoint.on_epoch_end

    def interrupt_after_the_first_epoch(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt
        return original(self, epoch, logs)

    monkeypatch.setattr(cb.Checkpoint, "on_epoch_end", interrupt_after_the_first_epoch)
    status = cli.main(["train", "--config", str(config_file)])
    captured = capsys.readouterr()
    assert status == 130
    assert "keras-sr: data.train: " in captured.out and "(1 images)" in captured.out
    assert "keras-sr: model: espcn x2, 1 channel(s)," in captured.out
    assert "keras-sr: steps: 3 epochs x 2 = 6, batch 2 of 6x6 LR patches" in captured.out
    assert f"keras-sr: output: {config['output_dir']}" in captured.out
    assert "Traceback" not in captured.err
    assert captured.err.strip().splitlines()[-1] == (
        "keras-sr train: interrupted; run the same command again to resume from the last "
        "checkpoint (--no-resume starts afresh)")

    monkeypatch.setattr(cb.Checkpoint, "on_epoch_end", original)
    assert cli.main(["train", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert "holds a checkpoint: resumes at epoch 1" in out
    assert "keras-sr: resuming from epoch 1 of 3" in out
    state = json.loads((Path(config["output_dir"]) / "checkpoints" / "state.json").read_text())
    assert state["epoch"] == 3
