"""Downscale: MATLAB imresize kernels, random method choice."""

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


def test_downscale_is_imresize_and_methods(images):
    np.testing.assert_allclose(_np(D.downscale(images, 2)),
                               np.clip(_np(imresize(images, scale=0.5)), 0, 1), atol=1e-6)
    area = _np(D.downscale(images, 2, method="area"))
    block_mean = images.reshape(2, 8, 2, 8, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(area, block_mean, atol=1e-6)


@SLOW_ON_JAX
def test_random_downscale_picks_one_of_the_methods(images):
    out = _np(D.random_downscale(images, scale=2, methods=("area", "nearest"), seed=1))
    candidates = [_np(D.downscale(images, 2, m)) for m in ("area", "nearest")]
    for b in range(2):
        assert any(np.allclose(out[b], c[b], atol=1e-6) for c in candidates)
