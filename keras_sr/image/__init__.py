"""The ground floor: MATLAB-exact resizing, BT.601 colour conversions and image I/O.

Everything above (degradations, metrics, layers, data, inference) builds on these;
this subpackage imports nothing else from keras_sr.
"""

from keras_sr.image.color import rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb
from keras_sr.image.io import (ImageReadError, check_lossless, list_images, read_image,
                               write_image)
from keras_sr.image.resize import METHODS, bicubic_degrade, imresize, modcrop

__all__ = ["imresize", "modcrop", "bicubic_degrade", "METHODS", "rgb_to_y", "rgb_to_ycbcr",
           "ycbcr_to_rgb", "read_image", "write_image", "list_images", "check_lossless",
           "ImageReadError"]
