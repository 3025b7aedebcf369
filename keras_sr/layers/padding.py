"""Pad to a multiple of a size, and crop back: lets down-sampling networks take any H, W."""

import keras
from keras import ops


MODES = ("symmetric", "reflect", "constant")


def _pad_axis(x, axis, multiple, mode):
    """Pad one axis by gathering mirrored indices (any pad amount, static channels kept).

    A statically known length that is already a multiple returns ``x`` itself: no
    ``GATHER`` in a fixed-size exported graph (it would stop an int8 graph's XNNPACK run).
    """
    static = x.shape[axis]
    if static is not None and static % multiple == 0:
        return x
    length = ops.shape(x)[axis]
    pad = (multiple - length % multiple) % multiple
    if mode == "constant":
        shape = list(ops.shape(x))
        shape[axis] = pad
        return ops.concatenate([x, ops.zeros(shape, dtype=x.dtype)], axis=axis)
    index = ops.arange(0, length + pad, dtype="int32")
    if mode == "symmetric":  # ... c b a | a b c | c b a ...
        period = 2 * length
        folded = ops.mod(index, period)
        index = ops.where(folded >= length, period - 1 - folded, folded)
    else:  # reflect: ... c b | a b c | b a ...
        period = ops.maximum(2 * length - 2, 1)
        folded = ops.mod(index, period)
        index = ops.where(folded >= length, period - folded, folded)
    return ops.take(x, index, axis=axis)


def pad_to_multiple(x, multiple, mode="symmetric"):
    """Pad NHWC ``x`` at the bottom/right to multiples of ``multiple`` (keras.ops, any size).

    Args:
        x: tensor ``(batch, H, W, C)`` with a static ``C``.
        multiple: int >= 1.
        mode: one of ``MODES``, as in ``numpy.pad``.

    Returns:
        Tensor ``(batch, ceil(H/m)*m, ceil(W/m)*m, C)``.
    """
    if multiple == 1 or all(n is not None and n % multiple == 0 for n in x.shape[1:3]):
        return x  # static sizes already aligned: no op at all
    padded = _pad_axis(_pad_axis(x, 1, multiple, mode), 2, multiple, mode)
    # Re-state the static channel count (TensorFlow's shape inference drops it).
    shape = ops.shape(padded)
    return ops.reshape(padded, (-1, shape[1], shape[2], x.shape[-1]))


@keras.saving.register_keras_serializable(package="keras_sr")
class PadToMultiple(keras.layers.Layer):
    """Pad height and width at the bottom/right up to the next multiple of ``multiple``.

    Works with dynamic (``None``) sizes on every backend; pair it with ``CropToMatch``
    after the network to remove the padding again.

    Args:
        multiple: int >= 1.
        mode: ``"symmetric"`` (mirror including the edge pixel, default), ``"reflect"``
            or ``"constant"`` (zeros), as ``numpy.pad``; a pad longer than the input
            keeps mirroring (periodically) instead of failing.

    Input ``(batch, H, W, C)``; output ``(batch, ceil(H/m)*m, ceil(W/m)*m, C)``.

    Example:
        >>> tuple(PadToMultiple(4)(keras.ops.zeros((1, 5, 8, 2))).shape)
        (1, 8, 8, 2)
    """

    def __init__(self, multiple, mode="symmetric", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(multiple, int) or multiple < 1:
            raise ValueError(f"PadToMultiple: `multiple` must be a positive int; got {multiple!r}")
        if mode not in MODES:
            raise ValueError("PadToMultiple: `mode` must be 'symmetric', 'reflect' or "
                             f"'constant'; got {mode!r}")
        self.multiple = multiple
        self.mode = mode

    def call(self, inputs):
        return pad_to_multiple(inputs, self.multiple, self.mode)

    def compute_output_shape(self, input_shape):
        def grow(n):
            return None if n is None else -(-n // self.multiple) * self.multiple

        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"multiple": self.multiple, "mode": self.mode})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class CropToMatch(keras.layers.Layer):
    """Crop ``x`` (top-left kept) to ``scale`` times the height and width of ``reference``.

    Args:
        scale: int >= 1, size ratio between the crop and the reference.

    Called on ``[x, reference]``; returns ``x[:, :scale*H_ref, :scale*W_ref, :]``.

    Example:
        >>> crop = CropToMatch(scale=2)
        >>> tuple(crop([keras.ops.zeros((1, 16, 16, 3)), keras.ops.zeros((1, 5, 7, 1))]).shape)
        (1, 10, 14, 3)
    """

    def __init__(self, scale=1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"CropToMatch: `scale` must be a positive int; got {scale!r}")
        self.scale = scale

    def call(self, inputs):
        x, reference = inputs
        if (None not in (*x.shape[1:3], *reference.shape[1:3])
                and tuple(x.shape[1:3]) == tuple(n * self.scale for n in reference.shape[1:3])):
            return x  # nothing to crop (a fixed-size export): no slice op in the graph
        shape = ops.shape(reference)
        return x[:, : shape[1] * self.scale, : shape[2] * self.scale, :]

    def compute_output_shape(self, input_shape):
        x_shape, ref_shape = input_shape

        def size(n):
            return None if n is None else n * self.scale

        return (x_shape[0], size(ref_shape[1]), size(ref_shape[2]), x_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config
