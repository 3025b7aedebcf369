"""Pre-upsampling models: bicubic upsampling first, then refinement at HR size."""

from keras_sr.models.pre_upsampling.srcnn import srcnn, srcnn_955
from keras_sr.models.pre_upsampling.vdsr import vdsr

__all__ = ["srcnn", "srcnn_955", "vdsr"]
