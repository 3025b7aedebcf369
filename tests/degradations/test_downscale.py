"""Downscale: MATLAB imresize kernels, random method choice."""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D
from keras_sr.image.resize import imresize


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_downscale_is_imresize_and_methods(rgb_batch):
    np.testing.assert_allclose(_np(D.downscale(rgb_batch, 2)),
                               np.clip(_np(imresize(rgb_batch, scale=0.5)), 0, 1), atol=1e-6)
    area = _np(D.downscale(rgb_batch, 2, method="area"))
    block_mean = rgb_batch.reshape(2, 8, 2, 8, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(area, block_mean, atol=1e-6)


@pytest.mark.slow_on_jax
def test_random_downscale_picks_one_of_the_methods(rgb_batch):
    out = _np(D.random_downscale(rgb_batch, scale=2, methods=("area", "nearest"), seed=1))
    candidates = [_np(D.downscale(rgb_batch, 2, m)) for m in ("area", "nearest")]
    for b in range(2):
        assert any(np.allclose(out[b], c[b], atol=1e-6) for c in candidates)
