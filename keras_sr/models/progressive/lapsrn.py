"""LapSRN: progressive x2 steps, each predicting a Laplacian residual for its level.

Lai, Huang, Ahuja and Yang, "Deep Laplacian Pyramid Networks for Fast and Accurate
Super-Resolution", CVPR 2017. An input 3x3 conv, then one level per x2: ``depth``
(10) 3x3 convs of 64 channels with leaky ReLU 0.2, a 4x4 transposed conv to the next
level, a 3x3 conv to the residual image, added to the bilinear-initialised transposed
conv of the previous image. Trained with a Charbonnier loss on every level.
"""

import keras

from keras_sr.layers.laplacian import laplacian_pyramid_stage
from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.sr_model import SRModel

SCALES = (2, 4, 8)


def lapsrn(scale=4, channels=1, filters=64, depth=10, pyramid=False, use_bias=True,
           negative_slope=0.2):
    """Build LapSRN up to ``scale``.

    Args:
        scale: int in (2, 4, 8); ``log2(scale)`` pyramid levels.
        channels: 1 (Y, as in the paper) or 3.
        filters: int, feature channels (64).
        depth: int, conv layers per level (10).
        pyramid: bool. False (inference): one output ``sr`` at ``scale``. True
            (training): a dict of outputs ``{"sr_x2": ..., "sr_x4": ..., ...}``, one per
            level, so ``fit`` can take one target per level.
        use_bias: bool, the convs (not the bilinear image-branch ones) have biases
            (True); False for checkpoints trained without (the PyTorch LapSRN).
        negative_slope: float, slope of every leaky ReLU (0.2).

    Returns:
        ``SRModel`` named ``lapsrn``.
    """
    scale = check_scale("lapsrn", scale, SCALES)
    channels = check_channels("lapsrn", channels)
    layers = keras.layers
    lr = lr_input(channels)
    features = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias,
                             name="input_conv")(lr)
    features = layers.LeakyReLU(negative_slope=negative_slope, name="input_act")(features)
    image = lr
    outputs = {}
    level_scale = 1
    while level_scale < scale:
        level_scale *= 2
        features, image = laplacian_pyramid_stage(features, image, channels, filters, depth,
                                                  name=f"level_x{level_scale}",
                                                  use_bias=use_bias,
                                                  negative_slope=negative_slope)
        outputs[f"sr_x{level_scale}"] = layers.Identity(dtype="float32",
                                                        name=f"sr_x{level_scale}")(image)
    pyramid_model = SRModel(lr, outputs, scale=scale, channels=channels, name="lapsrn")
    if pyramid:
        return pyramid_model
    return lapsrn_inference(pyramid_model, scale)


def lapsrn_inference(pyramid_model, scale):
    """The inference model of a pyramid LapSRN: same weights, the ``scale`` level only.

    Args:
        pyramid_model: a model from ``lapsrn(..., pyramid=True)``.
        scale: int, one of its levels (2, 4 or 8, at most its largest).

    Returns:
        ``SRModel`` named ``lapsrn``: ``lr`` -> ``sr`` (layers shared with the input
        model, so training one updates the other).
    """
    names = [layer.name for layer in pyramid_model.layers]
    if f"sr_x{scale}" not in names:
        levels = sorted(int(n[4:]) for n in names if n.startswith("sr_x"))
        raise ValueError(f"lapsrn_inference: `scale` {scale!r} is not a level of this model; "
                         f"levels: {levels}")
    level = pyramid_model.get_layer(f"sr_x{scale}").output
    sr = keras.layers.Identity(dtype="float32", name="sr")(level)
    return SRModel(pyramid_model.inputs[0], sr, scale=scale, name="lapsrn")
