"""``Resize``: MATLAB-compatible ``imresize`` as a Keras layer (pre-upsampling models)."""

import keras

from keras_sr.image.resize import METHODS, imresize


@keras.saving.register_keras_serializable(package="keras_sr")
class Resize(keras.layers.Layer):
    """Resize NHWC images by a fixed factor with MATLAB's ``imresize`` kernels.

    Args:
        scale: output / input size (e.g. ``3`` to upsample by three, ``0.25`` to shrink).
        method: ``"bicubic"`` (default), ``"bilinear"``, ``"area"`` or ``"nearest"``.
        antialias: widen the kernel when shrinking (MATLAB's default).

    Input shape ``(batch, H, W, C)``; output ``(batch, ceil(H*scale), ceil(W*scale), C)``.
    Values are not clipped (bicubic overshoots slightly at edges).

    Example:
        >>> layer = Resize(scale=2)
        >>> tuple(layer(keras.ops.zeros((1, 5, 7, 3))).shape)
        (1, 10, 14, 3)
    """

    def __init__(self, scale, method="bicubic", antialias=True, **kwargs):
        super().__init__(**kwargs)
        if method not in METHODS:
            raise ValueError(f"Resize: unknown `method` {method!r}; expected one of {METHODS}")
        if float(scale) <= 0:
            raise ValueError(f"Resize: `scale` must be positive; got {scale!r}")
        self.scale = scale
        self.method = method
        self.antialias = antialias

    def call(self, inputs):
        return imresize(inputs, scale=float(self.scale), method=self.method,
                        antialias=self.antialias)

    def compute_output_shape(self, input_shape):
        def grow(n):
            return None if n is None else int(-(-n * float(self.scale) // 1))

        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "method": self.method, "antialias": self.antialias})
        return config
