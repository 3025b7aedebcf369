"""Benchmark sets and the data root. Degradations, augmentation and the training
pipelines live in ``keras_sr.data.degradations``, ``.augment`` and ``.datasets``
(imported on demand: the pipelines need TensorFlow). Image reading, writing and
resizing live in ``keras_sr.image``."""

from keras_sr.data.benchmark_sets import data_root, resolve_dataset

__all__ = ["resolve_dataset", "data_root"]
