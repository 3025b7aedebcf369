"""The fit driver: model, loss, optimizer, schedule and data from a config, then ``model.fit``.

``train(config)`` builds everything from a config (dict or YAML, see
``keras_sr.training.config``), resumes from ``<output_dir>/checkpoints`` when a previous
run was interrupted (weights, optimizer state, epoch, data position, RNG), and runs
``model.fit`` with the callbacks of ``keras_sr.training.callbacks``.

Backends: on TensorFlow the data come from the ``tf.data`` pipeline, elsewhere (JAX) from
``TrainingPyDataset``; both draw batch ``k`` from ``(seed, k)`` only.
"""

import json
from pathlib import Path

import keras

from keras_sr.training import callbacks as cb
from keras_sr.training.config import ConfigError, read_config

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- folders
def resolve_folder(spec, what="data.train"):
    """A data folder from a path or a set name (T91, BSD200, Set5...).

    Looks at the path itself, then ``$KERAS_SR_DATA/<name>`` (or ``~/.keras_sr/datasets``),
    then ``../shared/datasets/<name>`` next to the working directory and the checkout.

    Raises:
        FileNotFoundError: naming every place that was tried.
    """
    from keras_sr.data.benchmark_sets import data_root

    tried = [Path(spec).expanduser()]
    tried += [data_root() / str(spec), Path.cwd().parent / "shared" / "datasets" / str(spec),
              _PACKAGE_ROOT.parent / "shared" / "datasets" / str(spec)]
    for path in tried:
        if path.is_dir():
            return path
    raise FileNotFoundError(f"config {what!r}: folder or set {spec!r} not found; tried "
                            + ", ".join(str(p) for p in tried))


def _folders(spec, what):
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    return [resolve_folder(s, what) for s in specs]


# --------------------------------------------------------------------------- builders
def build_model(config):
    """``keras_sr.models.get`` with the config's name, scale, channels and weights."""
    from keras_sr import models

    weights = config["weights"]
    return models.get(config["model"], scale=config["scale"], channels=config["channels"],
                      weights=weights, **config["model_args"])


def build_loss(config):
    """A ``keras.losses.Loss`` from a name or a ``{name: weight}`` mapping."""
    from keras_sr import losses

    spec = config["loss"]
    if isinstance(spec, str):
        return losses.get(spec)
    return losses.CompositeLoss(spec)


def build_schedule(config):
    """Learning rate (float) or a ``keras.optimizers.schedules`` object.

    Schedules (``schedule.name``): ``constant``; ``step`` (multiply by ``gamma``, default
    0.5, every ``step_epochs`` epochs or at ``boundaries`` given in steps, as EDSR's
    halving every 200k steps); ``cosine`` (to ``alpha`` x the rate over the run, optional
    ``warmup_steps``); ``exponential`` (``decay_rate`` every ``decay_steps``).
    """
    schedules = keras.optimizers.schedules
    rate = float(config["optimizer"].get("learning_rate", 1e-3))
    spec = dict(config["schedule"])
    name = spec.pop("name")
    total = config["epochs"] * config["steps_per_epoch"]
    if name == "constant":
        return rate
    if name == "step":
        gamma = float(spec.get("gamma", 0.5))
        if "boundaries" in spec:
            boundaries = [int(b) for b in spec["boundaries"]]
        else:
            every = int(spec.get("step_epochs", max(1, config["epochs"] // 2)))
            step = every * config["steps_per_epoch"]
            boundaries = list(range(step, total, step)) or [total]
        values = [rate * gamma ** i for i in range(len(boundaries) + 1)]
        return schedules.PiecewiseConstantDecay(boundaries, values)
    if name == "cosine":
        warmup = int(spec.get("warmup_steps", 0))
        return schedules.CosineDecay(
            0.0 if warmup else rate, decay_steps=max(1, total - warmup),
            alpha=float(spec.get("alpha", 0.0)), warmup_target=rate if warmup else None,
            warmup_steps=warmup)
    return schedules.ExponentialDecay(rate, int(spec.get("decay_steps", total)),
                                      float(spec.get("decay_rate", 0.5)))


def build_optimizer(config):
    """Adam / AdamW / SGD / RMSprop with the schedule, from ``config['optimizer']``."""
    spec = dict(config["optimizer"])
    name = spec.pop("name")
    spec.pop("learning_rate", None)
    classes = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
               "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}
    try:
        return classes[name](learning_rate=build_schedule(config), **spec)
    except TypeError as error:
        raise ConfigError(f"config 'optimizer': bad arguments for {name!r}: {error}") from error


def build_train_data(config, start_step=0):
    """The training stream: ``tf.data`` on TensorFlow, ``TrainingPyDataset`` elsewhere."""
    from keras_sr.data import datasets

    data = config["data"]
    folders = _folders(data["train"], "data.train")
    common = dict(scale=config["scale"], patch_size=data["patch_size"],
                  batch_size=data["batch_size"], channels=config["channels"],
                  seed=config["seed"])
    if data["train_lr"]:
        lr_folders = _folders(data["train_lr"], "data.train_lr")
        return datasets.paired_dataset(lr_folders, folders, augment=data["augment"],
                                       start_step=start_step, **common)
    if keras.backend.backend() == "tensorflow":
        return datasets.training_dataset(
            folders, degradation=data["degradation"], augment=data["augment"],
            skip_small=data["skip_small"],
            degradation_options=data["degradation_options"], start_step=start_step, **common)
    dataset = datasets.TrainingPyDataset(
        folders, steps_per_epoch=config["steps_per_epoch"], degradation=data["degradation"],
        degradation_options=data["degradation_options"], augment=data["augment"],
        skip_small=data["skip_small"], **common)
    dataset.epoch = start_step // config["steps_per_epoch"]
    return dataset


def _distribution_scope(config):
    """``(context manager, replicas)`` for ``distribution: data_parallel`` (else one replica).

    JAX: ``keras.distribution.DataParallel`` over all local devices (set globally).
    TensorFlow: a ``tf.distribute.MirroredStrategy`` scope around model and optimizer.
    """
    import contextlib

    if config["distribution"] != "data_parallel":
        return contextlib.nullcontext(), 1
    backend = keras.backend.backend()
    if backend == "jax":
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        return contextlib.nullcontext(), len(devices)
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
        return strategy.scope(), strategy.num_replicas_in_sync
    raise ConfigError(f"config 'distribution: data_parallel' supports the jax and tensorflow "
                      f"backends; the backend is {backend!r}")


# --------------------------------------------------------------------------- driver
def _tensorboard_installed():
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def train(config, resume=True, log=print, extra_callbacks=()):
    """Train a model from a config; resume an interrupted run in the same output folder.

    Args:
        config: dict or path of a YAML/JSON config (``keras_sr.training.config``).
        resume: continue from ``<output_dir>/checkpoints`` when it holds a checkpoint.
        log: function receiving progress messages.
        extra_callbacks: more ``keras.callbacks.Callback`` objects.

    Returns:
        dict: ``model`` (the trained keras.Model, best weights loaded when validation
        ran), ``history`` (list of per-epoch dicts incl. resumed epochs), ``initial_epoch``,
        ``best`` (monitor value) and ``best_epoch``, ``stopped_on_nan`` (bool),
        ``output_dir`` and ``files`` (paths written).
    """
    config = read_config(config)
    out = Path(config["output_dir"])
    ckpt_dir = out / "checkpoints"
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(int(config["seed"]))
    if config["mixed_precision"]:
        keras.mixed_precision.set_dtype_policy(config["mixed_precision"])

    state = cb.read_state(ckpt_dir) if resume else None
    initial_epoch = int(state["epoch"]) if state else 0
    if state and state.get("config", {}).get("model") not in (None, config["model"]):
        raise ConfigError(f"{ckpt_dir} holds a checkpoint of model "
                          f"{state['config']['model']!r}, not {config['model']!r}; use "
                          "another output_dir or resume=False")

    scope, replicas = _distribution_scope(config)
    if config["data"]["batch_size"] % replicas:
        raise ConfigError(f"config 'data.batch_size' {config['data']['batch_size']} must be a "
                          f"multiple of the {replicas} devices of data_parallel")
    if replicas > 1:
        log(f"keras-sr: data parallel over {replicas} devices")
    with scope:
        model = build_model(config)
        model.compile(optimizer=build_optimizer(config), loss=build_loss(config))
        if state:
            cb.restore(model, ckpt_dir)
            log(f"keras-sr: resuming from epoch {initial_epoch} of {config['epochs']} "
                f"({ckpt_dir})")
    start_step = initial_epoch * config["steps_per_epoch"]
    train_data = build_train_data(config, start_step)

    callbacks = [cb.ReseedEachEpoch(config["seed"])]
    options = config["callbacks"]
    val_images = []
    if config["data"]["val"]:
        val_folder = resolve_folder(config["data"]["val"], "data.val")
        callbacks.append(cb.Validation(val_folder, config["scale"],
                                       every=options["validate_every"],
                                       limit=config["data"]["val_limit"]))
        if options["images_every"]:
            from keras_sr.data.datasets import validation_images

            val_images = validation_images(val_folder, config["scale"], limit=3)
    checkpoint = cb.Checkpoint(ckpt_dir, monitor="val_psnr" if config["data"]["val"] else "loss",
                               seed=config["seed"], extra_state={"config": config},
                               resume=bool(state))
    guard = cb.NaNGuard(ckpt_dir, log=log)
    callbacks += [checkpoint, guard]
    tensorboard_dir = out / "tensorboard" if options["tensorboard"] else None
    if tensorboard_dir is not None and not _tensorboard_installed():
        log("keras-sr: TensorBoard logging skipped: the `tensorboard` package is not "
            "installed (pip install tensorboard)")
        tensorboard_dir = None
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(str(tensorboard_dir), write_graph=False))
    if val_images:
        callbacks.append(cb.ImageGrid(val_images, config["scale"], out / "images",
                                      every=options["images_every"],
                                      tensorboard_dir=tensorboard_dir))
    callbacks += list(extra_callbacks)

    files = []
    if initial_epoch < config["epochs"]:
        model.fit(train_data, epochs=config["epochs"], steps_per_epoch=config["steps_per_epoch"],
                  initial_epoch=initial_epoch, callbacks=callbacks, verbose=options["verbose"],
                  shuffle=False)
    history = checkpoint.history
    if options["plot"] and history:
        files.append(cb.plot_learning_curves(history, out / "learning_curve.png"))
    final = cb.read_state(ckpt_dir)
    if final and (ckpt_dir / cb.BEST_WEIGHTS).is_file():
        model.load_weights(ckpt_dir / cb.BEST_WEIGHTS)
    summary = {"history": history, "initial_epoch": initial_epoch,
               "best": final.get("best") if final else None,
               "best_epoch": final.get("best_epoch") if final else None,
               "stopped_on_nan": guard.stopped, "replicas": replicas,
               "output_dir": str(out)}
    cb.atomic_write_text(out / "summary.json", json.dumps(summary, indent=1))
    files += [ckpt_dir / cb.LAST_WEIGHTS, ckpt_dir / cb.BEST_WEIGHTS, out / "summary.json"]
    for grid in callbacks:
        if isinstance(grid, cb.ImageGrid):
            files += grid.written
    summary.update(model=model, files=[str(f) for f in files if Path(f).exists()])
    return summary


__all__ = ["train", "build_model", "build_loss", "build_optimizer", "build_schedule",
           "build_train_data", "resolve_folder"]
