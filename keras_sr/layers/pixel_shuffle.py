"""Sub-pixel convolution: ``PixelShuffle``, its inverse ``PixelUnshuffle`` and the ``ICNR``
initialiser for the conv before a shuffle.

Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network", CVPR 2016 (the shuffle); Aitken et al.,
"Checkerboard artifact free sub-pixel convolution", arXiv:1707.02937, 2017 (ICNR).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sr")
class PixelShuffle(keras.layers.Layer):
    """Rearrange ``scale**2`` channel groups into ``scale x scale`` spatial blocks.

    A thin layer over ``keras.ops.depth_to_space`` (channels last, "DCR" order: output
    pixel ``(h*s + i, w*s + j)`` channel ``c`` reads input channel ``(i*s + j)*C + c``).
    On TensorFlow it converts to the TFLite ``DEPTH_TO_SPACE`` builtin.

    Args:
        scale: int >= 2, the block size (upsampling factor).

    Input shape ``(batch, H, W, C * scale**2)``; output ``(batch, H*scale, W*scale, C)``.

    Example:
        >>> layer = PixelShuffle(scale=3)
        >>> tuple(layer(keras.ops.zeros((1, 4, 5, 18))).shape)
        (1, 12, 15, 2)
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(scale, int) or scale < 2:
            raise ValueError(f"PixelShuffle: `scale` must be an integer >= 2; got {scale!r}")
        self.scale = scale

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is not None and channels % (self.scale**2):
            raise ValueError(
                f"PixelShuffle(scale={self.scale}) needs input channels divisible by "
                f"{self.scale**2}; got input shape {tuple(input_shape)}")

    def call(self, inputs):
        return ops.depth_to_space(inputs, self.scale, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        def grow(n):
            return None if n is None else n * self.scale

        channels = input_shape[3]
        channels = None if channels is None else channels // (self.scale**2)
        return (input_shape[0], grow(input_shape[1]), grow(input_shape[2]), channels)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class PixelUnshuffle(keras.layers.Layer):
    """The inverse of :class:`PixelShuffle`: ``block x block`` pixels into channels.

    A thin layer over ``keras.ops.space_to_depth`` (channels last, the same "DCR" order
    as ``PixelShuffle``, so ``PixelShuffle(b)(PixelUnshuffle(b)(x)) == x``). On
    TensorFlow it converts to the TFLite ``SPACE_TO_DEPTH`` builtin (int8 kernel in
    XNNPACK). Height and width must be multiples of ``block``
    (:class:`keras_sr.layers.PadToMultiple` first for any size).

    Args:
        block: int >= 2.

    Input ``(batch, H, W, C)``; output ``(batch, H/block, W/block, C * block**2)``.

    Example:
        >>> x = keras.ops.reshape(keras.ops.arange(16.0), (1, 4, 4, 1))
        >>> y = PixelUnshuffle(2)(x)
        >>> tuple(y.shape), keras.ops.convert_to_numpy(y[0, 0, 0]).tolist()
        ((1, 2, 2, 4), [0.0, 1.0, 4.0, 5.0])
        >>> bool(keras.ops.all(PixelShuffle(2)(y) == x))
        True
    """

    def __init__(self, block, **kwargs):
        super().__init__(**kwargs)
        if isinstance(block, bool) or not isinstance(block, int) or block < 2:
            raise ValueError(f"PixelUnshuffle: `block` must be an integer >= 2; got {block!r}")
        self.block = block

    def build(self, input_shape):
        for axis, size in (("height", input_shape[1]), ("width", input_shape[2])):
            if size is not None and size % self.block:
                raise ValueError(f"PixelUnshuffle(block={self.block}) needs {axis} divisible "
                                 f"by {self.block}; got input shape {tuple(input_shape)} "
                                 f"(pad first: keras_sr.layers.PadToMultiple)")

    def call(self, inputs):
        return ops.space_to_depth(inputs, self.block, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        def shrink(n):
            return None if n is None else n // self.block

        channels = input_shape[3]
        channels = None if channels is None else channels * self.block**2
        return (input_shape[0], shrink(input_shape[1]), shrink(input_shape[2]), channels)

    def get_config(self):
        config = super().get_config()
        config.update({"block": self.block})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class ICNR(keras.initializers.Initializer):
    """ICNR: initialise a conv feeding ``PixelShuffle(scale)`` as nearest-neighbour upsampling.

    A kernel for ``filters / scale**2`` output channels is drawn from ``initializer`` and
    tiled ``scale**2`` times along the output axis, so that right after initialisation all
    ``scale x scale`` sub-pixels of a block are equal (no checkerboard artifacts).

    Args:
        scale: int >= 2, the factor of the following ``PixelShuffle``.
        initializer: base initializer (name, config dict or instance), default
            ``"glorot_uniform"``.
        seed: int or None, seed given to the base initializer.

    Example:
        >>> init = ICNR(scale=2, seed=0)
        >>> kernel = init((3, 3, 8, 12))
        >>> bool(keras.ops.all(kernel[..., :3] == kernel[..., 3:6]))
        True
    """

    def __init__(self, scale=2, initializer="glorot_uniform", seed=None):
        if not isinstance(scale, int) or scale < 2:
            raise ValueError(f"ICNR: `scale` must be an integer >= 2; got {scale!r}")
        self.scale = scale
        self.initializer = (keras.initializers.serialize(initializer)
                            if isinstance(initializer, keras.initializers.Initializer)
                            else initializer)
        self.seed = seed

    def _base(self):
        base = keras.initializers.get(self.initializer)
        if self.seed is not None and "seed" in base.get_config():
            base = base.__class__.from_config({**base.get_config(), "seed": self.seed})
        return base

    def __call__(self, shape, dtype=None):
        if len(shape) != 4:
            raise ValueError(f"ICNR expects a conv kernel shape (kh, kw, in, out); got {shape!r}")
        groups = self.scale**2
        if shape[-1] % groups:
            raise ValueError(f"ICNR(scale={self.scale}): output channels {shape[-1]} are not "
                             f"divisible by scale**2 = {groups}")
        sub = self._base()((*shape[:3], shape[-1] // groups), dtype=dtype)
        return ops.tile(sub, (1, 1, 1, groups))

    def get_config(self):
        return {"scale": self.scale, "initializer": self.initializer, "seed": self.seed}


def pixel_shuffle_upsampler(x, filters, scale, kernel_size=3, icnr=True, activation=None,
                            name="upsample"):
    """Sub-pixel upsampling block: ``Conv2D(filters * r**2)`` then ``PixelShuffle(r)``.

    Scales 2 and 3 use one stage; 4 and 8 chain x2 stages (as EDSR does).

    Args:
        x: tensor ``(batch, H, W, C)``.
        filters: int, channels after each shuffle.
        scale: int in {2, 3, 4, 8}.
        kernel_size: int, kernel of the conv before each shuffle.
        icnr: bool, initialise those convs with ``ICNR``.
        activation: activation name applied after each shuffle, or None.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H*scale, W*scale, filters)``.
    """
    if scale in (2, 3):
        stages = [scale]
    elif scale in (4, 8):
        stages = [2] * {4: 2, 8: 3}[scale]
    else:
        raise ValueError(f"pixel_shuffle_upsampler: `scale` must be 2, 3, 4 or 8; got {scale!r}")
    for i, r in enumerate(stages, start=1):
        init = ICNR(scale=r) if icnr else "glorot_uniform"
        x = keras.layers.Conv2D(filters * r * r, kernel_size, padding="same",
                                kernel_initializer=init, name=f"{name}_conv{i}")(x)
        x = PixelShuffle(r, name=f"{name}_shuffle{i}")(x)
        if activation is not None:
            x = keras.layers.Activation(activation, name=f"{name}_act{i}")(x)
    return x
