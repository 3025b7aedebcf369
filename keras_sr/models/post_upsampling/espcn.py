"""ESPCN: three convs on the LR image and a sub-pixel (pixel shuffle) output layer.

Shi et al., "Real-Time Single Image and Video Super-Resolution Using an Efficient
Sub-Pixel Convolutional Neural Network", CVPR 2016: (f1, n1) = (5, 64), (f2, n2) =
(3, 32), f3 = 3 with ``channels * scale**2`` outputs, tanh activations. On one channel
at x3 it has 22,729 parameters.
"""

import keras

from keras_sr.layers.pixel_shuffle import ICNR, PixelShuffle
from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def espcn(scale=3, channels=1, filters=64, mapping_filters=32, activation="tanh", icnr=True):
    """Build ESPCN.

    Args:
        scale: int in (2, 3, 4).
        channels: 1 (Y, as in the paper) or 3.
        filters: n1 (64).
        mapping_filters: n2 (32).
        activation: hidden activation; the paper uses ``"tanh"`` (``"relu"`` also common).
        icnr: initialise the last conv with ICNR (an initialisation only; the paper
            predates it).

    Returns:
        ``SRModel`` named ``espcn``: ``lr`` -> ``sr`` of ``scale`` times the size.
    """
    scale = check_scale("espcn", scale, SCALES)
    channels = check_channels("espcn", channels)
    layers = keras.layers
    lr = lr_input(channels)
    x = layers.Conv2D(filters, 5, padding="same", activation=activation, name="conv1")(lr)
    x = layers.Conv2D(mapping_filters, 3, padding="same", activation=activation,
                      name="conv2")(x)
    init = ICNR(scale=scale) if icnr else "glorot_uniform"
    x = layers.Conv2D(channels * scale * scale, 3, padding="same", kernel_initializer=init,
                      name="conv3")(x)
    sr = PixelShuffle(scale, dtype="float32", name="sr")(x)
    return SRModel(lr, sr, scale=scale, channels=channels, name="espcn")
