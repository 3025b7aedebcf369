"""Degradation on the accelerator: the input stream carries HR crops, the LR is made in the step.

With ``data.degrade_on: device`` (``keras_sr.training.trainer``) the host only cuts uint8
HR crops; the float conversion, the Y channel and the degradation chain
(``keras_sr.layers.Degrade``) run on the device inside the training step, in
``DegradeThenUpscale``, a model ``{"hr", "seeds"} -> sr_model(degrade(hr))`` whose loss
compares the SR output with the float HR crops. It is the route for GPU machines whose
CPUs cannot feed the accelerator, and for machines without ``tf.data`` (JAX).

Batches. Element ``i`` of the stream is the crop of ``training_dataset`` (same
``(seed, i)`` hash: image, offset, flip / rotation), as uint8, and batch ``k`` carries a
``(batch, 2)`` integer array ``seeds`` whose first row is the pipeline's seed pair
``(seed + 7919, k)``: on one device (and under JAX ``DataParallel``, which traces the
global batch) the LR of batch ``k`` is the LR ``training_dataset`` would have made, for
every degradation chain, and a resumed run draws what an uninterrupted one would.
Row ``j`` is ``(seed + 7919 + j, k)``: under ``tf.distribute`` each replica sees its
slice of the batch and degrades it from its own first row, so replicas draw different
blur kernels and noise (not the one-device draws then, but deterministic).

Only the SR model is ever saved: the trainer compiles the SR model and this wrapper with
the same optimizer object, so ``sr_model.save_weights`` (the callbacks' checkpoints)
holds the SR weights and the optimizer state, the same files as ``degrade_on: pipeline``.
"""

import keras
import numpy as np
from keras import ops

from keras_sr.data import datasets
from keras_sr.image.color import rgb_to_y
from keras_sr.layers.degradation import Degrade

# Batch k of training_dataset / TrainingPyDataset draws its degradation from
# (seed + this offset, k); the first seed row of batch k here is that pair.
SEED_OFFSET = datasets.DEGRADATION_SEED_OFFSET


def seed_rows(seed, step, batch_size, dtype="int64"):
    """The ``seeds`` input of batch ``step``: row ``j`` is ``(seed + 7919 + j, step)``.

    Args:
        seed: the run's int seed.
        step: global batch index (int).
        batch_size: rows.
        dtype: numpy integer dtype (``"uint32"`` off TensorFlow, as the pipeline).

    Returns:
        numpy ``(batch_size, 2)`` array of ``dtype``.
    """
    rows = np.empty((batch_size, 2), np.int64)
    rows[:, 0] = int(seed) + SEED_OFFSET + np.arange(batch_size, dtype=np.int64)
    rows[:, 1] = int(step)
    return rows.astype(dtype)


def hr_crop_dataset(folders, scale, patch_size, batch_size, augment=True, seed=0,
                    start_step=0, stride=None, scale_augment=None, skip_bad=False):
    """``tf.data`` stream of ``{"hr", "seeds"}`` batches (TensorFlow backend).

    Args:
        folders, scale, patch_size, batch_size, augment, seed, start_step, stride,
            scale_augment, skip_bad: as ``keras_sr.data.datasets.training_dataset``.

    Returns:
        Endless ``tf.data.Dataset`` of dicts: ``"hr"`` uint8 ``(batch, p*scale, p*scale,
        3)`` RGB in [0, 255] (``hr_patch_dataset``: the crops of ``training_dataset``)
        and ``"seeds"`` int64 ``(batch, 2)`` (``seed_rows``).
    """
    import tensorflow as tf  # deferred: optional on the JAX backend

    data = datasets.hr_patch_dataset(folders, scale, patch_size, batch_size,
                                      augment=augment, seed=seed, start_step=start_step,
                                      stride=stride, scale_augment=scale_augment,
                                      skip_bad=skip_bad)
    first = tf.constant(int(seed) + SEED_OFFSET, tf.int64) + tf.range(batch_size,
                                                                       dtype=tf.int64)

    def attach(step, hr):
        seeds = tf.stack([first, tf.fill([batch_size], tf.cast(step, tf.int64))], axis=1)
        return {"hr": hr, "seeds": seeds}

    data = data.enumerate(start=int(start_step))
    data = data.map(attach, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.prefetch(tf.data.AUTOTUNE)


class HRCropPyDataset(datasets.TrainingPyDataset):
    """``hr_crop_dataset`` without ``tf.data``: numpy ``{"hr", "seeds"}`` batches (JAX).

    The crops of ``TrainingPyDataset.crops`` (equal to ``hr_patch_dataset``'s); nothing
    is converted or degraded on the host. Batch ``k`` of epoch ``e`` is global step
    ``e * steps_per_epoch + k``; set ``epoch`` to resume.

    Args:
        folders, scale, patch_size, batch_size, steps_per_epoch, augment, seed, stride,
        scale_augment, skip_bad, **kwargs: as ``TrainingPyDataset``.
    """

    def __init__(self, folders, scale, patch_size, batch_size, steps_per_epoch, augment=True,
                 seed=0, stride=None, scale_augment=None, skip_bad=False, **kwargs):
        super().__init__(folders, scale, patch_size, batch_size, steps_per_epoch,
                         augment=augment, seed=seed, stride=stride,
                         scale_augment=scale_augment, skip_bad=skip_bad, **kwargs)
        self._seed_dtype = "int64" if keras.backend.backend() == "tensorflow" else "uint32"

    def batch_at(self, global_step):
        """``{"hr": uint8 (batch, p*scale, p*scale, 3), "seeds": (batch, 2)}`` of a step."""
        return {"hr": self.crops(global_step),
                "seeds": seed_rows(self.seed, global_step, self.batch_size, self._seed_dtype)}


def hr_to_float(hr, channels=3):
    """uint8 RGB crops -> float32 ``(batch, H, W, channels)`` in [0, 1] (1: BT.601 Y).

    The conversion of ``training_dataset`` (``/ 255`` then ``rgb_to_y``), so the loss
    target is the pipeline's HR.
    """
    hr = ops.cast(hr, "float32") / 255.0
    return rgb_to_y(hr) if channels == 1 else hr


class DegradeThenUpscale(keras.Model):
    """Training wrapper ``{"hr", "seeds"} -> sr_model(Degrade(hr))``; the loss target is HR.

    Inputs (a dict, as ``hr_crop_dataset`` / ``HRCropPyDataset`` yield it, no ``y``):
    ``"hr"``: uint8 (or float in [0, 255]) RGB ``(batch, S, S, 3)``, ``S = patch *
    scale``; ``"seeds"``: integer ``(batch, 2)``, the batch's degradation draws come
    from its first row (``seed_rows``). Output: ``sr_model``'s SR ``(batch, S, S,
    channels)``. ``compute_loss`` uses ``hr_to_float(x["hr"])`` as the target when the
    data give no ``y``, so the host sends uint8 only.

    Not meant to be saved: the trained model is ``self.sr_model`` (LR -> SR), which
    shares its variables (and, in the trainer, its optimizer) with this wrapper; the
    degradation layer holds no trainable weights.

    Args:
        sr_model: the LR -> SR ``keras.Model``.
        scale: integer scale factor.
        order: a degradation chain of ``keras_sr.degradations.ORDERS``.
        options: keyword arguments of ``keras_sr.degradations.degrade``.
        channels: 3 (RGB) or 1 (Y), as ``sr_model``.
        seed: seed of the ``Degrade`` layer's own generator (used only when called
            without seeds).
        **kwargs: ``keras.Model`` arguments (``name``).
    """

    def __init__(self, sr_model, scale, order="bicubic", options=None, channels=3, seed=0,
                 **kwargs):
        kwargs.setdefault("name", f"{sr_model.name}_degrade_on_device")
        super().__init__(**kwargs)
        self.sr_model = sr_model
        # float32 whatever the dtype policy: resize matrices and 8-bit rounding need it.
        self.degrade = Degrade(scale, order, seed=seed, options=options, dtype="float32",
                               name="degrade")
        self.channels = channels

    def hr(self, inputs):
        """Float32 HR ``(batch, S, S, channels)`` in [0, 1]: the loss target."""
        return hr_to_float(inputs["hr"], self.channels)

    def lr(self, inputs):
        """Float32 LR ``(batch, S / scale, S / scale, channels)`` in [0, 1]: the SR input."""
        return self.degrade(self.hr(inputs), seeds=inputs["seeds"])

    def call(self, inputs, training=False):
        return self.sr_model(self.lr(inputs), training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None:
            y = self.hr(x)
        return super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                    training=training)


def sr_model_of(model):
    """The LR -> SR model of a fitted model: ``model.sr_model`` for ``DegradeThenUpscale``,
    else ``model`` itself."""
    return model.sr_model if isinstance(model, DegradeThenUpscale) else model


__all__ = ["DegradeThenUpscale", "HRCropPyDataset", "hr_crop_dataset", "hr_to_float",
           "seed_rows", "sr_model_of", "SEED_OFFSET"]
