"""Tiny functional SR models used by the quantization, export and tiling tests."""

import keras

from keras_sr.layers.pixel_shuffle import PixelShuffle


def tiny_espcn(scale=2, channels=3, filters=8, seed=0):
    """Conv(5x5, relu) -> Conv(3x3, relu) -> Conv(3x3) -> PixelShuffle: ESPCN in miniature."""
    init = keras.initializers.GlorotUniform(seed=seed)
    lr = keras.Input((None, None, channels), name="lr")
    x = keras.layers.Conv2D(filters, 5, padding="same", activation="relu",
                            kernel_initializer=init)(lr)
    x = keras.layers.Conv2D(filters, 3, padding="same", kernel_initializer=init)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(channels * scale**2, 3, padding="same",
                            kernel_initializer=init)(x)
    sr = PixelShuffle(scale)(x)
    return keras.Model(lr, sr, name="tiny_espcn")


def every_layer_model(scale=2, filters=8, seed=0):
    """One of each supported layer: PReLU, LeakyReLU, clipped ReLU, Add, Concatenate,
    Conv2DTranspose, PixelShuffle."""
    init = keras.initializers.GlorotUniform(seed=seed)
    conv = dict(padding="same", kernel_initializer=init)
    lr = keras.Input((None, None, 3), name="lr")
    a = keras.layers.Conv2D(filters, 3, activation="relu", **conv)(lr)
    b = keras.layers.Conv2D(filters, 3, **conv)(a)
    b = keras.layers.PReLU(shared_axes=[1, 2])(b)
    b = keras.layers.Conv2D(filters, 3, **conv)(b)
    b = keras.layers.LeakyReLU(0.1)(b)
    x = keras.layers.Add()([a, b])
    x = keras.layers.Concatenate()([x, a])
    x = keras.layers.Conv2D(filters, 3, **conv)(x)
    x = keras.layers.ReLU(max_value=1.0)(x)
    x = keras.layers.Conv2DTranspose(filters, 3, **conv)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(3 * scale**2, 3, **conv)(x)
    sr = PixelShuffle(scale)(x)
    return keras.Model(lr, sr, name="every_layer")
