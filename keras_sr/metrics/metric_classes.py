"""``keras.metrics.Metric`` wrappers of PSNR, SSIM, VIFp and IFC: means over every image seen.

Each batch contributes one value per image (not one per batch, and not only its first
image), so the result is the mean over the whole evaluation set however it is batched.
"""

import keras
from keras import ops

from keras_sr.metrics.ifc import ifc
from keras_sr.metrics.psnr import psnr
from keras_sr.metrics.ssim import ssim
from keras_sr.metrics.vif import vif_p


class _PerImageMean(keras.metrics.Metric):
    """Running mean of a per-image metric function (base class of ``PSNR`` and ``SSIM``)."""

    metric_fn = None

    def __init__(self, max_val=1.0, crop_border=0, y_channel=False, name=None, dtype=None,
                 **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.max_val = max_val
        self.crop_border = crop_border
        self.y_channel = y_channel
        self.total = self.add_variable(shape=(), initializer="zeros", name="total",
                                       dtype="float32")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count",
                                       dtype="float32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the values of every image of the batch.

        Args:
            y_true, y_pred: ``(batch, H, W, C)`` images in [0, max_val].
            sample_weight: optional ``(batch,)`` weight of each image.
        """
        values = ops.cast(type(self).metric_fn(y_true, y_pred, max_val=self.max_val,
                                               crop_border=self.crop_border,
                                               y_channel=self.y_channel), "float32")
        values = ops.reshape(values, (-1,))
        if sample_weight is None:
            weights = ops.ones_like(values)
        else:
            weights = ops.reshape(ops.cast(sample_weight, "float32"), (-1,))
            weights = ops.broadcast_to(weights, ops.shape(values))
        self.total.assign_add(ops.sum(values * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        config = super().get_config()
        config.update({"max_val": self.max_val, "crop_border": self.crop_border,
                       "y_channel": self.y_channel})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class PSNR(_PerImageMean):
    """Mean PSNR (dB) over all images seen, see ``keras_sr.metrics.psnr``.

    Args:
        max_val: peak value (1.0 for [0, 1] images).
        crop_border: pixels shaved from each border (the SR protocol uses the scale).
        y_channel: score the BT.601 Y channel of RGB images.
        name: metric name, default ``"psnr"``.
        dtype: dtype of the result.

    Example:
        >>> import numpy as np
        >>> metric = PSNR()  # in training: model.compile(..., metrics=[PSNR(crop_border=3)])
        >>> metric.update_state(np.zeros((1, 8, 8, 1)), np.full((1, 8, 8, 1), 0.1))
        >>> round(float(metric.result()), 3)  # MSE 0.01 -> 10 log10(1 / 0.01)
        20.0
    """

    metric_fn = staticmethod(psnr)

    def __init__(self, max_val=1.0, crop_border=0, y_channel=False, name="psnr", dtype=None,
                 **kwargs):
        super().__init__(max_val=max_val, crop_border=crop_border, y_channel=y_channel,
                         name=name, dtype=dtype, **kwargs)


@keras.saving.register_keras_serializable(package="keras_sr")
class SSIM(_PerImageMean):
    """Mean SSIM (Wang et al. 2004) over all images seen, see ``keras_sr.metrics.ssim``.

    Args:
        max_val: dynamic range (1.0 for [0, 1] images).
        crop_border: pixels shaved from each border.
        y_channel: score the BT.601 Y channel of RGB images.
        name: metric name, default ``"ssim"``.
        dtype: dtype of the result.
    """

    metric_fn = staticmethod(ssim)

    def __init__(self, max_val=1.0, crop_border=0, y_channel=False, name="ssim", dtype=None,
                 **kwargs):
        super().__init__(max_val=max_val, crop_border=crop_border, y_channel=y_channel,
                         name=name, dtype=dtype, **kwargs)


@keras.saving.register_keras_serializable(package="keras_sr")
class VIFp(_PerImageMean):
    """Mean pixel-domain VIF (Sheikh & Bovik 2006) over all images seen, see
    ``keras_sr.metrics.vif.vif_p``. Images need 41x41 pixels after ``crop_border``.

    Args:
        max_val: dynamic range (1.0 for [0, 1] images).
        crop_border: pixels shaved from each border.
        y_channel: score the BT.601 Y channel of RGB images.
        name: metric name, default ``"vif_p"``.
        dtype: dtype of the result.

    Example:
        >>> import numpy as np
        >>> metric = VIFp()
        >>> x = np.random.default_rng(0).random((2, 48, 48, 1)).astype("float32")
        >>> metric.update_state(x, x)
        >>> round(float(metric.result()), 4)
        1.0
    """

    metric_fn = staticmethod(vif_p)

    def __init__(self, max_val=1.0, crop_border=0, y_channel=False, name="vif_p", dtype=None,
                 **kwargs):
        super().__init__(max_val=max_val, crop_border=crop_border, y_channel=y_channel,
                         name=name, dtype=dtype, **kwargs)


@keras.saving.register_keras_serializable(package="keras_sr")
class IFC(_PerImageMean):
    """Mean information fidelity criterion (Sheikh, Bovik & de Veciana 2005) over all
    images seen, see ``keras_sr.metrics.ifc.ifc`` (needs ``pyrtools`` for the pyramid
    filters, and 72x72 pixels after ``crop_border``; slow: for evaluation, not training).

    Args:
        max_val: dynamic range (1.0 for [0, 1] images).
        crop_border: pixels shaved from each border.
        y_channel: score the BT.601 Y channel of RGB images.
        name: metric name, default ``"ifc"``.
        dtype: dtype of the result.
    """

    metric_fn = staticmethod(ifc)

    def __init__(self, max_val=1.0, crop_border=0, y_channel=False, name="ifc", dtype=None,
                 **kwargs):
        super().__init__(max_val=max_val, crop_border=crop_border, y_channel=y_channel,
                         name=name, dtype=dtype, **kwargs)


__all__ = ["PSNR", "SSIM", "VIFp", "IFC"]
