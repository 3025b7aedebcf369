"""Spatial pyramid pooling that works on images of any (dynamic) height and width.

Zhao et al., "Pyramid Scene Parsing Network", CVPR 2017 (pyramid pooling module);
He et al., "Spatial Pyramid Pooling in Deep Convolutional Networks", ECCV 2014.
"""

import keras
from keras import ops

from keras_sr.layers.padding import pad_to_multiple


@keras.saving.register_keras_serializable(package="keras_sr")
class PyramidPooling(keras.layers.Layer):
    """Concatenate the input with average-pooled copies of itself at several window sizes.

    PSPNet pools to a fixed number of bins, which needs the input size when the graph is
    built. Here the *window* is fixed instead (``pool_sizes`` pixels, stride = window,
    "same" padding), so the layer works for ``(None, None)`` inputs on TensorFlow, JAX
    and TFLite: each pooled map is upsampled back by nearest-neighbour repetition and
    cropped to ``H x W``. ``global_pool`` adds one more map, the per-image mean (a
    1-bin pyramid level, whatever the size).

    Args:
        pool_sizes: tuple of ints >= 2, pooling windows (and strides).
        global_pool: bool, also append the global average.

    Input ``(batch, H, W, C)``; output ``(batch, H, W, C * (1 + len(pool_sizes) +
    global_pool))``, the input first.

    Example:
        >>> layer = PyramidPooling(pool_sizes=(2, 4))
        >>> tuple(layer(keras.ops.ones((1, 9, 7, 3))).shape)
        (1, 9, 7, 12)
    """

    def __init__(self, pool_sizes=(2, 4, 8), global_pool=True, **kwargs):
        super().__init__(**kwargs)
        pool_sizes = tuple(pool_sizes)
        if not all(isinstance(p, int) and p >= 2 for p in pool_sizes):
            raise ValueError("PyramidPooling: `pool_sizes` must be ints >= 2; "
                             f"got {pool_sizes!r}")
        if not pool_sizes and not global_pool:
            raise ValueError("PyramidPooling: give at least one pool size or global_pool=True")
        self.pool_sizes = pool_sizes
        self.global_pool = global_pool

    def call(self, inputs):
        shape = ops.shape(inputs)
        levels = [inputs]
        for p in self.pool_sizes:
            padded = pad_to_multiple(inputs, p, mode="symmetric")
            pooled = ops.average_pool(padded, pool_size=p, strides=p, padding="valid")
            up = ops.repeat(ops.repeat(pooled, p, axis=1), p, axis=2)
            levels.append(up[:, : shape[1], : shape[2], :])
        if self.global_pool:
            mean = ops.mean(inputs, axis=(1, 2), keepdims=True)
            levels.append(ops.zeros_like(inputs) + mean)
        output = ops.concatenate(levels, axis=-1)
        # Re-state the static channel count: TensorFlow's repeat with dynamic sizes drops
        # it, and the TFLite converter needs it for the next convolution.
        return ops.reshape(output, (-1, shape[1], shape[2], inputs.shape[-1] * len(levels)))

    def compute_output_shape(self, input_shape):
        count = 1 + len(self.pool_sizes) + int(self.global_pool)
        channels = None if input_shape[3] is None else input_shape[3] * count
        return (*input_shape[:3], channels)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_sizes": list(self.pool_sizes), "global_pool": self.global_pool})
        return config


def spatial_pyramid_pooling(x, filters, pool_sizes=(2, 4, 8), global_pool=True,
                            activation="relu", name="spp"):
    """Pyramid pooling followed by a 1x1 conv that fuses the levels back to ``filters``.

    Args:
        x: tensor ``(batch, H, W, C)``, any H and W.
        filters: int, output channels.
        pool_sizes: pooling windows, see ``PyramidPooling``.
        global_pool: bool, include the global-average level.
        activation: activation of the fusion conv.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H, W, filters)``.
    """
    y = PyramidPooling(pool_sizes, global_pool, name=f"{name}_pool")(x)
    return keras.layers.Conv2D(filters, 1, activation=activation, name=f"{name}_fuse")(y)
