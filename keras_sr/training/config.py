"""Training configuration: defaults, a YAML/dict loader and validation with clear errors.

A config is a plain dict (or a YAML file holding one). Every key has a default except
``model``, ``scale`` and ``data.train``; unknown keys are errors, so a typo never passes
silently. See ``docs/training.md`` and ``configs/*.yaml`` for examples.
"""

import copy
from collections.abc import Mapping
from pathlib import Path

from keras_sr.training import schedules

DEFAULTS = {
    "model": None,              # name for keras_sr.models.get
    "model_args": {},           # extra builder arguments (filters, num_blocks, ...)
    "scale": None,
    "channels": 3,              # 3: RGB, 1: Y of YCbCr
    "weights": None,            # None, "pretrained", a .weights.h5 path, or
                                # {file: PATH, transfer: true} (same model, other scale)
    "initializers": {},         # {layer glob: {kernel|bias|...: initializer}}
    "trainable": None,          # None: all layers; [layer globs]: train only these
    "layer_lr": {},             # {layer glob: learning-rate multiplier}
    "data": {
        "train": None,          # HR folder(s); names (T91, BSD200...) resolve in the data root
        "train_lr": None,       # LR folder(s) for paired (real-world) training
        "val": None,            # validation folder or set name (Set5...), None = no validation
        "val_limit": None,      # score only the first N validation images
        "patch_size": 24,       # LR patch side
        "batch_size": 16,
        "degradation": "bicubic",
        "degradation_options": {},
        "augment": True,        # True (8 symmetries) | rotate | flip | false
        "stride": None,         # None: random patches; int: every patch on that LR grid
        "scale_augment": None,  # HR downscale factors before cutting, e.g. [1.0, 0.9, 0.8]
        "skip_bad": False,      # train on the other files when some cannot be read
        "degrade_on": "pipeline",   # "pipeline": LR made by the input pipeline (host);
                                    # "device": HR crops in, LR made in the training step
    },
    "loss": "l1",               # name, or {name: weight} / {name: {weight:, ...}}
    "curriculum": None,         # multi-level models (lapsrn, model_args.pyramid: true):
                                # {switch_step:, decay_steps:, final_weight:, decay:}
                                # (keras_sr.training.curriculum); None: all levels weigh 1
    "optimizer": {"name": "adam", "learning_rate": 1e-3},
    "schedule": {"name": "constant"},
    "epochs": 10,
    "steps_per_epoch": 100,
    "steps_per_execution": 1,   # optimizer steps per compiled call: small models on CPU
                                # spend most of a step in per-call overhead; callbacks
                                # then see every N-th batch (divides steps_per_epoch)
    "mixed_precision": None,    # None, "mixed_float16" or "mixed_bfloat16"
    "distribution": None,       # None, "data_parallel" or "multi_worker" (TF, TF_CONFIG)
    "backend": None,            # informational: `keras-sr train --backend` sets KERAS_BACKEND
    "seed": 0,
    "output_dir": "runs/train",
    "callbacks": {
        "validate_every": 1,    # epochs between validation PSNR/SSIM
        "images_every": 1,      # epochs between LR/bicubic/SR/HR PNG grids (0: never)
        "tensorboard": True,
        "plot": True,           # learning-curve PNG at the end
        "verbose": "auto",      # Keras progress bar (with ETA)
        "divergence": {         # stop when training diverges without a NaN
            "factor": 100.0,    # a batch loss this many times its running level (null: off)
            "warmup_batches": 20,   # batches before the loss test
            "warmup_epochs": 5,     # epochs before the "validation PSNR below bicubic" test
        },
    },
}

FREE_MAPPINGS = ("model_args", "degradation_options", "initializers", "layer_lr")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = schedules.NAMES
MIXED_PRECISION = (None, "mixed_float16", "mixed_bfloat16")
DISTRIBUTIONS = (None, "data_parallel", "multi_worker")
DEGRADE_ON = ("pipeline", "device")


class ConfigError(ValueError):
    """A training configuration is invalid (the message names the key and the value)."""


def _merge(defaults, given, where):
    out = copy.deepcopy(defaults)
    for key, value in given.items():
        if key not in defaults:
            raise ConfigError(f"unknown config key {where}{key!r}; valid keys: "
                              f"{', '.join(sorted(defaults))}")
        if isinstance(defaults[key], dict) and key not in FREE_MAPPINGS:
            if key in ("optimizer", "schedule"):
                out[key] = dict(value) if isinstance(value, dict) else {"name": value}
                continue
            if not isinstance(value, dict):
                raise ConfigError(f"config key {where}{key!r} must be a mapping; got {value!r}")
            out[key] = _merge(defaults[key], value, f"{where}{key}.")
        else:
            out[key] = value
    return out


def load_mapping(source):
    """The config mapping as given (no defaults, no validation) from a file or a dict.

    Args:
        source: path of a ``.yaml``/``.yml``/``.json`` file, or a dict.

    Returns:
        A new dict.

    Raises:
        ConfigError: the file does not hold a mapping.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"training config {str(path)!r} does not exist")
        import yaml

        given = yaml.safe_load(path.read_text()) or {}
    elif isinstance(source, Mapping):
        given = dict(source)
    else:
        given = source
    if not isinstance(given, dict):
        raise ConfigError(f"a training config must be a mapping; got {type(given).__name__}")
    return given


def read_config(source):
    """Load a config from a YAML/JSON file or a dict and fill in the defaults.

    Args:
        source: path of a ``.yaml``/``.yml``/``.json`` file, or a dict.

    Returns:
        The complete config dict (validated by ``validate_config``).

    Raises:
        ConfigError: unknown key, bad value, missing required key.
        FileNotFoundError: the file does not exist.
    """
    config = _merge(DEFAULTS, load_mapping(source), "")
    validate_config(config)
    return config


def _positive_int(config, key, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"config {key!r} must be a positive integer; got {value!r}")


def _check_learning_rate(rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
        raise ConfigError(f"config 'optimizer.learning_rate' must be a number > 0; got "
                          f"{rate!r}")


def _check_loss(loss):
    from keras_sr.losses import NAMES

    names = []
    if isinstance(loss, str):
        names = [loss]
    elif isinstance(loss, dict) and loss:
        for label, spec in loss.items():
            names.append(spec.get("loss", label) if isinstance(spec, dict) else label)
    else:
        raise ConfigError(f"config 'loss' must be a loss name or a {{name: weight}} mapping; "
                          f"got {loss!r}")
    for name in names:
        if name not in NAMES:
            raise ConfigError(f"config 'loss': unknown loss name {name!r}; expected one of "
                              f"{sorted(NAMES)}")


def validate_config(config):
    """Check a complete config (as returned by ``read_config``); raise ``ConfigError``.

    Checks types and ranges, names (model, loss, optimizer, schedule, degradation), that
    the model builds at ``scale``/``channels`` (an unsupported scale is reported with the
    model's own message). Folders are checked when the datasets are built.
    """
    from keras_sr.degradations import ORDERS
    from keras_sr.training.curriculum import check_curriculum

    if not config["model"] or not isinstance(config["model"], str):
        raise ConfigError(f"config 'model' must be a model name (e.g. 'espcn'); got "
                          f"{config['model']!r}")
    _positive_int(config, "scale", config["scale"])
    if config["channels"] not in (1, 3):
        raise ConfigError(f"config 'channels' must be 1 (Y) or 3 (RGB); got {config['channels']!r}")
    data = config["data"]
    if not data["train"]:
        raise ConfigError("config 'data.train' must name at least one HR folder (or set name)")
    for key in ("patch_size", "batch_size"):
        _positive_int(config, f"data.{key}", data[key])
    for key in ("epochs", "steps_per_epoch", "steps_per_execution"):
        _positive_int(config, key, config[key])
    if config["steps_per_epoch"] % config["steps_per_execution"]:
        raise ConfigError(f"config 'steps_per_execution' {config['steps_per_execution']} must "
                          f"divide 'steps_per_epoch' {config['steps_per_epoch']} (epochs end on "
                          "a compiled call's boundary)")
    if data["augment"] not in (True, False, "rotate", "flip"):
        raise ConfigError(f"config 'data.augment' must be true, false, 'rotate' or 'flip'; "
                          f"got {data['augment']!r}")
    if data["stride"] is not None:
        _positive_int(config, "data.stride", data["stride"])
    factors = data["scale_augment"]
    if factors is not None and (not isinstance(factors, list) or not factors or not all(
            not isinstance(f, bool) and isinstance(f, (int, float)) and 0 < f <= 1
            for f in factors)):
        raise ConfigError(f"config 'data.scale_augment' must be a list of factors in (0, 1] "
                          f"(e.g. [1.0, 0.9, 0.8]) or null; got {factors!r}")
    if factors is not None and data["train_lr"]:
        raise ConfigError("config 'data.scale_augment' needs HR-only data; it cannot be used "
                          "with paired LR images ('data.train_lr')")
    if not isinstance(data["skip_bad"], bool):
        raise ConfigError(f"config 'data.skip_bad' must be true or false; got "
                          f"{data['skip_bad']!r}")
    if data["degradation"] not in ORDERS:
        raise ConfigError(f"config 'data.degradation' must be one of {ORDERS}; got "
                          f"{data['degradation']!r}")
    if data["degrade_on"] not in DEGRADE_ON:
        raise ConfigError(f"config 'data.degrade_on' must be one of {DEGRADE_ON}; got "
                          f"{data['degrade_on']!r}")
    if data["degrade_on"] == "device" and data["train_lr"]:
        raise ConfigError("config 'data.degrade_on: device' makes the LR from HR crops on the "
                          "accelerator; it cannot be used with paired LR images "
                          f"('data.train_lr' is {data['train_lr']!r}): set degrade_on: "
                          "pipeline or drop data.train_lr")
    _check_loss(config["loss"])
    try:
        config["curriculum"] = check_curriculum(config["curriculum"])
    except ValueError as error:
        raise ConfigError(str(error)) from error
    name = config["optimizer"].get("name")
    if name not in OPTIMIZERS:
        raise ConfigError(f"config 'optimizer.name' must be one of {OPTIMIZERS}; got {name!r}")
    name = config["schedule"].get("name")
    if name not in SCHEDULES:
        raise ConfigError(f"config 'schedule.name' must be one of {SCHEDULES}; got {name!r}")
    if config["mixed_precision"] not in MIXED_PRECISION:
        raise ConfigError(f"config 'mixed_precision' must be one of {MIXED_PRECISION}; got "
                          f"{config['mixed_precision']!r}")
    if config["distribution"] not in DISTRIBUTIONS:
        raise ConfigError(f"config 'distribution' must be one of {DISTRIBUTIONS}; got "
                          f"{config['distribution']!r}")
    divergence = config["callbacks"]["divergence"]
    factor = divergence["factor"]
    if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, float))
                               or factor <= 1):
        raise ConfigError(f"config 'callbacks.divergence.factor' must be a number > 1 or null "
                          f"(off); got {factor!r}")
    for key in ("warmup_batches", "warmup_epochs"):
        value = divergence[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"config 'callbacks.divergence.{key}' must be an int >= 0; got "
                              f"{value!r}")
    rate = config["optimizer"].get("learning_rate", 1e-3)
    if isinstance(rate, str):   # YAML 1.1 reads 1e-3 (no dot) as a string
        try:
            config["optimizer"]["learning_rate"] = rate = float(rate)
        except ValueError:
            pass
    _check_learning_rate(rate)
    every = config["callbacks"]["validate_every"]
    if isinstance(every, bool) or not isinstance(every, int) or every < 0:
        raise ConfigError(f"config 'callbacks.validate_every' must be an int >= 0; got {every!r}")
    _check_model(config)


def _check_model(config):
    """The model builds, and the per-layer options name its layers."""
    from keras_sr import models
    from keras_sr.training import layer_options
    from keras_sr.training.curriculum import pyramid_levels

    try:
        model = models.get(config["model"], scale=config["scale"],
                           channels=config["channels"], **config["model_args"])
    except (ValueError, TypeError) as error:
        raise ConfigError(f"config 'model' {config['model']!r} at scale {config['scale']} and "
                          f"channels {config['channels']}: {error}") from error
    try:
        levels = pyramid_levels(model)
    except ValueError as error:
        raise ConfigError(f"config 'model': {error}") from error
    if config["curriculum"] and len(levels) < 2:
        raise ConfigError(f"config 'curriculum' trains a multi-level model level by level; "
                          f"model {config['model']!r} with model_args {config['model_args']} "
                          "has one output (LapSRN: set model_args.pyramid: true, scale 4 or 8)")
    if levels and config["data"]["degrade_on"] == "device":
        raise ConfigError("config 'data.degrade_on: device' cannot train a multi-level model "
                          f"(outputs {['sr_x%d' % k for k in levels]}): use degrade_on: pipeline")
    if levels and config["distribution"] == "multi_worker":
        raise ConfigError("config 'distribution: multi_worker' cannot train a multi-level "
                          f"model (outputs {['sr_x%d' % k for k in levels]}): use "
                          "data_parallel or one device")
    for key in ("initializers", "layer_lr"):
        if not isinstance(config[key], dict):
            raise ConfigError(f"config {key!r} must be a mapping of layer globs; got "
                              f"{config[key]!r}")
    trainable = config["trainable"]
    if trainable is not None and (not isinstance(trainable, list) or not trainable
                                  or not all(isinstance(g, str) for g in trainable)):
        raise ConfigError(f"config 'trainable' must be a non-empty list of layer globs (or "
                          f"null: all layers); got {trainable!r}")
    try:
        layer_options.initialize_layers(model, config["initializers"], config["seed"])
        layer_options.rate_multipliers(model, config["layer_lr"])
        if trainable:
            layer_options.set_trainable(model, trainable)
    except ValueError as error:
        raise ConfigError(str(error)) from error
    weights = config["weights"]
    if not (weights is None or isinstance(weights, str)
            or (isinstance(weights, dict) and "file" in weights
                and not set(weights) - {"file", "transfer"})):
        raise ConfigError("config 'weights' must be null, 'pretrained', a .weights.h5 path "
                          f"or {{file: PATH, transfer: true}}; got {weights!r}")


__all__ = ["FREE_MAPPINGS", "DEFAULTS", "ConfigError", "read_config", "load_mapping", "validate_config",
           "OPTIMIZERS", "SCHEDULES", "DISTRIBUTIONS", "DEGRADE_ON"]
