"""SRCNN: three convolutions on the bicubic-upsampled image.

Dong, Loy, He and Tang, "Image Super-Resolution Using Deep Convolutional Networks",
TPAMI 2016 (ECCV 2014). Patch extraction (f1 x f1, n1 = 64), non-linear mapping
(f2 x f2, n2 = 32), reconstruction (f3 x f3). The paper's base network is 9-1-5; 9-5-5
is its better-performing wider mapping. The paper trains with "valid" convolutions and
shrinks the output; here every conv is "same"-padded so the output keeps the size.
"""

import keras

from keras_sr.models.common import check_channels, check_scale, lr_input, pre_upsample
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def srcnn(scale=3, channels=1, filters=64, mapping_filters=32, kernel_sizes=(9, 1, 5),
          pre_upsampled=False, name="srcnn"):
    """Build SRCNN.

    Args:
        scale: int in (2, 3, 4).
        channels: 1 (Y, as in the paper) or 3.
        filters: n1, channels of the first conv (64).
        mapping_filters: n2, channels of the mapping conv (32).
        kernel_sizes: (f1, f2, f3), (9, 1, 5) or (9, 5, 5) in the paper.
        pre_upsampled: bool; True feeds an already bicubic-upsampled image (then
            ``scale`` is only recorded in the name) instead of the LR image.
        name: str, the model name.

    Returns:
        ``SRModel`` named ``srcnn``: ``lr`` ``(batch, h, w, channels)`` in [0, 1] ->
        ``sr`` ``(batch, scale*h, scale*w, channels)`` (same size if ``pre_upsampled``).
    """
    scale = check_scale("srcnn", scale, SCALES)
    channels = check_channels("srcnn", channels)
    if len(kernel_sizes) != 3:
        raise ValueError(f"srcnn: `kernel_sizes` must be three ints; got {kernel_sizes!r}")
    f1, f2, f3 = kernel_sizes
    lr = lr_input(channels)
    x = pre_upsample(lr, scale, pre_upsampled)
    x = keras.layers.Conv2D(filters, f1, padding="same", activation="relu",
                            name="patch_extraction")(x)
    x = keras.layers.Conv2D(mapping_filters, f2, padding="same", activation="relu",
                            name="mapping")(x)
    sr = keras.layers.Conv2D(channels, f3, padding="same", dtype="float32", name="sr")(x)
    return SRModel(lr, sr, scale=scale, channels=channels, name=name)


def srcnn_955(scale=3, channels=1, filters=64, mapping_filters=32, pre_upsampled=False):
    """SRCNN 9-5-5 (the paper's larger mapping kernel); see ``srcnn``."""
    return srcnn(scale, channels, filters, mapping_filters, (9, 5, 5), pre_upsampled,
                 name="srcnn_955")
