"""Pad to a multiple of a size, and crop back: lets down-sampling networks take any H, W."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sr")
class PadToMultiple(keras.layers.Layer):
    """Pad height and width at the bottom/right up to the next multiple of ``multiple``.

    Works with dynamic (``None``) sizes on every backend; pair it with ``CropToMatch``
    after the network to remove the padding again.

    Args:
        multiple: int >= 1.
        mode: ``"symmetric"`` (mirror including the edge pixel, default), ``"reflect"``
            or ``"constant"`` (zeros). Mirror modes need the pad (< ``multiple``) to be at
            most the input size.

    Input ``(batch, H, W, C)``; output ``(batch, ceil(H/m)*m, ceil(W/m)*m, C)``.

    Example:
        >>> tuple(PadToMultiple(4)(keras.ops.zeros((1, 5, 8, 2))).shape)
        (1, 8, 8, 2)
    """

    def __init__(self, multiple, mode="symmetric", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(multiple, int) or multiple < 1:
            raise ValueError(f"PadToMultiple: `multiple` must be a positive int; got {multiple!r}")
        if mode not in ("symmetric", "reflect", "constant"):
            raise ValueError("PadToMultiple: `mode` must be 'symmetric', 'reflect' or "
                             f"'constant'; got {mode!r}")
        self.multiple = multiple
        self.mode = mode

    def call(self, inputs):
        shape = ops.shape(inputs)
        pad_h = (self.multiple - shape[1] % self.multiple) % self.multiple
        pad_w = (self.multiple - shape[2] % self.multiple) % self.multiple
        return ops.pad(inputs, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode=self.mode)

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
