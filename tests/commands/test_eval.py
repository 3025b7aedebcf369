"""Tests of the ``keras-sr eval`` command."""

import json
from pathlib import Path

import pytest

from keras_sr.cli import main

SHIPPED_X2 = "keras_sr/weights/fsrcnn_x2_c1.weights.h5"


@pytest.fixture
def one_image(tmp_path):
    """A folder holding one 48x51 RGB photo."""
    from skimage import data

    from keras_sr.image.io import write_image

    folder = tmp_path / "images"
    folder.mkdir()
    write_image(folder / "a.png", data.astronaut()[:48, :51])
    return folder


@pytest.mark.datasets
def test_eval_bicubic_set5_writes_json(datasets_dir, tmp_path, capsys):
    out = tmp_path / "results" / "set5_x4.json"
    status = main(["eval", "--model", "bicubic", "--scale", "4", "--dataset",
                   str(datasets_dir / "Set5"), "--json", str(out), "--no-progress"])
    assert status == 0
    result = json.loads(out.read_text())
    assert set(result) == {"dataset", "scale", "model", "images", "psnr_y", "ssim_y",
                           "per_image", "skipped"}
    assert (result["scale"], result["model"], result["images"]) == (4, "bicubic", 5)
    assert result["skipped"] == []
    assert abs(result["psnr_y"] - 28.42) <= 0.03
    assert abs(result["ssim_y"] - 0.8104) <= 0.002
    printed = capsys.readouterr().out
    assert "mean" in printed and f"{result['psnr_y']:.2f}" in printed
    for row in result["per_image"]:
        assert row["name"] in printed and f"{row['psnr_y']:.2f}" in printed


def test_eval_by_name_under_keras_sr_data(datasets_dir, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_SR_DATA", str(datasets_dir))
    assert main(["eval", "--scale", "3", "--dataset", "set5", "--no-progress"]) == 0
    assert "bicubic x3 on set5 (5 images" in capsys.readouterr().out


def test_unknown_dataset_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_SR_DATA", str(tmp_path))
    assert main(["eval", "--dataset", "Set6", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Set6" in err and "Set5, Set14, B100" in err


def test_missing_weights_file_is_a_clear_error(tmp_path, capsys):
    status = main(["eval", "--model", "espcn", "--dataset", str(tmp_path), "--weights",
                   str(tmp_path / "nope.weights.h5"), "--no-progress"])
    assert status == 2
    assert "--weights: no such file" in capsys.readouterr().err


def test_unknown_model_lists_valid_names(tmp_path, capsys):
    assert main(["eval", "--model", "nope", "--dataset", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "espcn" in err


@pytest.mark.parametrize("argv,message", [
    (["--scale", "0"], "--scale must be an integer >= 1; got 0"),
    (["--weights", "pretrained"], "--weights: bicubic has no weights"),
    (["--model", "patch_discriminator"], "patch_discriminator is a discriminator"),
])
def test_bad_arguments_are_one_line(tmp_path, capsys, argv, message):
    assert main(["eval", "--dataset", str(tmp_path), "--no-progress", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_weights_for_another_scale_are_refused(one_image, capsys):
    # issue 18: this gave 12.80 dB on Set5 (bicubic: 30.40) without a word
    status = main(["eval", "--model", "fsrcnn", "--scale", "3", "--channels", "1",
                   "--weights", SHIPPED_X2, "--dataset", str(one_image), "--no-progress"])
    assert status == 2
    err = capsys.readouterr().err
    assert "fsrcnn_x2_c1.weights.h5' holds fsrcnn x2, 1 channel" in err
    assert "fsrcnn x3, 1 channel was asked for" in err


def test_scale_and_channels_come_from_the_weights_sidecar(one_image, tmp_path, capsys):
    out = tmp_path / "x2.json"
    assert main(["eval", "--model", "fsrcnn", "--weights", SHIPPED_X2, "--dataset",
                 str(one_image), "--json", str(out), "--no-progress"]) == 0
    from_sidecar = json.loads(out.read_text())
    assert main(["eval", "--model", "fsrcnn", "--scale", "2", "--channels", "1", "--weights",
                 "pretrained", "--dataset", str(one_image), "--json", str(out),
                 "--no-progress"]) == 0
    assert from_sidecar == json.loads(out.read_text())
    assert from_sidecar["scale"] == 2


def test_a_keras_file_needs_no_scale_and_scores_like_its_weights(one_image, tmp_path, capsys):
    from keras_sr import models

    path = tmp_path / "fsrcnn_x2.keras"
    models.get("fsrcnn", scale=2, channels=1, weights="pretrained").save(path)
    out = tmp_path / "keras.json"
    assert main(["eval", "--model", str(path), "--dataset", str(one_image), "--json", str(out),
                 "--no-progress"]) == 0
    from_file = json.loads(out.read_text())
    assert main(["eval", "--model", "fsrcnn", "--scale", "2", "--channels", "1", "--weights",
                 "pretrained", "--dataset", str(one_image), "--json", str(out),
                 "--no-progress"]) == 0
    assert from_file == json.loads(out.read_text())
    assert (from_file["model"], from_file["scale"]) == ("fsrcnn", 2)
    capsys.readouterr()
    assert main(["eval", "--model", str(path), "--scale", "3", "--dataset", str(one_image),
                 "--no-progress"]) == 2
    assert "--scale 3: " in capsys.readouterr().err
    assert main(["eval", "--model", str(path), "--weights", "pretrained", "--dataset",
                 str(one_image), "--no-progress"]) == 2
    assert "carries its own weights" in capsys.readouterr().err


def test_a_keras_file_without_a_scale_asks_for_one(one_image, tmp_path, capsys):
    import keras

    lr = keras.Input((None, None, 3), name="lr")
    path = tmp_path / "plain.keras"
    keras.Model(lr, keras.layers.UpSampling2D(2, name="sr")(lr), name="plain").save(path)
    assert main(["eval", "--model", str(path), "--dataset", str(one_image),
                 "--no-progress"]) == 2
    assert "does not record its scale" in capsys.readouterr().err
    out = tmp_path / "plain.json"
    assert main(["eval", "--model", str(path), "--scale", "2", "--dataset", str(one_image),
                 "--json", str(out), "--no-progress"]) == 0
    assert json.loads(out.read_text())["scale"] == 2


def test_registry_model_runs_end_to_end(one_image, tmp_path, capsys):
    out = tmp_path / "espcn.json"
    status = main(["eval", "--model", "espcn", "--scale", "3", "--dataset", str(one_image),
                   "--json", str(out), "--no-progress"])
    assert status == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    assert (result["model"], result["images"], result["scale"]) == ("espcn", 1, 3)
    assert 0 < result["psnr_y"] < 60  # random weights: a finite score, computed end to end


def test_progress_bar_over_the_images(one_image, capsys):
    assert main(["eval", "--model", "bicubic", "--scale", "2", "--dataset",
                 str(one_image)]) == 0
    assert "1/1" in capsys.readouterr().out  # keras.utils.Progbar: images done / total
    assert main(["eval", "--model", "bicubic", "--scale", "2", "--dataset", str(one_image),
                 "--no-progress"]) == 0
    assert "1/1" not in capsys.readouterr().out


def test_eval_skip_bad_scores_the_rest_and_names_the_bad(datasets_dir, tmp_path, capsys):
    import shutil

    folder = tmp_path / "Set5_mixed"
    shutil.copytree(datasets_dir / "Set5", folder)
    (folder / "broken.png").write_text("not an image")
    assert main(["eval", "--scale", "4", "--dataset", str(folder), "--no-progress"]) == 2
    assert "broken.png" in capsys.readouterr().err
    out = tmp_path / "mixed.json"
    assert main(["eval", "--scale", "4", "--dataset", str(folder), "--no-progress",
                 "--skip-bad", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["images"] == 5 and [Path(name).name for name, _ in result["skipped"]] == [
        "broken.png"]
    assert abs(result["psnr_y"] - 28.42) <= 0.03


def test_eval_metrics_vif_and_ifc_through_the_cli(tmp_path, capsys):
    pytest.importorskip("pyrtools")
    from skimage import data

    from keras_sr.image.io import read_image, write_image
    from keras_sr.metrics.protocol import bicubic_upscale, score_image

    folder = tmp_path / "images"
    write_image(folder / "a.png", data.astronaut()[100:196, 150:249])
    out = tmp_path / "scores.json"
    status = main(["eval", "--model", "bicubic", "--scale", "2", "--dataset", str(folder),
                   "--metrics", "psnr,vif,ifc", "--json", str(out), "--no-progress"])
    assert status == 0
    result = json.loads(out.read_text())
    assert {"psnr_y", "vif_y", "ifc_y"} <= set(result) and "ssim_y" not in result
    expected = score_image(read_image(folder / "a.png", mode=None), 2,
                           lambda lr: bicubic_upscale(lr, 2), metrics=["psnr", "vif", "ifc"])
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-9)
        assert result["per_image"][0][key] == pytest.approx(value, abs=1e-9)
    assert 0.0 < result["vif_y"] < 1.0 and result["ifc_y"] > 0.0
    printed = capsys.readouterr().out
    assert "VIFp" in printed and "IFC" in printed and "SSIM" not in printed
    assert f"{result['vif_y']:.4f}" in printed and f"{result['ifc_y']:.3f}" in printed


def test_eval_unknown_metric_is_one_line(tmp_path, capsys):
    assert main(["eval", "--dataset", str(tmp_path), "--metrics", "psnr,lpips",
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--metrics: expected a comma-separated list of" in err


def test_builder_arguments_come_from_a_training_checkpoint_sidecar(one_image, tmp_path,
                                                                    capsys):
    """A checkpoint of a non-default architecture evaluates without repeating its
    ``model_args``: the sidecar that ``keras-sr train`` writes records them."""
    from keras_sr import models
    from keras_sr.inference.evaluate import evaluate
    from keras_sr.training.callbacks import write_sidecar
    from keras_sr.training.trainer import _checkpoint_identity

    model = models.get("lapsrn", scale=4, channels=1, filters=8, depth=2)
    path = tmp_path / "last.weights.h5"
    model.save_weights(path)
    config = {"model": "lapsrn", "scale": 4, "channels": 1,
              "model_args": {"filters": 8, "depth": 2, "pyramid": True}}
    write_sidecar(path, _checkpoint_identity(config), epoch=1)
    out = tmp_path / "eval.json"
    assert main(["eval", "--model", "lapsrn", "--weights", str(path), "--dataset",
                 str(one_image), "--json", str(out), "--no-progress"]) == 0
    expected = evaluate(model, one_image, 4, progress=False)
    assert json.loads(out.read_text())["psnr_y"] == pytest.approx(expected["psnr_y"],
                                                                  abs=1e-6)
    with pytest.raises(ValueError):   # caller arguments win, and these shapes differ
        models.get("lapsrn", scale=4, channels=1, weights=str(path), filters=16)
