"""SR models by upsampling strategy, looked up by name in a plain dict.

>>> from keras_sr import models
>>> model = models.get("espcn", scale=3, channels=1)
>>> (model.name, model.scale, model.channels, model.count_params())
('espcn', 3, 1, 22729)
"""

import functools
import inspect
from pathlib import Path

from keras_sr.models.complexity import count_macs, macs_per_pixel, receptive_field
from keras_sr.models.discriminators import patch_discriminator, srgan_discriminator
from keras_sr.models.iterative import dbpn, dbpn_small, hourglass
from keras_sr.models.mobile import (plainsr_large, plainsr_medium, plainsr_small,
                                   plainsr_wide, rep_layers, reparameterize)
from keras_sr.models.post_upsampling import edsr, edsr_baseline, espcn, fsrcnn
from keras_sr.models.pre_upsampling import srcnn, srcnn_955, vdsr
from keras_sr.models.common import check_channels
from keras_sr.models.pretrained import (WEIGHTS_DIR, available_weights, check_weights,
                                        find_weights, load_weights, read_identity,
                                        shipped_weights)
from keras_sr.models.progressive import lapsrn, lapsrn_inference
from keras_sr.models.sr_model import SRModel, load

# name -> builder. Generators: (scale, channels, ...) -> SRModel("lr" -> "sr").
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
    "plainsr_small": plainsr_small,
    "plainsr_medium": plainsr_medium,
    "plainsr_large": plainsr_large,
    "plainsr_wide": plainsr_wide,
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
    "plainsr_small": "post-upsampling (re-parameterized)",
    "plainsr_medium": "post-upsampling (re-parameterized)",
    "plainsr_large": "post-upsampling (re-parameterized)",
    "plainsr_wide": "post-upsampling (re-parameterized)",
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
            no scale; it is ignored for them.
        channels: 1 (Y) or 3 (RGB); None: the builder's default.
        weights: None (random init), ``"pretrained"`` (loads
            ``keras_sr/weights/<name>_x<scale>_c<channels>.weights.h5``, else
            ``<name>_x<scale>.weights.h5``) or the path of a ``.weights.h5`` or
            ``.keras`` file. The file's sidecar ``X.json`` (or the ``.keras`` config)
            must name this model, scale and channel count; a file without a sidecar
            loads with a warning that it could not be checked. When a ``.weights.h5``
            sidecar records builder arguments (``model_args``, written by
            ``keras-sr train``), they are used; ``kwargs`` given here win over them.
        **kwargs: further builder arguments (``filters``, ``num_blocks``, ...).

    Returns:
        ``SRModel`` named ``name``, with ``scale`` (None for discriminators) and
        ``channels``.

    Raises:
        ValueError: unknown ``name`` (the message lists the valid names), unsupported
            ``scale`` or ``channels``, weights made for another model, scale or channel
            count (the message names the file, what it holds and what was asked), or
            ``weights="pretrained"`` with builder arguments that differ from the
            defaults the shipped weights were trained with (their shapes may still
            match, so loading would silently give a different model).
        FileNotFoundError: ``weights`` names a missing file.
    """
    builder = _builder(name)
    if isinstance(weights, (str, Path)) and weights != "pretrained" \
            and str(weights).endswith(".weights.h5") and Path(weights).is_file():
        recorded = (read_identity(weights) or {}).get("model_args", {})
        kwargs = {**recorded, **kwargs}
    if weights == "pretrained":
        changed = sorted(k for k, v in kwargs.items() if v != _default(builder, k))
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
    return load_weights(builder(**kwargs), weights)


def _check_table_scale(scale):
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"`scale` must be an int >= 1; got {scale!r}")
    return scale


@functools.lru_cache(maxsize=None)
def _row(name, scale, channels):
    builder = _builder(name)
    if name in DISCRIMINATORS:
        model = builder(channels=channels)
        per = "input"
    else:
        supported = inspect.getmodule(builder).SCALES
        below = [s for s in supported if s <= scale]
        if not below:
            raise ValueError(f"`scale` {scale}: {name} has no scale at or below it (it "
                             f"supports {', '.join(str(s) for s in supported)})")
        scale = scale if scale in supported else max(below)
        model = builder(scale=scale, channels=channels)
        per = "output"
    return {
        "name": name,
        "strategy": STRATEGIES[name],
        "scale": model.scale,
        "channels": model.channels,
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
        generators, per input pixel for discriminators), ``per``
        (``"output"``/``"input"``), ``shipped_weights`` (list of ``{"scale",
        "channels"}`` that have weights in ``keras_sr/weights``, loaded by
        ``get(name, scale=..., channels=..., weights="pretrained")``) and
        ``pretrained`` (whether the row's own scale and channels are among them).

    Raises:
        ValueError: a bad ``scale``, ``channels`` or name (the message names it).

    >>> row = available(scale=3, channels=1, names=["fsrcnn"])[0]
    >>> (row["scale"], row["channels"], row["params"], row["pretrained"])
    (3, 1, 12809, True)
    """
    scale = _check_table_scale(scale)
    check_channels("available", channels)
    names = list(MODELS) if names is None else list(names)
    shipped = shipped_weights()
    rows = []
    for name in names:
        row = dict(_row(name, scale, channels))
        row["shipped_weights"] = [{"scale": w["scale"], "channels": w["channels"]}
                                  for w in shipped if w["model"] == name]
        row["pretrained"] = {"scale": row["scale"], "channels": row["channels"]} in \
            row["shipped_weights"]
        rows.append(row)
    return rows


__all__ = [
    "DISCRIMINATORS", "GENERATORS", "MODELS", "STRATEGIES", "SRModel", "WEIGHTS_DIR",
    "available", "available_weights", "check_weights", "count_macs", "dbpn", "dbpn_small",
    "edsr", "edsr_baseline", "espcn", "find_weights", "fsrcnn", "get", "hourglass",
    "lapsrn", "lapsrn_inference", "load", "load_weights", "macs_per_pixel",
    "patch_discriminator", "plainsr_large", "plainsr_medium", "plainsr_small", "plainsr_wide",
    "read_identity", "receptive_field", "rep_layers", "reparameterize", "shipped_weights",
    "srcnn", "srcnn_955", "srgan_discriminator", "vdsr",
]
