"""Training and validation data: ``tf.data`` pipelines and a numpy ``PyDataset`` twin.

The patches come from the one sampler, ``keras_sr.data.patches.PatchSampler`` (random
or dense ``stride`` extraction, ``scale_augment``, ``augment``, bad-file handling; see
there): images are decoded once and kept in memory as uint8, element ``i`` of the stream
depends only on ``(seed, i)``, and batch ``k`` draws its degradation parameters from
``(seed + 7919, k)``. The stream is therefore the same at every run whatever the
parallelism, resuming at batch ``k`` (``start_step=k``) gives exactly the batches an
uninterrupted run would have seen, and the ``tf.data`` pipeline and
``TrainingPyDataset`` deliver the same batches.

Speed: crops and symmetries are cut in numpy on uint8 pixels (in ``tf.data`` through
``tf.numpy_function``); the conversion to float, the Y channel and the degradation run
once per batch with static shapes.

``training_dataset`` / ``paired_dataset`` / ``validation_dataset`` return ``tf.data``
datasets and run the ``keras.ops`` degradations inside ``tf.data``, which needs the
TensorFlow backend. ``hr_patch_dataset`` delivers the uint8 HR crops alone, to degrade on
the accelerator (``keras_sr.layers.Degrade``). With JAX, use ``TrainingPyDataset``: the
same sampler and the same ``keras_sr.degradations`` code, on numpy batches, no
TensorFlow in the loop.

Example:
    >>> from keras_sr.data.datasets import training_dataset
    >>> train = training_dataset(["T91", "BSD200"], scale=4, patch_size=48,
    ...                          batch_size=16)  # doctest: +SKIP
"""

from pathlib import Path

import keras
import numpy as np

from keras_sr import degradations
from keras_sr.data.patches import PatchSampler, load_images
from keras_sr.data.sets import resolve_dataset
from keras_sr.image.io import list_images
from keras_sr.image.color import rgb_to_y
from keras_sr.image.resize import modcrop


# --------------------------------------------------------------------------- shared maths
def _check_common(scale, patch_size, batch_size, channels):
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"`scale` must be a positive integer; got {scale!r}")
    if not isinstance(patch_size, int) or patch_size < 1:
        raise ValueError(f"`patch_size` (LR pixels) must be a positive integer; got {patch_size!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer; got {batch_size!r}")
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 (Y of YCbCr) or 3 (RGB); got {channels!r}")


def _check_degradation(degradation):
    if degradation not in degradations.ORDERS:
        raise ValueError(f"unknown `degradation` {degradation!r}; expected one of "
                         f"{degradations.ORDERS}")


def _to_channels(image, channels):
    """uint8/float RGB in [0, 255] -> float32 in [0, 1] with ``channels`` (1: BT.601 Y)."""
    image = keras.ops.cast(image, "float32") / 255.0
    return rgb_to_y(image) if channels == 1 else image


def _degrade_batch(hr, scale, degradation, options, seed):
    return degradations.degrade(hr, scale, degradation, seed=seed, **options)


# Batch k of both pipelines draws its degradation from the seed pair (seed + 7919, k).
DEGRADATION_SEED_OFFSET = 7919


def _require_tensorflow(what):
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"{what} runs keras.ops inside tf.data, which needs the TensorFlow backend; the "
            f"backend is {keras.backend.backend()!r}. Use keras_sr.data.datasets."
            "TrainingPyDataset (same sampling and degradations, numpy batches) instead.")


# --------------------------------------------------------------------------- tf.data
def patch_sampler(folders, scale, patch_size, augment=True, seed=0, stride=None,
                  scale_augment=None, skip_bad=False, what="folders"):
    """The ``PatchSampler`` of the training streams (see ``keras_sr.data.patches``)."""
    return PatchSampler(folders, scale, patch_size, stride=stride, scale_augment=scale_augment,
                        augment=augment, seed=seed, skip_bad=skip_bad, what=what)


def hr_patch_dataset(folders, scale, patch_size, batch_size, augment=True, seed=0,
                     start_step=0, stride=None, scale_augment=None, skip_bad=False):
    """An endless ``tf.data`` stream of uint8 HR crops, to degrade on the accelerator.

    The same crops, flips and rotations as ``training_dataset`` with the same arguments
    (before its float conversion and degradation). Make the LR inside the training step,
    e.g. ``hr = keras.ops.cast(batch, "float32") / 255`` then
    ``lr = keras_sr.layers.Degrade(scale, order)(hr)``: the host only cuts crops, and
    uint8 moves four times fewer bytes to the device than float32.

    Args:
        folders, scale, patch_size, batch_size, augment, seed, start_step, stride,
            scale_augment, skip_bad: as ``training_dataset``.

    Returns:
        ``tf.data.Dataset`` of uint8 RGB ``(batch, p*scale, p*scale, 3)`` in [0, 255].
    """
    _require_tensorflow("hr_patch_dataset")
    import tensorflow as tf  # deferred: optional on the JAX backend

    _check_common(scale, patch_size, batch_size, 3)
    sampler = patch_sampler(folders, scale, patch_size, augment, seed, stride, scale_augment,
                            skip_bad)
    data = sampler.tf_dataset(batch_size, start_step).map(lambda step, hr: hr)
    return data.prefetch(tf.data.AUTOTUNE)


def training_dataset(folders, scale, patch_size, batch_size, channels=3,
                     degradation="bicubic", degradation_options=None, augment=True,
                     seed=0, start_step=0, stride=None, scale_augment=None, skip_bad=False):
    """An endless ``tf.data`` stream of ``(lr, hr)`` training batches from HR folders.

    Patches come from ``keras_sr.data.patches.PatchSampler``: HR crops of ``patch_size *
    scale`` pixels aligned to the LR grid, element ``i`` from ``(seed, i)``; images
    smaller than a patch are left out with a warning. Batch ``k`` is then converted to
    float (and Y) and degraded at once with ``keras_sr.degradations.degrade``, its random
    draws from ``(seed + 7919, k)``.

    Args:
        folders: HR folder(s) or set name(s) (``"T91"``, resolved by
            ``keras_sr.data.sets.resolve_dataset``), or a list of RGB arrays.
        scale: integer scale factor.
        patch_size: LR patch side in pixels (ESPCN 17, EDSR 48...).
        batch_size: patches per batch.
        channels: 3 (RGB) or 1 (Y of YCbCr, BT.601 studio range).
        degradation: a chain of ``keras_sr.degradations.ORDERS``.
        degradation_options: keyword arguments of ``degrade`` (``noise_sigma``...).
        augment: ``True`` (flips and rotations by 90/180/270: the 8 symmetries),
            ``"rotate"`` (rotations only), ``"flip"`` (left-right mirror) or ``False``.
        seed: int; the same seed gives the same batches.
        start_step: index of the first batch (to resume exactly).
        stride: None (random patches) or the dense-extraction stride in LR pixels:
            every sub-image on that grid, each epoch of them in a seeded shuffled order.
        scale_augment: None or HR downscale factors applied before cutting, e.g.
            ``(1.0, 0.9, 0.8, 0.7, 0.6)`` (FSRCNN).
        skip_bad: train on the other files when some cannot be used (else one error
            lists them all).

    Returns:
        ``tf.data.Dataset`` of ``(lr, hr)``: float32 ``(batch, p, p, channels)`` and
        ``(batch, p*scale, p*scale, channels)`` in [0, 1]. Endless: give ``fit``
        ``steps_per_epoch``.
    """
    _require_tensorflow("training_dataset")
    import tensorflow as tf  # deferred: optional on the JAX backend

    _check_common(scale, patch_size, batch_size, channels)
    _check_degradation(degradation)
    hr_side = patch_size * scale
    options = dict(degradation_options or {})
    sampler = patch_sampler(folders, scale, patch_size, augment, seed, stride, scale_augment,
                            skip_bad)

    def degrade(step, hr):
        hr = _to_channels(hr, channels)
        stream = degradations.SeedStream(tf.stack(
            [tf.constant(seed + DEGRADATION_SEED_OFFSET, tf.int64), tf.cast(step, tf.int64)]))
        lr = _degrade_batch(hr, scale, degradation, options, stream)
        return (tf.ensure_shape(lr, (batch_size, patch_size, patch_size, channels)),
                tf.ensure_shape(hr, (batch_size, hr_side, hr_side, channels)))

    data = sampler.tf_dataset(batch_size, start_step)
    data = data.map(degrade, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.prefetch(tf.data.AUTOTUNE)


def paired_dataset(lr_folders, hr_folders, scale, patch_size, batch_size, channels=3,
                   augment=True, seed=0, start_step=0, stride=None, skip_bad=False):
    """An endless ``tf.data`` stream of ``(lr, hr)`` patches from given LR/HR folders.

    For real-world sets (RealSR, DRealSR, ...): the i-th LR file (sorted by name) pairs
    with the i-th HR file, which must be ``scale`` times larger (extra HR rows/columns
    are cropped). Crops, flips and rotations are the same for both images and come from
    the ``PatchSampler`` as in ``training_dataset``.

    Args:
        lr_folders, hr_folders: folder(s) or set name(s) with the same number of images.
        scale, patch_size, batch_size, channels, augment, seed, start_step, stride,
            skip_bad: as ``training_dataset``.

    Returns:
        ``tf.data.Dataset`` of ``(lr, hr)`` float32 batches in [0, 1]:
        ``(batch, p, p, channels)`` and ``(batch, p*scale, p*scale, channels)``.
    """
    _require_tensorflow("paired_dataset")
    import tensorflow as tf  # deferred: optional on the JAX backend

    _check_common(scale, patch_size, batch_size, channels)
    sampler = PatchSampler(hr_folders, scale, patch_size, lr=lr_folders, stride=stride,
                           augment=augment, seed=seed, skip_bad=skip_bad, what="hr_folders")

    def to_float(step, pair):
        lr, hr = pair
        return _to_channels(lr, channels), _to_channels(hr, channels)

    data = sampler.tf_dataset(batch_size, start_step)
    data = data.map(to_float, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.prefetch(tf.data.AUTOTUNE)

def validation_images(folder, scale, channels=3, limit=None, skip_bad=False):
    """Whole validation images by the evaluation protocol, as numpy arrays.

    HR is mod-cropped to a multiple of ``scale``; LR is MATLAB bicubic rounded to 8 bits.

    Args:
        folder: folder or set name (``keras_sr.data.sets.resolve_dataset``).
        scale: integer scale factor.
        channels: 3 (RGB) or 1 (Y of YCbCr).
        limit: keep only the first ``limit`` images (sorted by name).
        skip_bad: leave out files that cannot be used (undecodable, or a side below
            ``max(2, scale)``) with a warning, instead of one error listing them all.

    Returns:
        ``list`` of ``(name, lr, hr)``: name str, float32 ``(h, w, channels)`` and
        ``(h*scale, w*scale, channels)`` in [0, 1].
    """
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3; got {channels!r}")
    paths = list_images(resolve_dataset(folder, what="validation set"))[:limit]
    names, images = load_images(paths, max(2, scale), skip_bad, what=str(folder))
    items = []
    for name, image in zip(names, images):
        hr = modcrop(image.astype("float32") / 255.0, scale)
        lr = np.round(np.asarray(degradations.downscale(hr, scale)) * 255.0) / 255.0
        lr = lr.astype("float32")
        if channels == 1:
            hr = np.asarray(rgb_to_y(hr))
            lr = np.asarray(rgb_to_y(lr))
        items.append((Path(name).stem, lr, np.asarray(hr, "float32")))
    return items


def validation_dataset(folder, scale, channels=3, limit=None):
    """``tf.data`` of whole validation images ``(lr, hr)``, batch size 1 (sizes differ).

    Args and values: see ``validation_images``.
    """
    import tensorflow as tf  # deferred: optional on the JAX backend

    items = validation_images(folder, scale, channels, limit)

    def generate():
        for _, lr, hr in items:
            yield lr[None], hr[None]

    spec = tf.TensorSpec((1, None, None, channels), tf.float32)
    return tf.data.Dataset.from_generator(generate, output_signature=(spec, spec))


# --------------------------------------------------------------------------- numpy / JAX
class TrainingPyDataset(keras.utils.PyDataset):
    """``training_dataset``'s twin without ``tf.data``: numpy batches for JAX (or any) backend.

    The same ``PatchSampler`` as ``training_dataset`` (the same patches); the float
    conversion and the degradation are the ``keras.ops`` code of
    ``keras_sr.degradations``, run once per batch. Batch ``k`` of epoch ``e`` is global
    step ``e * steps_per_epoch + k`` and depends only on it and the seed, so a resumed
    run sees the same batches. On the TensorFlow backend the batches equal
    ``training_dataset``'s.

    Args:
        folders, scale, patch_size, batch_size, channels, degradation,
        degradation_options, augment, seed, stride, scale_augment, skip_bad: as
            ``training_dataset``.
        steps_per_epoch: batches per epoch (``len`` of the dataset).
        jit_compile: compile the float-conversion + degradation step with ``jax.jit``
            (JAX only).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` of PyDataset.
    """

    def __init__(self, folders, scale, patch_size, batch_size, steps_per_epoch, channels=3,
                 degradation="bicubic", degradation_options=None, augment=True, seed=0,
                 jit_compile=False, stride=None, scale_augment=None, skip_bad=False,
                 **kwargs):
        super().__init__(**kwargs)
        _check_common(scale, patch_size, batch_size, channels)
        _check_degradation(degradation)
        self.scale, self.patch_size, self.batch_size = scale, patch_size, batch_size
        self.steps_per_epoch = int(steps_per_epoch)
        self.channels, self.degradation = channels, degradation
        self.options = dict(degradation_options or {})
        self.seed = int(seed)
        self.epoch = 0
        self.sampler = patch_sampler(folders, scale, patch_size, augment, seed, stride,
                                     scale_augment, skip_bad)
        self._step = self._make_step(jit_compile)

    def _make_step(self, jit_compile):
        def step(hr, seed_pair):
            hr = _to_channels(hr, self.channels)
            stream = degradations.SeedStream(seed_pair)
            lr = _degrade_batch(hr, self.scale, self.degradation, self.options, stream)
            return lr, hr

        if jit_compile and keras.backend.backend() == "jax":
            import jax  # deferred: only on the JAX backend

            return jax.jit(step)
        return step

    def __len__(self):
        return self.steps_per_epoch

    def crops(self, global_step):
        """uint8 HR crops ``(batch, p*scale, p*scale, 3)`` of one global step, after the
        flips / rotations (the same as ``hr_patch_dataset``)."""
        return self.sampler.batch(global_step, self.batch_size)

    def batch_at(self, global_step):
        """``(lr, hr)`` float32 numpy batch of a global step."""
        seed_pair = np.array([self.seed + DEGRADATION_SEED_OFFSET, global_step], dtype=np.int64)
        if keras.backend.backend() != "tensorflow":
            seed_pair = seed_pair.astype(np.uint32)
        lr, hr = self._step(self.crops(global_step), seed_pair)
        return np.asarray(lr), np.asarray(hr)

    def __getitem__(self, index):
        if not 0 <= index < self.steps_per_epoch:
            raise IndexError(f"batch index {index} out of range [0, {self.steps_per_epoch})")
        return self.batch_at(self.epoch * self.steps_per_epoch + index)

    def on_epoch_end(self):
        self.epoch += 1


__all__ = ["patch_sampler", "training_dataset", "hr_patch_dataset", "paired_dataset",
           "validation_images", "validation_dataset", "TrainingPyDataset",
           "DEGRADATION_SEED_OFFSET"]
