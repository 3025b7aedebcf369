"""Degradation chains: shapes, 8-bit levels, seeding, the bicubic protocol."""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D
from keras_sr.image.resize import imresize


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("order", ["bicubic", "blur-downscale-noise",
                                   pytest.param("realesrgan", marks=pytest.mark.slow_on_jax)])
def test_degrade_chains_shapes_range_and_seed(order, rgb_batch):
    options = {"kernel_size": 7} if order != "bicubic" else {}
    lr = _np(D.degrade(rgb_batch, 4, order, seed=2, **options))
    assert lr.shape == (2, 4, 4, 3)
    assert lr.min() >= 0 and lr.max() <= 1
    np.testing.assert_allclose(lr * 255, np.round(lr * 255), atol=1e-3)   # 8-bit levels
    np.testing.assert_array_equal(lr, _np(D.degrade(rgb_batch, 4, order, seed=2, **options)))


def test_bicubic_chain_is_the_protocol(rgb_batch):
    lr = _np(D.degrade(rgb_batch, 2))
    expected = np.round(np.clip(_np(imresize(rgb_batch, scale=0.5)), 0, 1) * 255) / 255
    np.testing.assert_allclose(lr, expected, atol=1e-6)


def test_degrade_rejects_unknown_order(rgb_batch):
    with pytest.raises(ValueError, match="unknown `order`"):
        D.degrade(rgb_batch, 2, "gaussian")
