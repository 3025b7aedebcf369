"""Shared checks and reductions of the loss modules (per-image values, shape checks)."""

from keras import ops


def as_float(x):
    """``x`` as a floating tensor (ints and bools are cast to float32)."""
    x = ops.convert_to_tensor(x)
    if x.dtype not in ("float16", "bfloat16", "float32", "float64"):
        x = ops.cast(x, "float32")
    return x


def pair(y_true, y_pred, name):
    """Both images as float tensors of one shape, rank >= 2 (batch first).

    Raises:
        ValueError: naming ``name`` and both shapes when they differ.
    """
    y_pred = as_float(y_pred)
    y_true = ops.cast(as_float(y_true), y_pred.dtype)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"{name}: `y_true` and `y_pred` must have the same shape; got "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    if len(y_pred.shape) < 2:
        raise ValueError(f"{name}: expected batched inputs (batch, ...); got shape "
                         f"{tuple(y_pred.shape)}")
    return y_true, y_pred


def per_sample_mean(x):
    """Mean over every axis but the first: ``(batch, ...) -> (batch,)``."""
    if len(x.shape) < 2:
        return x
    return ops.mean(x, axis=tuple(range(1, len(x.shape))))


def check_choice(value, choices, argument, owner):
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{owner}: unknown `{argument}` {value!r}; expected one of "
                         f"{sorted(choices)}")
    return value
