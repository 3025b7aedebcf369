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
``TF_CONFIG``; only the chief writes the run's files, see ``train``).
"""

import json
import os
from pathlib import Path

import keras

from keras_sr.training import callbacks as cb
from keras_sr.training.config import ConfigError, load_mapping, read_config

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
    """Resolved folders of a config key, each checked to hold images.

    Raises:
        FileNotFoundError: a folder or set is not found (the key and the places tried).
        ConfigError: a folder holds no image file (the key and the folder are named).
    """
    from keras_sr.image.io import list_images

    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    folders = [resolve_folder(s, what) for s in specs]
    for folder in folders:
        try:
            list_images(folder)
        except ValueError as error:
            raise ConfigError(f"config {what!r}: folder {str(folder)!r} is empty: {error}") \
                from error
    return folders


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
    """The training stream: ``tf.data`` on TensorFlow, ``TrainingPyDataset`` elsewhere.

    ``data.degrade_on: pipeline``: ``(lr, hr)`` float32 batches in [0, 1]. ``device``:
    ``{"hr": uint8 (batch, p*scale, p*scale, 3), "seeds": (batch, 2)}`` dicts
    (``device_degradation.hr_crop_dataset`` / ``HRCropPyDataset``) for
    ``build_training_model``'s wrapper. Batch ``k`` is global step ``start_step + k``.

    Raises:
        FileNotFoundError: a folder of ``data.train`` / ``data.train_lr`` is missing.
        ConfigError: an empty folder, an image smaller than ``data.patch_size`` x
            ``scale`` (the file and both sizes are named; ``data.skip_small: true`` leaves
            such images out) or another bad ``data`` setting.
    """
    try:
        return _build_train_data(config, start_step)
    except ConfigError:
        raise
    except ValueError as error:
        raise ConfigError(f"config 'data': {error}") from error


def _build_train_data(config, start_step):
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
    if data["degrade_on"] == "device":
        from keras_sr.training import device_degradation

        common.pop("channels")   # the crops are RGB; the wrapper makes Y on the device
        if keras.backend.backend() == "tensorflow":
            return device_degradation.hr_crop_dataset(
                folders, augment=data["augment"], skip_small=data["skip_small"],
                start_step=start_step, **common)
        dataset = device_degradation.HRCropPyDataset(
            folders, steps_per_epoch=config["steps_per_epoch"], augment=data["augment"],
            skip_small=data["skip_small"], **common)
        dataset.epoch = start_step // config["steps_per_epoch"]
        return dataset
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


def build_training_model(config, model):
    """The model ``fit`` trains: ``model`` itself, or its device-degradation wrapper.

    Args:
        config: complete config (``read_config``).
        model: the compiled SR model (LR -> SR).

    Returns:
        ``model`` when ``data.degrade_on`` is ``pipeline``; for ``device`` a compiled
        ``device_degradation.DegradeThenUpscale`` (uint8 HR crops + seeds in, SR out,
        loss against the float HR) around ``model``, from the config's degradation
        (``data.degradation``, ``data.degradation_options``, ``scale``, ``channels``,
        ``seed``). It shares ``model``'s variables and optimizer object (hence its
        iteration count and slots), so checkpoints of ``model`` hold the whole training
        state. Call it in the distribution scope, after restoring a checkpoint.
    """
    data = config["data"]
    if data["degrade_on"] != "device":
        return model
    from keras_sr.training.device_degradation import DegradeThenUpscale

    wrapper = DegradeThenUpscale(model, config["scale"], data["degradation"],
                                 options=data["degradation_options"],
                                 channels=config["channels"], seed=config["seed"])
    wrapper.compile(optimizer=model.optimizer, loss=model.loss)
    return wrapper


_TF_CONFIG_EXAMPLE = ('TF_CONFIG=\'{"cluster": {"worker": ["host0:12345", "host1:12345"]}, '
                      '"task": {"type": "worker", "index": 0}}\' (the same cluster on every '
                      'worker, each with its own index)')
_STRATEGIES = {}   # TF_CONFIG -> MultiWorkerMirroredStrategy: TF sets collectives up once


def read_tf_config(text=None):
    """Parse ``TF_CONFIG``, the cluster description of ``distribution: multi_worker``.

    Args:
        text: the JSON text; default: the ``TF_CONFIG`` environment variable.

    Returns:
        dict: ``cluster`` (``{"worker": ["host:port", ...]}``, optionally with a
        one-address ``"chief"`` job), ``task_type``, ``task_index``, ``num_workers``
        (chief included) and ``is_chief`` (the ``chief`` task, else worker 0): the one
        process that writes the run's files.

    Raises:
        ConfigError: ``TF_CONFIG`` unset, not JSON, or without a valid cluster and task;
            the message names ``TF_CONFIG`` and shows the expected form.
    """
    if text is None:
        text = os.environ.get("TF_CONFIG")
    if not text or not str(text).strip():
        raise ConfigError("config 'distribution: multi_worker' needs the TF_CONFIG "
                          "environment variable, which is not set; set it on every worker, "
                          f"e.g. {_TF_CONFIG_EXAMPLE}")
    try:
        spec = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"TF_CONFIG is not valid JSON ({error}): {text!r}; expected e.g. "
                          f"{_TF_CONFIG_EXAMPLE}") from error
    cluster = spec.get("cluster") if isinstance(spec, dict) else None
    if not isinstance(cluster, dict) or not (cluster.get("worker") or cluster.get("chief")):
        raise ConfigError(f"TF_CONFIG must hold a 'cluster' with a 'worker' list of "
                          f"'host:port' addresses; got {text!r}; expected e.g. "
                          f"{_TF_CONFIG_EXAMPLE}")
    for job, addresses in cluster.items():
        if job not in ("chief", "worker"):
            raise ConfigError(f"TF_CONFIG cluster job {job!r} is not supported by "
                              "'distribution: multi_worker' (MultiWorkerMirroredStrategy "
                              "takes 'chief' and 'worker' jobs)")
        if (not isinstance(addresses, list) or not addresses
                or not all(isinstance(a, str) and ":" in a for a in addresses)):
            raise ConfigError(f"TF_CONFIG cluster job {job!r} must be a non-empty list of "
                              f"'host:port' strings; got {addresses!r}")
    if len(cluster.get("chief", [])) > 1:
        raise ConfigError(f"TF_CONFIG cluster 'chief' must have one address; got "
                          f"{cluster['chief']!r}")
    task = spec.get("task")
    if not isinstance(task, dict) or task.get("type") not in cluster:
        raise ConfigError(f"TF_CONFIG 'task' must be {{\"type\": one of {sorted(cluster)}, "
                          f"\"index\": i}}; got {task!r}")
    index = task.get("index", 0)
    count = len(cluster[task["type"]])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ConfigError(f"TF_CONFIG 'task.index' must be an integer in [0, {count - 1}] "
                          f"for job {task['type']!r}; got {index!r}")
    return {"cluster": cluster, "task_type": task["type"], "task_index": index,
            "num_workers": sum(len(a) for a in cluster.values()),
            "is_chief": task["type"] == "chief" or ("chief" not in cluster and index == 0)}


def multi_worker_strategy():
    """``(tf.distribute.MultiWorkerMirroredStrategy, read_tf_config())`` for this process.

    TensorFlow sets collective ops up at program start: this must run before TensorFlow
    executes any operation (``train`` calls it first). One strategy per process.

    Raises:
        ConfigError: not the TensorFlow backend (on JAX use ``data_parallel``), a bad
            ``TF_CONFIG``, or TensorFlow already running.
    """
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ConfigError(
            "config 'distribution: multi_worker' uses tf.distribute.MultiWorkerMirroredStrategy "
            f"and needs the TensorFlow backend; the backend is {backend!r}. On JAX use "
            "'distribution: data_parallel' (keras.distribution.DataParallel), across hosts "
            "after keras.distribution.initialize() (jax.distributed) in every process.")
    info = read_tf_config()
    key = os.environ["TF_CONFIG"]
    if key not in _STRATEGIES:
        import tensorflow as tf

        try:
            _STRATEGIES[key] = tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as error:
            raise ConfigError(
                "config 'distribution: multi_worker': TensorFlow already ran operations in "
                "this process, so MultiWorkerMirroredStrategy cannot set up its collectives "
                f"({error}); start each worker as a fresh process (keras-sr train) with "
                "nothing TensorFlow before the training call") from error
    return _STRATEGIES[key], info


def _check_workers_agree(strategy, initial_epoch):
    """Raise ``ConfigError`` unless every worker resumes at the same epoch (a collective)."""
    import tensorflow as tf

    value = float(initial_epoch)

    @tf.function
    def mean_over_replicas():
        per_replica = strategy.run(lambda: tf.constant([value, value * value], tf.float64))
        return strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None)

    mean, square = mean_over_replicas().numpy()
    if abs(square - mean * mean) > 1e-6:
        raise ConfigError(
            f"distribution: multi_worker: the workers would resume at different epochs (this "
            f"one at {initial_epoch}, the mean is {mean:g}); every worker resumes from its own "
            "checkpoints (chief: <output_dir>/checkpoints, others: "
            "<output_dir>/workertemp_<index>/checkpoints). Restore them all or start afresh "
            "(resume=False, keras-sr train --no-resume)")


def _distribution_scope(config, strategy=None):
    """``(context manager, replicas)`` for the config's ``distribution`` (else one replica).

    ``data_parallel``: on JAX ``keras.distribution.DataParallel`` over all local devices
    (set globally); on TensorFlow a ``tf.distribute.MirroredStrategy`` scope around
    model and optimizer. ``multi_worker``: the scope of ``strategy`` (from
    ``multi_worker_strategy``), replicas = all devices of all workers.
    """
    import contextlib

    if config["distribution"] == "multi_worker":
        if strategy is None:
            strategy, _ = multi_worker_strategy()
        return strategy.scope(), strategy.num_replicas_in_sync
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


def _shard_by_data(dataset):
    """Multi-worker input: every worker builds the same global batches, keeps its part.

    ``AutoShardPolicy.DATA``: ``tf.distribute`` splits each global batch between the
    replicas, so the run sees exactly the batches of a one-process run (file sharding
    would give each worker other images). Non-``tf.data`` inputs are returned as is.
    """
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def _fit_under_multi_worker(model, dataset):
    """Let Keras 3's TensorFlow ``fit`` run under ``MultiWorkerMirroredStrategy``.

    Two Keras 3 bugs (still in 3.15; keras-team/keras#20585) stop ``fit`` there:

    1. Before training, ``fit`` builds the model from the first batch of the distributed
       iterator merged with ``strategy.reduce`` over the whole ``(x, y)`` structure,
       which the strategy rejects ("Attempt to convert a value (PerReplica ...)"); and
       that batch is lost to training. Here the build uses symbolic tensors of the
       dataset's element spec: no collective, no batch consumed, so the workers train on
       exactly the batches of a one-process run.
    2. Each step's logs are merged with ``strategy.reduce("MEAN", v, axis=0)``, which
       fails on the scalar loss. Here ``train_step`` returns its scalar logs with a
       leading axis of 1, so the reduction gives the mean over replicas as a scalar.

    Both are instance-level hooks of this model only (nothing global is patched); a
    hook Keras no longer has is left alone.
    """
    import tensorflow as tf

    build = getattr(model, "_maybe_symbolic_build", None)
    if build is not None and isinstance(dataset, tf.data.Dataset):
        def symbolic(spec):
            return keras.KerasTensor((None,) + tuple(spec.shape[1:]), dtype=spec.dtype.name)

        batch = tf.nest.map_structure(symbolic, dataset.element_spec)

        def build_from_spec(iterator=None, data_batch=None):
            return build(data_batch=batch)

        model._maybe_symbolic_build = build_from_spec

    step = model.train_step

    def train_step(data):
        logs = step(data)

        def lift(value):
            value = tf.convert_to_tensor(value)
            return tf.reshape(value, (1,)) if value.shape.rank == 0 else value

        return tf.nest.map_structure(lift, logs)

    model.train_step = train_step


# --------------------------------------------------------------------------- driver
def _tensorboard_installed():
    import importlib.util

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
        strategy, cluster = multi_worker_strategy()   # before TensorFlow runs any op
    config = read_config(given)
    for key in ("train", "train_lr", "val"):   # fail fast: missing or empty folders
        if config["data"][key]:
            _folders(config["data"][key], f"data.{key}")
    out = Path(config["output_dir"])
    chief = cluster is None or cluster["is_chief"]
    work = out if chief else out / f"workertemp_{cluster['task_index']}"
    ckpt_dir = work / "checkpoints"
    work.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(int(config["seed"]))
    if config["mixed_precision"]:
        keras.mixed_precision.set_dtype_policy(config["mixed_precision"])

    state = cb.read_state(ckpt_dir) if resume else None
    initial_epoch = int(state["epoch"]) if state else 0
    if state and state.get("config", {}).get("model") not in (None, config["model"]):
        raise ConfigError(f"{ckpt_dir} holds a checkpoint of model "
                          f"{state['config']['model']!r}, not {config['model']!r}; use "
                          "another output_dir or resume=False")

    if cluster is not None:
        _check_workers_agree(strategy, initial_epoch)
    scope, replicas = _distribution_scope(config, strategy)
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
        model = build_model(config)
        model.compile(optimizer=build_optimizer(config), loss=build_loss(config))
        if state:
            cb.restore(model, ckpt_dir)
            log(f"keras-sr: resuming from epoch {initial_epoch} of {config['epochs']} "
                f"({ckpt_dir})")
        fitted = build_training_model(config, model)
    if fitted is not model:
        log(f"keras-sr: degrading on the device: {config['data']['degradation']} LR made "
            "from uint8 HR crops inside the training step")
    start_step = initial_epoch * config["steps_per_epoch"]
    train_data = build_train_data(config, start_step)
    if cluster is not None:
        train_data = _shard_by_data(train_data)
        _fit_under_multi_worker(fitted, train_data)

    callbacks = [cb.ReseedEachEpoch(config["seed"])]
    options = config["callbacks"]
    val_images = []
    validate = bool(config["data"]["val"]) and chief   # plain model calls: no collectives
    if validate:
        val_folder = _folders(config["data"]["val"], "data.val")[0]
        callbacks.append(cb.Validation(val_folder, config["scale"],
                                       every=options["validate_every"],
                                       limit=config["data"]["val_limit"]))
        if options["images_every"]:
            from keras_sr.data.datasets import validation_images

            val_images = validation_images(val_folder, config["scale"], limit=3)
    checkpoint = cb.Checkpoint(ckpt_dir, monitor="val_psnr" if validate else "loss",
                               seed=config["seed"], extra_state={"config": config},
                               resume=bool(state))
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
    if initial_epoch < config["epochs"]:
        fitted.fit(train_data, epochs=config["epochs"],
                   steps_per_epoch=config["steps_per_epoch"], initial_epoch=initial_epoch,
                   callbacks=callbacks, verbose=options["verbose"] if chief else 0,
                   shuffle=False)
    history = checkpoint.history
    if options["plot"] and history and chief:
        files.append(cb.plot_learning_curves(history, out / "learning_curve.png"))
    final = cb.read_state(ckpt_dir)
    if final and (ckpt_dir / cb.BEST_WEIGHTS).is_file():
        model.load_weights(ckpt_dir / cb.BEST_WEIGHTS)
    summary = {"history": history, "initial_epoch": initial_epoch,
               "best": final.get("best") if final else None,
               "best_epoch": final.get("best_epoch") if final else None,
               "stopped_on_nan": guard.stopped, "replicas": replicas, "is_chief": chief,
               "output_dir": str(out)}
    cb.atomic_write_text(work / "summary.json", json.dumps(summary, indent=1))
    files += [ckpt_dir / cb.LAST_WEIGHTS, ckpt_dir / cb.BEST_WEIGHTS, work / "summary.json"]
    for grid in callbacks:
        if isinstance(grid, cb.ImageGrid):
            files += grid.written
    summary.update(model=model, files=[str(f) for f in files if Path(f).exists()])
    return summary


__all__ = ["train", "build_model", "build_loss", "build_optimizer", "build_schedule",
           "build_train_data", "build_training_model", "resolve_folder", "read_tf_config",
           "multi_worker_strategy"]
