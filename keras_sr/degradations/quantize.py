"""Quantization: rounding to ``2**bits`` levels (8 bits: the rounding of saved images).

Example:
    >>> [float(v) for v in quantize(keras.ops.convert_to_tensor([0.2, 0.7]), bits=1)]
    [0.0, 1.0]
"""

import keras  # noqa: F401  (doctest namespace)
from keras import ops


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



__all__ = ["quantize"]
