"""``calibrate``: set the activation ranges of a QAT model from sample LR batches."""

import numpy as np

from keras_sr.quantization.activation_quantizer import ActivationQuantizer


def _batches(data, batch_size):
    if isinstance(data, np.ndarray) or hasattr(data, "shape"):
        array = np.asarray(data, dtype="float32")
        if array.ndim != 4:
            raise ValueError(f"calibrate: `data` must be (N, h, w, c) batches; got shape "
                             f"{array.shape}")
        for start in range(0, len(array), batch_size):
            yield array[start:start + batch_size]
        return
    for batch in data:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        yield np.asarray(batch, dtype="float32")


def calibrate(qat_model, data, batch_size=8, method="minmax"):
    """Set the activation ranges from ``data`` (eager, no training).

    Args:
        qat_model: model from :func:`quantize_model`.
        data: LR images ``(N, h, w, c)`` float32 in [0, 1], or an iterable of batches
            (or of ``(lr, hr)`` pairs); ``method="mse"`` needs an array.
        batch_size: int, batch size when ``data`` is an array.
        method: ``"minmax"`` widens every range to the min / max seen (what the TFLite
            converter does for PTQ); ``"mse"`` then shrinks each range to the one with
            the least int8 error (:func:`keras_sr.quantization.range_search.search_ranges`).
            Keep ``"mse"`` ranges through fine-tuning with ``activation_range="learned"``
            (EMA tracking would move them back towards the batch min / max).

    Returns:
        The number of batches seen.
    """
    if method not in ("minmax", "mse"):
        raise ValueError(f"calibrate: `method` must be 'minmax' or 'mse'; got {method!r}")
    quantizers = [layer for layer in qat_model.layers
                  if isinstance(layer, ActivationQuantizer) and layer.mode != "fixed"]
    for layer in quantizers:
        layer.calibrating = True
    count = 0
    try:
        for batch in _batches(data, batch_size):
            qat_model(batch, training=False)
            count += 1
    finally:
        for layer in quantizers:
            layer.calibrating = False
    if count == 0:
        raise ValueError("calibrate: `data` yielded no batch")
    if method == "mse":
        from keras_sr.quantization.range_search import search_ranges

        search_ranges(qat_model, data, batch_size=batch_size)
    return count
