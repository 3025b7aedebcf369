"""Downscaling with MATLAB's ``imresize`` kernels (``keras_sr.image.resize``), fixed or random method.

Example:
    >>> lr = downscale(keras.ops.ones((1, 8, 8, 3)), 4)
    >>> tuple(lr.shape)
    (1, 2, 2, 3)
"""

import keras
from keras import ops

from keras_sr.degradations._batch import batched, restore
from keras_sr.degradations.seeds import seed_stream
from keras_sr.image.resize import METHODS, imresize


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
    out = imresize(images, scale=1.0 / scale, method=method, antialias=antialias)
    return ops.clip(out, 0.0, 1.0) if clip else out


def random_downscale(images, scale=None, size=None, methods=("area", "bilinear", "bicubic"),
                     seed=None):
    """Shrink by ``scale`` (or to ``size``) with a method drawn per image from ``methods``.

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        scale: shrink factor; or ``size``: output ``(height, width)`` (static input shape).
        methods: names from ``keras_sr.image.resize.METHODS``, drawn uniformly.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).

    Returns:
        The LR images clipped to [0, 1].
    """
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"random_downscale: unknown method {method!r} in `methods`; "
                             f"expected names from {METHODS}")
    stream = seed_stream(seed)
    x, squeeze = batched(images, "random_downscale")
    kwargs = {"size": size} if size is not None else {"scale": 1.0 / scale}
    outs = [ops.clip(imresize(x, method=m, **kwargs), 0.0, 1.0) for m in methods]
    if len(outs) == 1:
        return restore(outs[0], squeeze)
    choice = keras.random.randint((ops.shape(x)[0],), 0, len(outs), seed=stream)
    choice = ops.reshape(choice, (-1, 1, 1, 1))
    out = outs[0]
    for index in range(1, len(outs)):
        out = ops.where(choice == index, outs[index], out)
    return restore(out, squeeze)



__all__ = ["downscale", "random_downscale"]
