"""Blur: Gaussian kernels (isotropic or rotated anisotropic) and filtering with mirror borders.

Images are float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1]; ``keras.ops`` only, so
the same code runs in ``tf.data``, under ``jax.jit`` and in a training step.

Example:
    >>> kernel = gaussian_kernel(5, 1.0)
    >>> tuple(kernel.shape), round(float(keras.ops.sum(kernel)), 5)
    ((5, 5), 1.0)
"""

import math

import keras
from keras import ops

from keras_sr.degradations._batch import batched, check_range, restore
from keras_sr.degradations.seeds import bernoulli, seed_stream, uniform


def gaussian_kernel(size, sigma_x, sigma_y=None, theta=0.0):
    """Normalised 2-D Gaussian kernel(s), isotropic or anisotropic (rotated).

    Args:
        size: odd int, kernel height and width in pixels.
        sigma_x: standard deviation along the (rotated) x axis in pixels, > 0; a scalar
            or a ``(batch,)`` tensor for one kernel per image.
        sigma_y: standard deviation along the rotated y axis; ``None`` = ``sigma_x``
            (isotropic).
        theta: rotation angle in radians (scalar or ``(batch,)``).

    Returns:
        float32 ``(size, size)`` for scalar parameters, else ``(batch, size, size)``;
        each kernel sums to one.
    """
    if not isinstance(size, int) or size < 1 or size % 2 == 0:
        raise ValueError(f"gaussian_kernel: `size` must be a positive odd int; got {size!r}")
    scalar = all(len(ops.shape(ops.convert_to_tensor(v))) == 0
                 for v in (sigma_x, sigma_x if sigma_y is None else sigma_y, theta))
    sigma_x = ops.reshape(ops.cast(ops.convert_to_tensor(sigma_x), "float32"), (-1, 1, 1))
    sigma_y = sigma_x if sigma_y is None else ops.reshape(
        ops.cast(ops.convert_to_tensor(sigma_y), "float32"), (-1, 1, 1))
    theta = ops.reshape(ops.cast(ops.convert_to_tensor(theta), "float32"), (-1, 1, 1))
    half = (size - 1) / 2.0
    coords = ops.arange(size, dtype="float32") - half
    y = ops.reshape(coords, (1, size, 1))
    x = ops.reshape(coords, (1, 1, size))
    cos, sin = ops.cos(theta), ops.sin(theta)
    u = cos * x + sin * y
    v = -sin * x + cos * y
    exponent = -0.5 * (ops.square(u / sigma_x) + ops.square(v / sigma_y))
    kernel = ops.exp(exponent)
    kernel = kernel / ops.sum(kernel, axis=(1, 2), keepdims=True)
    return kernel[0] if scalar else kernel


def blur(images, kernel):
    """Filter images with a given kernel (one per batch or one per image), mirror borders.

    The filter is a correlation (the kernel is not flipped), as ``tf.nn.depthwise_conv2d``
    and ``scipy.ndimage.correlate``; borders are mirrored without repeating the edge
    (``scipy`` mode ``"mirror"``). Every channel gets the same kernel.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)``.
        kernel: ``(k, k)`` for all images, or ``(batch, k, k)`` one per image; ``k`` odd
            and smaller than H and W.

    Returns:
        Blurred images, same shape and dtype.
    """
    x, squeeze = batched(images, "blur")
    kernel = ops.cast(ops.convert_to_tensor(kernel), x.dtype)
    rank = len(kernel.shape)
    if rank not in (2, 3) or kernel.shape[-1] != kernel.shape[-2] or kernel.shape[-1] % 2 == 0:
        raise ValueError(f"blur: `kernel` must be (k, k) or (batch, k, k) with k odd; "
                         f"got shape {tuple(kernel.shape)}")
    k = kernel.shape[-1]
    pad = k // 2
    channels = x.shape[-1]
    x = ops.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    if rank == 2:
        weights = ops.tile(ops.reshape(kernel, (k, k, 1, 1)), (1, 1, channels, 1))
        out = ops.depthwise_conv(x, weights, strides=1, padding="valid")
    else:
        # One kernel per image: fold the batch into channels, (1, H, W, B*C).
        shape = ops.shape(x)
        folded = ops.reshape(ops.transpose(x, (1, 2, 0, 3)), (1, shape[1], shape[2], -1))
        weights = ops.repeat(ops.transpose(kernel, (1, 2, 0)), channels, axis=2)
        weights = ops.expand_dims(weights, -1)
        out = ops.depthwise_conv(folded, weights, strides=1, padding="valid")
        out_shape = ops.shape(out)
        out = ops.reshape(out[0], (out_shape[1], out_shape[2], -1, channels))
        out = ops.transpose(out, (2, 0, 1, 3))
    return restore(out, squeeze)


def gaussian_blur(images, sigma, sigma_y=None, theta=0.0, size=None):
    """Gaussian blur, isotropic (``sigma``) or anisotropic (``sigma``, ``sigma_y``, ``theta``).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)``.
        sigma: standard deviation in pixels (Python float, or ``(batch,)`` tensor).
        sigma_y, theta: see ``gaussian_kernel``.
        size: odd kernel size; default ``2 * ceil(3 * max sigma) + 1`` for Python floats.

    Returns:
        Blurred images, same shape.
    """
    if size is None:
        if not isinstance(sigma, (int, float)) or not isinstance(sigma_y, (int, float, type(None))):
            raise ValueError("gaussian_blur: give `size` when `sigma` is a tensor")
        size = 2 * int(math.ceil(3 * max(sigma, sigma_y or 0.0))) + 1
    return blur(images, gaussian_kernel(size, sigma, sigma_y, theta))


def random_gaussian_blur(images, sigma_range=(0.2, 3.0), anisotropic_probability=0.5,
                         size=21, seed=None):
    """Gaussian blur with parameters drawn per image (Real-ESRGAN's first kernel family).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)``.
        sigma_range: (min, max) standard deviation in pixels, drawn uniformly.
        anisotropic_probability: chance that an image gets independent ``sigma_x``,
            ``sigma_y`` and a uniform rotation in [0, pi); otherwise isotropic.
        size: odd kernel size in pixels.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).

    Returns:
        Blurred images, same shape.
    """
    low, high = check_range(sigma_range, "sigma_range", low=1e-3)
    stream = seed_stream(seed)
    x, squeeze = batched(images, "random_gaussian_blur")
    batch = ops.shape(x)[0]
    sigma_x = uniform(batch, (low, high), stream)
    sigma_y = uniform(batch, (low, high), stream)
    theta = uniform(batch, (0.0, math.pi), stream)
    aniso = bernoulli(batch, anisotropic_probability, stream)
    sigma_y = ops.where(aniso, sigma_y, sigma_x)
    theta = ops.where(aniso, theta, ops.zeros_like(theta))
    return restore(blur(x, gaussian_kernel(size, sigma_x, sigma_y, theta)), squeeze)



__all__ = ["gaussian_kernel", "blur", "gaussian_blur", "random_gaussian_blur"]
