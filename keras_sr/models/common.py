"""Argument checks and the input/output conventions shared by every generator."""

import keras

from keras_sr.layers.resize import Resize

CHANNELS = (1, 3)

# DIV2K training-set RGB mean (EDSR's MeanShift), and its BT.601 Y value for 1 channel.
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)
DIV2K_Y_MEAN = 0.4379


def check_scale(model_name, scale, supported):
    """Raise ``ValueError`` unless ``scale`` is one of ``supported``."""
    if isinstance(scale, bool) or scale not in supported:
        raise ValueError(f"{model_name}: unsupported `scale` {scale!r}; this model supports "
                         f"scales {', '.join(str(s) for s in supported)}")
    return int(scale)


def check_channels(model_name, channels):
    """Raise ``ValueError`` unless ``channels`` is 1 (Y) or 3 (RGB)."""
    if isinstance(channels, bool) or channels not in CHANNELS:
        raise ValueError(f"{model_name}: `channels` must be 1 (Y) or 3 (RGB); got {channels!r}")
    return int(channels)


def lr_input(channels):
    """The generator input: ``lr``, float32 ``(batch, None, None, channels)`` in [0, 1]."""
    return keras.Input(shape=(None, None, channels), dtype="float32", name="lr")


def pre_upsample(lr, scale, pre_upsampled):
    """MATLAB-bicubic upsampling inside the model, unless the input is already upsampled."""
    if pre_upsampled:
        return lr
    return Resize(scale, method="bicubic", name="bicubic_upsample")(lr)


def channel_mean(channels):
    """DIV2K mean per channel: RGB values, or the Y mean for one channel."""
    return list(DIV2K_RGB_MEAN) if channels == 3 else [DIV2K_Y_MEAN]
