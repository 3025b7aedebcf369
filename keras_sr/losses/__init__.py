"""Losses for super resolution: pixel, content (VGG), texture (Gram), total variation,
adversarial, and their weighted sum. ``get(name, **kwargs)`` builds one by name."""

from keras_sr.losses.adversarial import (AdversarialLoss, discriminator_adversarial_loss,
                                         generator_adversarial_loss)
from keras_sr.losses.composite import CompositeLoss, CompositeTermMetric, read_loss_config
from keras_sr.losses.content import (ContentLoss, imagenet_preprocess,
                                     vgg_feature_extractor)
from keras_sr.losses.pixel import (CharbonnierLoss, L1Loss, L2Loss, SmoothL1Loss,
                                   charbonnier_loss, l1_loss, l2_loss, smooth_l1_loss)
from keras_sr.losses.texture import TextureLoss, gram_matrix
from keras_sr.losses.total_variation import TotalVariationLoss, total_variation

NAMES = {
    "l1": L1Loss,
    "l2": L2Loss,
    "mse": L2Loss,
    "charbonnier": CharbonnierLoss,
    "smooth_l1": SmoothL1Loss,
    "content": ContentLoss,
    "vgg": ContentLoss,
    "texture": TextureLoss,
    "tv": TotalVariationLoss,
    "gan": AdversarialLoss,
}

# Published loss mixes, ready for CompositeLoss(...).
SRGAN_LOSS = {"content": {"weight": 1.0, "distance": "l2", "feature_scale": 1 / 12.75},
              "gan": {"weight": 1e-3, "kind": "vanilla"}}
ESRGAN_LOSS = {"l1": 0.01, "content": {"weight": 1.0, "distance": "l1"},
               "gan": {"weight": 0.005, "kind": "relativistic"}}


def get(name, **kwargs):
    """A loss by name: ``l1``, ``l2``/``mse``, ``charbonnier``, ``smooth_l1``,
    ``content``/``vgg``, ``texture``, ``tv``, ``gan``.

    Args:
        name: one of the names above.
        **kwargs: passed to the loss class (e.g. ``epsilon=1e-6``, ``layers=[...]``).

    Returns:
        A ``keras.losses.Loss``.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if name not in NAMES:
        raise ValueError(f"keras_sr.losses.get: unknown loss {name!r}; expected one of "
                         f"{sorted(NAMES)}")
    return NAMES[name](**kwargs)


__all__ = [
    "AdversarialLoss", "CharbonnierLoss", "CompositeLoss", "CompositeTermMetric", "ContentLoss",
    "ESRGAN_LOSS", "L1Loss", "L2Loss", "NAMES", "SRGAN_LOSS", "SmoothL1Loss", "TextureLoss",
    "TotalVariationLoss", "charbonnier_loss", "discriminator_adversarial_loss",
    "generator_adversarial_loss", "get", "gram_matrix", "imagenet_preprocess", "l1_loss",
    "l2_loss", "read_loss_config", "smooth_l1_loss", "total_variation",
    "vgg_feature_extractor",
]
