"""ESPCN: 22,729 parameters at x3 on one channel, a pixel shuffle at the end."""

import keras
import numpy as np

from keras_sr import models


def test_paper_parameter_count():
    model = models.get("espcn", scale=3, channels=1)
    assert model.count_params() == 22729  # paper: about 22.7K
    assert model.get_layer("conv3").filters == 9
    assert models.receptive_field(model) == 9  # 5 + 3 + 3 - 2 LR pixels


def test_macs_per_output_pixel():
    model = models.get("espcn", scale=3, channels=1)
    assert models.macs_per_pixel(model) == (25 * 64 + 9 * 64 * 32 + 9 * 32 * 9) / 9


def test_last_layer_is_a_pixel_shuffle_of_the_conv():
    from keras_sr.layers import PixelShuffle

    model = models.get("espcn", scale=2, channels=3)
    assert isinstance(model.get_layer("sr"), PixelShuffle)
    lr = np.random.default_rng(0).uniform(size=(1, 5, 6, 3)).astype("float32")
    features = keras.Model(model.inputs, model.get_layer("conv3").output)(lr)
    features = keras.ops.convert_to_numpy(features).reshape(1, 5, 6, 2, 2, 3)
    expected = features.transpose(0, 1, 3, 2, 4, 5).reshape(1, 10, 12, 3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(lr)), expected, atol=1e-6)
