"""Post-upsampling models: features at LR size, learned upsampling at the end."""

from keras_sr.models.post_upsampling.edsr import edsr, edsr_baseline
from keras_sr.models.post_upsampling.espcn import espcn
from keras_sr.models.post_upsampling.fsrcnn import fsrcnn

__all__ = ["edsr", "edsr_baseline", "espcn", "fsrcnn"]
