"""Degradations that turn HR images into LR inputs, one module per job.

``seeds`` (seed streams), ``blur``, ``downscale`` (MATLAB ``imresize`` kernels from
``keras_sr.image.resize``), ``noise`` (Gaussian, Poisson), ``jpeg``, ``quantize`` and
``chains`` (``degrade`` and its ``ORDERS``). Everything is written with ``keras.ops`` so
the same code runs inside ``tf.data`` (TensorFlow backend) and on the accelerator inside
a training step (JAX or TensorFlow); only JPEG is TensorFlow-only. Their Keras layers
live in ``keras_sr.layers.degradation``.

Images are float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1]. Every ``random_*``
function draws its parameters per image and takes a ``seed`` (see ``seeds``).

Example:
    >>> from keras_sr import degradations
    >>> lr = degradations.degrade(keras.ops.ones((1, 8, 8, 1)), 4)
    >>> tuple(lr.shape)
    (1, 2, 2, 1)
"""

import keras  # noqa: F401  (doctest namespace)

from keras_sr.degradations.blur import blur, gaussian_blur, gaussian_kernel, random_gaussian_blur
from keras_sr.degradations.chains import ORDERS, degrade
from keras_sr.degradations.downscale import downscale, random_downscale
from keras_sr.degradations.jpeg import jpeg_compress, random_jpeg
from keras_sr.degradations.noise import (add_gaussian_noise, add_poisson_noise,
                                         random_gaussian_noise, random_poisson_noise)
from keras_sr.degradations.quantize import quantize
from keras_sr.degradations.seeds import SeedStream, seed_stream

__all__ = [
    "ORDERS", "SeedStream", "seed_stream", "gaussian_kernel", "blur", "gaussian_blur",
    "random_gaussian_blur", "downscale", "random_downscale", "add_gaussian_noise",
    "add_poisson_noise", "random_gaussian_noise", "random_poisson_noise", "jpeg_compress",
    "random_jpeg", "quantize", "degrade",
]
