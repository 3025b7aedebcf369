"""``SRModel``: a functional Keras model that knows its scale and channel count.

Every builder in ``keras_sr.models`` returns one. ``scale`` and ``channels`` are part of
the model's config, so a ``.keras`` file keeps them and ``load`` (safe mode on) gives
them back; the registry name of the model is its ``name``.
"""

from pathlib import Path

import keras


def _check_identity(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"SRModel: `{name}` must be an int >= 1 or None; got {value!r}")
    return int(value)


@keras.saving.register_keras_serializable(package="keras_sr")
class SRModel(keras.Model):
    """A functional model carrying its identity: ``name``, ``scale`` and ``channels``.

    Built like a functional model, ``SRModel(inputs, outputs, scale=..., channels=...,
    name=...)``. ``get_config`` adds ``scale`` and ``channels`` to the functional config;
    Keras revives the graph from it and passes them back to the constructor, so they
    survive ``model.save(...)`` and ``keras.saving.load_model(..., safe_mode=True)``.

    Args:
        *args, **kwargs: the functional model's ``inputs``, ``outputs``, ``name``.
        scale: int >= 1, the upscaling factor (output size / input size of ``lr``), or
            None for a model without one (a discriminator). Note that
            ``keras.models.clone_model`` gives a clone without it (Keras passes only
            inputs, outputs and name to the constructor).
        channels: int >= 1, image channels of the input (1: Y, 3: RGB); None: the last
            dimension of the first input.

    Example:

    >>> import keras
    >>> lr = keras.Input((None, None, 1), name="lr")
    >>> sr = keras.layers.UpSampling2D(2, name="sr")(lr)
    >>> model = SRModel(lr, sr, scale=2, channels=1, name="nearest")
    >>> (model.name, model.scale, model.channels)
    ('nearest', 2, 1)
    """

    def __init__(self, *args, scale=None, channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if channels is None and self.inputs:
            channels = self.inputs[0].shape[-1]
        self.scale = _check_identity("scale", scale)
        self.channels = _check_identity("channels", channels)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, channels=self.channels)
        return config


def identity(model):
    """``{"model": name, "scale": ..., "channels": ...}`` of a model (None where unknown).

    Args:
        model: a ``keras.Model``; an ``SRModel`` knows all three, another model only its
            name and its input's last dimension.

    Returns:
        dict with keys ``model``, ``scale`` and ``channels``.
    """
    channels = getattr(model, "channels", None)
    if channels is None and model.inputs:
        channels = model.inputs[0].shape[-1]
    return {"model": model.name, "scale": getattr(model, "scale", None),
            "channels": channels}


def load(path):
    """Load a ``.keras`` model file with safe mode on.

    Args:
        path: str or Path of a ``.keras`` file written by ``model.save`` (the custom
            layers and ``SRModel`` of keras_sr are registered on import).

    Returns:
        The ``keras.Model``; an ``SRModel`` for files saved from a keras_sr model, with
        ``name``, ``scale`` and ``channels`` as saved.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the path is not a ``.keras`` file (for ``.weights.h5`` files use
            ``keras_sr.models.get(name, weights=path)``).
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"models.load: expected a .keras file; got {str(path)!r} (load "
                         f"weights files with keras_sr.models.get(name, weights=path))")
    if not path.is_file():
        raise FileNotFoundError(f"models.load: no such file: {str(path)!r}")
    return keras.saving.load_model(path, safe_mode=True)
