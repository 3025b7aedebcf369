"""MATLAB-compatible ``imresize`` written with ``keras.ops``.

The SR literature makes its low-resolution inputs with MATLAB's
``imresize(hr, 1/s, 'bicubic')``: a cubic convolution kernel (Keys, a = -0.5) that is
widened by ``1/scale`` when shrinking (antialiasing), with symmetric (mirror) padding at
the borders. ``tf.image.resize`` does not antialias its bicubic kernel and lands several
dB away from the published tables; this module reproduces MATLAB to float precision.

The resize is separable: along each spatial axis every output sample is a weighted sum
of ``taps`` input samples. Indices and weights are computed with ``keras.ops`` from the
(possibly dynamic) input length, so the same function runs inside ``tf.data``, under
``jax.jit`` and as a layer in a model (``keras_sr.layers.Resize``).
"""

import math

from keras import ops

METHODS = ("bicubic", "bilinear", "area", "nearest")


def _cubic(x):
    """Keys cubic convolution kernel with a = -0.5 (MATLAB's ``cubic``)."""
    ax = ops.abs(x)
    ax2 = ax * ax
    ax3 = ax2 * ax
    inner = 1.5 * ax3 - 2.5 * ax2 + 1.0
    outer = -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0
    return ops.where(ax <= 1.0, inner, ops.where(ax <= 2.0, outer, ops.zeros_like(ax)))


def _triangle(x):
    """Linear interpolation kernel (MATLAB's ``triangle``)."""
    return ops.maximum(1.0 - ops.abs(x), 0.0)


def _box(x):
    """Box kernel on [-0.5, 0.5) (MATLAB's ``box``)."""
    inside = ops.logical_and(x >= -0.5, x < 0.5)
    return ops.cast(inside, x.dtype)


# method -> (kernel, support width in input pixels at scale 1)
_KERNELS = {
    "bicubic": (_cubic, 4.0),
    "bilinear": (_triangle, 2.0),
    "area": (_box, 1.0),
    "nearest": (_box, 1.0),
}


def _is_static(value):
    return isinstance(value, int)


def _output_length(in_len, scale):
    """``ceil(in_len * scale)`` as MATLAB computes it, tolerant to float round-off."""
    if _is_static(in_len):
        return int(math.ceil(in_len * scale - 1e-6))
    length = ops.ceil(ops.cast(in_len, "float32") * scale - 1e-3)
    return ops.cast(length, "int32")


def _contributions(in_len, out_len, scale, method, antialias):
    """Input indices (0-based, mirrored) and weights for one axis.

    Args:
        in_len: input length (int or scalar int tensor).
        out_len: output length (int or scalar int tensor).
        scale: output / input length, a Python float.
        method: one of ``METHODS``.
        antialias: widen the kernel by ``1 / scale`` when shrinking.

    Returns:
        ``(indices, weights)``, both of shape ``(out_len, taps)``; indices int32 in
        ``[0, in_len)``, weights float32 summing to one along ``taps``.
    """
    kernel, width = _KERNELS[method]
    if method == "nearest":
        antialias = False
    if scale < 1.0 and antialias:
        width = width / scale

        def weight_fn(x):
            return scale * kernel(scale * x)

    else:
        weight_fn = kernel
    taps = int(math.ceil(width)) + 2

    if _is_static(out_len):
        out_pos = ops.arange(1, out_len + 1, dtype="float32")
    else:
        out_pos = ops.arange(1, ops.cast(out_len, "int32") + 1, dtype="float32")
    # Output pixel centre mapped into input coordinates (1-based, as MATLAB).
    centre = out_pos / scale + 0.5 * (1.0 - 1.0 / scale)
    left = ops.floor(centre - width / 2.0)
    offsets = ops.arange(taps, dtype="float32")
    index = ops.expand_dims(left, 1) + ops.expand_dims(offsets, 0)
    weights = weight_fn(ops.expand_dims(centre, 1) - index)
    if method == "nearest":
        # MATLAB's nearest keeps exactly one tap: the box kernel may cover two at ties.
        first = ops.cast(ops.argmax(weights, axis=1), "int32")
        weights = ops.one_hot(first, taps, dtype="float32")
    weights = weights / ops.sum(weights, axis=1, keepdims=True)

    # Symmetric padding: fold 0-based indices into [0, in_len) by mirroring.
    period = 2 * in_len
    zero_based = ops.cast(index, "int32") - 1
    folded = ops.mod(zero_based, period)
    folded = ops.where(folded >= in_len, period - 1 - folded, folded)
    return folded, weights


def _resize_axis(images, axis, out_len, scale, method, antialias):
    """Resize ``images`` (rank 4, NHWC) along spatial ``axis`` (1 or 2)."""
    in_len = ops.shape(images)[axis]
    indices, weights = _contributions(in_len, out_len, scale, method, antialias)
    gathered = ops.take(images, indices, axis=axis)  # axis -> (out_len, taps)
    if axis == 1:
        weights = weights[None, :, :, None, None]
    else:
        weights = weights[None, None, :, :, None]
    weights = ops.cast(weights, gathered.dtype)
    return ops.sum(gathered * weights, axis=axis + 1)


def _pair(value, name):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (value, value)
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"`{name}` must be a number or a pair (height, width); got {value!r}")
    return value


def imresize(images, scale=None, size=None, method="bicubic", antialias=True):
    """Resize images like MATLAB's ``imresize``.

    Args:
        images: float tensor ``(batch, height, width, channels)`` or
            ``(height, width, channels)``, values in any range (the kernel is linear;
            bicubic can overshoot, so clip afterwards when the range matters).
        scale: output / input size, a number or a ``(height, width)`` pair, e.g.
            ``1/4`` to shrink by four. Output size is ``ceil(input * scale)``.
        size: output ``(height, width)`` instead of ``scale``; the per-axis scale is
            then ``size / input`` (the input size must be known statically).
        method: ``"bicubic"`` (default, Keys a = -0.5), ``"bilinear"``, ``"area"``
            (box kernel; with antialias it averages pixel blocks) or ``"nearest"``.
        antialias: widen the kernel by ``1/scale`` when shrinking, as MATLAB does by
            default. ``nearest`` never antialiases.

    Returns:
        Float tensor of the same rank and dtype (float16/bfloat16 inputs are computed in
        float32 and cast back).

    Example:
        >>> import numpy as np
        >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> y = imresize(x, scale=0.5)
        >>> tuple(y.shape)
        (1, 2, 2, 1)
    """
    if method not in METHODS:
        raise ValueError(f"Unknown resize `method` {method!r}; expected one of {METHODS}")
    if (scale is None) == (size is None):
        raise ValueError("imresize: give exactly one of `scale` and `size`; "
                         f"got scale={scale!r}, size={size!r}")
    images = ops.convert_to_tensor(images)
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError("imresize expects images of shape (batch, height, width, channels) "
                         f"or (height, width, channels); got shape {tuple(images.shape)}")
    if rank == 3:
        images = ops.expand_dims(images, 0)
    in_dtype = images.dtype
    work_dtype = in_dtype if in_dtype in ("float32", "float64") else "float32"
    x = ops.cast(images, work_dtype)

    shape = ops.shape(x)
    in_sizes = (shape[1], shape[2])
    if size is not None:
        size = _pair(size, "size")
        for name, n in zip(("height", "width"), in_sizes):
            if not _is_static(n):
                raise ValueError(f"imresize(size=...) needs a static input {name}; "
                                 "use `scale=` for dynamic shapes")
        scales = tuple(float(o) / float(i) for o, i in zip(size, in_sizes))
        out_sizes = tuple(int(o) for o in size)
    else:
        scales = tuple(float(s) for s in _pair(scale, "scale"))
        if min(scales) <= 0:
            raise ValueError(f"`scale` must be positive; got {scale!r}")
        out_sizes = tuple(_output_length(n, s) for n, s in zip(in_sizes, scales))

    # MATLAB resizes the axis with the smaller scale first; the result is the same
    # up to float round-off, and this order keeps the intermediate smallest.
    order = (1, 2) if scales[0] <= scales[1] else (2, 1)
    for axis in order:
        x = _resize_axis(x, axis, out_sizes[axis - 1], scales[axis - 1], method, antialias)

    x = ops.cast(x, in_dtype)
    if rank == 3:
        x = ops.squeeze(x, 0)
    return x


def modcrop(images, scale):
    """Crop height and width down to multiples of ``scale`` (top-left kept).

    Args:
        images: array or tensor ``(..., height, width, channels)``.
        scale: positive integer.

    Returns:
        The cropped images, same type.
    """
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"`scale` must be a positive integer; got {scale!r}")
    height, width = images.shape[-3], images.shape[-2]
    return images[..., : height - height % scale, : width - width % scale, :]


def bicubic_degrade(hr, scale):
    """Standard SR degradation: MATLAB bicubic downscale by an integer ``scale``.

    Args:
        hr: float tensor ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1], H and W
            multiples of ``scale``.
        scale: integer downscaling factor.

    Returns:
        LR tensor of size ``H/scale x W/scale``, clipped to [0, 1] (not quantized).
    """
    return ops.clip(imresize(hr, scale=1.0 / scale), 0.0, 1.0)


__all__ = ["imresize", "modcrop", "bicubic_degrade", "METHODS"]
