"""Degradation chains: shapes, 8-bit levels, seeding, the bicubic protocol."""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D
from keras_sr.image.resize import imresize

# Eager JAX compiles every op on first use; the long chains take minutes there.
SLOW_ON_JAX = (pytest.mark.slow if keras.backend.backend() == "jax"
               else pytest.mark.skipif(False, reason="fast on this backend"))


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def images(rng):
    return rng.random((2, 16, 16, 3)).astype("float32")


@pytest.mark.parametrize("order", ["bicubic", "blur-downscale-noise",
                                   pytest.param("realesrgan", marks=SLOW_ON_JAX)])
def test_degrade_chains_shapes_range_and_seed(order, images):
    options = {"kernel_size": 7} if order != "bicubic" else {}
    lr = _np(D.degrade(images, 4, order, seed=2, **options))
    assert lr.shape == (2, 4, 4, 3)
    assert lr.min() >= 0 and lr.max() <= 1
    np.testing.assert_allclose(lr * 255, np.round(lr * 255), atol=1e-3)   # 8-bit levels
    np.testing.assert_array_equal(lr, _np(D.degrade(images, 4, order, seed=2, **options)))


def test_bicubic_chain_is_the_protocol(images):
    lr = _np(D.degrade(images, 2))
    expected = np.round(np.clip(_np(imresize(images, scale=0.5)), 0, 1) * 255) / 255
    np.testing.assert_allclose(lr, expected, atol=1e-6)


def test_degrade_rejects_unknown_order(images):
    with pytest.raises(ValueError, match="unknown `order`"):
        D.degrade(images, 2, "gaussian")
