"""Tests of keras_sr.export: conversion modes, int8 graph, sidecar, parity with Keras."""

import json

import keras
import numpy as np
import pytest
from toy_models import every_layer_model, tiny_espcn

from keras_sr.export import (
    TFLiteModel, export_tflite, integer_core_problems, list_ops, op_counts, read_sidecar)
from keras_sr.quantization import fine_tune, quantize_model

pytestmark = pytest.mark.tf_only


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _psnr(a, b):
    return float(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(1)
    coarse = rng.uniform(0, 1, (8, 5, 5, 3))
    smooth = np.repeat(np.repeat(coarse, 4, 1), 4, 2)[:, :16, :16]
    return np.clip(smooth + rng.normal(0, 0.03, smooth.shape), 0, 1).astype("float32")


@pytest.fixture(scope="module")
def qat_tflite(tmp_path_factory, images):
    keras.utils.set_random_seed(0)
    qat = quantize_model(every_layer_model(scale=2), calibration_data=images)
    hr = np.repeat(np.repeat(images, 2, 1), 2, 2)
    fine_tune(qat, images, hr, epochs=1, batch_size=4)
    # PRELU kept: these tests compare every op with the QAT model's own twin
    path = export_tflite(qat, tmp_path_factory.mktemp("qat") / "model.tflite",
                         quantize="int8-qat", split_prelus=False)
    return qat, path


def test_qat_graph_is_full_integer(qat_tflite):
    _, path = qat_tflite
    ops = list_ops(path)
    counts = op_counts(ops)
    assert counts["CONV_2D"] == 5 and counts["DEPTH_TO_SPACE"] == 1
    assert {"PRELU", "LEAKY_RELU", "ADD", "CONCATENATION", "TRANSPOSE_CONV"} <= set(counts)
    assert integer_core_problems(ops) == []
    for op in ops:
        if op["op"] in ("CONV_2D", "DEPTH_TO_SPACE"):
            assert op["inputs"][0] == "int8" and op["outputs"] == ["int8"]


def test_qat_tflite_matches_keras_twin(qat_tflite, images):
    qat, path = qat_tflite
    tflite = TFLiteModel(path)
    for size in ((16, 16), (12, 8)):  # dynamic H/W: the interpreter resizes
        x = images[:1, :size[0], :size[1]]
        got, want = tflite(x), _np(qat(x))
        assert got.shape == (1, 2 * size[0], 2 * size[1], 3)
        # same int8 grid: a few rounding disagreements of one output step at most
        assert np.abs(got - want).max() <= 3 / 255 + 1e-6
        assert _psnr(got, want) > 45.0


def test_float_graph_finds_float_ops(tmp_path):
    path = export_tflite(tiny_espcn(), tmp_path / "float.tflite")
    problems = integer_core_problems(list_ops(path))
    assert problems and "CONV_2D" in problems[0]


@pytest.mark.parametrize("quantize", ["none", "float16", "dynamic"])
def test_float_modes_match_keras(tmp_path, images, quantize):
    model = tiny_espcn()
    path = export_tflite(model, tmp_path / f"{quantize}.tflite", quantize=quantize)
    got = TFLiteModel(path)(images[:1])
    tolerance = {"none": 1e-5, "float16": 5e-3, "dynamic": 5e-2}[quantize]
    assert np.abs(got - _np(model(images[:1]))).max() < tolerance


def test_ptq_uint8_io_and_sidecar(tmp_path, images):
    model = tiny_espcn()
    path = export_tflite(model, tmp_path / "ptq.tflite", quantize="int8-ptq",
                         representative_data=images, io="uint8", input_size=(16, 16))
    sidecar = read_sidecar(path)
    assert json.loads((tmp_path / "ptq.json").read_text()) == sidecar
    assert sidecar["scale"] == 2 and sidecar["channels"] == 3
    assert sidecar["colour_space"] == "RGB" and sidecar["quantize"] == "int8-ptq"
    assert sidecar["input"]["dtype"] == "uint8" and sidecar["output"]["dtype"] == "uint8"
    assert sidecar["input"]["shape"] == [1, 16, 16, 3] and not sidecar["dynamic_size"]
    assert sidecar["input"]["quant_scale"] == pytest.approx(1 / 255, rel=0.05)
    # receptive radius of 5x5 + 3x3 + 3x3 convs = 2 + 1 + 1 LR px
    assert sidecar["receptive_radius"] == 4 and sidecar["tile"]["overlap"] == 4
    assert sidecar["tile"]["size"] == 16 - 2 * 4
    model_tfl = TFLiteModel(path)
    got = model_tfl(images[:1])
    assert _psnr(got, np.clip(_np(model(images[:1])), 0, 1)) > 30.0
    with pytest.raises(ValueError, match="fixed input shape"):
        model_tfl(images[:1, :8, :8])


def test_ptq_output_clip_is_the_output_grid_not_an_op(tmp_path, images):
    model = tiny_espcn()
    common = {"quantize": "int8-ptq", "representative_data": images, "io": "int8"}
    clipped = export_tflite(model, tmp_path / "clip.tflite", **common)
    bare = export_tflite(model, tmp_path / "bare.tflite", clip=False, **common)
    ops = [op["op"] for op in list_ops(clipped)]
    assert ops == [op["op"] for op in list_ops(bare)]  # no MINIMUM / RELU added
    assert not {"MINIMUM", "RELU", "RELU_0_TO_1"} & set(ops)
    clipped_model = TFLiteModel(clipped)

    def output_grid(tflite):
        return tflite.interpreter.get_output_details()[0]["quantization"]

    # the int8 output grid is [0, 1]: scale 1/255, zero point -128
    assert output_grid(clipped_model) == pytest.approx((1 / 255, -128))
    assert output_grid(TFLiteModel(bare)) != pytest.approx((1 / 255, -128))
    out = clipped_model(images[:1])
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert _psnr(out, np.clip(_np(model(images[:1])), 0, 1)) > 30.0


def test_ptq_splits_top_level_prelus_and_leaves_nested_models_as_they_are(tmp_path,
                                                                          images):
    """int8 export splits conv -> PReLU -> conv by default; a PReLU inside a nested model
    (which the split cannot rewrite) stays a PRELU op instead of failing the export."""
    x = keras.Input((None, None, 3))
    h = keras.layers.Conv2D(4, 3, padding="same")(x)
    h = keras.layers.PReLU(shared_axes=[1, 2])(h)
    flat = keras.Model(x, keras.layers.Conv2D(3, 3, padding="same")(h), name="flat")
    outer_input = keras.Input((None, None, 3))
    nested = keras.Model(outer_input, flat(outer_input), name="nested")
    common = {"quantize": "int8-ptq", "representative_data": images,
              "input_size": (16, 16)}
    ops = {}
    for model in (flat, nested):
        path = export_tflite(model, tmp_path / f"{model.name}.tflite", **common)
        ops[model.name] = [op["op"] for op in list_ops(path)]
        sidecar = json.loads(path.with_suffix(".json").read_text())
        assert ("prelu_as_split_relu" in sidecar) == (model.name == "flat")
    assert "PRELU" not in ops["flat"] and "PRELU" in ops["nested"]


def test_bad_requests(tmp_path, images):
    with pytest.raises(ValueError, match="representative_data"):
        export_tflite(tiny_espcn(), tmp_path / "a.tflite", quantize="int8-ptq")
    with pytest.raises(ValueError, match="fake-quant"):
        export_tflite(tiny_espcn(), tmp_path / "b.tflite", quantize="int8-qat")
    with pytest.raises(ValueError, match="io="):
        export_tflite(tiny_espcn(), tmp_path / "c.tflite", io="uint8")
    with pytest.raises(ValueError, match="quantize"):
        export_tflite(tiny_espcn(), tmp_path / "d.tflite", quantize="int4")


def test_transposed_conv_exported_as_subpixel(tmp_path, images):
    """FSRCNN's 9x9 stride-3 deconvolution becomes CONV_2D + DEPTH_TO_SPACE by default
    (LiteRT output unchanged); subpixel=False keeps TRANSPOSE_CONV."""
    from keras_sr import models

    model = models.get("fsrcnn", scale=3, weights="pretrained")
    lr = images[:1, :, :, :1]
    paths = {flag: export_tflite(model, tmp_path / f"fsrcnn_{flag}.tflite", subpixel=flag)
             for flag in (True, False)}
    ops_new, ops_old = (op_counts(list_ops(paths[flag])) for flag in (True, False))
    assert "TRANSPOSE_CONV" not in ops_new and ops_new["DEPTH_TO_SPACE"] == 1
    assert ops_old["TRANSPOSE_CONV"] == 1 and "DEPTH_TO_SPACE" not in ops_old
    assert read_sidecar(paths[True])["transposed_conv_as_subpixel"] == ["sr"]
    assert "transposed_conv_as_subpixel" not in read_sidecar(paths[False])
    expected = _np(model(lr))
    for path in paths.values():
        np.testing.assert_allclose(TFLiteModel(path)(lr), expected, atol=1e-5)


def _tiny_pre_upsampling(scale=2):
    """A small SRCNN-like model: in-graph MATLAB bicubic ``Resize``, then two convs."""
    from keras_sr.layers.resize import Resize

    lr = keras.Input((None, None, 1))
    up = Resize(scale=scale, name="bicubic_up")(lr)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(up)
    sr = keras.layers.Add()([up, keras.layers.Conv2D(1, 3, padding="same")(x)])
    return keras.Model(lr, sr, name="tiny_pre_upsampling")


def test_int8_of_an_in_graph_resize_is_refused_float_converts(tmp_path, images):
    keras.utils.set_random_seed(0)
    model = _tiny_pre_upsampling()
    grey = images[..., :1]
    for size in (None, (16, 16)):
        with pytest.raises(ValueError, match="bicubic_up.*int8 converter"):
            export_tflite(model, tmp_path / "int8.tflite", quantize="int8-ptq",
                          representative_data=grey, input_size=size)
    path = export_tflite(model, tmp_path / "float.tflite")   # float stays dynamic
    got = TFLiteModel(path)(grey[:1, :10, :12])
    assert got.shape == (1, 20, 24, 1)
    np.testing.assert_allclose(got, _np(model(grey[:1, :10, :12])), atol=1e-5)
