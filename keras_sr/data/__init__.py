"""Images in and out, degradations, augmentation and tf.data / numpy pipelines."""

from keras_sr.data.resize import bicubic_degrade, imresize, modcrop

__all__ = ["imresize", "modcrop", "bicubic_degrade"]
