"""Tests of keras_sr.quantization.subpixel (transposed conv -> conv + PixelShuffle)."""

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.quantization.subpixel import phase_taps, subpixel_weights, transposed_to_subpixel
from keras_sr.layers.pixel_shuffle import PixelShuffle


def _np(x):
    return keras.ops.convert_to_numpy(x)


def test_phase_taps_of_fsrcnn_x3():
    # k = 9, s = 3, padding before = 3: output 3q + r reads x[q - 1] through tap r + 6,
    # x[q] through r + 3 and x[q + 1] through r
    reach, table = phase_taps(9, 3)
    assert reach == 1
    assert table == [[6, 3, 0], [7, 4, 1], [8, 5, 2]]


@pytest.mark.parametrize("kernel,stride,cin,cout", [(9, 2, 3, 1), (9, 3, 4, 1), (9, 4, 2, 1),
                                                    (4, 2, 3, 2), (5, 2, 2, 3), (3, 3, 2, 2)])
def test_rewrite_equals_the_transposed_conv(kernel, stride, cin, cout, rng):
    lr = keras.Input((None, None, cin), name="lr")
    x = keras.layers.Conv2D(cin, 3, padding="same", activation="relu", name="head")(lr)
    x = keras.layers.Conv2DTranspose(cout, kernel, strides=stride, padding="same",
                                     bias_initializer="random_normal", name="up")(x)
    model = keras.Model(lr, x)
    new, replaced = transposed_to_subpixel(model)
    assert replaced == ["up"]
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in new.layers)
    assert isinstance(new.layers[-1], PixelShuffle) and new.layers[-1].scale == stride
    data = rng.uniform(-1, 1, (2, 7, 9, cin)).astype("float32")
    np.testing.assert_allclose(_np(new(data)), _np(model(data)), rtol=1e-5, atol=1e-5)


def test_subpixel_weights_shapes_and_bias():
    kernel = np.arange(9 * 9 * 2 * 5, dtype="float32").reshape(9, 9, 2, 5)
    conv, bias = subpixel_weights(kernel, np.array([1.0, 2.0], "float32"), 3)
    assert conv.shape == (3, 3, 5, 18) and bias.shape == (18,)
    np.testing.assert_array_equal(bias, np.tile([1.0, 2.0], 9))
    # phase (0, 0), output channel 1, LR offset (0, 0) is tap (3, 3) of the kernel
    np.testing.assert_array_equal(conv[1, 1, :, 1], kernel[3, 3, 1, :])
    # every kernel tap is used exactly once
    assert np.count_nonzero(conv) == np.count_nonzero(kernel)


def test_shipped_fsrcnn_rewrite_keeps_its_output(rng):
    model = models.get("fsrcnn", scale=3, weights="pretrained")
    new, replaced = transposed_to_subpixel(model)
    assert replaced == ["sr"]
    data = rng.uniform(0, 1, (1, 20, 17, 1)).astype("float32")
    np.testing.assert_allclose(_np(new(data)), _np(model(data)), atol=1e-5)


def test_unsupported_transposed_conv_is_named():
    lr = keras.Input((None, None, 2))
    x = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="valid", name="up_valid")(lr)
    with pytest.raises(ValueError, match="'up_valid'.*padding 'valid'"):
        transposed_to_subpixel(keras.Model(lr, x))
    with pytest.raises(ValueError, match="functional keras.Model"):
        transposed_to_subpixel(keras.layers.Dense(2))
