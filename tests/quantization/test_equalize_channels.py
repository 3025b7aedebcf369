"""Tests of keras_sr.quantization.equalize_channel_ranges (exact channel rescaling)."""

import keras
import numpy as np
import pytest

from keras_sr.quantization import equalize_channel_ranges


def _prelu_model(seed=0):
    """conv -> PReLU -> conv -> ReLU layer -> transposed conv, plus a fused-ReLU pair."""
    init = keras.initializers.RandomNormal(stddev=0.5, seed=seed)
    lr = keras.Input((None, None, 1), name="lr")
    x = keras.layers.Conv2D(6, 3, padding="same", kernel_initializer=init,
                            bias_initializer="ones", name="c1")(lr)
    x = keras.layers.PReLU(shared_axes=[1, 2], alpha_initializer=keras.initializers.Constant(
        0.25), name="p1")(x)
    x = keras.layers.Conv2D(5, 1, activation="relu", kernel_initializer=init, name="c2")(x)
    x = keras.layers.Conv2D(4, 3, padding="same", kernel_initializer=init, name="c3")(x)
    x = keras.layers.ReLU(name="r3")(x)
    x = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same",
                                     kernel_initializer=init, name="up")(x)
    return keras.Model(lr, x, name="toy")


def _spread_channels(model):
    """Make channel 0 of c1 twenty times wider than the others."""
    kernel, bias = model.get_layer("c1").get_weights()
    kernel[..., 0] *= 20.0
    bias[0] *= 20.0
    model.get_layer("c1").set_weights([kernel, bias])


def test_function_unchanged_and_spans_evened(rng):
    model = _prelu_model()
    _spread_channels(model)
    data = rng.uniform(0, 1, (4, 12, 12, 1)).astype("float32")
    new, scales = equalize_channel_ranges(model, data, strength=1.0, max_scale=100.0)
    assert set(scales) == {"c1", "c2", "c3"}
    before = keras.ops.convert_to_numpy(model(data))
    after = keras.ops.convert_to_numpy(new(data))
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-5 * np.abs(before).max())

    probe_old = keras.Model(model.inputs, model.get_layer("c1").output)
    probe_new = keras.Model(new.inputs, new.get_layer("c1").output)
    spans_old = np.ptp(keras.ops.convert_to_numpy(probe_old(data)).reshape(-1, 6), axis=0)
    spans_new = np.ptp(keras.ops.convert_to_numpy(probe_new(data)).reshape(-1, 6), axis=0)
    np.testing.assert_allclose(scales["c1"], np.median(spans_old) / spans_old, rtol=1e-4)
    # strength 1: every channel now spans the median span of before
    np.testing.assert_allclose(spans_new, np.median(spans_old), rtol=1e-4)
    assert spans_old.max() / np.median(spans_old) > 10.0
    # consumers carry the inverse scales on their inputs (c2 is also a producer)
    np.testing.assert_allclose(new.get_layer("c2").get_weights()[0],
                               model.get_layer("c2").get_weights()[0]
                               / scales["c1"][None, None, :, None]
                               * scales["c2"][None, None, None, :], rtol=1e-6)
    np.testing.assert_allclose(new.get_layer("up").get_weights()[0],
                               model.get_layer("up").get_weights()[0]
                               / scales["c3"][None, None, None, :], rtol=1e-6)


def test_strength_and_max_scale_shape_the_scales(rng):
    model = _prelu_model()
    _spread_channels(model)
    data = rng.uniform(0, 1, (2, 10, 10, 1)).astype("float32")
    full, s_full = equalize_channel_ranges(model, data, strength=1.0, layers=["c1"])
    _, s_wide = equalize_channel_ranges(model, data, strength=1.0, layers=["c1"],
                                        max_scale=1000.0)
    half, s_half = equalize_channel_ranges(model, data, strength=0.5, layers=["c1"])
    _, s_none = equalize_channel_ranges(model, data, strength=0.0, layers=["c1"])
    _, s_capped = equalize_channel_ranges(model, data, strength=1.0, layers=["c1"],
                                          max_scale=2.0)
    assert set(s_full) == {"c1"}
    assert s_wide["c1"].min() < 1 / 16  # the default cap of 16 binds on the wide channel
    np.testing.assert_allclose(s_full["c1"], np.clip(s_wide["c1"], 1 / 16, 16), rtol=1e-6)
    np.testing.assert_allclose(s_half["c1"], np.sqrt(s_wide["c1"]), rtol=1e-5)
    np.testing.assert_array_equal(s_none["c1"], np.ones(6, "float32"))
    np.testing.assert_allclose(s_capped["c1"], np.clip(s_wide["c1"], 0.5, 2.0), rtol=1e-6)
    # only c1 changed: c3 and up keep their weights
    np.testing.assert_array_equal(half.get_layer("c3").get_weights()[0],
                                  model.get_layer("c3").get_weights()[0])


def test_only_homogeneous_single_use_chains_are_rescaled(rng):
    lr = keras.Input((None, None, 1))
    a = keras.layers.Conv2D(3, 3, padding="same", name="a")(lr)
    a = keras.layers.ReLU(max_value=1.0, name="clip")(a)  # not homogeneous
    b = keras.layers.Conv2D(3, 3, padding="same", name="b")(a)
    c = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="c")(b)
    d = keras.layers.Conv2D(3, 3, padding="same", name="d")(c)
    out = keras.layers.Add()([c, d])  # c feeds two layers
    e = keras.layers.Conv2D(3, 3, padding="same", name="e")(out)
    e = keras.layers.Activation("relu", name="e_act")(e)
    out = keras.layers.Conv2D(1, 3, padding="same", name="f")(e)
    model = keras.Model(lr, out)
    data = rng.uniform(0, 1, (1, 8, 8, 1)).astype("float32")
    new, scales = equalize_channel_ranges(model, data)
    # a: clipped ReLU; c: its output also feeds the Add; b -> c (linear) and
    # e -> Activation("relu") -> f are valid pairs
    assert set(scales) == {"b", "e"}
    np.testing.assert_allclose(keras.ops.convert_to_numpy(new(data)),
                               keras.ops.convert_to_numpy(model(data)), rtol=1e-4, atol=1e-5)


def test_bad_arguments_raise(rng):
    model = _prelu_model()
    data = np.zeros((1, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="strength"):
        equalize_channel_ranges(model, data, strength=1.5)
    with pytest.raises(ValueError, match="max_scale"):
        equalize_channel_ranges(model, data, max_scale=0.5)
    with pytest.raises(ValueError, match="data"):
        equalize_channel_ranges(model, np.zeros((8, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"\['p1'\].*c1"):
        equalize_channel_ranges(model, data, layers=["p1"])
