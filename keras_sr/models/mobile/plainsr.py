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

``plainsr_wide`` (``unshuffle=2``) runs the same chain on the LR image folded 2x2 into
channels (``PixelUnshuffle``, TFLite ``SPACE_TO_DEPTH``): 32 channels at half the
height and width, a tail of ``(2 * scale)**2`` sub-pixels per channel and the anchor as
a fixed 0/1 1x1 conv. Sizes: small (4 x 16), medium (5 x 16), large (6 x 16), wide
(6 x 32 unshuffled).
"""

import keras
import numpy as np

from keras_sr.layers.padding import CropToMatch, PadToMultiple
from keras_sr.layers.pixel_shuffle import PixelShuffle, PixelUnshuffle
from keras_sr.models.common import check_channels, check_scale, lr_input
from keras_sr.models.mobile.rep_conv import RepConv3x3
from keras_sr.models.sr_model import SRModel

SCALES = (2, 3, 4)


def _check_count(model_name, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{model_name}: `{name}` must be an int >= {minimum}; got {value!r}")
    return value


def anchor_kernel(scale, channels, block):
    """The fixed 1x1 kernel that maps a ``PixelUnshuffle(block)`` LR to its nearest-
    neighbour upsampling by ``scale`` in ``PixelShuffle(scale * block)`` layout.

    Sub-pixel ``(i, j)`` of output channel ``(i * s + j) * channels + c`` (``s = scale *
    block``) copies the unshuffled channel of LR pixel ``(i // scale, j // scale)`` of
    the block: ``((i // scale) * block + j // scale) * channels + c``.

    Returns:
        float32 array ``(1, 1, channels * block**2, channels * (scale * block)**2)`` of 0/1.

    Example:
        >>> anchor_kernel(2, 1, 2)[0, 0].argmax(axis=0).reshape(4, 4).tolist()
        [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    """
    side = scale * block
    kernel = np.zeros((1, 1, channels * block**2, channels * side**2), "float32")
    for i in range(side):
        for j in range(side):
            source = (i // scale) * block + j // scale
            for c in range(channels):
                kernel[0, 0, source * channels + c, (i * side + j) * channels + c] = 1.0
    return kernel


# ``init="scaled"``: variance-scaling (fan average, uniform) gains of the branch kernels.
# Glorot on every branch of a block sums to a kernel with ~2-3x Glorot's variance (the
# 1x1 -> 3x3 product adds its own), plus the identity: an untrained plainsr_large x3
# outputs values ~3.5 away from the target (mean |error| on [0, 1] photos), 9.2 for the
# 32-channel unshuffled body, and training can stall at nearest upsampling (a 10k-step
# unshuffled run stopped below bicubic). Gain 0.25 (the weights of Glorot halved) in
# head and body and 0.0025 (a twentieth) in the tail start the model within 0.04 of
# the target, at the anchor's nearest upsampling plus a small correction.
SCALED_INIT = {"body": 0.25, "tail": 0.0025}
INITS = ("glorot_uniform", "scaled")


def _initializer(init, part):
    if init == "glorot_uniform":
        return "glorot_uniform"
    return keras.initializers.VarianceScaling(SCALED_INIT[part], mode="fan_avg",
                                              distribution="uniform")


def plainsr(scale=3, channels=1, filters=16, num_blocks=4, expand=2, edges=True,
            activation="relu", unshuffle=1, init="scaled", name="plainsr"):
    """Build a PlainSR model (the train-time, multi-branch form).

    Args:
        scale: int in (2, 3, 4).
        channels: 1 (Y) or 3 (RGB).
        filters: int, feature channels of the head and body.
        num_blocks: int >= 0, body blocks.
        expand: int >= 0, width multiplier of the 1x1 -> 3x3 branch (0 drops it).
        edges: bool, the fixed Sobel/Laplacian branches with learned scales.
        activation: ``"relu"`` or ``"relu6"`` (both fused into int8 ``CONV_2D``).
        unshuffle: 1 or 2. With 2 the LR image is first folded 2x2 into channels
            (``PixelUnshuffle``; odd sizes mirror-padded, the output cropped back), the
            convs run at half the LR height and width, the tail predicts
            ``(2 * scale)**2`` sub-pixels per channel and the anchor is a fixed 0/1 1x1
            conv (:func:`anchor_kernel`). A conv of ``filters`` channels then costs the
            MACs per LR pixel of ``filters / 2`` channels at full resolution, with twice
            the receptive field, and XNNPACK runs the wider int8 convs nearer its peak.
        init: ``"glorot_uniform"`` or ``"scaled"`` (smaller branch kernels, the model
            starts near nearest upsampling: ``SCALED_INIT``), the branch initializer.
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
    if unshuffle not in (1, 2) or isinstance(unshuffle, bool):
        raise ValueError(f"{name}: `unshuffle` must be 1 or 2; got {unshuffle!r}")
    if init not in INITS:
        raise ValueError(f"{name}: `init` must be one of {INITS}; got {init!r}")
    branches = {"expand": expand, "edges": edges}
    lr = lr_input(channels)
    x = lr
    if unshuffle > 1:
        x = PadToMultiple(unshuffle, mode="symmetric", name="pad")(x)
        x = PixelUnshuffle(unshuffle, name="unshuffle")(x)
    folded_lr = x
    body_init = _initializer(init, "body")
    x = RepConv3x3(filters, activation=activation, kernel_initializer=body_init,
                   name="head", **branches)(x)
    for i in range(1, num_blocks + 1):
        x = RepConv3x3(filters, identity=True, activation=activation,
                       kernel_initializer=body_init, name=f"block{i}", **branches)(x)
    side = scale * unshuffle  # sub-pixels per side of one position of the conv grid
    x = RepConv3x3(channels * side * side, kernel_initializer=_initializer(init, "tail"),
                   name="tail", **branches)(x)
    if unshuffle > 1:  # the LR pixel of each sub-pixel, picked by a fixed 1x1 conv
        anchor = keras.layers.Conv2D(
            channels * side * side, 1, use_bias=False, trainable=False, name="anchor",
            kernel_initializer=keras.initializers.Constant(
                anchor_kernel(scale, channels, unshuffle).tolist()))(folded_lr)
    elif channels > 1:  # RGB: channel c of sub-pixel k is c + channels * k (DCR order)
        anchor = keras.layers.Concatenate(name="anchor")([lr] * (scale * scale))
    else:  # Y: the one LR channel broadcasts over the scale**2 sub-pixel channels
        anchor = lr
    x = keras.layers.Add(name="residual")([x, anchor])
    if unshuffle == 1:
        sr = PixelShuffle(scale, dtype="float32", name="sr")(x)
    else:
        x = PixelShuffle(side, name="shuffle")(x)
        sr = CropToMatch(scale, dtype="float32", name="sr")([x, lr])
    return SRModel(lr, sr, scale=scale, channels=channels, name=name)


def plainsr_small(scale=3, channels=1, filters=16, num_blocks=4, expand=2, edges=True,
                  activation="relu", unshuffle=1, init="scaled"):
    """PlainSR small: head + 4 blocks x 16 channels + tail (see :func:`plainsr`).

    >>> model = plainsr_small(scale=3, channels=1)
    >>> (model.name, model.scale, model.channels)
    ('plainsr_small', 3, 1)
    """
    return plainsr(scale, channels, filters, num_blocks, expand, edges, activation,
                   unshuffle, init, name="plainsr_small")


def plainsr_medium(scale=3, channels=1, filters=16, num_blocks=5, expand=2, edges=True,
                   activation="relu", unshuffle=1, init="scaled"):
    """PlainSR medium: head + 5 blocks x 16 channels + tail (see :func:`plainsr`).

    One block less than ``plainsr_large``: 12,960 MACs per LR pixel on Y at x3, sized
    for 640x360 -> 1920x1080 int8 within 0.65x of ESPCN's time on 2 CPU threads (0.63x
    interleaved with it, 18 ms, on the 2-core machine of docs/models.md).

    >>> from keras_sr.models import macs_per_pixel
    >>> model = plainsr_medium(scale=3, channels=1)
    >>> (model.name, int(macs_per_pixel(model, per="input")))
    ('plainsr_medium', 12960)
    """
    return plainsr(scale, channels, filters, num_blocks, expand, edges, activation,
                   unshuffle, init, name="plainsr_medium")


def plainsr_large(scale=3, channels=1, filters=16, num_blocks=6, expand=2, edges=True,
                  activation="relu", unshuffle=1, init="scaled"):
    """PlainSR large: head + 6 blocks x 16 channels + tail (see :func:`plainsr`).

    Sized for 640x360 -> 1920x1080 int8 on 2 phone-class CPU threads: 15,264 MACs per
    LR pixel on Y at x3 (ESPCN: 22,624).
    """
    return plainsr(scale, channels, filters, num_blocks, expand, edges, activation,
                   unshuffle, init, name="plainsr_large")


def plainsr_wide(scale=3, channels=1, filters=32, num_blocks=6, expand=2, edges=True,
                 activation="relu", unshuffle=2, init="scaled"):
    """PlainSR wide: 32 channels on the 2x2-unshuffled LR image, head + 6 blocks + tail.

    The convs run at half the LR height and width (``unshuffle=2``, see :func:`plainsr`),
    so 32 channels cost about what 16 cost at full resolution in ``plainsr_large``, with
    twice the receptive field; it starts near nearest upsampling (``init="scaled"``).

    >>> model = plainsr_wide(scale=3, channels=1)
    >>> (model.name, model.get_layer("tail").filters, model.get_layer("anchor").trainable)
    ('plainsr_wide', 36, False)
    """
    return plainsr(scale, channels, filters, num_blocks, expand, edges, activation,
                   unshuffle, init, name="plainsr_wide")
