"""Degradation chains HR -> LR: ``"bicubic"``, ``"blur-downscale-noise"``, ``"realesrgan"``.

The chains follow the degradation models of the literature:
``"bicubic"`` (MATLAB bicubic + 8-bit rounding, SRCNN/EDSR protocol),
``"blur-downscale-noise"`` (``y = (x * k)_s + n``, Zhang et al. 2018, SRMD) and
``"realesrgan"`` (a second-order model with random operation order, Wang et al. 2021,
Real-ESRGAN).

Example:
    >>> lr = degrade(keras.ops.ones((1, 8, 8, 3)), 2)
    >>> tuple(lr.shape)
    (1, 4, 4, 3)
"""

import math

import keras
from keras import ops

from keras_sr.degradations._batch import batched, restore
from keras_sr.degradations.blur import random_gaussian_blur
from keras_sr.degradations.downscale import downscale, random_downscale
from keras_sr.degradations.jpeg import random_jpeg
from keras_sr.degradations.noise import random_gaussian_noise, random_poisson_noise
from keras_sr.degradations.quantize import quantize
from keras_sr.degradations.seeds import bernoulli, seed_stream

ORDERS = ("bicubic", "blur-downscale-noise", "realesrgan")


def _default_jpeg():
    return (30, 95) if keras.backend.backend() == "tensorflow" else None


def degrade(hr, scale, order="bicubic", seed=None, blur_sigma=(0.2, 3.0),
            anisotropic_probability=0.5, kernel_size=21, noise_sigma=(1 / 255, 25 / 255),
            poisson_peak=(10.0, 1000.0), poisson_probability=0.4, grey_probability=0.4,
            jpeg_quality="auto", second_order_probability=0.8, quantize_bits=8):
    """Make LR images from HR ones with a degradation chain.

    Orders:
        ``"bicubic"``: MATLAB bicubic downscale, then rounding to 8 bits (the classic
        protocol of SRCNN, EDSR...).
        ``"blur-downscale-noise"``: random Gaussian blur, bicubic downscale, Gaussian
        noise, rounding (``y = (x * k)_s + n``, SRMD, Zhang et al. 2018).
        ``"realesrgan"``: two stages (Wang et al. 2021, Real-ESRGAN). Stage one: blur,
        random-method resize by ``sqrt(scale)``, Gaussian or Poisson noise, JPEG. Stage
        two (with ``second_order_probability``): blur, noise, JPEG in a random order,
        then a random-method resize to the final LR size. Needs static HR height and width.

    Args:
        hr: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1], H and W multiples of
            ``scale``.
        scale: integer scale factor.
        order: one of ``ORDERS``.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).
        blur_sigma, anisotropic_probability, kernel_size: see ``random_gaussian_blur``.
        noise_sigma: Gaussian noise (min, max) in [0, 1] units.
        poisson_peak, poisson_probability: shot noise range and the chance of using it
            instead of Gaussian noise (realesrgan only).
        grey_probability: chance of grey noise.
        jpeg_quality: (min, max) JPEG quality or ``None`` for none; ``"auto"``: (30, 95)
            on TensorFlow, ``None`` on other backends (JPEG is TensorFlow only).
        second_order_probability: chance of stage two (realesrgan).
        quantize_bits: final rounding (8), or ``None`` to keep floats.

    Returns:
        LR images ``(..., H / scale, W / scale, C)`` in [0, 1].
    """
    if order not in ORDERS:
        raise ValueError(f"degrade: unknown `order` {order!r}; expected one of {ORDERS}")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"degrade: `scale` must be a positive integer; got {scale!r}")
    if jpeg_quality == "auto":
        jpeg_quality = _default_jpeg()
    stream = seed_stream(seed)
    x, squeeze = batched(hr, "degrade")

    def blur_step(y):
        return random_gaussian_blur(y, blur_sigma, anisotropic_probability, kernel_size,
                                    seed=stream)

    def noise_step(y):
        gaussian = random_gaussian_noise(y, noise_sigma, grey_probability, seed=stream)
        if order != "realesrgan":
            return gaussian
        poisson = random_poisson_noise(y, poisson_peak, grey_probability, seed=stream)
        use_poisson = bernoulli(ops.shape(y)[0], poisson_probability, stream)
        return ops.where(ops.reshape(use_poisson, (-1, 1, 1, 1)), poisson, gaussian)

    def jpeg_step(y):
        return y if jpeg_quality is None else random_jpeg(y, jpeg_quality, seed=stream)

    if order == "bicubic":
        lr = downscale(x, scale)
    elif order == "blur-downscale-noise":
        lr = noise_step(downscale(blur_step(x), scale))
    else:
        height, width = x.shape[1], x.shape[2]
        if not isinstance(height, int) or not isinstance(width, int):
            raise ValueError("degrade(order='realesrgan') needs a static HR height and width; "
                             f"got shape {tuple(x.shape)}")
        target = (height // scale, width // scale)
        y = blur_step(x)
        y = random_downscale(y, scale=math.sqrt(scale), seed=stream)
        y = jpeg_step(noise_step(y))
        steps = (blur_step, noise_step, jpeg_step)
        permutations = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))

        def branch(perm):
            def run(z):
                for index in perm:
                    z = steps[index](z)
                return z
            return run

        pick = keras.random.randint((), 0, len(permutations), seed=stream)
        second = ops.switch(pick, [branch(p) for p in permutations], y)
        use_second = bernoulli(ops.shape(y)[0], second_order_probability, stream)
        y = ops.where(ops.reshape(use_second, (-1, 1, 1, 1)), second, y)
        lr = random_downscale(y, size=target, seed=stream)
    if quantize_bits is not None:
        lr = quantize(lr, quantize_bits)
    return restore(lr, squeeze)



__all__ = ["ORDERS", "degrade"]
