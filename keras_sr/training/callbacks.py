"""Training callbacks: validation by the SR protocol, atomic checkpoints with exact resume,
NaN guard, TensorBoard images, PNG comparison grids and a learning-curve plot.

Checkpoints live in one folder::

    <dir>/last.weights.h5      model + optimizer state after the last good epoch
    <dir>/best.weights.h5      the same, at the best validation PSNR (or lowest loss)
    <dir>/state.json           {"epoch", "best", "monitor", "seed", "history", ...}

Every file is written to a temporary file beside it and moved into place with one rename
(``keras_sr.image.io.atomic_path``, atomic on POSIX), and ``state.json`` is replaced last, so a ``kill -9`` at any instant leaves a
consistent (weights, state) pair: the previous one or the new one.

The callbacks act on the SR model (LR -> SR): when ``fit`` trains the device-degradation
wrapper (``data.degrade_on: device``), ``sr_model_of`` unwraps it, so validation, image
grids and checkpoints see the same model, and write the same files, as without it.
"""

import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from keras_sr.image.io import atomic_path, atomic_write_text

STATE_FILE = "state.json"
LAST_WEIGHTS = "last.weights.h5"
BEST_WEIGHTS = "best.weights.h5"


def atomic_save_weights(model, path):
    """``model.save_weights`` (model + optimizer variables) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        model.save_weights(tmp, overwrite=True)


class CheckpointError(ValueError):
    """A checkpoint folder cannot be resumed (the message names the file and the way out)."""


def read_state(directory):
    """The ``state.json`` of a checkpoint folder as a dict, or None when there is none.

    Raises:
        CheckpointError: the file is damaged (not JSON, or not a mapping with an epoch);
            the message names it and how to start afresh.
    """
    path = Path(directory) / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"checkpoint state {str(path)!r} is damaged ({error}); start "
                              "afresh with --no-resume (resume=False) or delete the file") \
            from error
    if not isinstance(state, dict) or not isinstance(state.get("epoch"), int):
        raise CheckpointError(f"checkpoint state {str(path)!r} is damaged (no epoch number); "
                              "start afresh with --no-resume (resume=False)")
    return state


def write_sidecar(weights_path, identity, **extra):
    """The JSON sidecar ``X.json`` beside ``X.weights.h5``: ``identity`` (``model``,
    ``scale``, ``channels``) and ``extra`` (``config``, ``epoch``...), written atomically.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> write_sidecar(folder / "last.weights.h5", {"model": "espcn", "scale": 3,
        ...               "channels": 1}, epoch=2).name
        'last.json'
    """
    path = Path(weights_path)
    sidecar = path.with_name(path.name.replace(".weights.h5", "") + ".json")
    atomic_write_text(sidecar, json.dumps(dict(identity, **extra), indent=1, default=str))
    return sidecar


def restore(model, directory, which="last"):
    """Load ``last`` (or ``best``) weights and optimizer state; return the state dict.

    The optimizer must be set (``model.compile``); it is built here if needed so that
    its slots can be filled. Returns None when the folder holds no checkpoint.
    """
    state = read_state(directory)
    if state is None:
        return None
    path = Path(directory) / (LAST_WEIGHTS if which == "last" else BEST_WEIGHTS)
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(path)
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"checkpoint {str(path)!r} is damaged or does not fit the "
                              f"model ({type(error).__name__}: {error})") from error
    return state


def sr_model_of(model):
    """The LR -> SR model behind a fitted model (``data.degrade_on: device`` fits a
    ``DegradeThenUpscale`` wrapper around it, a multi-level model a
    ``curriculum.LevelLosses``); any other model is returned as is.

    Pass ``self.model`` (the property): on JAX reading it first writes the training
    state back into the variables, which the SR model shares with the wrapper.
    """
    from keras_sr.training.curriculum import LevelLosses
    from keras_sr.training.device_degradation import sr_model_of as unwrap

    return model.sr_model if isinstance(model, LevelLosses) else unwrap(model)


def _finite(value):
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


class Validation(keras.callbacks.Callback):
    """PSNR/SSIM on a validation set every ``every`` epochs, by the published protocol.

    Uses ``keras_sr.inference.evaluate.evaluate`` (mod-crop, MATLAB bicubic LR rounded to 8
    bits, SR rounded, Y channel, ``scale`` pixels shaved). Adds ``val_psnr``,
    ``val_ssim`` and ``val_bicubic_psnr`` (the baseline, measured once) to the epoch
    logs (put this callback before the checkpoint and
    TensorBoard ones so they see the values).

    Args:
        dataset: a set name (Set5, ...) or a folder of HR images.
        scale: integer scale factor.
        every: epochs between evaluations (the last epoch is always evaluated).
        limit: only the first ``limit`` images.
    """

    def __init__(self, dataset, scale, every=1, limit=None):
        super().__init__()
        self.dataset, self.scale, self.every, self.limit = dataset, scale, every, limit
        self.last = {}
        self.bicubic = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not _finite(logs.get("loss", 0.0)):
            return
        final = epoch + 1 == self.params.get("epochs")
        if self.every <= 0 or ((epoch + 1) % self.every and not final):
            return
        from keras_sr.inference.evaluate import evaluate

        result = evaluate(sr_model_of(self.model), self.dataset, self.scale, progress=False,
                          limit=self.limit)
        if self.bicubic is None:
            self.bicubic = float(evaluate("bicubic", self.dataset, self.scale, progress=False,
                                          limit=self.limit)["psnr_y"])
        self.last = {"val_psnr": float(result["psnr_y"]), "val_ssim": float(result["ssim_y"]),
                     "val_bicubic_psnr": self.bicubic}
        logs.update(self.last)


class Checkpoint(keras.callbacks.Callback):
    """Atomic ``last``/``best`` checkpoints and ``state.json`` each epoch (see module doc).

    Skips epochs whose loss is not finite, so the files always hold the last good state.

    Args:
        directory: checkpoint folder (created).
        monitor: log key of the best model; ``val_psnr`` (max) when present in the logs,
            else ``loss`` (min).
        seed: recorded in the state for an exact resume.
        extra_state: dict stored in ``state.json`` (the config, ...).
        resume: continue the best score and history of an existing ``state.json``
            (False: start afresh, overwriting the folder's files).
        identity: ``{"model", "scale", "channels"}`` written with ``extra_state['config']``
            into a JSON sidecar beside each weights file (``last.json``, ``best.json``).
        guards: callbacks with a ``stopped`` flag (``DivergenceGuard``): an epoch they
            stopped is not saved, so the files keep the last good state.
    """

    def __init__(self, directory, monitor="val_psnr", seed=0, extra_state=None, resume=True,
                 identity=None, guards=()):
        super().__init__()
        self.directory = Path(directory)
        self.monitor = monitor
        self.seed = seed
        self.extra_state = dict(extra_state or {})
        self.identity = dict(identity or {})
        self.guards = list(guards)
        state = (read_state(self.directory) if resume else None) or {}
        self.best = state.get("best")
        self.best_epoch = state.get("best_epoch")
        self.history = state.get("history", [])
        self._epoch_started = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.monotonic()

    def _score(self, logs):
        if self.monitor in logs and _finite(logs[self.monitor]):
            sign = 1.0 if self.monitor.endswith(("psnr", "ssim")) else -1.0
            return self.monitor, sign * float(logs[self.monitor])
        if self.monitor.startswith("val_") and "loss" in logs:
            # No validation this epoch: keep the best from the last validated epoch.
            return None, None
        return "loss", -float(logs["loss"])

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if not _finite(logs.get("loss")) or any(guard.stopped for guard in self.guards):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"epoch": epoch + 1}
        if self._epoch_started is not None:   # wall time of the epoch, validation included
            record["seconds"] = round(time.monotonic() - self._epoch_started, 4)
        record.update({k: float(v) for k, v in logs.items() if _finite(v)})
        self.history = [h for h in self.history if h["epoch"] <= epoch] + [record]
        model = sr_model_of(self.model)   # the SR model + the shared optimizer
        atomic_save_weights(model, self.directory / LAST_WEIGHTS)
        self._sidecar(LAST_WEIGHTS, epoch + 1)
        key, score = self._score(logs)
        if score is not None and (self.best is None or score > self.best):
            self.best, self.best_epoch = score, epoch + 1
            atomic_save_weights(model, self.directory / BEST_WEIGHTS)
            self._sidecar(BEST_WEIGHTS, epoch + 1)
            self.best_key = key
        state = {"epoch": epoch + 1, "seed": self.seed, "best": self.best,
                 "best_epoch": self.best_epoch, "monitor": self.monitor,
                 "history": self.history}
        state.update(self.extra_state)
        atomic_write_text(self.directory / STATE_FILE, json.dumps(state, indent=1, default=str))


    def _sidecar(self, name, epoch):
        if self.identity:
            write_sidecar(self.directory / name, self.identity, epoch=epoch,
                          config=self.extra_state.get("config"))


def stop_and_restore(model, directory):
    """Stop ``fit`` and put the last good checkpoint of ``directory`` back into the model.

    The guards' shared ending (``NaNGuard``, ``DivergenceGuard``).

    Args:
        model: the model ``fit`` trains (a device-degradation wrapper is unwrapped).
        directory: checkpoint folder of ``Checkpoint``, or None (then only stop).

    Returns:
        str, what happened to the weights, for the guard's message.
    """
    model.stop_training = True
    if directory is None or read_state(directory) is None:
        return "no earlier checkpoint to restore"
    restored = restore(sr_model_of(model), directory)
    return f"restored the last good checkpoint (epoch {restored['epoch']}) from {directory}"


class NaNGuard(keras.callbacks.Callback):
    """Stop at the first non-finite loss, restore the last good checkpoint, say so.

    Args:
        directory: checkpoint folder of ``Checkpoint`` (None: only stop).
        log: function receiving the message (default ``print``).
    """

    def __init__(self, directory=None, log=print):
        super().__init__()
        self.directory = directory
        self.log = log
        self.stopped = False
        self.message = None

    def on_train_batch_end(self, batch, logs=None):
        if self.stopped or logs is None or "loss" not in logs or _finite(logs["loss"]):
            return
        self.stopped = True
        where = stop_and_restore(self.model, self.directory)
        self.message = (f"keras-sr: loss became {logs['loss']} at batch {batch}; training "
                        f"stopped, {where}. Lower the learning rate or check the data.")
        self.log(self.message)


class DivergenceGuard(keras.callbacks.Callback):
    """Stop when training diverges without a NaN; restore the last good checkpoint.

    Two signs: a batch loss more than ``factor`` times its running level (the lowest
    value an exponential average of the batch losses has reached; tested from batch
    ``warmup_batches`` on), or, from epoch
    ``warmup_epochs`` on, a validation PSNR (``val_psnr``) below the bicubic baseline
    (``val_bicubic_psnr``, from ``Validation``). Put it before ``Checkpoint`` and give it
    to that as a guard, so the diverged epoch is not saved and the best checkpoint stays
    the last good one.

    Args:
        directory: checkpoint folder of ``Checkpoint`` (None: only stop).
        factor: float > 1, how far above its running level a loss is divergence.
        warmup_batches: batches before the loss test starts.
        warmup_epochs: epochs before the PSNR test starts.
        log: function receiving the message.
    """

    def __init__(self, directory=None, factor=100.0, warmup_batches=20, warmup_epochs=5,
                 log=print):
        super().__init__()
        if not factor > 1:
            raise ValueError(f"DivergenceGuard: factor must be > 1; got {factor!r}")
        self.directory = directory
        self.factor, self.warmup_batches = float(factor), int(warmup_batches)
        self.warmup_epochs = int(warmup_epochs)
        self.log = log
        self.level = self.average = None
        self.seen = 0
        self.epoch = 0
        self.stopped = False
        self.message = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _stop(self, why):
        self.stopped = True
        where = stop_and_restore(self.model, self.directory)
        if where.startswith("restored"):
            where += "; best.weights.h5 is the last good best"
        self.message = (f"keras-sr: training diverged: {why}; stopped, {where}. Lower the "
                        "learning rate (or check the data).")
        self.log(self.message)

    def on_train_batch_end(self, batch, logs=None):
        if self.stopped or logs is None or not _finite(logs.get("loss")):
            return
        loss = float(logs["loss"])
        self.seen += 1
        if self.level is not None and self.seen > self.warmup_batches \
                and loss > self.factor * max(self.level, 1e-12):
            self._stop(f"loss {loss:.4g} at epoch {self.epoch + 1}, batch {batch + 1} is more "
                       f"than {self.factor:g}x its running level {self.level:.4g}")
            return
        self.average = loss if self.average is None else 0.9 * self.average + 0.1 * loss
        self.level = self.average if self.level is None else min(self.level, self.average)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.stopped or epoch + 1 < self.warmup_epochs:
            return
        psnr, bicubic = logs.get("val_psnr"), logs.get("val_bicubic_psnr")
        if _finite(psnr) and _finite(bicubic) and float(psnr) < float(bicubic):
            self._stop(f"validation PSNR {float(psnr):.2f} dB at epoch {epoch + 1} is below "
                       f"bicubic ({float(bicubic):.2f} dB)")


class ReseedEachEpoch(keras.callbacks.Callback):
    """Re-seed the global RNGs (Python, numpy, backend) from ``(seed, epoch)`` each epoch.

    Makes any randomness inside the model (dropout, noise layers) a function of the
    epoch, so a run resumed at epoch ``e`` draws what an uninterrupted run would.
    """

    def __init__(self, seed):
        super().__init__()
        self.seed = int(seed)

    def on_epoch_begin(self, epoch, logs=None):
        keras.utils.set_random_seed((self.seed * 1000003 + epoch) % (2 ** 31))


def comparison_grid(lr, bicubic, sr, hr, crop=None):
    """Stack crops side by side: LR (nearest-upscaled) | bicubic | SR | HR.

    Args:
        lr: float ``(h, w, C)`` in [0, 1]; bicubic, sr, hr: ``(h*s, w*s, C)``.
        crop: side of the centred HR crop to show (None: whole images).

    Returns:
        float32 ``(rows, 4 * cols, C)`` image in [0, 1].
    """
    scale = hr.shape[0] // lr.shape[0]
    lr_big = np.repeat(np.repeat(lr, scale, axis=0), scale, axis=1)[: hr.shape[0], : hr.shape[1]]
    panels = [lr_big, bicubic, sr, hr]
    if crop is not None:
        top = max(0, (hr.shape[0] - crop) // 2)
        left = max(0, (hr.shape[1] - crop) // 2)
        panels = [p[top: top + crop, left: left + crop] for p in panels]
    gap = np.ones((panels[0].shape[0], 2, hr.shape[-1]), np.float32)
    row = []
    for panel in panels:
        row += [np.clip(panel, 0, 1).astype(np.float32), gap]
    return np.concatenate(row[:-1], axis=1)


class ImageGrid(keras.callbacks.Callback):
    """PNG grids (and TensorBoard images) of LR / bicubic / SR / HR every ``every`` epochs.

    Args:
        images: list of ``(name, lr, hr)`` RGB float arrays (``validation_images``).
        scale: integer scale factor.
        directory: where ``epoch_XXXX.png`` go.
        every: epochs between grids (0: never).
        crop: side of the HR crop shown per image.
        tensorboard_dir: also write the grid as a TensorBoard image there (None: no).
    """

    def __init__(self, images, scale, directory, every=1, crop=96, tensorboard_dir=None):
        super().__init__()
        self.images, self.scale = images, scale
        self.directory = Path(directory)
        self.every, self.crop = every, crop
        self.tensorboard_dir = tensorboard_dir
        self.written = []

    def grid(self):
        from keras_sr.image.io import write_image  # noqa: F401  (import check)
        from keras_sr.metrics.protocol import bicubic_upscale
        from keras_sr.inference.predict import upscale_array

        rows = []
        model = sr_model_of(self.model)
        for _, lr, hr in self.images:
            sr = upscale_array(model, lr, scale=self.scale)
            bic = np.clip(np.asarray(bicubic_upscale(lr, self.scale)), 0, 1)
            rows.append(comparison_grid(lr, bic, sr, hr, self.crop))
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 2), (0, width - r.shape[1]), (0, 0)), constant_values=1.0)
                for r in rows]
        return np.concatenate(rows, axis=0)

    def on_epoch_end(self, epoch, logs=None):
        if self.every <= 0 or (epoch + 1) % self.every or not self.images:
            return
        if logs is not None and not _finite(logs.get("loss", 0.0)):
            return
        from keras_sr.image.io import write_image

        image = self.grid()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"epoch_{epoch + 1:04d}.png"
        write_image(path, image)  # atomic
        self.written.append(path)
        if self.tensorboard_dir is not None:
            import tensorflow as tf

            writer = tf.summary.create_file_writer(str(self.tensorboard_dir))
            with writer.as_default():
                tf.summary.image("lr_bicubic_sr_hr", image[None], step=epoch + 1)
            writer.flush()


def plot_learning_curves(history, path):
    """Plot loss (and validation PSNR when present) per epoch into a PNG (matplotlib, Agg).

    Args:
        history: list of per-epoch dicts with ``epoch``, ``loss`` and optionally
            ``val_psnr`` (as in ``state.json``).
        path: output PNG path.

    Returns:
        The ``Path`` written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    figure, loss_axis = plt.subplots(figsize=(6, 4))
    loss_axis.plot(epochs, [h.get("loss", np.nan) for h in history], "o-", label="loss")
    loss_axis.set_xlabel("epoch")
    loss_axis.set_ylabel("training loss")
    valid = [(h["epoch"], h["val_psnr"]) for h in history if "val_psnr" in h]
    if valid:
        psnr_axis = loss_axis.twinx()
        psnr_axis.plot(*zip(*valid), "s-", color="tab:red", label="val PSNR (Y)")
        psnr_axis.set_ylabel("validation PSNR (dB, Y)")
        psnr_axis.legend(loc="lower right")
    loss_axis.legend(loc="upper right")
    loss_axis.grid(alpha=0.3)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


__all__ = ["CheckpointError", "write_sidecar", "DivergenceGuard", "Validation",
           "Checkpoint", "NaNGuard", "ReseedEachEpoch", "ImageGrid",
           "comparison_grid", "plot_learning_curves", "restore", "read_state", "stop_and_restore",
           "atomic_save_weights", "sr_model_of"]
