"""Distribution plumbing of the trainer: TF_CONFIG, strategies, scopes and input sharding.

``distribution`` (a config key) is ``None`` (one device), ``data_parallel`` (all local
devices: ``keras.distribution.DataParallel`` on JAX, ``tf.distribute.MirroredStrategy``
on TensorFlow) or ``multi_worker`` (TensorFlow ``MultiWorkerMirroredStrategy`` over the
cluster described by ``TF_CONFIG``; only the chief writes the run's files).
"""

import contextlib
import json
import os

import keras

from keras_sr.training.config import ConfigError

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
        import tensorflow as tf   # deferred: JAX runs skip the import

        try:
            _STRATEGIES[key] = tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as error:
            raise ConfigError(
                "config 'distribution: multi_worker': TensorFlow already ran operations in "
                "this process, so MultiWorkerMirroredStrategy cannot set up its collectives "
                f"({error}); start each worker as a fresh process (keras-sr train) with "
                "nothing TensorFlow before the training call") from error
    return _STRATEGIES[key], info


def check_workers_agree(strategy, initial_epoch):
    """Raise ``ConfigError`` unless every worker resumes at the same epoch (a collective)."""
    import tensorflow as tf   # deferred: JAX runs skip the import

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


def distribution_scope(config, strategy=None):
    """``(context manager, replicas)`` for the config's ``distribution`` (else one replica).

    ``data_parallel``: on JAX ``keras.distribution.DataParallel`` over all local devices
    (set globally); on TensorFlow a ``tf.distribute.MirroredStrategy`` scope around
    model and optimizer. ``multi_worker``: the scope of ``strategy`` (from
    ``multi_worker_strategy``), replicas = all devices of all workers.
    """
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
        import tensorflow as tf   # deferred: JAX runs skip the import

        strategy = tf.distribute.MirroredStrategy()
        return strategy.scope(), strategy.num_replicas_in_sync
    raise ConfigError(f"config 'distribution: data_parallel' supports the jax and tensorflow "
                      f"backends; the backend is {backend!r}")


def shard_by_data(dataset):
    """Multi-worker input: every worker builds the same global batches, keeps its part.

    ``AutoShardPolicy.DATA``: ``tf.distribute`` splits each global batch between the
    replicas, so the run sees exactly the batches of a one-process run (file sharding
    would give each worker other images). Non-``tf.data`` inputs are returned as is.
    """
    import tensorflow as tf   # deferred: JAX runs skip the import

    if not isinstance(dataset, tf.data.Dataset):
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def fit_under_multi_worker(model, strategy, wrap=None):
    """The model that Keras 3's TensorFlow ``fit`` trains under ``MultiWorkerMirroredStrategy``.

    ``model`` (the SR model) is built and compiled inside ``strategy.scope()``, so its
    variables are mirrored and kept in sync by the strategy. The model returned here,
    which ``fit`` trains, is constructed OUTSIDE the scope and compiled (loss tracker)
    inside it, and ``fit`` is called inside the scope. Why the construction order:

    1. A Keras 3 TensorFlow model remembers, when it is constructed, whether a
       ``tf.distribute`` scope was active. Only then does ``fit`` (still in 3.15;
       keras-team/keras#20585) build it from the first batch of the distributed
       iterator merged with ``strategy.reduce`` over the whole ``(x, y)`` structure,
       which the strategy rejects ("Attempt to convert a value (PerReplica ...)"), and
       that batch would be lost to training. A model constructed outside the scope
       skips that build; ``fit`` inside the scope still takes the active strategy (its
       ``distribute_strategy`` is the current one), distributes the data and runs each
       step on every replica. Nothing is left for that build to create: the SR model's
       variables and the optimizer's (built here, in the scope) exist already, so the
       workers train on exactly the batches of a one-process run. (No private Keras
       attribute is read or set: only the order of construction decides.) When Keras
       fixes the bug, the model can be made in the scope again.
    2. Each step's logs are merged with ``strategy.reduce("MEAN", v, axis=0)``, which
       fails on the scalar loss. Here ``train_step`` (public) returns its scalar logs
       with a leading axis of 1, so the reduction gives the mean over replicas.

    Args:
        model: the SR ``keras.Model``, built and compiled (optimizer, loss) in
            ``strategy.scope()``.
        strategy: the ``tf.distribute.MultiWorkerMirroredStrategy``.
        wrap: function ``model -> keras.Model`` making an uncompiled training model that
            shares ``model``'s variables (``DegradeThenUpscale``); default: a functional
            model over the same layers (``model.input`` -> ``model.output``), whose
            weight files are those of ``model``.

    Returns:
        the ``keras.Model`` to ``fit`` inside ``strategy.scope()``, compiled with
        ``model``'s optimizer object and loss.
    """
    import tensorflow as tf   # deferred: JAX runs skip the import

    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    if wrap is None:
        fitted = keras.Model(model.input, model.output, name=model.name)
    else:
        fitted = wrap(model)
    with strategy.scope():
        fitted.compile(optimizer=model.optimizer, loss=model.loss)

    step = fitted.train_step

    def train_step(data):
        logs = step(data)

        def lift(value):
            value = tf.convert_to_tensor(value)
            return tf.reshape(value, (1,)) if value.shape.rank == 0 else value

        return tf.nest.map_structure(lift, logs)

    fitted.train_step = train_step
    return fitted


__all__ = ["read_tf_config", "multi_worker_strategy", "check_workers_agree",
           "distribution_scope", "shard_by_data", "fit_under_multi_worker"]
