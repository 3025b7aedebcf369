"""Mapping by structure: layouts, detection, errors, and the torch -> Keras conv semantics."""

import keras
import numpy as np
import pytest
import reference

from keras_sr import models
from keras_sr.convert import MappingError, StateDict, load_plan, plan_for
from keras_sr.convert.state_dict import ModuleInfo


def _state(tensors, modules=None):
    return StateDict(dict(tensors), dict(modules or {}), "test")


def _vdsr_tensors(rng, depth=5, filters=8, channels=1, bias=False):
    shapes = [(filters, channels)] + [(filters, filters)] * (depth - 2) + [(channels, filters)]
    tensors = {}
    for i, (out, inp) in enumerate(shapes):
        weight = 0.1 * rng.standard_normal((out, inp, 3, 3))
        tensors[f"body.{i}.weight"] = weight.astype("float32")
        if bias:
            tensors[f"body.{i}.bias"] = rng.standard_normal(out).astype("float32")
    return tensors


def _lapsrn_tensors(rng, levels=2, depth=3, filters=8):
    t = {"conv_input.weight": rng.standard_normal((filters, 1, 3, 3))}
    for level in range(1, levels + 1):
        t[f"convt_I{level}.weight"] = rng.standard_normal((1, 1, 4, 4))
        t[f"convt_R{level}.weight"] = rng.standard_normal((1, filters, 3, 3))
        for i in range(depth):
            t[f"convt_F{level}.0.cov_block.{2 * i}.weight"] = \
                rng.standard_normal((filters, filters, 3, 3))
        t[f"convt_F{level}.0.cov_block.{2 * depth}.weight"] = \
            rng.standard_normal((filters, filters, 4, 4))
    return {k: (0.2 * v).astype("float32") for k, v in t.items()}


def test_conv_transpose_stride2_pad1_equals_keras_same(rng):
    """torch ConvTranspose2d(4, stride 2, padding 1) == Keras Conv2DTranspose(4, 2, 'same')
    after the (2, 3, 1, 0) transpose, no kernel flip (the reference is the scatter)."""
    x = rng.standard_normal((2, 3, 5, 6))
    weight = rng.standard_normal((3, 4, 4, 4))  # torch (in, out, kh, kw)
    expected = reference.conv_transpose2d(x, weight, stride=2, padding=1)
    layer = keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same", use_bias=False)
    layer.build((None, None, None, 3))
    layer.set_weights([weight.transpose(2, 3, 1, 0)])
    got = keras.ops.convert_to_numpy(layer(x.transpose(0, 2, 3, 1).astype("float32")))
    assert got.shape == (2, 10, 12, 4)
    np.testing.assert_allclose(got.transpose(0, 3, 1, 2), expected, atol=1e-5)


def test_conv2d_layout(rng):
    x = rng.standard_normal((1, 3, 7, 5))
    weight, bias = rng.standard_normal((6, 3, 3, 3)), rng.standard_normal(6)
    layer = keras.layers.Conv2D(6, 3, padding="same")
    layer.build((None, None, None, 3))
    layer.set_weights([weight.transpose(2, 3, 1, 0), bias])
    got = keras.ops.convert_to_numpy(layer(x.transpose(0, 2, 3, 1).astype("float32")))
    np.testing.assert_allclose(got.transpose(0, 3, 1, 2), reference.conv2d(x, weight, bias),
                               atol=1e-5)


@pytest.mark.parametrize("bias", [False, True])
def test_vdsr_plan_reads_options_and_matches_the_reference(rng, bias):
    tensors = _vdsr_tensors(rng, depth=5, filters=8, bias=bias)
    plan = plan_for(_state(tensors))
    assert plan.family == "vdsr" and plan.scale is None
    assert plan.options == {"channels": 1, "filters": 8, "depth": 5, "use_bias": bias}
    assert plan.notes[0].startswith("detected vdsr")
    model = models.get("vdsr", scale=2, **plan.options)
    load_plan(model, plan)
    x = rng.random((1, 1, 9, 7))  # the bicubic-upscaled input
    out = reference.conv2d(x, tensors["body.0.weight"], tensors.get("body.0.bias"))
    for i in range(1, 5):
        out = reference.conv2d(reference.relu(out), tensors[f"body.{i}.weight"],
                               tensors.get(f"body.{i}.bias"))
    expected = out + x
    pre = models.get("vdsr", scale=2, pre_upsampled=True, **plan.options)
    pre.set_weights(model.get_weights())
    got = keras.ops.convert_to_numpy(pre(x.transpose(0, 2, 3, 1).astype("float32")))
    np.testing.assert_allclose(got.transpose(0, 3, 1, 2), expected, atol=1e-5)


def test_lapsrn_plan_detects_levels_and_matches_the_reference(rng):
    tensors = _lapsrn_tensors(rng, levels=2, depth=3, filters=8)
    modules = {"relu": ModuleInfo("torch.nn.modules.activation.LeakyReLU",
                                  {"negative_slope": 0.1})}
    plan = plan_for(_state(tensors, modules))
    assert (plan.family, plan.scale) == ("lapsrn", 4)
    assert plan.options == {"channels": 1, "filters": 8, "depth": 3, "use_bias": False,
                            "negative_slope": 0.1}
    model = models.get("lapsrn", scale=4, **plan.options)
    load_plan(model, plan)
    x = rng.random((1, 1, 6, 5))
    w = {k: v.astype("float64") for k, v in tensors.items()}
    features, image = reference.leaky_relu(reference.conv2d(x, w["conv_input.weight"]), 0.1), x
    for level in (1, 2):
        for i in range(3):
            features = reference.leaky_relu(
                reference.conv2d(features, w[f"convt_F{level}.0.cov_block.{2 * i}.weight"]), 0.1)
        features = reference.leaky_relu(reference.conv_transpose2d(
            features, w[f"convt_F{level}.0.cov_block.6.weight"]), 0.1)
        image = (reference.conv_transpose2d(image, w[f"convt_I{level}.weight"])
                 + reference.conv2d(features, w[f"convt_R{level}.weight"]))
    got = keras.ops.convert_to_numpy(model(x.transpose(0, 2, 3, 1).astype("float32")))
    np.testing.assert_allclose(got.transpose(0, 3, 1, 2), image, atol=1e-4)


def test_unknown_layout_names_each_familys_reasons(rng):
    tensors = {"a.weight": rng.standard_normal((8, 3, 5, 5)).astype("float32")}
    with pytest.raises(MappingError, match="fits none of vdsr, lapsrn") as err:
        plan_for(_state(tensors))
    assert "a.weight (8, 3, 5, 5) (5x5 conv 3 -> 8): vdsr has only 3x3 convs" in str(err.value)


def test_mis_shaped_unexpected_and_missing_are_named(rng):
    tensors = _vdsr_tensors(rng, depth=5, filters=8)
    tensors["body.2.weight"] = np.zeros((8, 4, 3, 3), "float32")
    tensors["sub_mean.weight"] = np.zeros((3,), "float32")
    with pytest.raises(MappingError) as err:
        plan_for(_state(tensors), "vdsr")
    message = str(err.value)
    assert ("mis-shaped:\n    - body.2.weight (8, 4, 3, 3) (3x3 conv 4 -> 8): "
            "expected (8, 8, 3, 3)") in message
    assert "unexpected:\n    - sub_mean.weight (3,)" in message
    del tensors["sub_mean.weight"], tensors["body.4.weight"]
    tensors["body.2.weight"] = np.zeros((8, 8, 3, 3), "float32")
    with pytest.raises(MappingError, match="missing:\n    - the last conv: 3x3, 8 -> 1"):
        plan_for(_state(tensors), "vdsr")


def test_mixed_biases_and_wrong_padding_are_refused(rng):
    tensors = _vdsr_tensors(rng, depth=4, filters=8, bias=True)
    del tensors["body.1.bias"]
    with pytest.raises(MappingError, match=r"some vdsr convs have a bias .*without: body\.1"):
        plan_for(_state(tensors))
    tensors = _vdsr_tensors(rng, depth=4, filters=8)
    modules = {"body.1": ModuleInfo("torch.nn.modules.conv.Conv2d", {"padding": (0, 0)})}
    with pytest.raises(MappingError, match=r"body\.1: padding \(0, 0\), expected \(1, 1\)"):
        plan_for(_state(tensors, modules), "vdsr")


def test_a_layer_left_without_weights_is_named(rng):
    plan = plan_for(_state(_vdsr_tensors(rng, depth=5, filters=8)))
    model = models.get("vdsr", scale=2, **{**plan.options, "depth": 6})
    with pytest.raises(MappingError) as err:
        load_plan(model, plan)
    assert "body.4.weight (1, 8, 3, 3) (3x3 conv 8 -> 1) -> keras layer 'conv5'" in str(err.value)
    assert "keras layer 'conv6' ((3, 3, 8, 1)): no tensor" in str(err.value)


def test_builder_options_keep_the_defaults():
    assert models.get("vdsr", scale=3, use_bias=False).count_params() == 664704
    assert models.get("vdsr", scale=3).count_params() == 664704 + 19 * 64 + 1
    no_bias = models.get("lapsrn", scale=4, use_bias=False, negative_slope=0.1)
    default = models.get("lapsrn", scale=4)
    assert default.count_params() - no_bias.count_params() == 64 + 2 * (11 * 64 + 1)
    assert no_bias.get_layer("level_x4_act3").negative_slope == pytest.approx(0.1)
    assert default.get_layer("level_x4_act3").negative_slope == pytest.approx(0.2)
