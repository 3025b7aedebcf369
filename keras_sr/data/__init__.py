"""Images in and out, resizing, benchmark sets. Degradations, augmentation and the
training pipelines live in ``keras_sr.data.degradations``, ``.augment`` and ``.datasets``
(imported on demand: the pipelines need TensorFlow)."""

from keras_sr.data.benchmark_sets import data_root, resolve_dataset
from keras_sr.data.io import (ImageReadError, check_lossless, list_images, read_image,
                              write_image)
from keras_sr.data.resize import bicubic_degrade, imresize, modcrop

__all__ = ["imresize", "modcrop", "bicubic_degrade", "read_image", "write_image",
           "list_images", "check_lossless", "ImageReadError", "resolve_dataset", "data_root"]
