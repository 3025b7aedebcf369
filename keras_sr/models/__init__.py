"""SR models by upsampling strategy, looked up by name in a plain dict.

>>> from keras_sr import models
>>> model = models.get("espcn", scale=3, channels=1)
>>> model.count_params()
22729
"""

import functools
import inspect

from keras_sr.models.complexity import count_macs, macs_per_pixel, receptive_field
from keras_sr.models.discriminators import patch_discriminator, srgan_discriminator
from keras_sr.models.iterative import dbpn, dbpn_small, hourglass
from keras_sr.models.post_upsampling import edsr, edsr_baseline, espcn, fsrcnn
from keras_sr.models.pre_upsampling import srcnn, srcnn_955, vdsr
from keras_sr.models.pretrained import (WEIGHTS_DIR, available_weights, find_weights,
                                        load_weights)
from keras_sr.models.progressive import lapsrn, lapsrn_inference

# name -> builder. Generators: (scale, channels, ...) -> Model("lr" -> "sr").
MODELS = {
    "srcnn": srcnn,
    "srcnn_955": srcnn_955,
    "vdsr": vdsr,
    "fsrcnn": fsrcnn,
    "espcn": espcn,
    "edsr_baseline": edsr_baseline,
    "edsr": edsr,
    "lapsrn": lapsrn,
    "dbpn": dbpn,
    "dbpn_small": dbpn_small,
    "hourglass": hourglass,
    "srgan_discriminator": srgan_discriminator,
    "patch_discriminator": patch_discriminator,
}

STRATEGIES = {
    "srcnn": "pre-upsampling",
    "srcnn_955": "pre-upsampling",
    "vdsr": "pre-upsampling",
    "fsrcnn": "post-upsampling",
    "espcn": "post-upsampling",
    "edsr_baseline": "post-upsampling",
    "edsr": "post-upsampling",
    "lapsrn": "progressive",
    "dbpn": "iterative up-and-down",
    "dbpn_small": "iterative up-and-down",
    "hourglass": "iterative up-and-down",
    "srgan_discriminator": "adversarial (discriminator)",
    "patch_discriminator": "adversarial (discriminator)",
}

DISCRIMINATORS = ("srgan_discriminator", "patch_discriminator")
GENERATORS = tuple(name for name in MODELS if name not in DISCRIMINATORS)


def _builder(name):
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; valid names: {', '.join(MODELS)}")
    return MODELS[name]


def _default(builder, argument):
    parameter = inspect.signature(builder).parameters.get(argument)
    return None if parameter is None else parameter.default


def get(name, scale=None, channels=None, weights=None, **kwargs):
    """Build the model ``name``, optionally with weights.

    Args:
        name: a key of ``MODELS``.
        scale: int upsampling factor (None: the builder's default). Discriminators take
            no scale; it then only picks the pretrained file.
        channels: 1 (Y) or 3 (RGB); None: the builder's default.
        weights: None (random init), ``"pretrained"`` (loads
            ``keras_sr/weights/<name>_x<scale>_c<channels>.weights.h5``, else
            ``<name>_x<scale>.weights.h5``) or a path to a weights file.
        **kwargs: further builder arguments (``filters``, ``num_blocks``, ...).

    Returns:
        ``keras.Model``.

    Raises:
        ValueError: unknown ``name`` (the message lists the valid names), unsupported
            ``scale`` or ``channels``, or ``weights="pretrained"`` with builder arguments
            that differ from the defaults the shipped weights were trained with (their
            shapes may still match, so loading would silently give a different model).
        FileNotFoundError: ``weights`` names a missing file.
    """
    builder = _builder(name)
    if weights == "pretrained":
        changed = sorted(k for k, v in kwargs.items()
                         if k not in ("scale", "channels") and v != _default(builder, k))
        if changed:
            raise ValueError(
                f"models.get({name!r}, weights='pretrained'): the shipped weights were "
                f"trained with the default architecture; these arguments change it: "
                + ", ".join(f"{k}={kwargs[k]!r} (default {_default(builder, k)!r})"
                            for k in changed)
                + ". Drop them, or pass weights=PATH to weights trained with them.")
    if scale is not None and name not in DISCRIMINATORS:
        kwargs["scale"] = scale
    if channels is not None:
        kwargs["channels"] = channels
    model = builder(**kwargs)
    if weights is not None:
        scale = scale if scale is not None else _default(builder, "scale")
        channels = channels if channels is not None else _default(builder, "channels")
        load_weights(model, name, scale, channels, weights)
    return model


@functools.lru_cache(maxsize=None)
def _row(name, scale, channels):
    builder = _builder(name)
    if name in DISCRIMINATORS:
        model = builder(channels=channels)
        per = "input"
    else:
        supported = inspect.getmodule(builder).SCALES
        scale = scale if scale in supported else max(s for s in supported if s <= scale)
        model = builder(scale=scale, channels=channels)
        per = "output"
    return {
        "name": name,
        "strategy": STRATEGIES[name],
        "scale": None if name in DISCRIMINATORS else scale,
        "channels": channels,
        "params": int(model.count_params()),
        "macs_per_pixel": float(macs_per_pixel(model, per=per)),
        "per": per,
    }


def available(scale=4, channels=3, names=None):
    """A table of the models: one dict per model.

    Args:
        scale: int, the scale the generators are built at (a model without it uses its
            largest scale below).
        channels: 1 or 3.
        names: optional iterable of model names (default: all).

    Returns:
        list of dicts with keys ``name``, ``strategy``, ``scale``, ``channels``,
        ``params``, ``macs_per_pixel`` (multiply-accumulates per output pixel for
        generators, per input pixel for discriminators) and ``per``
        (``"output"``/``"input"``).
    """
    names = list(MODELS) if names is None else list(names)
    return [dict(_row(name, scale, channels)) for name in names]


__all__ = [
    "DISCRIMINATORS", "GENERATORS", "MODELS", "STRATEGIES", "WEIGHTS_DIR", "available",
    "available_weights", "count_macs", "dbpn", "dbpn_small", "edsr", "edsr_baseline",
    "espcn", "find_weights", "fsrcnn", "get", "hourglass", "lapsrn", "lapsrn_inference",
    "load_weights", "macs_per_pixel", "patch_discriminator", "receptive_field", "srcnn",
    "srcnn_955",
    "srgan_discriminator", "vdsr",
]
