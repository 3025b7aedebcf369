"""Paired augmentations ``(lr, hr) -> (lr, hr)``: random crops, flips and 90-degree rotations.

Written with ``keras.ops``: they run in ``tf.data`` (TensorFlow backend), under
``jax.jit`` and on numpy inputs. The same transform is applied to ``lr`` and ``hr``
(``hr`` is ``scale`` times larger). Inputs are one pair ``(H, W, C)`` or a batch
``(B, H, W, C)``; for a batch every image draws its own flip/rotation. ``lr`` may be
``None`` to augment HR crops alone (before degradation).

Every function takes a ``seed`` (int, ``(2,)`` tensor or ``keras.random.SeedGenerator``;
see ``keras_sr.degradations.seeds``): the same seed gives the same crop and transform.
"""

import keras
from keras import ops

from keras_sr.degradations import seed_stream


def _static_or_none(n):
    return n if isinstance(n, int) else None


def random_crop(lr, hr, patch_size, scale, seed=None):
    """Crop the same region from one pair: an LR patch and the HR patch ``scale`` times larger.

    Args:
        lr: float ``(h, w, C)`` LR image, or ``None`` (HR alone; the crop is then aligned
            to the LR grid so it can be degraded by ``scale`` afterwards).
        hr: float ``(h * scale, w * scale, C)`` HR image.
        patch_size: LR patch side in pixels (the HR patch is ``patch_size * scale``).
        scale: integer scale factor.
        seed: see the module docstring.

    Returns:
        ``(lr_patch, hr_patch)`` of sides ``patch_size`` and ``patch_size * scale``
        (``lr_patch`` is ``None`` when ``lr`` is ``None``).
    """
    if not isinstance(patch_size, int) or patch_size < 1:
        raise ValueError(f"random_crop: `patch_size` must be a positive int; got {patch_size!r}")
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"random_crop: `scale` must be a positive int; got {scale!r}")
    hr = ops.convert_to_tensor(hr)
    if len(hr.shape) != 3:
        raise ValueError(f"random_crop expects one image (H, W, C); got shape {tuple(hr.shape)}")
    stream = seed_stream(seed)
    hr_shape = ops.shape(hr)
    lr_h, lr_w = hr_shape[0] // scale, hr_shape[1] // scale
    for name, n in (("height", lr_h), ("width", lr_w)):
        if isinstance(n, int) and n < patch_size:
            raise ValueError(f"random_crop: image {name} {n * scale} (HR) is smaller than the "
                             f"patch {patch_size * scale} (patch_size {patch_size} x scale "
                             f"{scale})")
    top = keras.random.randint((), 0, lr_h - patch_size + 1, seed=stream)
    left = keras.random.randint((), 0, lr_w - patch_size + 1, seed=stream)
    channels = hr.shape[-1] if isinstance(hr.shape[-1], int) else ops.shape(hr)[-1]
    hr_patch = ops.slice(hr, (top * scale, left * scale, 0),
                         (patch_size * scale, patch_size * scale, channels))
    lr_patch = None
    if lr is not None:
        lr = ops.convert_to_tensor(lr)
        lr_channels = lr.shape[-1] if isinstance(lr.shape[-1], int) else ops.shape(lr)[-1]
        lr_patch = ops.slice(lr, (top, left, 0), (patch_size, patch_size, lr_channels))
    return lr_patch, hr_patch


def _apply(x, flag, transform, batched):
    if x is None:
        return None
    flag = ops.reshape(flag, (-1, 1, 1, 1)) if batched else ops.reshape(flag, ())
    return ops.where(flag, transform(x), x)


def _spatial_axes(batched):
    return (1, 2) if batched else (0, 1)


def _draw(x, probability, stream):
    batched = len(ops.shape(x)) == 4
    shape = (ops.shape(x)[0],) if batched else ()
    return keras.random.uniform(shape, seed=stream) < probability, batched


def random_flip(lr, hr, horizontal=True, vertical=True, seed=None):
    """Flip left-right and/or up-down, each with probability 1/2.

    Args:
        lr: float ``(H, W, C)`` / ``(B, H, W, C)`` or ``None``.
        hr: float image(s), same rank as ``lr``.
        horizontal, vertical: which flips may happen.
        seed: see the module docstring.

    Returns:
        ``(lr, hr)`` flipped the same way.
    """
    stream = seed_stream(seed)
    hr = ops.convert_to_tensor(hr)
    lr = None if lr is None else ops.convert_to_tensor(lr)
    row_axis, col_axis = _spatial_axes(len(hr.shape) == 4)
    for enabled, axis in ((horizontal, col_axis), (vertical, row_axis)):
        if not enabled:
            continue
        flag, batched = _draw(hr, 0.5, stream)
        lr = _apply(lr, flag, lambda x, a=axis: ops.flip(x, axis=a), batched)
        hr = _apply(hr, flag, lambda x, a=axis: ops.flip(x, axis=a), batched)
    return lr, hr


def random_rotate90(lr, hr, seed=None):
    """Rotate by a multiple of 90 degrees drawn uniformly (square images only).

    Implemented as a random transpose then random flips: together with ``random_flip``
    it covers the 8 symmetries of the square (the "x8 geometric" augmentation of
    Timofte et al. 2016).

    Args:
        lr: float ``(H, W, C)`` / ``(B, H, W, C)`` with H == W, or ``None``.
        hr: float image(s) with H == W.
        seed: see the module docstring.

    Returns:
        ``(lr, hr)`` rotated the same way.
    """
    stream = seed_stream(seed)
    hr = ops.convert_to_tensor(hr)
    lr = None if lr is None else ops.convert_to_tensor(lr)
    batched = len(hr.shape) == 4
    row_axis, col_axis = _spatial_axes(batched)
    height, width = hr.shape[row_axis], hr.shape[col_axis]
    if isinstance(height, int) and isinstance(width, int) and height != width:
        raise ValueError(f"random_rotate90 needs square images; got hr shape {tuple(hr.shape)}")
    perm = (0, 2, 1, 3) if batched else (1, 0, 2)
    # k quarter turns: transpose when k is odd, then flip columns for k in {1, 2}
    # and rows for k in {2, 3}.
    shape = (ops.shape(hr)[0],) if batched else ()
    k = keras.random.randint(shape, 0, 4, seed=stream)
    odd = ops.equal(ops.mod(k, 2), 1)
    flip_cols = ops.logical_or(ops.equal(k, 1), ops.equal(k, 2))
    flip_rows = ops.logical_or(ops.equal(k, 2), ops.equal(k, 3))
    steps = ((odd, lambda x: ops.transpose(x, perm)),
             (flip_rows, lambda x: ops.flip(x, axis=row_axis)),
             (flip_cols, lambda x: ops.flip(x, axis=col_axis)))
    for flag, transform in steps:
        lr = _apply(lr, flag, transform, batched)
        hr = _apply(hr, flag, transform, batched)
    return lr, hr


def random_flip_rotate(lr, hr, seed=None):
    """Random horizontal flip then random 90-degree rotation (all 8 square symmetries).

    Args:
        lr: float ``(H, W, C)`` / ``(B, H, W, C)`` square, or ``None``.
        hr: float image(s), square.
        seed: see the module docstring.

    Returns:
        ``(lr, hr)`` transformed the same way.
    """
    stream = seed_stream(seed)
    lr, hr = random_flip(lr, hr, horizontal=True, vertical=False, seed=stream)
    return random_rotate90(lr, hr, seed=stream)


__all__ = ["random_crop", "random_flip", "random_rotate90", "random_flip_rotate"]
