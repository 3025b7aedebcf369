"""Augmentation of training images: the 8 symmetries of the square and HR rescaling.

The patch sampler (``keras_sr.data.patches``) draws one symmetry per patch from the set
named by its ``augment`` option, and rescales the HR images once, before cutting
patches, by the factors of its ``scale_augment`` option.

A symmetry is an int code in [0, 8): bit 2 transposes H and W, then bit 0 flips rows
(up-down) and bit 1 flips columns (left-right). Rotations counter-clockwise: 90 = 5,
180 = 3, 270 = 6; the left-right mirror is 2.

Example:
    >>> image = np.arange(4).reshape(2, 2, 1)
    >>> apply_symmetry(image, 5)[..., 0].tolist() == np.rot90(image[..., 0]).tolist()
    True
"""

import numpy as np

from keras_sr.image.resize import imresize_numpy

# ``augment`` option -> the symmetry codes a patch draws from (uniformly).
SYMMETRIES = {
    "dihedral": (0, 1, 2, 3, 4, 5, 6, 7),   # flips and 90-degree rotations: all 8
    "rotate": (0, 5, 3, 6),                 # rotations by 0, 90, 180, 270 degrees
    "flip": (0, 2),                         # left-right mirror
    "none": (0,),
}


def symmetry_codes(augment):
    """The symmetry codes of an ``augment`` option.

    Args:
        augment: ``True`` (= ``"dihedral"``: flips and rotations by 90/180/270, the 8
            symmetries of the square), ``"rotate"`` (rotations by 0/90/180/270 only, as
            FSRCNN), ``"flip"`` (left-right mirror), ``False`` / ``None`` / ``"none"``.

    Returns:
        tuple of int codes (see the module docstring).
    """
    if augment is True:
        augment = "dihedral"
    elif augment is False or augment is None:
        augment = "none"
    if augment not in SYMMETRIES:
        raise ValueError(f"`augment` must be True, False or one of {tuple(SYMMETRIES)}; "
                         f"got {augment!r}")
    return SYMMETRIES[augment]


def apply_symmetry(image, code):
    """One of the 8 symmetries of the square on an ``(H, W, C)`` numpy array (a view).

    Args:
        image: numpy ``(H, W, C)``.
        code: int in [0, 8): bit 2 transposes, bit 0 flips rows, bit 1 flips columns.

    Returns:
        numpy array ``(H, W, C)`` (``(W, H, C)`` when transposed).
    """
    code = int(code)
    if code & 4:
        image = image.transpose(1, 0, 2)
    if code & 1:
        image = image[::-1]
    if code & 2:
        image = image[:, ::-1]
    return image


def check_scale_augment(factors):
    """Validate a ``scale_augment`` option; return it as a tuple of floats (or ``(1.0,)``).

    Args:
        factors: None, or a sequence of HR downscale factors in (0, 1] (FSRCNN:
            ``(1.0, 0.9, 0.8, 0.7, 0.6)``); 1.0 keeps the original image.
    """
    if factors is None:
        return (1.0,)
    if isinstance(factors, (int, float)) or not len(factors):
        raise ValueError(f"`scale_augment` must be a non-empty sequence of factors in (0, 1], "
                         f"e.g. (1.0, 0.9, 0.8, 0.7, 0.6); got {factors!r}")
    out = tuple(float(f) for f in factors)
    if any(not 0.0 < f <= 1.0 for f in out):
        raise ValueError(f"`scale_augment` factors must lie in (0, 1]; got {factors!r}")
    return out


def rescale(image, factor):
    """An HR image shrunk by ``factor`` with MATLAB bicubic, as uint8 (``scale_augment``).

    Computed in float64 numpy (``imresize_numpy``): the same on every backend, and no
    per-size compilation for the hundreds of image sizes of a training set.

    Args:
        image: uint8 ``(H, W, C)``.
        factor: float in (0, 1]; 1.0 returns ``image`` itself.

    Returns:
        uint8 ``(ceil(H * factor), ceil(W * factor), C)``.
    """
    if factor == 1.0:
        return image
    out = imresize_numpy(image.astype(np.float64) / 255.0, scale=factor)
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)


__all__ = ["SYMMETRIES", "symmetry_codes", "apply_symmetry", "check_scale_augment", "rescale"]
