"""Discriminators for adversarial SR training: SRGAN's VGG-style one and a PatchGAN.

Both take an image ``image`` in [0, 1] and return raw logits (no sigmoid): pair them
with ``from_logits=True`` losses.
"""

import keras

from keras_sr.models.common import check_channels
from keras_sr.models.sr_model import SRModel

layers = keras.layers


def srgan_discriminator(input_size=96, channels=3, filters=64):
    """SRGAN's discriminator: eight 3x3 conv layers, then dense 1024 and dense 1.

    Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative
    Adversarial Network", CVPR 2017: channels 64, 64, 128, 128, 256, 256, 512, 512,
    stride 2 on every second layer, batch norm after all but the first, leaky ReLU 0.2.
    The flatten + dense head fixes the input size (the paper's HR crops are 96 x 96).

    Args:
        input_size: int, height and width of the (square) input, a multiple of 16.
        channels: 1 or 3.
        filters: int, channels of the first conv (64).

    Returns:
        ``SRModel`` named ``srgan_discriminator`` (no scale): ``image`` ``(batch, input_size,
        input_size, channels)`` -> ``logits`` ``(batch, 1)`` float32.
    """
    channels = check_channels("srgan_discriminator", channels)
    if not isinstance(input_size, int) or input_size < 16 or input_size % 16:
        raise ValueError("srgan_discriminator: `input_size` must be a positive multiple of "
                         f"16 (four stride-2 convs); got {input_size!r}")
    image = keras.Input(shape=(input_size, input_size, channels), name="image")
    x = layers.Conv2D(filters, 3, padding="same", name="conv1")(image)
    x = layers.LeakyReLU(negative_slope=0.2, name="conv1_act")(x)
    plan = [(filters, 2), (filters * 2, 1), (filters * 2, 2), (filters * 4, 1),
            (filters * 4, 2), (filters * 8, 1), (filters * 8, 2)]
    for i, (width, stride) in enumerate(plan, start=2):
        x = layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False,
                          name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"conv{i}_act")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(filters * 16, name="dense1")(x)
    x = layers.LeakyReLU(negative_slope=0.2, name="dense1_act")(x)
    logits = layers.Dense(1, dtype="float32", name="logits")(x)
    return SRModel(image, logits, channels=channels, name="srgan_discriminator")


def patch_discriminator(channels=3, filters=64, num_layers=3):
    """PatchGAN: a fully convolutional discriminator scoring overlapping patches.

    Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks",
    CVPR 2017 (the 70 x 70 PatchGAN for ``num_layers=3``): 4x4 convs C64 - C128 - C256
    (stride 2) - C512 (stride 1) - 1 channel, batch norm after all but the first and the
    last, leaky ReLU 0.2. Accepts any input size of at least 32 x 32.

    Args:
        channels: 1 or 3.
        filters: int, channels of the first conv (64).
        num_layers: int, stride-2 convs (3: receptive field 70 x 70).

    Returns:
        ``SRModel`` named ``patch_discriminator`` (no scale): ``image`` ``(batch, H, W,
        channels)`` -> ``logits`` ``(batch, h, w, 1)`` float32, one score per patch.
    """
    channels = check_channels("patch_discriminator", channels)
    image = keras.Input(shape=(None, None, channels), name="image")
    x = layers.Conv2D(filters, 4, strides=2, padding="same", name="conv1")(image)
    x = layers.LeakyReLU(negative_slope=0.2, name="conv1_act")(x)
    for i in range(2, num_layers + 2):
        stride = 2 if i <= num_layers else 1
        width = filters * min(2 ** (i - 1), 8)
        x = layers.Conv2D(width, 4, strides=stride, padding="same", use_bias=False,
                          name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"conv{i}_act")(x)
    logits = layers.Conv2D(1, 4, padding="same", dtype="float32", name="logits")(x)
    return SRModel(image, logits, channels=channels, name="patch_discriminator")
