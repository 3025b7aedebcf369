"""DBPN: iterative up- and down-projection between the LR and HR feature grids.

Haris, Shakhnarovich and Ukita, "Deep Back-Projection Networks For Super-Resolution",
CVPR 2018. Initial features: 3x3 conv (n0) and 1x1 conv (nR), PReLU. Then T up- and
T - 1 down-projection units (D-DBPN: dense connections, each unit fed by a 1x1 conv over
the concatenation of all earlier outputs of the other grid). Reconstruction: a 3x3 conv
over the concatenation of all T HR feature maps. D-DBPN: n0 = 256, nR = 64, T = 7.
``dbpn_small`` is the paper's DBPN-S: n0 = 128, nR = 32, T = 2, no dense connections.
"""

import keras

from keras_sr.layers.back_projection import (dense_down_projection, dense_up_projection,
                                             down_projection, up_projection)
from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4, 8)


def dbpn(scale=4, channels=3, filters=64, feature_filters=256, num_blocks=7, dense=True,
         name="dbpn"):
    """Build DBPN (defaults: D-DBPN).

    Args:
        scale: int in (2, 4, 8) as in the paper, or 3 (7x7 kernels, stride 3).
        channels: 3 (RGB, as in the paper) or 1.
        filters: nR, channels of the projection units (64).
        feature_filters: n0, channels of the first conv (256).
        num_blocks: T, number of up-projection units (7).
        dense: bool, dense connections between units (D-DBPN).
        name: str, the model name.

    Returns:
        ``SRModel``: ``lr`` -> ``sr`` of ``scale`` times the size.
    """
    scale = check_scale(name, scale, SCALES)
    channels = check_channels(name, channels)
    if num_blocks < 1:
        raise ValueError(f"{name}: `num_blocks` must be >= 1; got {num_blocks!r}")
    layers = keras.layers
    lr = lr_input(channels)
    x = layers.Conv2D(feature_filters, 3, padding="same", name="feature1")(lr)
    x = layers.PReLU(shared_axes=[1, 2, 3], name="feature1_act")(x)
    x = layers.Conv2D(filters, 1, name="feature2")(x)
    x = layers.PReLU(shared_axes=[1, 2, 3], name="feature2_act")(x)
    low, high = [x], []
    for t in range(1, num_blocks + 1):
        if dense:
            high.append(dense_up_projection(low, filters, scale, name=f"up{t}"))
        else:
            high.append(up_projection(low[-1], filters, scale, name=f"up{t}"))
        if t < num_blocks:
            if dense:
                low.append(dense_down_projection(high, filters, scale, name=f"down{t}"))
            else:
                low.append(down_projection(high[-1], filters, scale, name=f"down{t}"))
    x = high[0] if len(high) == 1 else layers.Concatenate(name="concat_high")(high)
    sr = layers.Conv2D(channels, 3, padding="same", dtype="float32", name="sr")(x)
    return SRModel(lr, sr, scale=scale, channels=channels, name=name)


def dbpn_small(scale=4, channels=3, filters=32, feature_filters=128, num_blocks=2,
               dense=False):
    """DBPN-S from the paper: n0 = 128, nR = 32, T = 2, no dense connections; see ``dbpn``."""
    return dbpn(scale, channels, filters, feature_filters, num_blocks, dense,
                name="dbpn_small")
