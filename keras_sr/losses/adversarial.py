"""Adversarial losses for generator and discriminator, from raw discriminator logits.

``real`` = D(hr) and ``fake`` = D(sr) are logits of any shape ``(batch, ...)`` (one per
image for the SRGAN discriminator, a map for PatchGAN). Each function returns one value
per image (the mean over its logits); the batch mean is the usual loss. ``softplus(x) =
log(1 + exp(x))``, so ``softplus(-x) = -log(sigmoid(x))``.

- ``"vanilla"``, non-saturating GAN (Goodfellow et al., 2014; SRGAN):
  D: ``softplus(-real) + softplus(fake)``; G: ``softplus(-fake)``.
- ``"lsgan"``, least squares (Mao et al., ICCV 2017, a=0, b=c=1):
  D: ``0.5 (real - 1)^2 + 0.5 fake^2``; G: ``0.5 (fake - 1)^2``.
- ``"hinge"`` (Lim & Ye 2017; Miyato et al. 2018):
  D: ``relu(1 - real) + relu(1 + fake)``; G: ``-fake``.
- ``"relativistic"``, relativistic average GAN (Jolicoeur-Martineau 2018; ESRGAN) with
  ``dr = real - mean(fake)`` and ``df = fake - mean(real)``, means over the batch:
  D: ``(softplus(-dr) + softplus(df)) / 2``; G: ``(softplus(dr) + softplus(-df)) / 2``.
  ESRGAN's paper writes the sum of the two expectations; its released code averages
  them, which is what the published weight 0.005 goes with.
"""

import keras
from keras import ops

from keras_sr.losses._base import as_float, check_choice, per_sample_mean

KINDS = ("vanilla", "lsgan", "hinge", "relativistic")
ROLES = ("generator", "discriminator")


def _logits(real, fake, owner, need_real):
    fake = as_float(fake)
    if real is None:
        if need_real:
            raise ValueError(f"{owner}: the relativistic loss needs `real_logits` (D(hr)) "
                             "as well as `fake_logits`")
        return None, fake
    real = ops.cast(as_float(real), fake.dtype)
    if need_real and tuple(real.shape) != tuple(fake.shape):
        raise ValueError(f"{owner}: `real_logits` and `fake_logits` must have the same shape; "
                         f"got {tuple(real.shape)} and {tuple(fake.shape)}")
    return real, fake


def generator_adversarial_loss(fake_logits, real_logits=None, kind="vanilla"):
    """Generator's adversarial loss per image.

    Args:
        fake_logits: float ``(batch, ...)``, D(sr).
        real_logits: float, same shape, D(hr); needed by ``"relativistic"`` only.
        kind: one of ``"vanilla"``, ``"lsgan"``, ``"hinge"``, ``"relativistic"``.

    Returns:
        Float ``(batch,)``.

    Example:
        >>> round(float(generator_adversarial_loss([[0.0]])[0]), 4)  # log 2
        0.6931
    """
    check_choice(kind, KINDS, "kind", "generator_adversarial_loss")
    real, fake = _logits(real_logits, fake_logits, "generator_adversarial_loss",
                         kind == "relativistic")
    if kind == "vanilla":
        values = ops.softplus(-fake)
    elif kind == "lsgan":
        values = 0.5 * ops.square(fake - 1.0)
    elif kind == "hinge":
        values = -fake
    else:
        real_rel = real - ops.mean(fake)
        fake_rel = fake - ops.mean(real)
        values = 0.5 * (ops.softplus(real_rel) + ops.softplus(-fake_rel))
    return per_sample_mean(values)


def discriminator_adversarial_loss(real_logits, fake_logits, kind="vanilla"):
    """Discriminator's adversarial loss per image.

    Args:
        real_logits: float ``(batch, ...)``, D(hr).
        fake_logits: float, same shape, D(sr).
        kind: one of ``"vanilla"``, ``"lsgan"``, ``"hinge"``, ``"relativistic"``.

    Returns:
        Float ``(batch,)``.
    """
    check_choice(kind, KINDS, "kind", "discriminator_adversarial_loss")
    if real_logits is None:
        raise ValueError("discriminator_adversarial_loss: `real_logits` is None")
    real, fake = _logits(real_logits, fake_logits, "discriminator_adversarial_loss", True)
    if kind == "vanilla":
        values = ops.softplus(-real) + ops.softplus(fake)
    elif kind == "lsgan":
        values = 0.5 * ops.square(real - 1.0) + 0.5 * ops.square(fake)
    elif kind == "hinge":
        values = ops.relu(1.0 - real) + ops.relu(1.0 + fake)
    else:
        real_rel = real - ops.mean(fake)
        fake_rel = fake - ops.mean(real)
        values = 0.5 * (ops.softplus(-real_rel) + ops.softplus(fake_rel))
    return per_sample_mean(values)


@keras.saving.register_keras_serializable(package="keras_sr")
class AdversarialLoss(keras.losses.Loss):
    """An adversarial loss as ``keras.losses.Loss``: call with ``(real_logits, fake_logits)``.

    Args:
        kind: ``"vanilla"``, ``"lsgan"``, ``"hinge"`` or ``"relativistic"``.
        role: ``"generator"`` (default) or ``"discriminator"``.

    In a ``CompositeLoss`` the generator term is computed by
    ``keras_sr.training.GANTrainer``, which owns the discriminator.
    """

    def __init__(self, kind="vanilla", role="generator", reduction="sum_over_batch_size",
                 name="gan", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.kind = check_choice(kind, KINDS, "kind", "AdversarialLoss")
        self.role = check_choice(role, ROLES, "role", "AdversarialLoss")

    def call(self, y_true, y_pred):
        if self.role == "generator":
            return generator_adversarial_loss(y_pred, y_true, kind=self.kind)
        return discriminator_adversarial_loss(y_true, y_pred, kind=self.kind)

    def generator(self, real_logits, fake_logits):
        """Generator loss per image (``(batch,)``)."""
        return generator_adversarial_loss(fake_logits, real_logits, kind=self.kind)

    def discriminator(self, real_logits, fake_logits):
        """Discriminator loss per image (``(batch,)``)."""
        return discriminator_adversarial_loss(real_logits, fake_logits, kind=self.kind)

    def get_config(self):
        config = super().get_config()
        config.update({"kind": self.kind, "role": self.role})
        return config
