"""PlainSR through `keras-sr export`: folded automatically, full-integer int8 graphs."""

import argparse
import json

import numpy as np
import pytest

from keras_sr import models
from keras_sr.commands import export as export_command
from keras_sr.export import integer_core_problems, list_ops
from keras_sr.export.inspector import BOUNDARY_OPS, is_float_op
from keras_sr.image.io import write_image
from keras_sr.runtime import TFLiteModel

pytestmark = pytest.mark.tf_only
# Every op of a folded PlainSR (Y) int8 graph between the input and output (de)quantize
# (the anchor is an ADD broadcasting the LR image: no CONCATENATION, one input QUANTIZE;
# the [0, 1] output clip of both PTQ and QAT is the output's int8 grid, not an op).
INT8_CORE = {"CONV_2D", "ADD", "DEPTH_TO_SPACE"}


def _parse(argv):
    parser = argparse.ArgumentParser()
    export_command.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def hr_dir(tmp_path_factory):
    import skimage.data

    folder = tmp_path_factory.mktemp("hr")
    write_image(folder / "img0.png", skimage.data.astronaut()[100:148, 100:160])
    return folder


def check_full_integer(path):
    """Op by op: only (de)quantize at the edges, int8 everywhere in between."""
    ops = list_ops(path)
    assert integer_core_problems(ops) == []
    names = [op["op"] for op in ops]
    assert set(names) - set(BOUNDARY_OPS) == INT8_CORE, names
    assert names.count("CONV_2D") == 6  # head + 4 blocks + tail: one conv per block
    assert names.count("QUANTIZE") == 1 and names[0] == "QUANTIZE"
    first = 0
    last = min(i for i, op in enumerate(ops) if op["op"] == "DEQUANTIZE")
    for op in ops[first + 1:last]:
        assert not is_float_op(op), op
        assert op["op"] in INT8_CORE


@pytest.mark.parametrize("quantize", ["int8-ptq", "int8-qat"])
def test_unfolded_model_exports_as_full_integer_int8(quantize, hr_dir, tmp_path, capsys):
    out = tmp_path / f"plainsr_{quantize}.tflite"
    argv = ["--model", "plainsr_small", "--scale", "3", "--weights", "none",
            "--quantize", quantize, "--patches", "8", "--patch-size", "12",
            "--train-dir", str(hr_dir), "--out", str(out)]
    if quantize == "int8-qat":
        argv += ["--qat-epochs", "1"]
    assert export_command.run(_parse(argv)) == 0
    assert "folded 6 re-parameterizable blocks (head, block1, block2, block3, block4, " \
           "tail) into plain Conv2D" in capsys.readouterr().err
    check_full_integer(out)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["model"] == "plainsr_small" and sidecar["scale"] == 3
    assert sidecar["folded_rep_blocks"][0] == "head"
    lr = np.random.default_rng(0).uniform(size=(1, 10, 12, 1)).astype("float32")
    sr = TFLiteModel(out)(lr)
    assert sr.shape == (1, 30, 36, 1)
    assert np.isfinite(sr).all() and sr.min() >= 0.0 and sr.max() <= 1.0


def test_library_export_folds_the_model(tmp_path):
    from keras_sr.export import export_tflite

    model = models.get("plainsr_small", scale=2, channels=1)
    path = export_tflite(model, tmp_path / "f32.tflite")
    lr = np.random.default_rng(1).uniform(size=(1, 9, 11, 1)).astype("float32")
    np.testing.assert_allclose(TFLiteModel(path)(lr), np.asarray(model(lr)), atol=1e-5)
    assert {op["op"] for op in list_ops(path)} == {"CONV_2D", "ADD", "DEPTH_TO_SPACE"}
    assert json.loads(path.with_suffix(".json").read_text())["folded_rep_blocks"][-1] == \
        "tail"


@pytest.mark.parametrize("quantize", ["int8-ptq", "int8-qat"])
def test_unshuffled_model_exports_as_full_integer_int8(quantize, hr_dir, tmp_path):
    # a fixed even input size: the pad and crop vanish, SPACE_TO_DEPTH joins the int8 ops
    out = tmp_path / f"plainsr_u2_{quantize}.tflite"
    model = models.get("plainsr_small", scale=3, channels=1, filters=8, num_blocks=1,
                       unshuffle=2)
    weights = tmp_path / "u2.weights.h5"
    model.save_weights(weights)
    weights.with_suffix("").with_suffix(".json").write_text(json.dumps(
        {"model": "plainsr_small", "scale": 3, "channels": 1,
         "model_args": {"filters": 8, "num_blocks": 1, "unshuffle": 2}}))
    argv = ["--model", "plainsr_small", "--scale", "3", "--weights", str(weights),
            "--quantize", quantize, "--patches", "8", "--patch-size", "12",
            "--train-dir", str(hr_dir), "--input-size", "10x12", "--out", str(out)]
    if quantize == "int8-qat":
        argv += ["--qat-epochs", "1"]
    assert export_command.run(_parse(argv)) == 0
    ops = list_ops(out)
    assert integer_core_problems(ops) == []
    names = [op["op"] for op in ops]
    core = set(names) - set(BOUNDARY_OPS)
    assert core == {"SPACE_TO_DEPTH", "CONV_2D", "ADD", "DEPTH_TO_SPACE"}, names
    assert names.count("CONV_2D") == 4  # head + 1 block + tail + the fixed 1x1 anchor
    import skimage.data

    photo = skimage.data.astronaut()[100:130:3, 100:136:3].mean(axis=-1) / 255.0
    lr = photo[None, :, :, None].astype("float32")  # like the calibration patches
    sr = TFLiteModel(out)(lr)
    assert sr.shape == (1, 30, 36, 1)
    float_sr = np.clip(np.asarray(model(lr)), 0.0, 1.0)
    assert np.abs(sr - float_sr).mean() < 0.02  # int8 stays near the float model


def test_dynamic_export_leaves_pad_and_crop_to_the_runner(tmp_path):
    # no shape arithmetic in the file (it would keep XNNPACK off the convs); TFLiteModel
    # pads odd sizes as the Keras model does, so the outputs still match at any size
    from keras_sr.export import export_tflite
    from keras_sr.export.size_adapters import size_adapters

    model = models.get("plainsr_wide", scale=3, channels=1, filters=8, num_blocks=1)
    path = export_tflite(model, tmp_path / "wide.tflite")
    names = {op["op"] for op in list_ops(path)}
    assert names == {"SPACE_TO_DEPTH", "CONV_2D", "ADD", "DEPTH_TO_SPACE"}, names
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["size_multiple"] == {"multiple": 2, "pad_mode": "symmetric"}
    runner = TFLiteModel(path)
    for size in [(9, 11), (10, 12), (1, 3)]:
        lr = np.random.default_rng(size[0]).uniform(size=(1, *size, 1)).astype("float32")
        np.testing.assert_allclose(runner(lr), np.asarray(model(lr)), atol=2e-5)
    fixed = export_tflite(model, tmp_path / "fixed.tflite", input_size=(10, 12))
    assert "size_multiple" not in json.loads(fixed.with_suffix(".json").read_text())
    # the hourglass reads its input twice (bicubic residual): left as it is
    assert size_adapters(models.get("hourglass", scale=2, filters=8, num_blocks=1)) is None
