"""Total variation: a smoothness prior on the SR image alone (Rudin, Osher, Fatemi 1992).

With ``dx = x[:, :, 1:] - x[:, :, :-1]`` and ``dy = x[:, 1:, :] - x[:, :-1, :]``:

- ``"anisotropic"`` (L1): ``sum |dx| + sum |dy|``.
- ``"isotropic"`` (L2 norm of the gradient): ``sum sqrt(dx^2 + dy^2)`` over the
  ``(H-1) x (W-1)`` positions where both differences exist (its gradient is taken as
  0 where the image is flat, so a constant image gives exactly 0 and no NaN).
- ``"squared"``: ``sum dx^2 + sum dy^2`` (the smooth form used as a regulariser in
  SRGAN-era code).

``average=True`` (default) divides each sum by its number of terms, so a linear ramp
``x = a*j + b*i`` gives ``|a| + |b|``, ``sqrt(a^2 + b^2)`` and ``a^2 + b^2`` whatever
the image size; ``average=False`` gives the plain sums (``tf.image.total_variation``
for the anisotropic form).
"""

import keras
from keras import ops

from keras_sr.losses._base import as_float, check_choice

FORMS = ("anisotropic", "isotropic", "squared")


def _safe_norm(squared):
    """sqrt with a zero (not NaN) gradient where its argument is 0."""
    positive = squared > 0
    return ops.where(positive, ops.sqrt(ops.where(positive, squared, 1.0)), 0.0)


def total_variation(images, form="anisotropic", average=True):
    """Total variation of each image.

    Args:
        images: float ``(batch, H, W, C)``, H and W >= 2.
        form: ``"anisotropic"``, ``"isotropic"`` or ``"squared"`` (see module doc).
        average: divide by the number of differences (True) or return sums (False).

    Returns:
        Float ``(batch,)``.

    Example:
        >>> ramp = keras.ops.reshape(keras.ops.arange(4.0), (1, 1, 4, 1)) * 0.1
        >>> round(float(total_variation(keras.ops.tile(ramp, (1, 2, 1, 1)))[0]), 6)
        0.1
    """
    check_choice(form, FORMS, "form", "total_variation")
    images = as_float(images)
    if len(images.shape) != 4:
        raise ValueError("total_variation: expected images of shape (batch, H, W, C); got "
                         f"{tuple(images.shape)}")
    dx = images[:, :, 1:, :] - images[:, :, :-1, :]
    dy = images[:, 1:, :, :] - images[:, :-1, :, :]
    reduce = ops.mean if average else ops.sum
    axes = (1, 2, 3)
    if form == "anisotropic":
        return reduce(ops.abs(dx), axis=axes) + reduce(ops.abs(dy), axis=axes)
    if form == "squared":
        return reduce(ops.square(dx), axis=axes) + reduce(ops.square(dy), axis=axes)
    squared = ops.square(dx[:, :-1, :, :]) + ops.square(dy[:, :, :-1, :])
    return reduce(_safe_norm(squared), axis=axes)


@keras.saving.register_keras_serializable(package="keras_sr")
class TotalVariationLoss(keras.losses.Loss):
    """``total_variation`` of ``y_pred`` as a loss (``y_true`` is ignored).

    Args:
        form: ``"anisotropic"``, ``"isotropic"`` or ``"squared"``.
        average: mean (True) or sum (False) of the differences.
    """

    def __init__(self, form="anisotropic", average=True, reduction="sum_over_batch_size",
                 name="tv", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.form = check_choice(form, FORMS, "form", "TotalVariationLoss")
        self.average = average

    def call(self, y_true, y_pred):
        del y_true
        return total_variation(y_pred, form=self.form, average=self.average)

    def get_config(self):
        config = super().get_config()
        config.update({"form": self.form, "average": self.average})
        return config
