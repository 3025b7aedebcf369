"""Blur: Gaussian kernels against their formula, filtering against scipy."""

import keras
import numpy as np
import pytest
from scipy import ndimage

from keras_sr import degradations as D


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def images(rng):
    return rng.random((2, 16, 16, 3)).astype("float32")


def test_gaussian_kernel_isotropic_matches_separable_formula():
    kernel = _np(D.gaussian_kernel(7, 1.3))
    x = np.arange(7) - 3.0
    g = np.exp(-x ** 2 / (2 * 1.3 ** 2))
    expected = np.outer(g, g) / np.outer(g, g).sum()
    np.testing.assert_allclose(kernel, expected, atol=1e-7)


def test_gaussian_kernel_anisotropic_rotation_and_covariance():
    # theta = pi/2 swaps the roles of sigma_x and sigma_y.
    a = _np(D.gaussian_kernel(9, 2.0, 0.7, 0.0))
    b = _np(D.gaussian_kernel(9, 0.7, 2.0, np.pi / 2))
    np.testing.assert_allclose(a, b, atol=1e-6)
    # Second moments along x and y equal sigma^2 (up to truncation at 4 sigma).
    big = _np(D.gaussian_kernel(41, 3.0, 1.0, 0.0))
    coords = np.arange(41) - 20.0
    np.testing.assert_allclose((big.sum(0) * coords ** 2).sum(), 9.0, rtol=1e-3)
    np.testing.assert_allclose((big.sum(1) * coords ** 2).sum(), 1.0, rtol=1e-3)


def test_blur_matches_scipy_correlate_mirror(images):
    kernel = np.arange(25, dtype="float32").reshape(5, 5)
    kernel /= kernel.sum()
    out = _np(D.blur(images, kernel))
    for b in range(2):
        for c in range(3):
            ref = ndimage.correlate(images[b, ..., c], kernel, mode="mirror")
            np.testing.assert_allclose(out[b, ..., c], ref, atol=1e-5)


def test_blur_per_image_kernels_equal_one_by_one(images):
    kernels = D.gaussian_kernel(5, np.array([0.5, 2.0], "float32"),
                                np.array([1.5, 0.6], "float32"), np.array([0.3, 1.1], "float32"))
    batched = _np(D.blur(images, kernels))
    for b in range(2):
        single = _np(D.blur(images[b], _np(kernels)[b]))
        np.testing.assert_allclose(batched[b], single, atol=1e-6)


def test_blur_rejects_even_kernel(images):
    with pytest.raises(ValueError, match="k odd"):
        D.blur(images, np.ones((4, 4), "float32"))
