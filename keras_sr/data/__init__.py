"""Training and evaluation data: image sets and the one data-root resolver (``sets``), the
one patch sampler (``patches``), augmentation (``augment``) and the ``tf.data`` /
``PyDataset`` pipelines (``datasets``, imported on demand). Degradations live in
``keras_sr.degradations``; image reading, writing and resizing in ``keras_sr.image``."""

from keras_sr.data.sets import data_root, data_roots, resolve_dataset

__all__ = ["resolve_dataset", "data_root", "data_roots"]
