"""Noise: additive white Gaussian noise and exact Poisson shot noise, colour or grey.

Example:
    >>> x = keras.ops.full((1, 4, 4, 3), 0.5)
    >>> y = add_gaussian_noise(x, 0.0, seed=1)
    >>> bool(keras.ops.all(y == x))
    True
"""

import math

import keras
import numpy as np
from keras import ops

from keras_sr.degradations._batch import batched, check_range, per_image, restore
from keras_sr.degradations.seeds import bernoulli, seed_stream, uniform


def add_gaussian_noise(images, sigma, grey=False, seed=None, clip=True):
    """Add white Gaussian noise.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        sigma: standard deviation in [0, 1] units (``25 / 255`` for the usual
            "sigma = 25"); a scalar or ``(batch,)``.
        grey: the same noise in every channel (luminance noise), or a ``(batch,)`` bool
            to choose per image.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).
        clip: clip the result to [0, 1].

    Returns:
        Noisy images, same shape.
    """
    stream = seed_stream(seed)
    x, squeeze = batched(images, "add_gaussian_noise")
    shape = ops.shape(x)
    colour = keras.random.normal(shape, seed=stream, dtype=x.dtype)
    mono = keras.random.normal((shape[0], shape[1], shape[2], 1), seed=stream, dtype=x.dtype)
    grey = ops.reshape(ops.convert_to_tensor(grey), (-1, 1, 1, 1))
    noise = ops.where(grey, mono, colour) * ops.cast(per_image(sigma, shape[0]), x.dtype)
    out = x + noise
    return restore(ops.clip(out, 0.0, 1.0) if clip else out, squeeze)


def _poisson(rate, stream):
    """Exact Poisson counts ``k ~ Poisson(rate)``, drawn statelessly from ``stream``.

    Args:
        rate: float32 tensor of any shape, values >= 0 (expected counts).
        stream: a ``keras.random.SeedGenerator`` (``SeedStream`` or stateful); one seed is
            drawn from it, so the same stream state always gives the same counts.

    Returns:
        float32 tensor of the shape of ``rate`` holding integer counts (>= 0).

    Backends: TensorFlow ``tf.random.stateless_poisson`` (works in ``tf.data`` and
    ``tf.function``, but has no XLA kernel: not under ``jit_compile=True``); JAX
    ``jax.random.poisson`` with the seed as its key (works under ``jax.jit``); any other
    backend: a NumPy fallback (``numpy.random.Generator.poisson`` seeded with the seed),
    eager only.
    """
    seed = stream.next()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf  # deferred: only this backend has (and needs) it

        # The stateless TF kernels want an int32/int64 (2,) seed; fold into int32 range
        # as keras.random does, so SeedStream (int64) and SeedGenerator seeds both work.
        seed = tf.cast(tf.math.floormod(tf.cast(seed, tf.int64), tf.int32.max - 1), tf.int32)
        return tf.random.stateless_poisson(tf.shape(rate), seed, rate, dtype=tf.float32)
    if backend == "jax":
        import jax  # deferred: only this backend has (and needs) it

        key = jax.numpy.asarray(seed).astype("uint32")   # raw threefry key, as keras.random
        return jax.random.poisson(key, rate, dtype="int32").astype("float32")
    seed = np.asarray(ops.convert_to_numpy(seed)).astype(np.int64) % (2 ** 32)
    generator = np.random.default_rng(seed.astype(np.uint64))
    counts = generator.poisson(np.asarray(ops.convert_to_numpy(rate), np.float64))
    return ops.convert_to_tensor(counts.astype("float32"))


def _luma(images):
    """Grey image ``(batch, H, W, 1)``: ITU-R BT.601 luma for 3 channels (as Real-ESRGAN's
    ``rgb_to_grayscale``), the channel mean otherwise."""
    if images.shape[-1] == 3:
        weights = ops.convert_to_tensor([0.299, 0.587, 0.114], dtype=images.dtype)
        return ops.sum(images * weights, axis=-1, keepdims=True)
    return ops.mean(images, axis=-1, keepdims=True)


def add_poisson_noise(images, peak, grey=False, seed=None, clip=True):
    """Add signal-dependent (shot) noise: exact Poisson photon counts.

    A pixel of value ``x`` becomes ``k / peak`` with ``k ~ Poisson(x * peak)``: mean
    ``x``, variance ``x / peak`` (the photon count ``x * peak`` has variance equal to its
    mean), and exact at low counts (``P(k = 0) = exp(-x * peak)``), where a Gaussian
    approximation would be wrong. With ``grey`` the noise is computed once on the grey
    image ``g`` (BT.601 luma for RGB) as ``Poisson(g * peak) / peak - g`` and added to
    every channel, as in Real-ESRGAN.

    Backends: the draw is stateless and seeded (see the module docstring). TensorFlow:
    ``tf.random.stateless_poisson`` (in ``tf.data`` and graph mode; it has no XLA kernel,
    so not inside a ``jit_compile=True`` model). JAX: ``jax.random.poisson`` (works under
    ``jax.jit``). Other backends: a NumPy fallback, eager only.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1] (negative values
            count as 0 photons).
        peak: photon count of a white pixel (> 0; smaller = noisier); scalar or ``(batch,)``.
        grey: compute the noise on the luma and add it to every channel (Python bool, or
            ``(batch,)`` bool to choose per image).
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).
        clip: clip the result to [0, 1].

    Returns:
        Noisy images, same shape and dtype; values are multiples of ``1 / peak`` where
        the input lay in [0, 1] (before clipping).
    """
    if isinstance(peak, (int, float)) and not peak > 0:
        raise ValueError(f"add_poisson_noise: `peak` must be > 0; got {peak!r}")
    stream = seed_stream(seed)
    x, squeeze = batched(images, "add_poisson_noise")
    peak = per_image(peak, ops.shape(x)[0])   # float32 (batch, 1, 1, 1)
    signal = ops.maximum(ops.cast(x, "float32"), 0.0)

    def noise_on(values):
        return _poisson(values * peak, stream) / peak - values

    if isinstance(grey, (bool, np.bool_)):
        noise = noise_on(_luma(signal) if grey else signal)
    else:
        colour = noise_on(signal)
        mono = noise_on(_luma(signal))
        noise = ops.where(ops.reshape(ops.convert_to_tensor(grey), (-1, 1, 1, 1)), mono, colour)
    out = x + ops.cast(noise, x.dtype)
    return restore(ops.clip(out, 0.0, 1.0) if clip else out, squeeze)


def random_gaussian_noise(images, sigma_range=(1 / 255, 30 / 255), grey_probability=0.4,
                          seed=None):
    """Gaussian noise with ``sigma`` drawn uniformly per image and grey noise by chance.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        sigma_range: (min, max) standard deviation in [0, 1] units.
        grey_probability: chance of grey (luminance) noise per image.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).

    Returns:
        Noisy images clipped to [0, 1].
    """
    sigma_range = check_range(sigma_range, "sigma_range", low=0.0)
    stream = seed_stream(seed)
    x, squeeze = batched(images, "random_gaussian_noise")
    batch = ops.shape(x)[0]
    sigma = uniform(batch, sigma_range, stream)
    grey = bernoulli(batch, grey_probability, stream)
    return restore(add_gaussian_noise(x, sigma, grey, seed=stream), squeeze)


def random_poisson_noise(images, peak_range=(10.0, 1000.0), grey_probability=0.4, seed=None):
    """Exact Poisson shot noise, ``peak`` drawn log-uniformly per image.

    See ``add_poisson_noise`` for the model (``Poisson(x * peak) / peak``, grey noise on
    the luma added to every channel) and the backends (TensorFlow incl. ``tf.data``, JAX
    incl. ``jax.jit``, NumPy fallback elsewhere).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        peak_range: (min, max) photon count of a white pixel, > 0.
        grey_probability: chance of grey noise per image.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).

    Returns:
        Noisy images clipped to [0, 1], same shape.
    """
    low, high = check_range(peak_range, "peak_range", low=1e-6)
    stream = seed_stream(seed)
    x, squeeze = batched(images, "random_poisson_noise")
    batch = ops.shape(x)[0]
    peak = ops.exp(uniform(batch, (math.log(low), math.log(high)), stream))
    grey = bernoulli(batch, grey_probability, stream)
    return restore(add_poisson_noise(x, peak, grey, seed=stream), squeeze)



__all__ = ["add_gaussian_noise", "add_poisson_noise", "random_gaussian_noise",
           "random_poisson_noise"]
