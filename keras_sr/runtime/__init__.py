"""Running models on float batches: LiteRT ``.tflite`` files and Keras models alike.

The floor below both ``keras_sr.inference`` and ``keras_sr.export``: ``TFLiteModel``
runs a ``.tflite`` file with ai-edge-litert like a Keras model; ``run_batch`` calls any
model on a batch, numpy in and out; ``as_callable`` opens a path as a ``TFLiteModel``.
"""

from keras_sr.runtime.call import as_callable, run_batch
from keras_sr.runtime.tflite import TFLiteModel

__all__ = ["TFLiteModel", "as_callable", "run_batch"]
