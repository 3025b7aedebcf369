"""Running trained models on whole images (numpy in, numpy out)."""

from keras_sr.inference.predict import upscale_array

__all__ = ["upscale_array"]
