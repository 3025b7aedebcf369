"""VDSR: a 20-layer residual network on the bicubic-upsampled image.

Kim, Lee and Lee, "Accurate Image Super-Resolution Using Very Deep Convolutional
Networks", CVPR 2016: 20 layers of 3x3 convs (64 channels, ReLU after all but the last),
the network predicts the residual added to the interpolated input (receptive field
41 x 41). One network serves several scales.
"""

import keras

from keras_sr.models.common import check_channels, check_scale, lr_input, pre_upsample
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def vdsr(scale=3, channels=1, filters=64, depth=20, pre_upsampled=False, use_bias=True):
    """Build VDSR.

    Args:
        scale: int in (2, 3, 4).
        channels: 1 (Y, as in the paper) or 3.
        filters: int, channels of the hidden convs (64).
        depth: int, number of conv layers (20).
        pre_upsampled: bool, the input is already bicubic-upsampled.
        use_bias: bool, the convs have biases (True); False for checkpoints trained
            without (the reference PyTorch VDSR).

    Returns:
        ``SRModel`` named ``vdsr`` mapping ``lr`` to ``sr`` = upsampled input + residual.
    """
    scale = check_scale("vdsr", scale, SCALES)
    channels = check_channels("vdsr", channels)
    if depth < 2:
        raise ValueError(f"vdsr: `depth` must be >= 2; got {depth!r}")
    lr = lr_input(channels)
    upsampled = pre_upsample(lr, scale, pre_upsampled)
    x = upsampled
    for i in range(1, depth):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu",
                                use_bias=use_bias, name=f"conv{i}")(x)
    residual = keras.layers.Conv2D(channels, 3, padding="same", use_bias=use_bias,
                                   name=f"conv{depth}")(x)
    sr = keras.layers.Add(dtype="float32", name="sr")([upsampled, residual])
    return SRModel(lr, sr, scale=scale, channels=channels, name="vdsr")
