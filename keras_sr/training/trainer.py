"""The fit driver: model, loss, optimizer, schedule and data from a config, then ``model.fit``.

``train(config)`` builds everything from a config (dict or YAML, see
``keras_sr.training.config``), resumes from ``<output_dir>/checkpoints`` when a previous
run was interrupted (weights, optimizer state, epoch, data position, RNG), and runs
``model.fit`` with the callbacks of ``keras_sr.training.callbacks``.

Backends: on TensorFlow the data come from the ``tf.data`` pipeline, elsewhere (JAX) from
``TrainingPyDataset``; both draw batch ``k`` from ``(seed, k)`` only.

Where the LR is made (``config['data']['degrade_on']``): ``pipeline`` (default) in the
input stream, on the host; ``device``: the stream carries uint8 HR crops only and the
trainer fits ``keras_sr.training.device_degradation.DegradeThenUpscale`` (degradation
then the SR model, in the training step on the accelerator); callbacks, checkpoints and
the returned model are the plain SR model (LR -> SR) in both cases.

Distribution (``config['distribution']``): ``data_parallel`` (all local devices) or
``multi_worker`` (TensorFlow ``MultiWorkerMirroredStrategy`` over the cluster in
``TF_CONFIG``; only the chief writes the run's files, see ``train``); the plumbing is
``keras_sr.training.distribute``.
"""

import contextlib
import functools
import importlib.util
import json
from pathlib import Path

import keras

from keras_sr import losses, models
from keras_sr.data import datasets
from keras_sr.data.sets import resolve_dataset
from keras_sr.image.io import atomic_write_text, list_images
from keras_sr.training import callbacks as cb
from keras_sr.training import curriculum, device_degradation, distribute, layer_options
from keras_sr.training import schedules
from keras_sr.training.config import ConfigError, load_mapping, read_config


# --------------------------------------------------------------------------- folders
def _folders(spec, what):
    """Resolved folders of a config key, each checked to hold images.

    Raises:
        FileNotFoundError: a folder or set is not found (the key and the places tried).
        ConfigError: a folder holds no image file (the key and the folder are named).
    """
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    folders = [resolve_dataset(s, what=f"config {what!r}") for s in specs]
    for folder in folders:
        try:
            list_images(folder)
        except ValueError as error:
            raise ConfigError(f"config {what!r}: folder {str(folder)!r} is empty: {error}") \
                from error
    return folders


# --------------------------------------------------------------------------- builders
def build_model(config, log=None):
    """The config's model: built, ``initializers`` applied, ``weights`` loaded, and only
    the ``trainable`` layers left trainable (see ``keras_sr.training.layer_options``).

    Args:
        config: complete config (``read_config``).
        log: function receiving a line about the loaded weights (None: quiet).

    Raises:
        ConfigError: a bad per-layer option or ``weights`` value (the key is named).
        FileNotFoundError: a ``weights`` file is missing.
    """
    model = models.get(config["model"], scale=config["scale"], channels=config["channels"],
                       **config["model_args"])
    try:
        layer_options.initialize_layers(model, config["initializers"], config["seed"])
        loaded = layer_options.load_initial_weights(
            model, config["weights"], config["model"], config["scale"], config["channels"])
        if config["trainable"]:
            layer_options.set_trainable(model, config["trainable"])
    except ValueError as error:
        raise ConfigError(str(error)) from error
    if loaded and log is not None:
        log(f"keras-sr: initial weights: {loaded}")
    return model


def build_loss(config):
    """A ``keras.losses.Loss`` from a name or a ``{name: weight}`` mapping."""
    spec = config["loss"]
    if isinstance(spec, str):
        return losses.get(spec)
    return losses.CompositeLoss(spec)


def build_schedule(config):
    """Learning rate (float) or a ``keras.optimizers.schedules`` object for the config.

    ``schedule.name`` and its options go to ``keras_sr.training.schedules.schedule``
    (``step_epochs`` is given in epochs and becomes ``every_steps``), over the run's
    ``epochs * steps_per_epoch`` steps, peaking at ``optimizer.learning_rate``.

    Raises:
        ConfigError: a bad schedule option (the key is named).
    """
    spec = dict(config["schedule"])
    name = spec.pop("name")
    if "step_epochs" in spec:
        spec["every_steps"] = int(spec.pop("step_epochs")) * config["steps_per_epoch"]
    try:
        return schedules.schedule(name, config["optimizer"].get("learning_rate", 1e-3),
                                  config["epochs"] * config["steps_per_epoch"], **spec)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"config 'schedule': {error}") from error


def build_optimizer(config, model=None):
    """Adam / AdamW / SGD / RMSprop with the schedule, from ``config['optimizer']``.

    With ``model``, the config's ``layer_lr`` multipliers are applied to its variables
    (``layer_options.apply_rate_multipliers``).
    """
    spec = dict(config["optimizer"])
    name = spec.pop("name")
    spec.pop("learning_rate", None)
    classes = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
               "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}
    try:
        optimizer = classes[name](learning_rate=build_schedule(config), **spec)
    except TypeError as error:
        raise ConfigError(f"config 'optimizer': bad arguments for {name!r}: {error}") from error
    if model is not None and config["layer_lr"]:
        layer_options.apply_rate_multipliers(
            optimizer, layer_options.rate_multipliers(model, config["layer_lr"]))
    return optimizer


def build_train_data(config, start_step=0):
    """The training stream: ``tf.data`` on TensorFlow, ``TrainingPyDataset`` elsewhere.

    ``data.degrade_on: pipeline``: ``(lr, hr)`` float32 batches in [0, 1]. ``device``:
    ``{"hr": uint8 (batch, p*scale, p*scale, 3), "seeds": (batch, 2)}`` dicts
    (``device_degradation.hr_crop_dataset`` / ``HRCropPyDataset``) for
    ``build_training_model``'s wrapper. Batch ``k`` is global step ``start_step + k``.

    Raises:
        FileNotFoundError: a folder of ``data.train`` / ``data.train_lr`` is missing.
        ConfigError: an empty folder, unreadable images (all listed; ``data.skip_bad:
            true`` trains on the others) or another bad ``data`` setting.
    """
    try:
        return _build_train_data(config, start_step)
    except ConfigError:
        raise
    except ValueError as error:
        raise ConfigError(f"config 'data': {error}") from error


def _build_train_data(config, start_step):
    data = config["data"]
    folders = _folders(data["train"], "data.train")
    common = dict(scale=config["scale"], patch_size=data["patch_size"],
                  batch_size=data["batch_size"], channels=config["channels"],
                  seed=config["seed"], augment=data["augment"], stride=data["stride"],
                  skip_bad=data["skip_bad"])
    if not data["train_lr"]:
        common["scale_augment"] = data["scale_augment"]
    if data["train_lr"]:
        lr_folders = _folders(data["train_lr"], "data.train_lr")
        return datasets.paired_dataset(lr_folders, folders, start_step=start_step, **common)
    if data["degrade_on"] == "device":
        common.pop("channels")   # the crops are RGB; the wrapper makes Y on the device
        if keras.backend.backend() == "tensorflow":
            return device_degradation.hr_crop_dataset(folders, start_step=start_step, **common)
        dataset = device_degradation.HRCropPyDataset(
            folders, steps_per_epoch=config["steps_per_epoch"], **common)
        dataset.epoch = start_step // config["steps_per_epoch"]
        return dataset
    if keras.backend.backend() == "tensorflow":
        return datasets.training_dataset(
            folders, degradation=data["degradation"],
            degradation_options=data["degradation_options"], start_step=start_step, **common)
    dataset = datasets.TrainingPyDataset(
        folders, steps_per_epoch=config["steps_per_epoch"], degradation=data["degradation"],
        degradation_options=data["degradation_options"], **common)
    dataset.epoch = start_step // config["steps_per_epoch"]
    return dataset


def _checkpoint_identity(config):
    """What each checkpoint's sidecar says it holds: the model, scale, channels and the
    builder arguments (``model_args``) that shape it, so that ``models.get(name,
    weights=checkpoint)`` and ``keras-sr eval --weights checkpoint`` rebuild the same
    architecture. ``pyramid`` is left out: checkpoints hold the inference model.

    >>> _checkpoint_identity({"model": "lapsrn", "scale": 4, "channels": 1,
    ...                       "model_args": {"filters": 16, "pyramid": True}})
    {'model': 'lapsrn', 'scale': 4, 'channels': 1, 'model_args': {'filters': 16}}
    """
    identity = {key: config[key] for key in ("model", "scale", "channels")}
    args = {k: v for k, v in (config.get("model_args") or {}).items() if k != "pyramid"}
    if args:
        identity["model_args"] = args
    return identity


def build_training_model(config, model, compile=True, pyramid=None):
    """The model ``fit`` trains: ``model`` itself, its multi-level or device-degradation wrapper.

    Args:
        config: complete config (``read_config``).
        model: the compiled SR model (LR -> SR).
        compile: False: the wrapper comes uncompiled (``distribute.fit_under_multi_worker``
            compiles it in the strategy's scope).
        pyramid: None, or the multi-level model (``sr_x<k>`` dict outputs) whose top
            level ``model`` is (``curriculum.top_level_model``).

    Returns:
        With ``pyramid``: a compiled ``curriculum.LevelLosses`` (LR in, one output per
        level, the config's loss summed over the levels against the HR shrunk to each,
        weighted by the ``curriculum`` weights that ``curriculum.Curriculum`` sets); it
        shares ``model``'s variables and optimizer object. Else
        ``model`` when ``data.degrade_on`` is ``pipeline``; for ``device`` a compiled
        ``device_degradation.DegradeThenUpscale`` (uint8 HR crops + seeds in, SR out,
        loss against the float HR) around ``model``, from the config's degradation
        (``data.degradation``, ``data.degradation_options``, ``scale``, ``channels``,
        ``seed``). It shares ``model``'s variables and optimizer object (hence its
        iteration count and slots), so checkpoints of ``model`` hold the whole training
        state. Call it in the distribution scope, after restoring a checkpoint.
    """
    data = config["data"]
    if pyramid is not None:
        weights = curriculum.level_weights(0, len(curriculum.pyramid_levels(pyramid)),
                                           config["curriculum"])
        wrapper = curriculum.LevelLosses(pyramid, model, build_loss(config), weights)
        if compile:
            wrapper.compile(optimizer=model.optimizer,
                            steps_per_execution=config["steps_per_execution"])
        return wrapper
    if data["degrade_on"] != "device":
        return model
    wrapper = device_degradation.DegradeThenUpscale(model, config["scale"], data["degradation"],
                                 options=data["degradation_options"],
                                 channels=config["channels"], seed=config["seed"])
    if compile:
        wrapper.compile(optimizer=model.optimizer, loss=model.loss,
                        steps_per_execution=config["steps_per_execution"])
    return wrapper


# --------------------------------------------------------------------------- resume
# Keys whose change makes a checkpoint unusable (variables or optimizer slots differ).
_FIXED_ON_RESUME = ("model", "scale", "channels", "model_args", "trainable")


def _check_writable(folder):
    """Create ``folder`` and write a probe file there; ``ConfigError`` naming it if not."""
    folder = Path(folder)
    probe = folder / ".keras_sr_write_probe"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"output folder {str(folder)!r} is not writable ({reason}); choose "
                          "another with --output-dir (config 'output_dir')") from error


def _refuse_incompatible_resume(saved, config, ckpt_dir):
    """``ConfigError`` when the checkpoint was made with another model or optimizer."""
    changed = [key for key in _FIXED_ON_RESUME if key in saved and saved[key] != config[key]]
    saved_name = (saved.get("optimizer") or {}).get("name")
    if saved_name not in (None, config["optimizer"]["name"]):
        changed.append("optimizer.name")
    if changed:
        raise ConfigError(
            f"{ckpt_dir} holds a checkpoint made with other settings ("
            + ", ".join(f"{key}: {_lookup(saved, key)!r} there, {_lookup(config, key)!r} "
                        "now" for key in changed)
            + "); it cannot be resumed with them: use another output_dir, or start afresh "
              "with --no-resume (resume=False)")


def _lookup(mapping, dotted):
    for part in dotted.split("."):
        mapping = mapping.get(part) if isinstance(mapping, dict) else None
    return mapping


def _restore_or_fall_back(model, ckpt_dir, state, log):
    """Restore ``last``; when it is damaged, ``best`` (saying so). Returns the epoch.

    Raises:
        ConfigError: neither can be read (both files named, with ``--no-resume``).
    """
    try:
        cb.restore(model, ckpt_dir)
        return int(state["epoch"])
    except cb.CheckpointError as error:
        best_epoch = state.get("best_epoch")
        if not best_epoch or not (Path(ckpt_dir) / cb.BEST_WEIGHTS).is_file():
            raise ConfigError(f"{error}; there is no best.weights.h5 to fall back on: start "
                              "afresh with --no-resume (resume=False)") from error
        try:
            cb.restore(model, ckpt_dir, which="best")
        except cb.CheckpointError as best_error:
            raise ConfigError(f"{error}; {best_error}; start afresh with --no-resume "
                              "(resume=False)") from best_error
        log(f"keras-sr: {error}; resuming from the intact best.weights.h5 (epoch "
            f"{best_epoch}) instead (--no-resume starts afresh)")
        return int(best_epoch)


def _apply_learning_rate(optimizer, saved, config, log):
    """A changed learning rate takes effect on the restored optimizer, and is logged.

    Restoring a checkpoint restores a constant learning rate with the optimizer's
    variables; the config's rate is set on it again here, so what ``state.json`` records
    is what runs. (A schedule is built from the config and not stored: it applies as is.)
    """
    rate = float(config["optimizer"].get("learning_rate", 1e-3))
    old = (saved.get("optimizer") or {}).get("learning_rate")
    if isinstance(optimizer.learning_rate, keras.Variable) and config["schedule"]["name"] \
            == "constant":
        optimizer.learning_rate = rate
    if old is not None and float(old) != rate:
        log(f"keras-sr: learning rate {rate:g} (the checkpoint ran at {float(old):g}): applied "
            "to the restored optimizer")
    if saved.get("schedule") not in (None, config["schedule"]):
        log(f"keras-sr: schedule {config['schedule']} (the checkpoint ran "
            f"{saved['schedule']}): applied from the restored step on")


# --------------------------------------------------------------------------- summary
def _weights_status(spec):
    """What ``weights`` names and whether it is there (for the summary)."""
    if spec is None:
        return "random initialisation"
    if spec == "pretrained":
        return "the shipped weights (pretrained)"
    path = Path(spec["file"] if isinstance(spec, dict) else spec)
    how = " (transfer from another scale)" if isinstance(spec, dict) and spec.get("transfer") \
        else ""
    if path.is_file():
        return f"{path}{how}"
    return (f"{path}{how}: MISSING; a staged recipe trains its parent first (see the "
            "config's comments)")


def describe(config, resume=True):
    """What a run of ``config`` would do, without training: the dry run and start-up summary.

    Args:
        config: dict or path of a YAML/JSON config.
        resume: whether a checkpoint in ``output_dir`` would be resumed.

    Returns:
        dict: ``config`` (complete), ``data`` (``{key: [(folder, image count), ...]}``),
        ``params`` and ``trainable_params`` (ints), ``weights`` (str), ``steps`` (total
        optimizer steps), ``rates`` (``[(step, learning rate), ...]`` at 0, 1/4, 1/2, 3/4
        and the end), ``output_dir`` and ``resume_epoch`` (int or None).

    Raises:
        ConfigError / FileNotFoundError: as ``train`` would, before any work.
    """
    config = read_config(load_mapping(config))
    data = {}
    for key in ("train", "train_lr", "val"):
        if config["data"][key]:
            data[key] = [(folder, len(list_images(folder)))
                         for folder in _folders(config["data"][key], f"data.{key}")]
    model = models.get(config["model"], scale=config["scale"], channels=config["channels"],
                       **config["model_args"])
    if config["trainable"]:
        layer_options.set_trainable(model, config["trainable"])
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    total = config["epochs"] * config["steps_per_epoch"]
    rate = build_schedule(config)
    points = sorted({0, total // 4, total // 2, 3 * total // 4, total})
    out = Path(config["output_dir"])
    state = cb.read_state(out / "checkpoints") if resume else None
    return {"config": config, "data": data, "params": int(model.count_params()),
            "levels": curriculum.pyramid_levels(model),
            "trainable_params": trainable, "weights": _weights_status(config["weights"]),
            "steps": total, "rates": [(p, schedules.rate_at(rate, p)) for p in points],
            "output_dir": str(out), "resume_epoch": int(state["epoch"]) if state else None}


def summary_lines(info):
    """``describe``'s dict as the lines ``keras-sr train`` prints."""
    config = info["config"]
    lines = []
    for key, folders in info["data"].items():
        lines.append(f"data.{key}: " + ", ".join(f"{folder} ({count} images)"
                                                 for folder, count in folders))
    lines.append(f"model: {config['model']} x{config['scale']}, {config['channels']} "
                 f"channel(s), {info['params']:,} parameters"
                 + (f" ({info['trainable_params']:,} trainable)"
                    if info["trainable_params"] != info["params"] else ""))
    lines.append(f"weights: {info['weights']}")
    if info.get("levels"):
        names = ", ".join(f"x{k}" for k in info["levels"])
        plan = config["curriculum"]
        lines.append(f"levels: {names}, " + (
            "every loss weight 1" if plan is None else
            f"curriculum: one more level every {plan['switch_step']:,} steps, the one below "
            f"decays ({plan['decay']}) to {plan['final_weight']:g} over "
            f"{plan['decay_steps']:,} steps"))
    lines.append(f"steps: {config['epochs']} epochs x {config['steps_per_epoch']} = "
                 f"{info['steps']:,}, batch {config['data']['batch_size']} of "
                 f"{config['data']['patch_size']}x{config['data']['patch_size']} LR patches")
    lines.append(f"schedule: {config['schedule']['name']}, learning rate "
                 + ", ".join(f"{rate:.3g} at step {step:,}" for step, rate in info["rates"]))
    where = info["output_dir"]
    if info["resume_epoch"] is not None:
        where += f" (holds a checkpoint: resumes at epoch {info['resume_epoch']})"
    lines.append(f"output: {where}")
    return lines


# --------------------------------------------------------------------------- driver
def _tensorboard_installed():
    return importlib.util.find_spec("tensorboard") is not None


def train(config, resume=True, log=print, extra_callbacks=()):
    """Train a model from a config; resume an interrupted run in the same output folder.

    With ``distribution: multi_worker`` (TensorFlow) every worker runs this same call
    with its own ``TF_CONFIG``; the strategy is created first, before any TensorFlow op.
    Only the chief writes ``<output_dir>``'s files (checkpoints, TensorBoard, images,
    plot, summary) and validates; the other workers keep their own checkpoints in
    ``<output_dir>/workertemp_<index>/`` (as the TensorFlow docs advise) for the NaN
    guard and resume, and write nothing else.

    Args:
        config: dict or path of a YAML/JSON config (``keras_sr.training.config``).
        resume: continue from ``<output_dir>/checkpoints`` when it holds a checkpoint.
        log: function receiving progress messages.
        extra_callbacks: more ``keras.callbacks.Callback`` objects; their ``self.model``
            is the fitted model (with ``data.degrade_on: device`` the
            ``DegradeThenUpscale`` wrapper, whose ``sr_model`` is the SR model).

    Returns:
        dict: ``model`` (the trained SR keras.Model, LR -> SR, in both ``degrade_on``
        modes; best weights loaded when validation ran), ``history`` (list of per-epoch
        dicts incl. resumed epochs), ``initial_epoch``,
        ``best`` (monitor value) and ``best_epoch``, ``stopped_on_nan`` (bool),
        ``replicas``, ``is_chief``, ``output_dir`` and ``files`` (paths written).
    """
    given = load_mapping(config)
    strategy = cluster = None
    if given.get("distribution") == "multi_worker":
        strategy, cluster = distribute.multi_worker_strategy()   # before TensorFlow runs any op
    config = read_config(given)
    chief = cluster is None or cluster["is_chief"]
    info = describe(config, resume)   # fails fast: missing or empty folders, bad weights
    if chief:
        for line in summary_lines(info):
            log(f"keras-sr: {line}")
    out = Path(config["output_dir"])
    work = out if chief else out / f"workertemp_{cluster['task_index']}"
    ckpt_dir = work / "checkpoints"
    for folder in (work, ckpt_dir):   # before any work: a read-only folder fails now
        _check_writable(folder)
    keras.utils.set_random_seed(int(config["seed"]))
    if config["mixed_precision"]:
        keras.mixed_precision.set_dtype_policy(config["mixed_precision"])

    state = cb.read_state(ckpt_dir) if resume else None
    initial_epoch = int(state["epoch"]) if state else 0
    if state:
        _refuse_incompatible_resume(state.get("config") or {}, config, ckpt_dir)

    if cluster is not None:
        distribute.check_workers_agree(strategy, initial_epoch)
    scope, replicas = distribute.distribution_scope(config, strategy)
    if config["data"]["batch_size"] % replicas:
        raise ConfigError(f"config 'data.batch_size' {config['data']['batch_size']} must be a "
                          f"multiple of the {replicas} devices of "
                          f"distribution {config['distribution']!r}")
    if cluster is not None:
        log(f"keras-sr: multi-worker data parallel: {cluster['task_type']} "
            f"{cluster['task_index']} of {cluster['num_workers']} workers, {replicas} "
            f"replicas in sync{' (chief: writes the files)' if chief else ''}")
    elif replicas > 1:
        log(f"keras-sr: data parallel over {replicas} devices")
    with scope:
        model = build_model(config, log=None if state else log)
        pyramid = None
        if curriculum.pyramid_levels(model):   # trained per level; the rest sees the top
            pyramid, model = model, curriculum.top_level_model(model, config["scale"])
        model.compile(optimizer=build_optimizer(config, model), loss=build_loss(config),
                      steps_per_execution=config["steps_per_execution"])
        if state:
            initial_epoch = _restore_or_fall_back(model, ckpt_dir, state, log)
            log(f"keras-sr: resuming from epoch {initial_epoch} of {config['epochs']} "
                f"({ckpt_dir})")
            _apply_learning_rate(model.optimizer, state.get("config") or {}, config, log)
        if cluster is None:
            fitted = build_training_model(config, model, pyramid=pyramid)
    if cluster is not None:   # made outside the scope: fit_under_multi_worker says why
        wrap = None
        if config["data"]["degrade_on"] == "device":
            wrap = functools.partial(build_training_model, config, compile=False)
        fitted = distribute.fit_under_multi_worker(model, strategy, wrap)
    if config["data"]["degrade_on"] == "device":
        log(f"keras-sr: degrading on the device: {config['data']['degradation']} LR made "
            "from uint8 HR crops inside the training step")
    start_step = initial_epoch * config["steps_per_epoch"]
    train_data = build_train_data(config, start_step)
    if cluster is not None:
        train_data = distribute.shard_by_data(train_data)

    callbacks = [cb.ReseedEachEpoch(config["seed"])]
    if pyramid is not None:
        callbacks.append(curriculum.Curriculum(config["curriculum"],
                                               config["steps_per_epoch"]))
    options = config["callbacks"]
    val_images = []
    validate = bool(config["data"]["val"]) and chief   # plain model calls: no collectives
    if validate:
        val_folder = _folders(config["data"]["val"], "data.val")[0]
        callbacks.append(cb.Validation(val_folder, config["scale"],
                                       every=options["validate_every"],
                                       limit=config["data"]["val_limit"]))
        if options["images_every"]:
            val_images = datasets.validation_images(val_folder, config["scale"], limit=3)
    divergence = options["divergence"]
    diverged = None
    if divergence["factor"] is not None:
        diverged = cb.DivergenceGuard(ckpt_dir, factor=divergence["factor"],
                                      warmup_batches=divergence["warmup_batches"],
                                      warmup_epochs=divergence["warmup_epochs"], log=log)
        callbacks.append(diverged)
    monitor = "val_psnr" if validate else "loss"
    if pyramid is not None and not validate:   # "loss" changes meaning with the weights
        monitor = f"loss_x{config['scale']}"
    checkpoint = cb.Checkpoint(ckpt_dir, monitor=monitor,
                               seed=config["seed"], extra_state={"config": config},
                               resume=bool(state), guards=[diverged] if diverged else [],
                               identity=_checkpoint_identity(config))
    guard = cb.NaNGuard(ckpt_dir, log=log)
    callbacks += [checkpoint, guard]
    tensorboard_dir = out / "tensorboard" if options["tensorboard"] and chief else None
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
    # multi-worker: fit in the scope (the fitted model was made outside it, see above)
    fit_scope = strategy.scope() if cluster is not None else contextlib.nullcontext()
    if initial_epoch < config["epochs"]:
        with fit_scope:
            fitted.fit(train_data, epochs=config["epochs"],
                       steps_per_epoch=config["steps_per_epoch"],
                       initial_epoch=initial_epoch, callbacks=callbacks,
                       verbose=options["verbose"] if chief else 0, shuffle=False)
    history = checkpoint.history
    if options["plot"] and history and chief:
        files.append(cb.plot_learning_curves(history, out / "learning_curve.png"))
    final = cb.read_state(ckpt_dir)
    if final and (ckpt_dir / cb.BEST_WEIGHTS).is_file():
        model.load_weights(ckpt_dir / cb.BEST_WEIGHTS)
    summary = {"history": history, "initial_epoch": initial_epoch,
               "best": final.get("best") if final else None,
               "best_epoch": final.get("best_epoch") if final else None,
               "stopped_on_nan": guard.stopped,
               "stopped_on_divergence": bool(diverged and diverged.stopped),
               "stop_message": guard.message or (diverged.message if diverged else None),
               "replicas": replicas, "is_chief": chief,
               "output_dir": str(out)}
    atomic_write_text(work / "summary.json", json.dumps(summary, indent=1))
    files += [ckpt_dir / cb.LAST_WEIGHTS, ckpt_dir / cb.BEST_WEIGHTS, work / "summary.json"]
    for grid in callbacks:
        if isinstance(grid, cb.ImageGrid):
            files += grid.written
    summary.update(model=model, files=[str(f) for f in files if Path(f).exists()])
    return summary


__all__ = ["train", "build_model", "build_loss", "build_optimizer", "build_schedule",
           "build_train_data", "build_training_model", "describe", "summary_lines"]
