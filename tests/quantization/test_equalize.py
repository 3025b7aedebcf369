"""Tests of keras_sr.quantization.equalize_tanh_ranges (tanh channel rescaling)."""

import keras
import numpy as np
import pytest

from keras_sr.quantization import equalize_tanh_ranges


def _tanh_model(seed=0, gain=0.05):
    init = keras.initializers.RandomNormal(stddev=gain, seed=seed)
    lr = keras.Input((None, None, 1), name="lr")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="tanh", kernel_initializer=init,
                            bias_initializer="zeros", name="c1")(lr)
    x = keras.layers.Conv2D(3, 3, padding="same", activation="tanh", kernel_initializer=init,
                            name="c2")(x)  # feeds the model output: left alone
    return keras.Model(lr, x, name="toy")


def test_scales_match_numpy_preactivation_peaks(rng):
    model = _tanh_model()
    data = rng.uniform(0, 1, (4, 12, 12, 1)).astype("float32")
    kernel, bias = model.get_layer("c1").get_weights()
    # the pre-activation of c1 computed independently with numpy (3x3 "same" correlation)
    padded = np.pad(data[..., 0], ((0, 0), (1, 1), (1, 1)))
    z = np.zeros((4, 12, 12, 4))
    for dy in range(3):
        for dx in range(3):
            z += padded[:, dy:dy + 12, dx:dx + 12, None] * kernel[dy, dx, 0]
    z += bias
    expected = np.maximum(0.3 / np.abs(z).reshape(-1, 4).max(axis=0), 1.0)

    new, scales = equalize_tanh_ranges(model, data, target=0.3)
    assert set(scales) == {"c1"}
    np.testing.assert_allclose(scales["c1"], expected, rtol=1e-3)
    assert expected.min() > 1.0  # the toy's pre-activations are all below 0.3
    new_kernel, _ = new.get_layer("c1").get_weights()
    np.testing.assert_allclose(new_kernel, kernel * scales["c1"], rtol=1e-6)
    old_k2 = model.get_layer("c2").get_weights()[0]
    new_k2 = new.get_layer("c2").get_weights()[0]
    np.testing.assert_allclose(new_k2, old_k2 / scales["c1"][None, None, :, None], rtol=1e-6)
    # the original model is untouched
    np.testing.assert_array_equal(model.get_layer("c1").get_weights()[0], kernel)


def test_near_linear_tanh_keeps_the_function(rng):
    model = _tanh_model(gain=0.02)
    data = rng.uniform(0, 1, (2, 10, 10, 1)).astype("float32")
    new, _ = equalize_tanh_ranges(model, data, target=0.2)
    before = keras.ops.convert_to_numpy(model(data))
    after = keras.ops.convert_to_numpy(new(data))
    # pre-activations <= 0.2: tanh(k z) / k differs from tanh(z) by < 1.4 %
    np.testing.assert_allclose(after, before, atol=0.02 * np.abs(before).max())
    assert not np.allclose(after, before, rtol=1e-7, atol=0)


def test_bad_arguments_raise(rng):
    model = _tanh_model()
    with pytest.raises(ValueError, match="target"):
        equalize_tanh_ranges(model, np.zeros((1, 8, 8, 1), "float32"), target=0.0)
    with pytest.raises(ValueError, match="data"):
        equalize_tanh_ranges(model, np.zeros((8, 8, 1), "float32"))
