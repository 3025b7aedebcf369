"""Benchmark sets and the data root. Augmentation and the training pipelines live in
``keras_sr.data.augment`` and ``.datasets`` (imported on demand: the pipelines need
TensorFlow). Degradations live in ``keras_sr.degradations``; image reading, writing and
resizing in ``keras_sr.image``."""

from keras_sr.data.sets import data_root, data_roots, resolve_dataset

__all__ = ["resolve_dataset", "data_root", "data_roots"]
