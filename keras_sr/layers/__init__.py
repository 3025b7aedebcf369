"""Reusable Keras layers and blocks (keras.ops only, registered serializable)."""

from keras_sr.layers.back_projection import (down_projection, dense_down_projection,
                                             dense_up_projection, projection_kernel,
                                             up_projection)
from keras_sr.layers.blocks import (channel_attention, dense_block, dilated_block,
                                    residual_block, residual_channel_attention_block,
                                    residual_dense_block)
from keras_sr.layers.degradation import (Degrade, Downscale, GaussianBlur, GaussianNoise,
                                         JPEGCompression, PoissonNoise, Quantize)
from keras_sr.layers.laplacian import BilinearUpsampling, laplacian_pyramid_stage
from keras_sr.layers.padding import CropToMatch, PadToMultiple
from keras_sr.layers.pixel_shuffle import (ICNR, PixelShuffle, PixelUnshuffle,
                                             pixel_shuffle_upsampler)
from keras_sr.layers.pyramid_pooling import PyramidPooling, spatial_pyramid_pooling
from keras_sr.layers.resize import Resize

__all__ = [
    "BilinearUpsampling", "CropToMatch", "Degrade", "Downscale", "GaussianBlur",
    "GaussianNoise", "ICNR", "JPEGCompression", "PoissonNoise", "Quantize", "PadToMultiple",
    "PixelShuffle", "PixelUnshuffle", "PyramidPooling", "Resize", "channel_attention", "dense_block", "dense_down_projection",
    "dense_up_projection", "dilated_block", "down_projection", "laplacian_pyramid_stage",
    "pixel_shuffle_upsampler", "projection_kernel", "residual_block",
    "residual_channel_attention_block", "residual_dense_block", "spatial_pyramid_pooling",
    "up_projection",
]
