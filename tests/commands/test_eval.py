"""Tests of the ``keras-sr eval`` command."""

import json

import pytest

from keras_sr.cli import main


@pytest.mark.datasets
def test_eval_bicubic_set5_writes_json(datasets_dir, tmp_path, capsys):
    out = tmp_path / "results" / "set5_x4.json"
    status = main(["eval", "--model", "bicubic", "--scale", "4", "--dataset",
                   str(datasets_dir / "Set5"), "--json", str(out), "--no-progress"])
    assert status == 0
    result = json.loads(out.read_text())
    assert set(result) == {"dataset", "scale", "model", "images", "psnr_y", "ssim_y",
                           "per_image"}
    assert (result["scale"], result["model"], result["images"]) == (4, "bicubic", 5)
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
    assert main(["eval", "--dataset", "Set6", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "Set6" in err and "Set5, Set14, B100" in err


def test_missing_weights_file_is_a_clear_error(tmp_path, capsys):
    status = main(["eval", "--model", "espcn", "--dataset", str(tmp_path), "--weights",
                   str(tmp_path / "nope.weights.h5"), "--no-progress"])
    assert status == 1
    assert "nope.weights.h5" in capsys.readouterr().err


def test_unknown_model_lists_valid_names(tmp_path, capsys):
    assert main(["eval", "--model", "nope", "--dataset", str(tmp_path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "nope" in err and "espcn" in err


def test_registry_model_runs_end_to_end(tmp_path, capsys):
    from skimage import data

    from keras_sr.image.io import write_image

    write_image(tmp_path / "a.png", data.astronaut()[:48, :51])
    out = tmp_path / "espcn.json"
    status = main(["eval", "--model", "espcn", "--scale", "3", "--dataset", str(tmp_path),
                   "--json", str(out), "--no-progress"])
    assert status == 0, capsys.readouterr().err
    result = json.loads(out.read_text())
    assert (result["model"], result["images"], result["scale"]) == ("espcn", 1, 3)
    assert 0 < result["psnr_y"] < 60  # random weights: a finite score, computed end to end
