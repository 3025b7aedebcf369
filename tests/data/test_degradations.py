"""Degradations: known answers, parity with scipy / tf.image, seeding, layers."""

import keras
import numpy as np
import pytest
from scipy import ndimage

from keras_sr.data import degradations as D
from keras_sr.data.resize import imresize


# Eager JAX compiles every op on first use; the long chains take minutes there.
SLOW_ON_JAX = (pytest.mark.slow if keras.backend.backend() == "jax"
               else pytest.mark.skipif(False, reason="fast on this backend"))


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


def test_downscale_is_imresize_and_methods(images):
    np.testing.assert_allclose(_np(D.downscale(images, 2)),
                               np.clip(_np(imresize(images, scale=0.5)), 0, 1), atol=1e-6)
    area = _np(D.downscale(images, 2, method="area"))
    block_mean = images.reshape(2, 8, 2, 8, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(area, block_mean, atol=1e-6)


def test_gaussian_noise_statistics_and_grey():
    flat = np.full((1, 64, 64, 3), 0.5, "float32")
    noisy = _np(D.add_gaussian_noise(flat, 0.05, seed=3)) - 0.5
    assert abs(noisy.std() - 0.05) < 0.003 and abs(noisy.mean()) < 0.003
    grey = _np(D.add_gaussian_noise(flat, 0.05, grey=True, seed=3))
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])
    assert not np.array_equal(noisy[..., 0], noisy[..., 2])


def test_poisson_noise_variance_follows_signal():
    image = np.concatenate([np.full((1, 64, 32, 1), 0.2, "float32"),
                            np.full((1, 64, 32, 1), 0.8, "float32")], axis=2)
    out = _np(D.add_poisson_noise(image, peak=100.0, seed=5, clip=False)) - image
    # variance of x * peak photons is x * peak -> std of x is sqrt(x / peak)
    np.testing.assert_allclose(out[..., :32, :].std(), np.sqrt(0.2 / 100), rtol=0.08)
    np.testing.assert_allclose(out[..., 32:, :].std(), np.sqrt(0.8 / 100), rtol=0.08)


@pytest.mark.tf_only
def test_jpeg_matches_tf_image(images):
    import tensorflow as tf

    out = _np(D.jpeg_compress(images, 40))
    ref = tf.image.adjust_jpeg_quality(images[1], 40).numpy()
    np.testing.assert_allclose(out[1], ref, atol=1e-6)
    assert np.abs(out - images).mean() > 0.01   # JPEG really changed the image


def test_jpeg_refuses_other_backends(images):
    if keras.backend.backend() == "tensorflow":
        pytest.skip("error path of non-TensorFlow backends")
    with pytest.raises(NotImplementedError, match="TensorFlow backend"):
        D.jpeg_compress(images, 50)


def test_quantize_levels_and_colour_depth():
    x = np.linspace(0, 1, 1001, dtype="float32")
    q8 = _np(D.quantize(x, 8))
    np.testing.assert_allclose(q8 * 255, np.round(x * 255), atol=1e-4)
    assert len(np.unique(_np(D.quantize(x, 3)))) == 8
    with pytest.raises(ValueError, match="bits"):
        D.quantize(x, 0)


def test_random_twins_are_seeded(images):
    a = _np(D.random_gaussian_noise(images, seed=11))
    b = _np(D.random_gaussian_noise(images, seed=11))
    c = _np(D.random_gaussian_noise(images, seed=12))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # a (2,) seed tensor is the stateless form used inside tf.data
    s1 = _np(D.random_gaussian_blur(images, size=5, seed=np.array([4, 9])))
    s2 = _np(D.random_gaussian_blur(images, size=5, seed=D.SeedStream(np.array([4, 9]))))
    np.testing.assert_array_equal(s1, s2)


@SLOW_ON_JAX
def test_random_downscale_picks_one_of_the_methods(images):
    out = _np(D.random_downscale(images, scale=2, methods=("area", "nearest"), seed=1))
    candidates = [_np(D.downscale(images, 2, m)) for m in ("area", "nearest")]
    for b in range(2):
        assert any(np.allclose(out[b], c[b], atol=1e-6) for c in candidates)


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


@SLOW_ON_JAX
def test_degrade_layer_round_trip(images):
    layer = D.Degrade(2, "blur-downscale-noise", seed=4, options={"kernel_size": 5})
    out = _np(layer(images))
    assert out.shape == (2, 8, 8, 3)
    clone = D.Degrade.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((16, 16, 3)), D.Downscale(2), D.Quantize(8)])
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    np.testing.assert_allclose(_np(restored(images)), _np(D.degrade(images, 2)), atol=1e-6)


@pytest.mark.parametrize("method", ["bicubic", pytest.param("bilinear", marks=SLOW_ON_JAX),
                                    pytest.param("area", marks=SLOW_ON_JAX),
                                    pytest.param("nearest", marks=SLOW_ON_JAX)])
@pytest.mark.parametrize("scale", [0.25, 1 / 3, 3.0])
def test_matrix_resize_matches_imresize(method, scale, rng):
    x = rng.random((1, 12, 9, 2)).astype("float32")
    np.testing.assert_allclose(_np(D.resize(x, scale=scale, method=method)),
                               _np(imresize(x, scale=scale, method=method)), atol=2e-6)
