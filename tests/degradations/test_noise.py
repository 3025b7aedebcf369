"""Noise: Gaussian and exact Poisson statistics, seeding, backends."""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def images(rng):
    return rng.random((2, 16, 16, 3)).astype("float32")


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


def _flat(value, shape=(1, 100, 100, 3)):
    return np.full(shape, value, "float32")


def test_poisson_noise_is_exact_at_low_counts():
    # lambda = x * peak = 0.5 photons: P(k = 0) = exp(-0.5) = 0.6065, P(k = 1) = 0.3033.
    # A Gaussian approximation x + sqrt(x / peak) * n never gives exactly 0 (clip=False).
    peak, x = 100.0, 0.005
    out = _np(D.add_poisson_noise(_flat(x), peak=peak, seed=11, clip=False))
    counts = out * peak
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-4)   # whole photons
    counts = np.round(counts)
    assert abs((counts == 0).mean() - np.exp(-0.5)) < 0.015
    assert abs((counts == 1).mean() - 0.5 * np.exp(-0.5)) < 0.015
    # 30000 samples: mean x (= lambda / peak), variance x / peak (= lambda / peak^2).
    np.testing.assert_allclose(out.mean(), x, rtol=0.04)
    np.testing.assert_allclose(out.var(), x / peak, rtol=0.06)


def test_poisson_noise_mean_and_variance_at_moderate_counts():
    peak = 40.0
    image = np.concatenate([_flat(0.25, (1, 100, 50, 1)), _flat(0.75, (1, 100, 50, 1))], axis=2)
    out = _np(D.add_poisson_noise(image, peak=peak, seed=2, clip=False))
    for half, x in ((out[:, :, :50], 0.25), (out[:, :, 50:], 0.75)):
        np.testing.assert_allclose(half.mean(), x, rtol=0.02)
        np.testing.assert_allclose(half.var(), x / peak, rtol=0.06)
    # A zero image has no photons: no noise at all.
    np.testing.assert_array_equal(_np(D.add_poisson_noise(_flat(0.0), peak, seed=2)), 0.0)


def test_poisson_noise_per_image_peak_and_clip():
    image = _flat(0.5, (2, 60, 60, 1))
    out = _np(D.add_poisson_noise(image, peak=np.array([10.0, 1000.0]), seed=4, clip=False))
    np.testing.assert_allclose(out[0].var(), 0.5 / 10, rtol=0.1)
    np.testing.assert_allclose(out[1].var(), 0.5 / 1000, rtol=0.1)
    assert out[0].max() > 1.0   # 10 photons: values above 1 happen...
    clipped = _np(D.add_poisson_noise(image, peak=np.array([10.0, 1000.0]), seed=4))
    assert clipped.min() >= 0.0 and clipped.max() == 1.0   # ...and are clipped by default
    with pytest.raises(ValueError, match="`peak` must be > 0"):
        D.add_poisson_noise(image, peak=0.0)


def test_poisson_grey_noise_is_computed_on_luma_and_shared(rng):
    image = rng.random((2, 32, 32, 3)).astype("float32")
    peak = 50.0
    noise = _np(D.add_poisson_noise(image, peak, grey=True, seed=6, clip=False)) - image
    np.testing.assert_allclose(noise[..., 0], noise[..., 1], atol=1e-6)
    np.testing.assert_allclose(noise[..., 0], noise[..., 2], atol=1e-6)
    # luma + noise is a whole number of photons / peak (BT.601 luma, as Real-ESRGAN)
    luma = image @ np.array([0.299, 0.587, 0.114], "float32")
    photons = (luma + noise[..., 0]) * peak
    np.testing.assert_allclose(photons, np.round(photons), atol=2e-3)
    np.testing.assert_allclose(noise[..., 0].var(), luma.mean() / peak, rtol=0.1)
    # per-image choice: image 0 grey, image 1 colour
    mixed = _np(D.add_poisson_noise(image, peak, grey=np.array([True, False]), seed=6,
                                    clip=False)) - image
    np.testing.assert_allclose(mixed[0, ..., 0], mixed[0, ..., 2], atol=1e-6)
    assert np.abs(mixed[1, ..., 0] - mixed[1, ..., 2]).mean() > 0.05


def test_poisson_noise_is_seeded(rng):
    image = rng.random((2, 16, 16, 3)).astype("float32")
    a = _np(D.add_poisson_noise(image, 30.0, seed=1))
    np.testing.assert_array_equal(a, _np(D.add_poisson_noise(image, 30.0, seed=1)))
    assert not np.array_equal(a, _np(D.add_poisson_noise(image, 30.0, seed=2)))
    pair = keras.ops.convert_to_tensor([7, 3], dtype="int64" if keras.backend.backend() ==
                                       "tensorflow" else "uint32")
    b = _np(D.random_poisson_noise(image, seed=pair))
    np.testing.assert_array_equal(b, _np(D.random_poisson_noise(image, seed=pair)))


@pytest.mark.tf_only
def test_poisson_noise_in_tf_data_graph_mode():
    import tensorflow as tf

    image = _flat(0.005, (50, 50, 3))

    def noisy(index):
        return D.add_poisson_noise(tf.constant(image), 100.0, seed=tf.stack(
            [tf.constant(9, tf.int64), index]), clip=False)

    outs = [o.numpy() for o in tf.data.Dataset.range(3).map(noisy)]
    eager = _np(D.add_poisson_noise(image, 100.0, seed=tf.constant([9, 1], tf.int64),
                                    clip=False))
    np.testing.assert_array_equal(outs[1], eager)   # graph and eager draw the same
    assert not np.array_equal(outs[0], outs[1])
    zeros = np.mean([(o == 0).mean() for o in outs])
    assert abs(zeros - np.exp(-0.5)) < 0.02


def test_poisson_noise_under_jax_jit():
    if keras.backend.backend() != "jax":
        pytest.skip("jax.jit test of the JAX backend")
    import jax

    image = _flat(0.005)

    @jax.jit
    def noisy(x, seed):
        return D.add_poisson_noise(x, 100.0, seed=seed, clip=False)

    seed = jax.numpy.asarray([4, 0], "uint32")
    out = np.asarray(noisy(image, seed))
    np.testing.assert_array_equal(out, _np(D.add_poisson_noise(image, 100.0, seed=seed,
                                                                clip=False)))
    assert abs((out == 0).mean() - np.exp(-0.5)) < 0.015
    np.testing.assert_allclose(out.var(), 0.005 / 100, rtol=0.06)
    other = np.asarray(noisy(image, jax.numpy.asarray([5, 0], "uint32")))
    assert not np.array_equal(out, other)


def test_poisson_noise_numpy_backend_fallback(tmp_path):
    import os
    import subprocess
    import sys

    script = (
        "import numpy as np\n"
        "from keras_sr import degradations as D\n"
        "x = np.full((1, 100, 100, 3), 0.005, 'float32')\n"
        "a = np.asarray(D.add_poisson_noise(x, 100.0, seed=3, clip=False))\n"
        "b = np.asarray(D.add_poisson_noise(x, 100.0, seed=3, clip=False))\n"
        "c = np.asarray(D.add_poisson_noise(x, 100.0, seed=4, clip=False))\n"
        "print('ZEROS', (a == 0).mean(), np.array_equal(a, b), np.array_equal(a, c))\n")
    env = dict(os.environ, KERAS_BACKEND="numpy")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    line = [l for l in done.stdout.splitlines() if l.startswith("ZEROS")][-1].split()
    assert abs(float(line[1]) - np.exp(-0.5)) < 0.015
    assert line[2:] == ["True", "False"]


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
