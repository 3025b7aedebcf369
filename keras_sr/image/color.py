"""Colour conversions of the SR evaluation protocol (ITU-R BT.601, as MATLAB ``rgb2ycbcr``).

For 8-bit data MATLAB gives Y in [16, 235] and Cb, Cr in [16, 240]. Here images are
float in [0, 1], so the outputs are the same values divided by 255:
``Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255`` with R, G, B in [0, 1].
"""

from keras import ops

# Luma weights of R, G, B in [0, 1] giving Y in 8-bit levels (MATLAB rgb2ycbcr).
Y_WEIGHTS = (65.481, 128.553, 24.966)
_CB = (-37.797, -74.203, 112.0)
_CR = (112.0, -93.786, -18.214)
_OFFSET = (16.0, 128.0, 128.0)


def _check_rgb(images, name):
    images = ops.convert_to_tensor(images)
    if images.shape[-1] != 3:
        raise ValueError(f"{name} expects RGB images with 3 channels in the last axis; "
                         f"got shape {tuple(images.shape)}")
    if images.dtype not in ("float16", "bfloat16", "float32", "float64"):
        images = ops.cast(images, "float32")
    return images


def rgb_to_y(images):
    """Luma Y of BT.601 studio range, as MATLAB's ``rgb2ycbcr(...)(:, :, 1)``.

    Args:
        images: float ``(..., 3)`` RGB in [0, 1].

    Returns:
        Float ``(..., 1)`` in [16/255, 235/255].

    Example:
        >>> float(rgb_to_y([[1.0, 1.0, 1.0]])[0, 0] * 255)  # doctest: +ELLIPSIS
        235.0...
    """
    images = _check_rgb(images, "rgb_to_y")
    weights = ops.convert_to_tensor(Y_WEIGHTS, dtype=images.dtype)
    y = ops.sum(images * weights, axis=-1, keepdims=True)
    return (y + 16.0) / 255.0


def rgb_to_ycbcr(images):
    """RGB in [0, 1] to YCbCr (BT.601 studio range) scaled to [0, 1] (i.e. value / 255).

    Args:
        images: float ``(..., 3)``.

    Returns:
        Float ``(..., 3)``: Y in [16, 235]/255, Cb and Cr in [16, 240]/255.
    """
    images = _check_rgb(images, "rgb_to_ycbcr")
    matrix = ops.convert_to_tensor([Y_WEIGHTS, _CB, _CR], dtype=images.dtype)  # (3 out, 3 in)
    out = ops.matmul(images, ops.transpose(matrix))
    offset = ops.convert_to_tensor(_OFFSET, dtype=images.dtype)
    return (out + offset) / 255.0


def ycbcr_to_rgb(images):
    """Inverse of ``rgb_to_ycbcr`` (MATLAB ``ycbcr2rgb``); the result is not clipped.

    Args:
        images: float ``(..., 3)`` YCbCr scaled to [0, 1].

    Returns:
        Float ``(..., 3)`` RGB, nominally in [0, 1].
    """
    images = ops.convert_to_tensor(images)
    if images.shape[-1] != 3:
        raise ValueError("ycbcr_to_rgb expects YCbCr images with 3 channels in the last axis; "
                         f"got shape {tuple(images.shape)}")
    matrix = ops.convert_to_tensor([Y_WEIGHTS, _CB, _CR], dtype="float32")
    inverse = ops.cast(ops.linalg.inv(matrix), images.dtype)
    offset = ops.convert_to_tensor(_OFFSET, dtype=images.dtype)
    return ops.matmul(images * 255.0 - offset, ops.transpose(inverse))


__all__ = ["rgb_to_y", "rgb_to_ycbcr", "ycbcr_to_rgb", "Y_WEIGHTS"]
