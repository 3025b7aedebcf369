"""Pixel losses: L1, L2 (MSE), Charbonnier and smooth L1, one value per image.

Each function maps ``(y_true, y_pred)`` of shape ``(batch, H, W, C)`` (any rank >= 2
works) to a ``(batch,)`` tensor, the mean over all non-batch axes; the classes wrap
them as ``keras.losses.Loss`` so the usual reductions apply over the batch.
"""

import keras
from keras import ops

from keras_sr.losses._base import pair, per_sample_mean


def l1_loss(y_true, y_pred):
    """Mean absolute error per image, ``mean(|y_pred - y_true|)``.

    Args:
        y_true: float ``(batch, ...)``, e.g. HR images in [0, 1].
        y_pred: float, same shape (SR images).

    Returns:
        Float ``(batch,)``.

    Example:
        >>> float(l1_loss([[0.0, 1.0]], [[0.5, 0.5]])[0])
        0.5
    """
    y_true, y_pred = pair(y_true, y_pred, "l1_loss")
    return per_sample_mean(ops.abs(y_pred - y_true))


def l2_loss(y_true, y_pred):
    """Mean squared error per image, ``mean((y_pred - y_true)^2)`` (SRCNN, VDSR, ESPCN).

    Args:
        y_true: float ``(batch, ...)``.
        y_pred: float, same shape.

    Returns:
        Float ``(batch,)``.
    """
    y_true, y_pred = pair(y_true, y_pred, "l2_loss")
    return per_sample_mean(ops.square(y_pred - y_true))


def charbonnier_loss(y_true, y_pred, epsilon=1e-3):
    """Charbonnier (differentiable L1) per image, ``mean(sqrt(d^2 + epsilon^2))``.

    LapSRN (Lai et al., CVPR 2017) uses ``epsilon = 1e-3``. For ``|d| >> epsilon`` it
    equals L1; at ``d = 0`` it is ``epsilon``.

    Args:
        y_true: float ``(batch, ...)``.
        y_pred: float, same shape.
        epsilon: positive float.

    Returns:
        Float ``(batch,)``.
    """
    if not float(epsilon) > 0:
        raise ValueError(f"charbonnier_loss: `epsilon` must be positive; got {epsilon!r}")
    y_true, y_pred = pair(y_true, y_pred, "charbonnier_loss")
    diff = y_pred - y_true
    return per_sample_mean(ops.sqrt(ops.square(diff) + float(epsilon) ** 2))


def smooth_l1_loss(y_true, y_pred, beta=1.0):
    """Smooth L1 per image: ``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``.

    This is Huber's loss divided by ``beta`` (``keras.losses.Huber(delta=beta) / beta``),
    so it tends to L1 as ``beta -> 0`` (Girshick, Fast R-CNN, ICCV 2015).

    Args:
        y_true: float ``(batch, ...)``.
        y_pred: float, same shape.
        beta: positive float, where the quadratic part ends.

    Returns:
        Float ``(batch,)``.
    """
    if not float(beta) > 0:
        raise ValueError(f"smooth_l1_loss: `beta` must be positive; got {beta!r}")
    y_true, y_pred = pair(y_true, y_pred, "smooth_l1_loss")
    beta = float(beta)
    diff = ops.abs(y_pred - y_true)
    return per_sample_mean(ops.where(diff < beta, 0.5 * ops.square(diff) / beta, diff - 0.5 * beta))


@keras.saving.register_keras_serializable(package="keras_sr")
class L1Loss(keras.losses.Loss):
    """``keras.losses.Loss`` of ``l1_loss`` (mean absolute error per image)."""

    def __init__(self, reduction="sum_over_batch_size", name="l1", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return l1_loss(y_true, y_pred)


@keras.saving.register_keras_serializable(package="keras_sr")
class L2Loss(keras.losses.Loss):
    """``keras.losses.Loss`` of ``l2_loss`` (mean squared error per image)."""

    def __init__(self, reduction="sum_over_batch_size", name="l2", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        return l2_loss(y_true, y_pred)


@keras.saving.register_keras_serializable(package="keras_sr")
class CharbonnierLoss(keras.losses.Loss):
    """``keras.losses.Loss`` of ``charbonnier_loss``.

    Args:
        epsilon: positive float (1e-3 in LapSRN).
    """

    def __init__(self, epsilon=1e-3, reduction="sum_over_batch_size", name="charbonnier",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not float(epsilon) > 0:
            raise ValueError(f"CharbonnierLoss: `epsilon` must be positive; got {epsilon!r}")
        self.epsilon = epsilon

    def call(self, y_true, y_pred):
        return charbonnier_loss(y_true, y_pred, epsilon=self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({"epsilon": self.epsilon})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class SmoothL1Loss(keras.losses.Loss):
    """``keras.losses.Loss`` of ``smooth_l1_loss``.

    Args:
        beta: positive float, where the quadratic part ends.
    """

    def __init__(self, beta=1.0, reduction="sum_over_batch_size", name="smooth_l1", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not float(beta) > 0:
            raise ValueError(f"SmoothL1Loss: `beta` must be positive; got {beta!r}")
        self.beta = beta

    def call(self, y_true, y_pred):
        return smooth_l1_loss(y_true, y_pred, beta=self.beta)

    def get_config(self):
        config = super().get_config()
        config.update({"beta": self.beta})
        return config
