"""PlainSR: a mobile SR family of plain 3x3 convs, trained re-parameterized, int8-native.

Our design, after ECBSR (Zhang et al., ACM MM 2021: edge-oriented multi-branch blocks
folded into plain convs), SESR (Bhardwaj et al., MLSys 2022: collapsible linear blocks)
and QuickSRNet / ABPN (Berger et al., CVPRW 2023; Du et al., CVPRW 2021: the "anchor",
the LR image added to each of the ``scale**2`` sub-pixel channels before the pixel shuffle,
i.e. nearest-neighbour upsampling as a residual)::

    lr -> RepConv3x3(filters) + ReLU                          (head)
       -> num_blocks x [RepConv3x3(filters, identity) + ReLU]  (body)
       -> RepConv3x3(channels * scale**2)                      (tail)
       + lr, broadcast over the scale**2 sub-pixel channels    (anchor: nearest upsampling)
       -> PixelShuffle(scale)                                  = sr

Each ``RepConv3x3`` is a sum of linear branches (3x3, 1x1, 1x1 -> 3x3, Sobel/Laplacian
edges, identity) that :func:`keras_sr.models.reparameterize` folds into one ``Conv2D``
3x3, so the deployed model holds only ``CONV_2D`` (ReLU fused), one broadcasting ``ADD``
and ``DEPTH_TO_SPACE``: every one has an int8 XNNPACK kernel. ReLU rather than PReLU
because XNNPACK runs no int8 PRELU; the anchor keeps the global residual in the int8
domain (no bicubic resize in the graph). The anchor is a broadcast, not the LR image
concatenated ``scale**2`` times as QuickSRNet writes it: the same sum, but the int8
``CONCATENATION`` of nine copies (and its own input ``QUANTIZE``) cost 9-10 ms of a
26 ms 640x360 -> 1080p run on 2 XNNPACK threads (docs/models.md).
"""

import keras

from keras_sr.layers.pixel_shuffle import PixelShuffle
from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.mobile.rep_conv import RepConv3x3
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def _check_count(model_name, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{model_name}: `{name}` must be an int >= {minimum}; got {value!r}")
    return value


def plainsr(scale=3, channels=1, filters=16, num_blocks=4, expand=2, edges=True,
            activation="relu", name="plainsr"):
    """Build a PlainSR model (the train-time, multi-branch form).

    Args:
        scale: int in (2, 3, 4).
        channels: 1 (Y) or 3 (RGB).
        filters: int, feature channels of the head and body.
        num_blocks: int >= 0, body blocks.
        expand: int >= 0, width multiplier of the 1x1 -> 3x3 branch (0 drops it).
        edges: bool, the fixed Sobel/Laplacian branches with learned scales.
        activation: ``"relu"`` or ``"relu6"`` (both fused into int8 ``CONV_2D``).
        name: str, the model name (the registry name).

    Returns:
        ``SRModel`` ``lr`` -> ``sr``; :func:`keras_sr.models.reparameterize` gives the
        deployable plain-conv model with the same outputs.
    """
    scale = check_scale(name, scale, SCALES)
    channels = check_channels(name, channels)
    filters = _check_count(name, "filters", filters, 1)
    num_blocks = _check_count(name, "num_blocks", num_blocks, 0)
    if activation not in ("relu", "relu6"):
        raise ValueError(f"{name}: `activation` must be 'relu' or 'relu6' (int8 kernels in "
                         f"XNNPACK); got {activation!r}")
    branches = {"expand": expand, "edges": edges}
    lr = lr_input(channels)
    x = RepConv3x3(filters, activation=activation, name="head", **branches)(lr)
    for i in range(1, num_blocks + 1):
        x = RepConv3x3(filters, identity=True, activation=activation, name=f"block{i}",
                       **branches)(x)
    x = RepConv3x3(channels * scale * scale, name="tail", **branches)(x)
    if channels > 1:  # RGB: channel c of sub-pixel k is c + channels * k (DCR order)
        lr_for_anchor = keras.layers.Concatenate(name="anchor")([lr] * (scale * scale))
    else:  # Y: the one LR channel broadcasts over the scale**2 sub-pixel channels
        lr_for_anchor = lr
    x = keras.layers.Add(name="residual")([x, lr_for_anchor])
    sr = PixelShuffle(scale, dtype="float32", name="sr")(x)
    return SRModel(lr, sr, scale=scale, channels=channels, name=name)


def plainsr_small(scale=3, channels=1, filters=16, num_blocks=4, expand=2, edges=True,
                  activation="relu"):
    """PlainSR small: head + 4 blocks x 16 channels + tail (see :func:`plainsr`).

    >>> model = plainsr_small(scale=3, channels=1)
    >>> (model.name, model.scale, model.channels)
    ('plainsr_small', 3, 1)
    """
    return plainsr(scale, channels, filters, num_blocks, expand, edges, activation,
                   name="plainsr_small")


def plainsr_large(scale=3, channels=1, filters=16, num_blocks=6, expand=2, edges=True,
                  activation="relu"):
    """PlainSR large: head + 6 blocks x 16 channels + tail (see :func:`plainsr`).

    Sized for 640x360 -> 1920x1080 int8 on 2 phone-class CPU threads: 15,264 MACs per
    LR pixel on Y at x3 (ESPCN: 22,624).
    """
    return plainsr(scale, channels, filters, num_blocks, expand, edges, activation,
                   name="plainsr_large")
