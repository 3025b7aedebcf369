"""Progressive-upsampling models: the image grows in x2 steps inside the network."""

from keras_sr.models.progressive.lapsrn import lapsrn, lapsrn_inference

__all__ = ["lapsrn", "lapsrn_inference"]
