"""FSRCNN: an hourglass of small convs on the LR image, upsampled by a transposed conv.

Dong, Loy and Tang, "Accelerating the Super-Resolution Convolutional Neural Network",
ECCV 2016. FSRCNN(d, s, m): feature extraction 5x5 (d), shrinking 1x1 (s), m mapping
layers 3x3 (s), expanding 1x1 (d), each followed by a PReLU, and a 9x9 transposed conv
with stride ``scale``. FSRCNN(56, 12, 4) has 12,464 weights on one channel (biases
excluded), the paper's count.
"""

import keras

from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def fsrcnn(scale=3, channels=1, filters=56, shrink_filters=12, num_blocks=4):
    """Build FSRCNN(d, s, m).

    Args:
        scale: int in (2, 3, 4), the stride of the final transposed conv.
        channels: 1 (Y, as in the paper) or 3.
        filters: d, LR feature channels (56).
        shrink_filters: s, channels of the mapping layers (12).
        num_blocks: m, number of 3x3 mapping layers (conv + PReLU) (4).

    Returns:
        ``SRModel`` named ``fsrcnn``: ``lr`` -> ``sr`` of ``scale`` times the size.
    """
    scale = check_scale("fsrcnn", scale, SCALES)
    channels = check_channels("fsrcnn", channels)
    layers = keras.layers

    def conv_prelu(x, filters_, kernel, name):
        x = layers.Conv2D(filters_, kernel, padding="same", name=name)(x)
        return layers.PReLU(shared_axes=[1, 2], name=f"{name}_prelu")(x)

    lr = lr_input(channels)
    x = conv_prelu(lr, filters, 5, "feature_extraction")
    x = conv_prelu(x, shrink_filters, 1, "shrinking")
    for i in range(1, num_blocks + 1):
        x = conv_prelu(x, shrink_filters, 3, f"mapping{i}")
    x = conv_prelu(x, filters, 1, "expanding")
    sr = layers.Conv2DTranspose(channels, 9, strides=scale, padding="same",
                                kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
                                dtype="float32", name="sr")(x)
    return SRModel(lr, sr, scale=scale, channels=channels, name="fsrcnn")
