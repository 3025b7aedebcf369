"""Running trained models on whole images (numpy in, numpy out)."""

from keras_sr.inference.predict import upscale_array
from keras_sr.inference.tiling import receptive_radius, upscale_tiled

__all__ = ["upscale_array", "upscale_tiled", "receptive_radius"]
