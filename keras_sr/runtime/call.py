"""``run_batch`` / ``as_callable``: one way to call a model on a float batch.

Shared by inference (whole-image and tiled upscaling) and export (scale probing,
verification): a ``keras.Model``, a ``.tflite`` path, a :class:`TFLiteModel` or any
callable on ``(1, h, w, c)`` float32 batches all become numpy in, numpy out.
"""

from pathlib import Path

import keras
import numpy as np

from keras_sr.runtime.tflite import TFLiteModel


def as_callable(model, num_threads=None):
    """A ``(1, h, w, c)`` float32 -> float32 callable for a model or a ``.tflite`` path.

    Args:
        model: ``keras.Model``, callable, or str / Path of a ``.tflite`` file.
        num_threads: int or None, interpreter threads for a ``.tflite`` path.

    Returns:
        ``model`` itself, or a :class:`TFLiteModel` for a path.
    """
    if isinstance(model, (str, Path)):
        return TFLiteModel(model, num_threads=num_threads)
    return model


def run_batch(model, batch):
    """Call ``model`` on one float32 batch (inference mode) and return a numpy array.

    Args:
        model: ``keras.Model`` (called with ``training=False``) or any callable.
        batch: array ``(n, h, w, c)`` float32 in [0, 1].

    Returns:
        ``np.ndarray`` float32, the model's output.

    Example:
        >>> import numpy as np
        >>> run_batch(lambda x: x * 2, np.ones((1, 2, 2, 1))).dtype
        dtype('float32')
    """
    batch = np.asarray(batch, dtype="float32")
    if isinstance(model, keras.Model):
        out = model(batch, training=False)
    else:
        out = model(batch)
    return np.asarray(keras.ops.convert_to_numpy(out), dtype="float32")
