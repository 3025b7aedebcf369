"""Degradations that turn HR images into LR inputs: blur, downscale, noise, JPEG, quantization.

Everything is written with ``keras.ops`` so the same code runs inside ``tf.data`` (on the
TensorFlow backend) and on the accelerator inside a training step (JAX or TensorFlow).
Only JPEG compression is TensorFlow-only (it calls ``tf.image.adjust_jpeg_quality``).

Images are float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1]. Every ``random_*``
function draws its parameters per image and takes a ``seed``: an int, a
``keras.random.SeedGenerator`` (stateful), a ``SeedStream`` or an integer tensor of shape
``(2,)`` (stateless, e.g. ``(seed, element_index)`` inside ``tf.data``). The same seed
always gives the same result.

The chains follow the degradation models of the literature:
``"bicubic"`` (MATLAB bicubic + 8-bit rounding, SRCNN/EDSR protocol),
``"blur-downscale-noise"`` (``y = (x * k)_s + n``, Zhang et al. 2018, SRMD) and
``"realesrgan"`` (a second-order model with random operation order, Wang et al. 2021,
Real-ESRGAN).
"""

import functools
import math

import keras
import numpy as np
from keras import ops

from keras_sr.image.resize import METHODS, imresize

ORDERS = ("bicubic", "blur-downscale-noise", "realesrgan")


# --------------------------------------------------------------------------- seeds
def _seed_dtype():
    return "int64" if keras.backend.backend() == "tensorflow" else "uint32"


class SeedStream(keras.random.SeedGenerator):
    """A stateless stream of seeds derived from a base seed (no variable, jit/tf.data safe).

    The ``k``-th call of ``next()`` returns ``base + (k * 1000003, 0)``, so a stream built
    from ``(seed, element_index)`` gives every element of a dataset its own draws, the
    same ones at every run, whatever the parallelism.

    Args:
        seed: int, or integer tensor/array of shape ``(2,)``.
    """

    def __init__(self, seed):  # pylint: disable=super-init-not-called
        # Deliberately skips SeedGenerator.__init__: that would create a state variable.
        if isinstance(seed, int):
            seed = [seed, 0]
        self._base = ops.cast(ops.convert_to_tensor(seed), _seed_dtype())
        if tuple(self._base.shape) != (2,):
            raise ValueError(f"SeedStream: `seed` must be an int or have shape (2,); "
                             f"got shape {tuple(self._base.shape)}")
        self._count = 0

    def next(self, ordered=True):
        self._count += 1
        step = ops.convert_to_tensor([self._count * 1000003, 0], dtype=_seed_dtype())
        return self._base + step


def seed_stream(seed):
    """Return a seed generator for ``seed`` (int, (2,) tensor, SeedGenerator or None).

    ``None`` gives an unseeded generator (different draws each run); pass a seed for
    reproducible results.
    """
    if isinstance(seed, keras.random.SeedGenerator):
        return seed
    if seed is None:
        return keras.random.SeedGenerator()
    if isinstance(seed, bool):
        raise ValueError(f"`seed` must be an int, a (2,) tensor or a SeedGenerator; got {seed!r}")
    return SeedStream(seed)


# --------------------------------------------------------------------------- helpers
def _batched(images, name):
    """Return ``(images as float rank-4, was_rank_3)``."""
    images = ops.convert_to_tensor(images)
    if images.dtype not in ("float16", "bfloat16", "float32", "float64"):
        images = ops.cast(images, "float32")
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError(f"{name} expects images (batch, H, W, C) or (H, W, C); "
                         f"got shape {tuple(images.shape)}")
    if rank == 3:
        return ops.expand_dims(images, 0), True
    return images, False


def _restore(images, squeeze):
    return ops.squeeze(images, 0) if squeeze else images


def _per_image(value, batch):
    """Broadcast a scalar or ``(batch,)`` parameter to shape ``(batch, 1, 1, 1)``."""
    value = ops.cast(ops.convert_to_tensor(value), "float32")
    value = ops.reshape(value, (-1,))
    value = ops.broadcast_to(value, (batch,)) if value.shape[0] == 1 else value
    return ops.reshape(value, (-1, 1, 1, 1))


def _check_range(value, name, low=None, high=None):
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and value[0] <= value[1]):
        raise ValueError(f"`{name}` must be a (min, max) pair with min <= max; got {value!r}")
    if low is not None and value[0] < low or high is not None and value[1] > high:
        raise ValueError(f"`{name}` must lie in [{low}, {high}]; got {value!r}")
    return float(value[0]), float(value[1])


def _uniform(batch, value_range, stream):
    low, high = value_range
    return keras.random.uniform((batch,), minval=low, maxval=high, seed=stream)


def _bernoulli(batch, probability, stream):
    return keras.random.uniform((batch,), seed=stream) < probability


# --------------------------------------------------------------------------- blur
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
    x, squeeze = _batched(images, "blur")
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
    return _restore(out, squeeze)


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
        seed: see the module docstring.

    Returns:
        Blurred images, same shape.
    """
    low, high = _check_range(sigma_range, "sigma_range", low=1e-3)
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "random_gaussian_blur")
    batch = ops.shape(x)[0]
    sigma_x = _uniform(batch, (low, high), stream)
    sigma_y = _uniform(batch, (low, high), stream)
    theta = _uniform(batch, (0.0, math.pi), stream)
    aniso = _bernoulli(batch, anisotropic_probability, stream)
    sigma_y = ops.where(aniso, sigma_y, sigma_x)
    theta = ops.where(aniso, theta, ops.zeros_like(theta))
    return _restore(blur(x, gaussian_kernel(size, sigma_x, sigma_y, theta)), squeeze)


# --------------------------------------------------------------------------- resize
def _kernel_np(method, x):
    ax = np.abs(x)
    if method == "bicubic":
        inner = 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1.0
        outer = -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4.0 * ax + 2.0
        return np.where(ax <= 1.0, inner, np.where(ax <= 2.0, outer, 0.0))
    if method == "bilinear":
        return np.maximum(1.0 - ax, 0.0)
    return ((x >= -0.5) & (x < 0.5)).astype(np.float64)


@functools.lru_cache(maxsize=256)
def resize_matrix(in_len, out_len, method="bicubic", antialias=True, scale=None):
    """Dense ``(out_len, in_len)`` matrix of MATLAB ``imresize`` along one axis (numpy).

    The same taps as ``keras_sr.image.resize.imresize`` (Keys cubic a = -0.5, triangle or
    box kernel widened by ``1/scale`` when shrinking, mirrored borders), built once per
    size in float64 so that static-shape resizes are two small matrix products: several
    times faster than gathering taps on CPUs, and free of dynamic shapes under ``jax.jit``.

    Args:
        in_len, out_len: input and output lengths (ints).
        method: one of ``keras_sr.image.resize.METHODS``.
        antialias: widen the kernel when shrinking (MATLAB's default).
        scale: the scale the taps use (MATLAB keeps the requested one, e.g. 1/4 even when
            ``out_len = ceil(in_len / 4)`` is not exactly a quarter); default
            ``out_len / in_len``.

    Returns:
        float32 ``np.ndarray`` whose rows sum to one.
    """
    if method not in METHODS:
        raise ValueError(f"resize_matrix: unknown `method` {method!r}; expected one of {METHODS}")
    scale = out_len / in_len if scale is None else float(scale)
    support = {"bicubic": 4.0, "bilinear": 2.0, "area": 1.0, "nearest": 1.0}[method]
    widen = scale < 1.0 and antialias and method != "nearest"
    width = support / scale if widen else support
    taps = int(math.ceil(width)) + 2
    centre = np.arange(1, out_len + 1) / scale + 0.5 * (1.0 - 1.0 / scale)
    index = np.floor(centre - width / 2.0)[:, None] + np.arange(taps)[None, :]
    distance = centre[:, None] - index
    weights = scale * _kernel_np(method, scale * distance) if widen else _kernel_np(method, distance)
    if method == "nearest":
        weights = np.eye(taps)[np.argmax(weights, axis=1)]
    weights = weights / weights.sum(axis=1, keepdims=True)
    folded = np.mod(index.astype(np.int64) - 1, 2 * in_len)
    folded = np.where(folded >= in_len, 2 * in_len - 1 - folded, folded)
    matrix = np.zeros((out_len, in_len))
    np.add.at(matrix, (np.repeat(np.arange(out_len), taps), folded.ravel()), weights.ravel())
    return matrix.astype(np.float32)


def resize(images, scale=None, size=None, method="bicubic", antialias=True):
    """``imresize`` that uses ``resize_matrix`` products when height and width are static.

    Same arguments and result as ``keras_sr.image.resize.imresize`` (to float round-off);
    falls back to it for dynamic shapes.
    """
    x, squeeze = _batched(images, "resize")
    height, width = x.shape[1], x.shape[2]
    if not (isinstance(height, int) and isinstance(width, int)):
        return _restore(imresize(x, scale=scale, size=size, method=method,
                                 antialias=antialias), squeeze)
    if size is not None:
        out_h, out_w = (size, size) if isinstance(size, int) else (int(v) for v in size)
        s_h, s_w = out_h / height, out_w / width
    else:
        s_h, s_w = (scale, scale) if isinstance(scale, (int, float)) else tuple(scale)
        out_h = int(math.ceil(height * s_h - 1e-6))
        out_w = int(math.ceil(width * s_w - 1e-6))
    rows = ops.convert_to_tensor(resize_matrix(height, out_h, method, antialias, float(s_h)))
    cols = ops.convert_to_tensor(resize_matrix(width, out_w, method, antialias, float(s_w)))
    work = x if x.dtype in ("float32", "float64") else ops.cast(x, "float32")
    rows, cols = ops.cast(rows, work.dtype), ops.cast(cols, work.dtype)
    if isinstance(x.shape[3], int):
        out = _separable_product(work, rows, cols)
    else:
        out = ops.einsum("ph,bhwc->bpwc", rows, work)
        out = ops.einsum("qw,bpwc->bpqc", cols, out)
    return _restore(ops.cast(out, x.dtype), squeeze)


def _separable_product(x, rows, cols):
    """``rows @ x @ cols.T`` on every channel of a batch, as plain matrix products.

    The row pass is one broadcast batch matmul on ``(batch, H, W*C)`` (no transpose of
    the large input); the column pass transposes only the row-resized (smaller) tensor
    and is a single 2-D matmul. On CPU (TensorFlow) this is about twice as fast as the
    equivalent ``einsum``s, which transpose the input.

    Args:
        x: float ``(batch, H, W, C)`` with static H, W and C.
        rows: ``(P, H)`` matrix of the same dtype; cols: ``(Q, W)``.

    Returns:
        ``(batch, P, Q, C)``.
    """
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    out_h, out_w = rows.shape[0], cols.shape[0]
    y = ops.matmul(rows, ops.reshape(x, (-1, height, width * channels)))  # (b, P, W*C)
    if channels == 1:
        y = ops.matmul(ops.reshape(y, (-1, width)), ops.transpose(cols))
        return ops.reshape(y, (-1, out_h, out_w, 1))
    y = ops.transpose(ops.reshape(y, (-1, out_h, width, channels)), (0, 1, 3, 2))
    y = ops.matmul(ops.reshape(y, (-1, width)), ops.transpose(cols))      # (b*P*C, Q)
    return ops.transpose(ops.reshape(y, (-1, out_h, channels, out_w)), (0, 1, 3, 2))


def downscale(images, scale, method="bicubic", antialias=True, clip=True):
    """Shrink images by ``scale`` with MATLAB's ``imresize`` kernels.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        scale: shrink factor > 0 (e.g. 4); output size ``ceil(H / scale)``.
        method: ``"bicubic"`` (default), ``"bilinear"``, ``"area"`` or ``"nearest"``.
        antialias: widen the kernel as MATLAB does (default).
        clip: clip to [0, 1] (bicubic overshoots).

    Returns:
        The LR images.
    """
    if not isinstance(scale, (int, float)) or scale <= 0:
        raise ValueError(f"downscale: `scale` must be a positive number; got {scale!r}")
    out = resize(images, scale=1.0 / scale, method=method, antialias=antialias)
    return ops.clip(out, 0.0, 1.0) if clip else out


def random_downscale(images, scale=None, size=None, methods=("area", "bilinear", "bicubic"),
                     seed=None):
    """Shrink by ``scale`` (or to ``size``) with a method drawn per image from ``methods``.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        scale: shrink factor; or ``size``: output ``(height, width)`` (static input shape).
        methods: names from ``keras_sr.image.resize.METHODS``, drawn uniformly.
        seed: see the module docstring.

    Returns:
        The LR images clipped to [0, 1].
    """
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"random_downscale: unknown method {method!r} in `methods`; "
                             f"expected names from {METHODS}")
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "random_downscale")
    kwargs = {"size": size} if size is not None else {"scale": 1.0 / scale}
    outs = [ops.clip(resize(x, method=m, **kwargs), 0.0, 1.0) for m in methods]
    if len(outs) == 1:
        return _restore(outs[0], squeeze)
    choice = keras.random.randint((ops.shape(x)[0],), 0, len(outs), seed=stream)
    choice = ops.reshape(choice, (-1, 1, 1, 1))
    out = outs[0]
    for index in range(1, len(outs)):
        out = ops.where(choice == index, outs[index], out)
    return _restore(out, squeeze)


# --------------------------------------------------------------------------- noise
def add_gaussian_noise(images, sigma, grey=False, seed=None, clip=True):
    """Add white Gaussian noise.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        sigma: standard deviation in [0, 1] units (``25 / 255`` for the usual
            "sigma = 25"); a scalar or ``(batch,)``.
        grey: the same noise in every channel (luminance noise), or a ``(batch,)`` bool
            to choose per image.
        seed: see the module docstring.
        clip: clip the result to [0, 1].

    Returns:
        Noisy images, same shape.
    """
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "add_gaussian_noise")
    shape = ops.shape(x)
    colour = keras.random.normal(shape, seed=stream, dtype=x.dtype)
    mono = keras.random.normal((shape[0], shape[1], shape[2], 1), seed=stream, dtype=x.dtype)
    grey = ops.reshape(ops.convert_to_tensor(grey), (-1, 1, 1, 1))
    noise = ops.where(grey, mono, colour) * ops.cast(_per_image(sigma, shape[0]), x.dtype)
    out = x + noise
    return _restore(ops.clip(out, 0.0, 1.0) if clip else out, squeeze)


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
        import tensorflow as tf

        # The stateless TF kernels want an int32/int64 (2,) seed; fold into int32 range
        # as keras.random does, so SeedStream (int64) and SeedGenerator seeds both work.
        seed = tf.cast(tf.math.floormod(tf.cast(seed, tf.int64), tf.int32.max - 1), tf.int32)
        return tf.random.stateless_poisson(tf.shape(rate), seed, rate, dtype=tf.float32)
    if backend == "jax":
        import jax

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
        seed: see the module docstring.
        clip: clip the result to [0, 1].

    Returns:
        Noisy images, same shape and dtype; values are multiples of ``1 / peak`` where
        the input lay in [0, 1] (before clipping).
    """
    if isinstance(peak, (int, float)) and not peak > 0:
        raise ValueError(f"add_poisson_noise: `peak` must be > 0; got {peak!r}")
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "add_poisson_noise")
    peak = _per_image(peak, ops.shape(x)[0])   # float32 (batch, 1, 1, 1)
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
    return _restore(ops.clip(out, 0.0, 1.0) if clip else out, squeeze)


def random_gaussian_noise(images, sigma_range=(1 / 255, 30 / 255), grey_probability=0.4,
                          seed=None):
    """Gaussian noise with ``sigma`` drawn uniformly per image and grey noise by chance.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        sigma_range: (min, max) standard deviation in [0, 1] units.
        grey_probability: chance of grey (luminance) noise per image.
        seed: see the module docstring.

    Returns:
        Noisy images clipped to [0, 1].
    """
    sigma_range = _check_range(sigma_range, "sigma_range", low=0.0)
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "random_gaussian_noise")
    batch = ops.shape(x)[0]
    sigma = _uniform(batch, sigma_range, stream)
    grey = _bernoulli(batch, grey_probability, stream)
    return _restore(add_gaussian_noise(x, sigma, grey, seed=stream), squeeze)


def random_poisson_noise(images, peak_range=(10.0, 1000.0), grey_probability=0.4, seed=None):
    """Exact Poisson shot noise, ``peak`` drawn log-uniformly per image.

    See ``add_poisson_noise`` for the model (``Poisson(x * peak) / peak``, grey noise on
    the luma added to every channel) and the backends (TensorFlow incl. ``tf.data``, JAX
    incl. ``jax.jit``, NumPy fallback elsewhere).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        peak_range: (min, max) photon count of a white pixel, > 0.
        grey_probability: chance of grey noise per image.
        seed: see the module docstring.

    Returns:
        Noisy images clipped to [0, 1], same shape.
    """
    low, high = _check_range(peak_range, "peak_range", low=1e-6)
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "random_poisson_noise")
    batch = ops.shape(x)[0]
    peak = ops.exp(_uniform(batch, (math.log(low), math.log(high)), stream))
    grey = _bernoulli(batch, grey_probability, stream)
    return _restore(add_poisson_noise(x, peak, grey, seed=stream), squeeze)


# --------------------------------------------------------------------------- JPEG
def _require_tensorflow(what):
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            f"{what} needs the TensorFlow backend (it calls tf.image.adjust_jpeg_quality); "
            f"the backend is {keras.backend.backend()!r}. Run the data pipeline with "
            "KERAS_BACKEND=tensorflow or drop JPEG from the degradation.")


def jpeg_compress(images, quality):
    """JPEG-compress and decode images (TensorFlow only: ``tf.image.adjust_jpeg_quality``).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1], C = 1 or 3.
        quality: JPEG quality in [0, 100]; an int or a ``(batch,)`` int tensor.

    Returns:
        Decoded float32 images in [0, 1] (8-bit values), same shape.
    """
    _require_tensorflow("jpeg_compress")
    import tensorflow as tf

    if isinstance(quality, (int, float)) and not 0 <= quality <= 100:
        raise ValueError(f"jpeg_compress: `quality` must be in [0, 100]; got {quality!r}")
    x, squeeze = _batched(images, "jpeg_compress")
    x = tf.clip_by_value(tf.cast(x, tf.float32), 0.0, 1.0)
    quality = tf.broadcast_to(tf.reshape(tf.cast(quality, tf.int32), (-1,)), tf.shape(x)[:1])

    def one(args):
        image, q = args
        return tf.image.adjust_jpeg_quality(image, q)

    out = tf.map_fn(one, (x, quality), fn_output_signature=tf.float32)
    out = tf.ensure_shape(out, x.shape)
    return _restore(out, squeeze)


def random_jpeg(images, quality_range=(30, 95), seed=None):
    """JPEG compression with a quality drawn uniformly per image (TensorFlow only).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        quality_range: (min, max) integer qualities, both included.
        seed: see the module docstring.

    Returns:
        Decoded images in [0, 1].
    """
    low, high = _check_range(quality_range, "quality_range", low=0, high=100)
    _require_tensorflow("random_jpeg")
    stream = seed_stream(seed)
    x, squeeze = _batched(images, "random_jpeg")
    quality = keras.random.randint((ops.shape(x)[0],), int(low), int(high) + 1, seed=stream)
    return _restore(jpeg_compress(x, quality), squeeze)


# --------------------------------------------------------------------------- quantization
def quantize(images, bits=8):
    """Round images to ``2**bits`` levels (``bits=8``: the uint8 rounding of saved images).

    ``bits < 8`` is colour-depth reduction (posterisation).

    Args:
        images: float tensor in [0, 1].
        bits: int in [1, 16].

    Returns:
        Float images with values ``k / (2**bits - 1)``, clipped to [0, 1].
    """
    if not isinstance(bits, int) or not 1 <= bits <= 16:
        raise ValueError(f"quantize: `bits` must be an int in [1, 16]; got {bits!r}")
    levels = float(2 ** bits - 1)
    images = ops.convert_to_tensor(images)
    return ops.round(ops.clip(images, 0.0, 1.0) * levels) / levels


# --------------------------------------------------------------------------- chains
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
        seed: int, (2,) tensor or SeedGenerator (see the module docstring).
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
    x, squeeze = _batched(hr, "degrade")

    def blur_step(y):
        return random_gaussian_blur(y, blur_sigma, anisotropic_probability, kernel_size,
                                    seed=stream)

    def noise_step(y):
        gaussian = random_gaussian_noise(y, noise_sigma, grey_probability, seed=stream)
        if order != "realesrgan":
            return gaussian
        poisson = random_poisson_noise(y, poisson_peak, grey_probability, seed=stream)
        use_poisson = _bernoulli(ops.shape(y)[0], poisson_probability, stream)
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
        use_second = _bernoulli(ops.shape(y)[0], second_order_probability, stream)
        y = ops.where(ops.reshape(use_second, (-1, 1, 1, 1)), second, y)
        lr = random_downscale(y, size=target, seed=stream)
    if quantize_bits is not None:
        lr = quantize(lr, quantize_bits)
    return _restore(lr, squeeze)


# --------------------------------------------------------------------------- layers
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


__all__ = [
    "ORDERS", "SeedStream", "seed_stream", "gaussian_kernel", "blur", "gaussian_blur",
    "random_gaussian_blur", "resize_matrix", "resize", "downscale", "random_downscale", "add_gaussian_noise",
    "add_poisson_noise", "random_gaussian_noise", "random_poisson_noise", "jpeg_compress",
    "random_jpeg", "quantize", "degrade",
    "Downscale", "GaussianBlur", "GaussianNoise", "PoissonNoise", "JPEGCompression",
    "Quantize", "Degrade",
]
