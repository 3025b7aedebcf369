"""Stacked hourglass: any input size, and a bicubic global skip."""

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.image.resize import imresize


@pytest.mark.parametrize("size", [(5, 7), (8, 8), (9, 3)])
def test_any_size_and_global_skip(size):
    model = _model()
    lr = np.random.default_rng(0).uniform(size=(1, *size, 1)).astype("float32")
    tail = model.get_layer("tail")
    saved = tail.get_weights()
    tail.set_weights([np.zeros_like(w) for w in saved])
    try:
        sr = keras.ops.convert_to_numpy(model(lr))
    finally:
        tail.set_weights(saved)
    assert sr.shape == (1, 2 * size[0], 2 * size[1], 1)
    np.testing.assert_allclose(sr, keras.ops.convert_to_numpy(imresize(lr, scale=2)),
                               atol=1e-6)


def test_every_remainder_of_the_pooling_factor():
    model = _model()
    assert model.get_layer("pad").multiple == 4  # 2**levels
    for size in range(4, 8):  # remainders 0..3 modulo 4
        sr = model(np.zeros((1, size, size + 1, 1), "float32"))
        assert tuple(sr.shape) == (1, 2 * size, 2 * size + 2, 1)


_CACHE = {}


def _model():
    if "model" not in _CACHE:
        _CACHE["model"] = models.get("hourglass", scale=2, channels=1, filters=4,
                                     num_blocks=2, levels=2)
    return _CACHE["model"]
