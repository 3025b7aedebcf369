"""Tests of `keras-sr export` / export/to_tflite.py and `keras-sr upscale` (end to end)."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_sr.commands import export as export_command
from keras_sr.commands import upscale as upscale_command
from keras_sr.image.io import read_image, write_image
from keras_sr.export import integer_core_problems, list_ops
from keras_sr.models.pretrained import WEIGHTS_DIR

pytestmark = pytest.mark.tf_only
REPO = Path(__file__).resolve().parents[2]


def _parse(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def hr_dir(tmp_path_factory):
    import skimage.data

    folder = tmp_path_factory.mktemp("hr")
    for i, image in enumerate((skimage.data.astronaut(), skimage.data.coffee())):
        write_image(folder / f"img{i}.png", image[100:148, 100:160])
    return folder


@pytest.fixture(scope="module")
def qat_export(tmp_path_factory, hr_dir):
    out = tmp_path_factory.mktemp("out") / "espcn.tflite"
    argv = ["--model", "espcn", "--scale", "3", "--weights", "none", "--quantize",
            "int8-qat", "--qat-epochs", "1", "--patches", "8", "--patch-size", "12",
            "--train-dir", str(hr_dir), "--io", "uint8", "--verify", str(hr_dir),
            "--max-psnr-drop", "100", "--out", str(out)]
    status = export_command.run(_parse(export_command, argv))
    return status, out


def test_qat_export_writes_int8_model_and_sidecar(qat_export):
    status, out = qat_export
    assert status == 0
    assert integer_core_problems(list_ops(out)) == []
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["model"] == "espcn" and sidecar["scale"] == 3
    assert sidecar["channels"] == 1 and sidecar["colour_space"].startswith("Y")
    assert sidecar["input"]["dtype"] == "uint8" and sidecar["dynamic_size"]
    assert sidecar["input"]["quant_scale"] == pytest.approx(1 / 255)


def test_verify_threshold_fails(tmp_path, hr_dir):
    argv = ["--model", "espcn", "--scale", "3", "--weights", "none", "--quantize",
            "float16", "--verify", str(hr_dir), "--max-psnr-drop", "-1",
            "--out", str(tmp_path / "f16.tflite")]
    # float16 loses ~0 dB: an impossible negative threshold must fail the run
    assert export_command.run(_parse(export_command, argv)) == 1


def test_pretrained_unavailable_message(tmp_path, monkeypatch):
    import keras_sr.models as models

    def missing(*args, **kwargs):
        raise FileNotFoundError("No pretrained weights for 'espcn' ... Available: none")

    monkeypatch.setattr(models, "load_weights", missing)
    args = _parse(export_command, ["--model", "espcn", "--scale", "3",
                                   "--out", str(tmp_path / "x.tflite")])
    with pytest.raises(FileNotFoundError, match="--weights pretrained is not available"):
        export_command.run(args)


def test_input_size_parsing():
    assert export_command.parse_size("360x640") == (360, 640)
    assert export_command.parse_size("dynamic") is None
    with pytest.raises(argparse.ArgumentTypeError, match="HxW"):
        export_command.parse_size("640")


def test_script_shares_the_command_options():
    result = subprocess.run([sys.executable, str(REPO / "export" / "to_tflite.py"), "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    for option in ("--quantize", "--qat-epochs", "--train-dir", "--input-size", "--io",
                   "--verify", "--max-psnr-drop", "--out"):
        assert option in result.stdout


def test_upscale_with_tflite_tiles(qat_export, hr_dir, tmp_path):
    _, out = qat_export
    lr_path = hr_dir / "img0.png"
    whole = tmp_path / "whole.png"
    tiled = tmp_path / "tiled.png"
    for target, tile in ((whole, 64), (tiled, 8)):
        args = _parse(upscale_command, [str(lr_path), str(target), "--tflite", str(out),
                                        "--tile", str(tile)])
        assert upscale_command.run(args) == 0
    a, b = read_image(whole), read_image(tiled)
    assert a.shape == (144, 180, 3)
    assert np.abs(a - b).max() <= 1 / 255 + 1e-6


@pytest.mark.datasets
def test_ptq_of_split_prelus_loses_less_than_of_prelu_ops(tmp_path, datasets_dir):
    """The shipped FSRCNN x3's first conv feeds a PReLU and spans [-4, 1]: with PRELU ops
    kept (--keep-prelu) PTQ gives that conv output an int8 range whose negative side the
    PReLU then shrinks; the default split (the slope inside the conv) does not. Measured
    2026-12-03 (T91 calibration, Set5): 0.56 dB lost with PRELU ops, 0.17 dB split."""
    from keras_sr import models
    from keras_sr.export import verify_tflite

    scores = {}
    for name, flags in (("kept", ["--keep-prelu"]), ("split", [])):
        out = tmp_path / f"fsrcnn_{name}.tflite"
        argv = ["--model", "fsrcnn", "--scale", "3", "--quantize", "int8-ptq",
                "--train-dir", str(datasets_dir / "T91"), "--patches", "128",
                "--patch-size", "24", "--out", str(out)] + flags
        assert export_command.run(_parse(export_command, argv)) == 0
        ops = [op["op"] for op in list_ops(out)]
        assert ("PRELU" in ops) == (name == "kept")
        assert integer_core_problems(list_ops(out)) == []
        scores[name] = verify_tflite(out, models.get("fsrcnn", scale=3,
                                                     weights="pretrained"),
                                     datasets_dir / "Set5", 3)
    float_psnr = scores["kept"]["psnr_keras"]
    shipped = json.loads((WEIGHTS_DIR / "fsrcnn_x3_c1.json").read_text())
    assert float_psnr == pytest.approx(shipped["psnr_y"]["Set5"], abs=0.01)
    kept_drop = float_psnr - scores["kept"]["psnr_tflite"]
    split_drop = float_psnr - scores["split"]["psnr_tflite"]
    assert kept_drop - split_drop > 0.3
    assert 0 < split_drop < 0.25


def test_keep_prelu_needs_an_int8_mode(tmp_path):
    argv = ["--model", "fsrcnn", "--scale", "3", "--quantize", "float16", "--keep-prelu",
            "--out", str(tmp_path / "a.tflite")]
    with pytest.raises(ValueError, match="--keep-prelu needs --quantize int8"):
        export_command.run(_parse(export_command, argv))


def test_equalize_out_of_range_is_refused(tmp_path):
    argv = ["--model", "fsrcnn", "--scale", "3", "--quantize", "int8-ptq", "--equalize",
            "2", "--out", str(tmp_path / "a.tflite")]
    with pytest.raises(ValueError, match="--equalize must be in"):
        export_command.run(_parse(export_command, argv))


def test_qat_export_rewrites_the_deconvolution_before_quantizing(tmp_path, hr_dir):
    out = tmp_path / "fsrcnn_qat.tflite"
    argv = ["--model", "fsrcnn", "--scale", "3", "--quantize", "int8-qat", "--qat-retrain",
            "--qat-epochs", "0", "--patches", "8", "--patch-size", "12", "--train-dir", str(hr_dir),
            "--out", str(out)]
    assert export_command.run(_parse(export_command, argv)) == 0
    ops = list_ops(out)
    assert integer_core_problems(ops) == []
    names = [op["op"] for op in ops]
    assert "TRANSPOSE_CONV" not in names and "DEPTH_TO_SPACE" in names
    # XNNPACK runs every op in int8: the PReLUs became convs with a fused ReLU
    assert set(names) == {"QUANTIZE", "CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE"}
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["transposed_conv_as_subpixel"] == ["sr"]
    assert len(sidecar["prelu_as_split_relu"]) == 7
    kept = tmp_path / "fsrcnn_qat_kept.tflite"
    argv[-1] = str(kept)
    assert export_command.run(_parse(export_command, argv + ["--keep-transposed",
                                                             "--keep-prelu"])) == 0
    kept_ops = [op["op"] for op in list_ops(kept)]
    assert "TRANSPOSE_CONV" in kept_ops and kept_ops.count("PRELU") == 7
    assert "prelu_as_split_relu" not in json.loads(kept.with_suffix(".json").read_text())


def test_a_saved_qat_state_is_converted_without_training(tmp_path, hr_dir, monkeypatch):
    import keras_sr.export.qat as qat

    state = tmp_path / "states" / "espcn_x3_c1.qat.weights.h5"
    first = tmp_path / "first.tflite"
    argv = ["--model", "espcn", "--scale", "3", "--channels", "1", "--quantize", "int8-qat",
            "--qat-retrain", "--qat-epochs", "1", "--patches", "16", "--patch-size", "12",
            "--train-dir", str(hr_dir), "--save-qat-state", str(state), "--out", str(first)]
    assert export_command.run(_parse(export_command, argv)) == 0
    monkeypatch.setattr(qat, "QAT_STATES_DIR", state.parent)
    monkeypatch.setattr(qat.recipe, "run_recipe", None)  # calling it would fail
    second = tmp_path / "second.tflite"
    argv = ["--model", "espcn", "--scale", "3", "--channels", "1", "--quantize", "int8-qat",
            "--out", str(second)]
    assert export_command.run(_parse(export_command, argv)) == 0
    assert json.loads(second.with_suffix(".json").read_text())["qat"]["qat_state"] == \
        state.name
    lr = np.random.default_rng(0).uniform(0, 1, (1, 20, 20, 1)).astype("float32")
    from keras_sr.runtime import TFLiteModel

    np.testing.assert_array_equal(TFLiteModel(first)(lr), TFLiteModel(second)(lr))


def test_qat_only_flags_are_refused_without_int8_qat(tmp_path):
    argv = ["--model", "espcn", "--scale", "3", "--quantize", "float16", "--qat-retrain",
            "--out", str(tmp_path / "a.tflite")]
    with pytest.raises(ValueError, match="--qat-retrain needs --quantize int8-qat"):
        export_command.run(_parse(export_command, argv))
