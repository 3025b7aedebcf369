"""Argument helpers shared by the degradation modules (batching, per-image values, ranges)."""

from keras import ops


def batched(images, name):
    """Return ``(images as float rank-4, was_rank_3)``; ``name`` is used in errors."""
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


def restore(images, squeeze):
    """Undo ``batched``: drop the batch axis again when the input was one image."""
    return ops.squeeze(images, 0) if squeeze else images


def per_image(value, batch):
    """Broadcast a scalar or ``(batch,)`` parameter to float32 ``(batch, 1, 1, 1)``."""
    value = ops.cast(ops.convert_to_tensor(value), "float32")
    value = ops.reshape(value, (-1,))
    value = ops.broadcast_to(value, (batch,)) if value.shape[0] == 1 else value
    return ops.reshape(value, (-1, 1, 1, 1))


def check_range(value, name, low=None, high=None):
    """Check a ``(min, max)`` pair (within ``[low, high]``) and return it as floats."""
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and value[0] <= value[1]):
        raise ValueError(f"`{name}` must be a (min, max) pair with min <= max; got {value!r}")
    if low is not None and value[0] < low or high is not None and value[1] > high:
        raise ValueError(f"`{name}` must lie in [{low}, {high}]; got {value!r}")
    return float(value[0]), float(value[1])
