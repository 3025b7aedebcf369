"""A stacked hourglass (U-Net) SR network: our design, documented in docs/models.md.

Repeated encoder-decoder passes over LR features refine them at several resolutions
(Newell et al., "Stacked Hourglass Networks", ECCV 2016; Ronneberger et al., "U-Net",
MICCAI 2015), then a sub-pixel upsampler produces the HR image, added to the bicubic
upsampled input.

Layout: 3x3 head conv (``filters``); ``num_blocks`` hourglasses, each with ``levels``
stride-2 3x3 conv downsamplings (channels doubling), a spatial-pyramid-pooling
bottleneck, and a 4x4 stride-2 transposed conv + additive skip per level, wrapped in
a residual connection; a 3x3 conv; pixel-shuffle upsampler; 3x3 conv to ``channels``.
Any H, W is accepted: the LR features are padded (mirror) to a multiple of
``2**levels`` inside the model, and the output is cropped back to ``scale * (H, W)``.
"""

import keras

from keras_sr.layers.blocks import residual_block
from keras_sr.layers.padding import CropToMatch, PadToMultiple
from keras_sr.layers.pixel_shuffle import pixel_shuffle_upsampler
from keras_sr.layers.pyramid_pooling import spatial_pyramid_pooling
from keras_sr.layers.resize import Resize
from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def _hourglass(x, filters, levels, name):
    """One encoder-decoder pass with additive skips; returns the input's shape."""
    layers = keras.layers
    skips = []
    y = x
    for level in range(1, levels + 1):
        skips.append(y)
        width = filters * 2**level
        y = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu",
                          name=f"{name}_down{level}")(y)
        y = residual_block(y, width, name=f"{name}_enc{level}")
    y = spatial_pyramid_pooling(y, y.shape[-1], pool_sizes=(2, 4), name=f"{name}_spp")
    for level in range(levels, 0, -1):
        width = filters * 2 ** (level - 1)
        y = layers.Conv2DTranspose(width, 4, strides=2, padding="same", activation="relu",
                                   name=f"{name}_up{level}")(y)
        y = layers.Add(name=f"{name}_skip{level}")([y, skips[level - 1]])
        y = residual_block(y, width, name=f"{name}_dec{level}")
    return layers.Add(name=f"{name}_out")([x, y])


def hourglass(scale=4, channels=3, filters=32, num_blocks=2, levels=2, icnr=True):
    """Build the stacked hourglass SR model.

    Args:
        scale: int in (2, 3, 4).
        channels: 1 or 3.
        filters: int, channels at the LR resolution (doubled at each level down).
        num_blocks: int >= 1, hourglasses in sequence.
        levels: int >= 1, x2 downsamplings per hourglass.
        icnr: bool, ICNR-initialise the upsampler.

    Returns:
        ``SRModel`` named ``hourglass``: ``lr`` -> ``sr`` of ``scale`` times the size,
        for any input height and width.
    """
    scale = check_scale("hourglass", scale, SCALES)
    channels = check_channels("hourglass", channels)
    if num_blocks < 1 or levels < 1:
        raise ValueError("hourglass: `num_blocks` and `levels` must be >= 1; got "
                         f"num_blocks={num_blocks!r}, levels={levels!r}")
    layers = keras.layers
    lr = lr_input(channels)
    x = PadToMultiple(2**levels, name="pad")(lr)
    x = layers.Conv2D(filters, 3, padding="same", name="head")(x)
    for s in range(1, num_blocks + 1):
        x = _hourglass(x, filters, levels, name=f"stack{s}")
    x = layers.Conv2D(filters, 3, padding="same", name="body_end")(x)
    x = pixel_shuffle_upsampler(x, filters, scale, icnr=icnr, name="upsample")
    x = CropToMatch(scale, name="crop")([x, lr])
    residual = layers.Conv2D(channels, 3, padding="same", name="tail")(x)
    upsampled = Resize(scale, name="bicubic_upsample")(lr)
    sr = layers.Add(dtype="float32", name="sr")([upsampled, residual])
    return SRModel(lr, sr, scale=scale, channels=channels, name="hourglass")
