"""EDSR: deep residual network without batch norm, sub-pixel upsampling at the end.

Lim, Son, Kim, Nah and Lee, "Enhanced Deep Residual Networks for Single Image
Super-Resolution", CVPRW 2017. Baseline: 16 residual blocks of 64 channels (1.37M /
1.55M / 1.52M parameters at x2 / x3 / x4); full EDSR: 32 blocks of 256 channels with
residual scaling 0.1 (about 43M at x4). Upsampler: conv + pixel shuffle (one x2/x3
stage, two x2 stages for x4). The DIV2K mean is subtracted at the input and added back
at the output, as EDSR's MeanShift does, with standard ``Rescaling`` layers (scale 1,
offset -mean / +mean; in [0, 1] units).
"""

import keras

from keras_sr.layers.blocks import residual_block
from keras_sr.layers.pixel_shuffle import pixel_shuffle_upsampler
from keras_sr.models.common import channel_mean, check_channels, check_scale, lr_input
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def edsr(scale=4, channels=3, filters=256, num_blocks=32, residual_scaling=0.1, icnr=False,
         name="edsr"):
    """Build EDSR (defaults: the full model).

    Args:
        scale: int in (2, 3, 4).
        channels: 3 (RGB, as in the paper) or 1.
        filters: int, feature channels (256 full, 64 baseline).
        num_blocks: int, residual blocks (32 full, 16 baseline).
        residual_scaling: float or None, multiplies each block's residual (0.1 full).
        icnr: bool, ICNR-initialise the upsampler convs.
        name: str, the model name.

    Returns:
        ``SRModel``: ``lr`` -> ``sr`` of ``scale`` times the size.
    """
    scale = check_scale(name, scale, SCALES)
    channels = check_channels(name, channels)
    layers = keras.layers
    mean = channel_mean(channels)
    lr = lr_input(channels)
    x = layers.Rescaling(1.0, offset=[-m for m in mean], name="subtract_mean")(lr)
    head = layers.Conv2D(filters, 3, padding="same", name="head")(x)
    x = head
    for i in range(1, num_blocks + 1):
        x = residual_block(x, filters, scaling=residual_scaling, name=f"block{i}")
    x = layers.Conv2D(filters, 3, padding="same", name="body_end")(x)
    x = layers.Add(name="global_skip")([head, x])
    x = pixel_shuffle_upsampler(x, filters, scale, icnr=icnr, name="upsample")
    x = layers.Conv2D(channels, 3, padding="same", name="tail")(x)
    sr = layers.Rescaling(1.0, offset=mean, dtype="float32", name="sr")(x)
    return SRModel(lr, sr, scale=scale, channels=channels, name=name)


def edsr_baseline(scale=4, channels=3, filters=64, num_blocks=16, residual_scaling=None,
                  icnr=False):
    """EDSR baseline: 16 blocks x 64 channels, no residual scaling; see ``edsr``."""
    return edsr(scale, channels, filters, num_blocks, residual_scaling, icnr,
                name="edsr_baseline")
