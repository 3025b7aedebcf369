"""``reparameterize``: fold every ``RepConv3x3`` of a model into one plain ``Conv2D``."""

import keras

from keras_sr.models.mobile.rep_conv import RepConv3x3
from keras_sr.models.sr_model import SRModel


def rep_layers(model):
    """The ``RepConv3x3`` layers of ``model`` (empty for a folded or plain model)."""
    return [layer for layer in model.layers if isinstance(layer, RepConv3x3)]


def reparameterize(model):
    """A copy of a functional model with each ``RepConv3x3`` folded into a ``Conv2D``.

    Each multi-branch layer becomes ``keras.layers.Conv2D(filters, 3, padding="same",
    activation=...)`` with the same name and the merged kernel and bias
    (:meth:`RepConv3x3.merged_weights`); every other layer is copied with its weights.
    The outputs are those of ``model`` up to float rounding (~1e-6 on [0, 1] images).

    Args:
        model: a functional ``keras.Model`` (e.g. ``plainsr_large``); a model without
            ``RepConv3x3`` layers is copied unchanged.

    Returns:
        ``SRModel`` with the same ``name``, ``scale`` and ``channels`` (a plain
        ``keras.Model`` input gives an ``SRModel`` with ``scale`` None).

    Example:
        >>> from keras_sr import models
        >>> model = models.get("plainsr_small", scale=2, channels=1)
        >>> folded = reparameterize(model)
        >>> (folded.name, folded.scale, len(rep_layers(folded)), folded.count_params())
        ('plainsr_small', 2, 0, 10020)
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"reparameterize expects a functional keras.Model; got "
                         f"{type(model)!r}")

    def clone(layer):
        if isinstance(layer, RepConv3x3):
            spec = layer.conv_equivalent()
            return keras.layers.Conv2D(spec["filters"], spec["kernel_size"], padding="same",
                                       activation=spec["activation"], name=layer.name,
                                       dtype=layer.dtype_policy)
        return layer.__class__.from_config(layer.get_config())

    try:
        copy = keras.models.clone_model(model, clone_function=clone)
    except (ValueError, TypeError) as error:
        raise ValueError(f"reparameterize expects a functional keras.Model; "
                         f"{model.name!r} could not be rebuilt: {error}") from None
    for layer in model.layers:
        target = copy.get_layer(layer.name)
        weights = (layer.merged_weights() if isinstance(layer, RepConv3x3)
                   else layer.get_weights())
        if weights:
            target.set_weights(weights)
    return SRModel(copy.inputs, copy.outputs, name=model.name,
                   scale=getattr(model, "scale", None),
                   channels=getattr(model, "channels", None))
