"""The degradations as Keras layers (``keras_sr.degradations`` functions, serializable).

Degradation layers act at every call (training or not): they make model inputs, they
are not augmentations. They keep no weights and run on any backend (JPEG: TensorFlow).
Registered as ``keras_sr>Downscale``, ``keras_sr>Degrade``... (the names ``.keras`` files
written before the move use).

Example:
    >>> layer = Downscale(2)
    >>> tuple(layer(keras.ops.ones((1, 8, 8, 3))).shape)
    (1, 4, 4, 3)
"""

import math

import keras
from keras import ops

from keras_sr.degradations import (SeedStream, degrade, downscale, quantize,
                                   random_gaussian_blur, random_gaussian_noise, random_jpeg,
                                   random_poisson_noise)


class _DegradationLayer(keras.layers.Layer):
    """Base of the degradation layers: stores the seed and a SeedGenerator from it.

    Degradation layers act at every call (training or not): they make model inputs,
    they are not augmentations. They keep no weights and run on any backend (JPEG: TF).
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trainable = False

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class Downscale(_DegradationLayer):
    """``downscale`` as a layer. Args: ``scale``, ``method`` (see ``downscale``)."""

    def __init__(self, scale, method="bicubic", **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.method = method

    def call(self, inputs):
        return downscale(inputs, self.scale, self.method)

    def compute_output_shape(self, input_shape):
        def shrink(n):
            return None if n is None else int(math.ceil(n / self.scale - 1e-6))

        return (input_shape[0], shrink(input_shape[1]), shrink(input_shape[2]), input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "method": self.method})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class GaussianBlur(_DegradationLayer):
    """``random_gaussian_blur`` as a layer (sigma drawn per image from ``sigma_range``)."""

    def __init__(self, sigma_range=(0.2, 3.0), anisotropic_probability=0.5, size=21, **kwargs):
        super().__init__(**kwargs)
        self.sigma_range = tuple(sigma_range)
        self.anisotropic_probability = anisotropic_probability
        self.size = size

    def call(self, inputs):
        return random_gaussian_blur(inputs, self.sigma_range, self.anisotropic_probability,
                                    self.size, seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config.update({"sigma_range": self.sigma_range, "size": self.size,
                       "anisotropic_probability": self.anisotropic_probability})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class GaussianNoise(_DegradationLayer):
    """``random_gaussian_noise`` as a layer (applied at every call, unlike Keras's)."""

    def __init__(self, sigma_range=(1 / 255, 30 / 255), grey_probability=0.4, **kwargs):
        super().__init__(**kwargs)
        self.sigma_range = tuple(sigma_range)
        self.grey_probability = grey_probability

    def call(self, inputs):
        return random_gaussian_noise(inputs, self.sigma_range, self.grey_probability,
                                     seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config.update({"sigma_range": self.sigma_range, "grey_probability": self.grey_probability})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class PoissonNoise(_DegradationLayer):
    """``random_poisson_noise`` as a layer: exact Poisson shot noise at every call.

    Input/output: float ``(batch, H, W, C)`` in [0, 1]. Not XLA-compilable on TensorFlow
    (``tf.random.stateless_poisson`` has no XLA kernel); fine under ``jax.jit``.
    """

    def __init__(self, peak_range=(10.0, 1000.0), grey_probability=0.4, **kwargs):
        super().__init__(**kwargs)
        self.peak_range = tuple(peak_range)
        self.grey_probability = grey_probability

    def call(self, inputs):
        return random_poisson_noise(inputs, self.peak_range, self.grey_probability,
                                    seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config.update({"peak_range": self.peak_range, "grey_probability": self.grey_probability})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class JPEGCompression(_DegradationLayer):
    """``random_jpeg`` as a layer (TensorFlow backend only)."""

    def __init__(self, quality_range=(30, 95), **kwargs):
        super().__init__(**kwargs)
        self.quality_range = tuple(quality_range)

    def call(self, inputs):
        return random_jpeg(inputs, self.quality_range, seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config.update({"quality_range": self.quality_range})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class Quantize(_DegradationLayer):
    """``quantize`` as a layer: round to ``2**bits`` levels."""

    def __init__(self, bits=8, **kwargs):
        super().__init__(**kwargs)
        self.bits = bits

    def call(self, inputs):
        return quantize(inputs, self.bits)

    def get_config(self):
        config = super().get_config()
        config.update({"bits": self.bits})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class Degrade(_DegradationLayer):
    """``degrade`` as a layer: HR batch in, LR batch out (e.g. on the accelerator under JAX).

    Call: ``layer(hr)`` or ``layer(hr, seeds=seeds)``. ``hr``: float ``(batch, H, W, C)``
    in [0, 1], H and W multiples of ``scale``; returns LR ``(batch, H / scale, W / scale,
    C)`` in [0, 1]. Without ``seeds`` the draws come from the layer's stateful generator
    (seeded by ``seed``; each call advances it). With ``seeds``, an integer ``(2,)`` or
    ``(batch, 2)`` tensor, the whole batch draws statelessly from ``seeds`` (its first
    row): ``(seed + 7919, k)`` gives the draws of batch ``k`` of
    ``keras_sr.data.datasets.training_dataset`` (see
    ``keras_sr.training.device_degradation``).

    On TensorFlow the ``realesrgan`` chain (Poisson noise, JPEG) has no XLA kernels: the
    layer then reports ``supports_jit = False``, so ``fit`` does not XLA-compile a model
    holding it.

    Args:
        scale: integer scale factor.
        order: one of ``ORDERS``.
        seed: int or None.
        options: dict of keyword arguments of ``degrade`` (``noise_sigma``,
            ``jpeg_quality``...); the remaining kwargs go to ``keras.layers.Layer``.
    """

    def __init__(self, scale, order="bicubic", seed=None, options=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.scale = scale
        self.order = order
        self.options = dict(options or {})
        if order == "realesrgan" and keras.backend.backend() == "tensorflow":
            self.supports_jit = False

    def call(self, inputs, seeds=None):
        stream = self.seed_generator
        if seeds is not None:
            seeds = ops.convert_to_tensor(seeds)
            stream = SeedStream(seeds[0] if len(seeds.shape) == 2 else seeds)
        return degrade(inputs, self.scale, self.order, seed=stream, **self.options)

    def compute_output_shape(self, input_shape):
        def shrink(n):
            return None if n is None else n // self.scale

        return (input_shape[0], shrink(input_shape[1]), shrink(input_shape[2]), input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "order": self.order, "options": self.options})
        return config


__all__ = ["Downscale", "GaussianBlur", "GaussianNoise", "PoissonNoise", "JPEGCompression",
           "Quantize", "Degrade"]
