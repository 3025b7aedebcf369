"""Gram matrices of known features and the texture loss on a random VGG."""

import keras
import numpy as np
import pytest

from keras_sr import losses


def test_gram_of_known_features():
    # 2x2 positions, 2 channels: F = [[1,0],[0,1],[1,1],[2,0]] -> F^T F = [[6,1],[1,2]]
    features = np.array([[1, 0], [0, 1], [1, 1], [2, 0]], "float32").reshape(1, 2, 2, 2)
    expected = np.array([[6, 1], [1, 2]], "float32") / (2 * 2 * 2)
    np.testing.assert_allclose(losses.gram_matrix(features)[0], expected, rtol=1e-6)


def test_gram_matches_einsum_and_is_size_invariant(rng):
    features = rng.normal(size=(2, 5, 7, 4)).astype("float32")
    expected = np.einsum("bhwc,bhwd->bcd", features, features) / (5 * 7 * 4)
    np.testing.assert_allclose(losses.gram_matrix(features), expected, rtol=1e-5, atol=1e-6)
    tiled = np.tile(features, (1, 2, 3, 1))  # same statistics, 6x more positions
    np.testing.assert_allclose(losses.gram_matrix(tiled), expected, rtol=1e-5, atol=1e-6)


def test_gram_rejects_non_4d():
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        losses.gram_matrix(np.zeros((3, 4)))


def test_texture_loss_is_gram_distance_of_extractor_features(rng):
    keras.utils.set_random_seed(1)
    loss = losses.TextureLoss(layers={"block1_conv1": 1.0, "block1_pool": 0.5}, network="vgg16",
                              weights=None, distance="l1", reduction=None)
    hr = rng.random((2, 16, 16, 3)).astype("float32")
    sr = np.clip(hr + rng.normal(0, 0.1, hr.shape), 0, 1).astype("float32")
    np.testing.assert_allclose(loss(hr, hr), [0.0, 0.0], atol=1e-7)
    f_hr = [np.asarray(f) for f in loss.features(hr)]
    f_sr = [np.asarray(f) for f in loss.features(sr)]
    expected = sum(w * np.abs(np.asarray(losses.gram_matrix(a)) - np.asarray(losses.gram_matrix(b)))
                   .mean(axis=(1, 2)) for w, a, b in zip((1.0, 0.5), f_sr, f_hr))
    np.testing.assert_allclose(loss(hr, sr), expected, rtol=1e-4)
