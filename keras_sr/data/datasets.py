"""Training and validation data: ``tf.data`` pipelines and a numpy ``PyDataset`` twin.

Training pipelines decode every image once, keep the pixels in memory (sets that fit in
RAM: T91, BSD200, DIV2K sub-images...) and draw patches *by index*: element ``i`` of the
stream picks its image, crop, flip/rotation and degradation from the stateless seed
``(seed, i)``. The stream is therefore the same at every run whatever the parallelism,
and resuming at batch ``k`` (``start_step=k``) gives exactly the batches an
uninterrupted run would have seen.

``training_dataset`` / ``paired_dataset`` / ``validation_dataset`` return ``tf.data``
datasets and run the ``keras.ops`` degradations inside ``tf.data``, which needs the
TensorFlow backend. With JAX, use ``TrainingPyDataset``: the same sampling and the same
``keras_sr.data.degradations`` code, on numpy batches, no TensorFlow in the loop.
"""

import math
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from keras_sr.data import augment as augment_lib
from keras_sr.data import degradations
from keras_sr.data.io import list_images, read_image
from keras_sr.data.resize import modcrop
from keras_sr.metrics.color import rgb_to_y

_MAX_INDEX = 2 ** 62


# --------------------------------------------------------------------------- loading
def _as_list(folders, name):
    if isinstance(folders, (str, Path)):
        folders = [folders]
    folders = [Path(f) for f in folders]
    if not folders:
        raise ValueError(f"`{name}` must name at least one folder; got an empty list")
    return folders


def image_paths(folders, min_size=None, name="folders", skip_small=False):
    """Sorted image files of one or more folders, checked to be at least ``min_size``.

    Args:
        folders: a folder or a list of folders (str or Path).
        min_size: ``(height, width)`` every image must reach, or None.
        name: argument name used in error messages.
        skip_small: leave out images smaller than ``min_size`` (with a warning) instead
            of raising.

    Returns:
        ``list[Path]``.

    Raises:
        FileNotFoundError / ValueError: missing or empty folder (named), or an image
        smaller than ``min_size`` (the file and both sizes are named).
    """
    paths = []
    for folder in _as_list(folders, name):
        paths.extend(list_images(folder))
    if min_size is not None:
        kept = []
        for path in paths:
            with Image.open(path) as image:
                width, height = image.size
            if height >= min_size[0] and width >= min_size[1]:
                kept.append(path)
            elif not skip_small:
                raise ValueError(f"image {path} is {height}x{width} (HxW) but training "
                                 f"needs at least {min_size[0]}x{min_size[1]} pixels "
                                 "(patch_size x scale); lower `patch_size`, remove it or "
                                 "pass skip_small=True")
        if len(kept) < len(paths):
            import warnings

            warnings.warn(f"skipped {len(paths) - len(kept)} of {len(paths)} images smaller "
                          f"than {min_size[0]}x{min_size[1]} pixels", stacklevel=2)
        if not kept:
            raise ValueError(f"no image of {[str(f) for f in _as_list(folders, name)]} reaches "
                             f"{min_size[0]}x{min_size[1]} pixels (patch_size x scale)")
        paths = kept
    return paths


def _to_uint8(array):
    return np.clip(np.round(array * 255.0), 0, 255).astype(np.uint8)


def _pack(arrays):
    """Concatenate uint8 ``(h, w, c)`` arrays into one flat buffer with offsets and shapes."""
    shapes = np.array([a.shape for a in arrays], dtype=np.int64)
    sizes = np.prod(shapes, axis=1)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    flat = np.concatenate([a.reshape(-1) for a in arrays])
    return flat, offsets, shapes


class _ImageBank:
    """Decoded uint8 RGB images kept in memory, optionally paired with LR images."""

    def __init__(self, hr_paths, lr_paths=None, scale=1):
        self.hr = [_to_uint8(read_image(p, "RGB")) for p in hr_paths]
        self.lr = None
        if lr_paths is not None:
            self.lr = [_to_uint8(read_image(p, "RGB")) for p in lr_paths]
            for index, (lr, hr) in enumerate(zip(self.lr, self.hr)):
                want = (lr.shape[0] * scale, lr.shape[1] * scale)
                if hr.shape[0] < want[0] or hr.shape[1] < want[1]:
                    raise ValueError(f"paired images {lr_paths[index]} ({lr.shape[0]}x"
                                     f"{lr.shape[1]}) and {hr_paths[index]} ({hr.shape[0]}x"
                                     f"{hr.shape[1]}) do not match scale {scale}")
                self.hr[index] = hr[: want[0], : want[1]]

    def __len__(self):
        return len(self.hr)


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


def _to_channels(image, channels):
    """uint8/float RGB -> float32 [0, 1] with ``channels`` (1: BT.601 Y)."""
    image = keras.ops.cast(image, "float32") / 255.0
    return rgb_to_y(image) if channels == 1 else image


def _degrade_batch(hr, scale, degradation, options, seed):
    return degradations.degrade(hr, scale, degradation, seed=seed, **options)


def _require_tensorflow(what):
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"{what} runs keras.ops inside tf.data, which needs the TensorFlow backend; the "
            f"backend is {keras.backend.backend()!r}. Use keras_sr.data.datasets."
            "TrainingPyDataset (same sampling and degradations, numpy batches) instead.")


# --------------------------------------------------------------------------- tf.data
def training_dataset(folders, scale, patch_size, batch_size, channels=3,
                     degradation="bicubic", degradation_options=None, augment=True,
                     seed=0, start_step=0, skip_small=False):
    """An endless ``tf.data`` stream of ``(lr, hr)`` training batches from HR folders.

    Images are decoded once and kept in memory; element ``i`` draws an image (uniformly),
    an HR crop of ``patch_size * scale`` pixels aligned to the LR grid, a random flip and
    90-degree rotation (when ``augment``), and batches are degraded with
    ``keras_sr.data.degradations.degrade``; all draws come from ``(seed, i)``.

    Args:
        folders: HR folder or list of folders.
        scale: integer scale factor.
        patch_size: LR patch side in pixels (ESPCN 17, EDSR 48...).
        batch_size: patches per batch.
        channels: 3 (RGB) or 1 (Y of YCbCr, BT.601 studio range).
        degradation: a chain of ``keras_sr.data.degradations.ORDERS``.
        degradation_options: keyword arguments of ``degrade`` (``noise_sigma``...).
        augment: random flips and 90-degree rotations.
        seed: int; the same seed gives the same batches.
        start_step: index of the first batch (to resume exactly).
        skip_small: leave out images smaller than an HR patch instead of raising.

    Returns:
        ``tf.data.Dataset`` of ``(lr, hr)``: float32 ``(batch, p, p, channels)`` and
        ``(batch, p*scale, p*scale, channels)`` in [0, 1]. Endless: give ``fit``
        ``steps_per_epoch``.
    """
    _require_tensorflow("training_dataset")
    import tensorflow as tf

    _check_common(scale, patch_size, batch_size, channels)
    if degradation not in degradations.ORDERS:
        raise ValueError(f"unknown `degradation` {degradation!r}; expected one of "
                         f"{degradations.ORDERS}")
    hr_side = patch_size * scale
    paths = image_paths(folders, (hr_side, hr_side), skip_small=skip_small)
    bank = _ImageBank(paths)
    flat, offsets, shapes = _pack(bank.hr)
    flat, offsets, shapes = tf.constant(flat), tf.constant(offsets), tf.constant(shapes)
    count = len(bank)
    options = dict(degradation_options or {})

    def element(index):
        stream = degradations.SeedStream(tf.stack([tf.constant(seed, tf.int64), index]))
        pick = keras.random.randint((), 0, count, seed=stream)
        shape = shapes[pick]
        size = shape[0] * shape[1] * shape[2]
        image = tf.ensure_shape(tf.reshape(flat[offsets[pick]: offsets[pick] + size], shape),
                                (None, None, 3))
        _, hr = augment_lib.random_crop(None, image, patch_size, scale, seed=stream)
        if augment:
            _, hr = augment_lib.random_flip_rotate(None, hr, seed=stream)
        hr = _to_channels(hr, channels)
        return tf.ensure_shape(hr, (hr_side, hr_side, channels)), index

    def degrade(hr, indices):
        stream = degradations.SeedStream(
            tf.stack([tf.constant(seed + 7919, tf.int64), indices[0]]))
        lr = _degrade_batch(hr, scale, degradation, options, stream)
        return tf.ensure_shape(lr, (batch_size, patch_size, patch_size, channels)), hr

    first = int(start_step) * batch_size
    data = tf.data.Dataset.range(first, _MAX_INDEX)
    data = data.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    data = data.batch(batch_size, drop_remainder=True)
    data = data.map(degrade, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.prefetch(tf.data.AUTOTUNE)


def paired_dataset(lr_folders, hr_folders, scale, patch_size, batch_size, channels=3,
                   augment=True, seed=0, start_step=0):
    """An endless ``tf.data`` stream of ``(lr, hr)`` patches from given LR/HR folders.

    For real-world sets (RealSR, DRealSR, ...): the i-th LR file (sorted by name) pairs
    with the i-th HR file, which must be ``scale`` times larger (extra HR rows/columns
    are cropped). Crops, flips and rotations are the same for both images.

    Args:
        lr_folders, hr_folders: folder or list of folders with the same number of images.
        scale, patch_size, batch_size, channels, augment, seed, start_step: as
            ``training_dataset``.

    Returns:
        ``tf.data.Dataset`` of ``(lr, hr)`` float32 batches in [0, 1].
    """
    _require_tensorflow("paired_dataset")
    import tensorflow as tf

    _check_common(scale, patch_size, batch_size, channels)
    lr_paths = image_paths(lr_folders, (patch_size, patch_size), name="lr_folders")
    hr_paths = image_paths(hr_folders, name="hr_folders")
    if len(lr_paths) != len(hr_paths):
        raise ValueError(f"paired_dataset: {len(lr_paths)} LR images but {len(hr_paths)} HR "
                         "images; the folders must hold the same number of files")
    bank = _ImageBank(hr_paths, lr_paths, scale)
    packed_lr = [tf.constant(a) for a in _pack(bank.lr)]
    packed_hr = [tf.constant(a) for a in _pack(bank.hr)]
    count = len(bank)
    hr_side = patch_size * scale

    def gather(packed, pick):
        flat, offsets, shapes = packed
        shape = shapes[pick]
        size = shape[0] * shape[1] * shape[2]
        return tf.ensure_shape(tf.reshape(flat[offsets[pick]: offsets[pick] + size], shape),
                               (None, None, 3))

    def element(index):
        stream = degradations.SeedStream(tf.stack([tf.constant(seed, tf.int64), index]))
        pick = keras.random.randint((), 0, count, seed=stream)
        lr, hr = augment_lib.random_crop(gather(packed_lr, pick), gather(packed_hr, pick),
                                         patch_size, scale, seed=stream)
        if augment:
            lr, hr = augment_lib.random_flip_rotate(lr, hr, seed=stream)
        lr, hr = _to_channels(lr, channels), _to_channels(hr, channels)
        return (tf.ensure_shape(lr, (patch_size, patch_size, channels)),
                tf.ensure_shape(hr, (hr_side, hr_side, channels)))

    data = tf.data.Dataset.range(int(start_step) * batch_size, _MAX_INDEX)
    data = data.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def validation_images(folder, scale, channels=3, limit=None):
    """Whole validation images by the evaluation protocol, as numpy arrays.

    HR is mod-cropped to a multiple of ``scale``; LR is MATLAB bicubic rounded to 8 bits.

    Args:
        folder: folder of HR images.
        scale: integer scale factor.
        channels: 3 (RGB) or 1 (Y of YCbCr).
        limit: keep only the first ``limit`` images (sorted by name).

    Returns:
        ``list`` of ``(name, lr, hr)``: name str, float32 ``(h, w, channels)`` and
        ``(h*scale, w*scale, channels)`` in [0, 1].
    """
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3; got {channels!r}")
    paths = image_paths(folder)[:limit]
    items = []
    for path in paths:
        hr = modcrop(read_image(path, "RGB"), scale)
        if hr.shape[0] < scale or hr.shape[1] < scale:
            raise ValueError(f"validation image {path} ({hr.shape[0]}x{hr.shape[1]}) is "
                             f"smaller than the scale {scale}")
        lr = np.round(np.asarray(degradations.downscale(hr, scale)) * 255.0) / 255.0
        lr = lr.astype("float32")
        if channels == 1:
            hr = np.asarray(rgb_to_y(hr))
            lr = np.asarray(rgb_to_y(lr))
        items.append((path.stem, lr, hr.astype("float32")))
    return items


def validation_dataset(folder, scale, channels=3, limit=None):
    """``tf.data`` of whole validation images ``(lr, hr)``, batch size 1 (sizes differ).

    Args and values: see ``validation_images``.
    """
    import tensorflow as tf

    items = validation_images(folder, scale, channels, limit)

    def generate():
        for _, lr, hr in items:
            yield lr[None], hr[None]

    spec = tf.TensorSpec((1, None, None, channels), tf.float32)
    return tf.data.Dataset.from_generator(generate, output_signature=(spec, spec))


# --------------------------------------------------------------------------- numpy / JAX
class TrainingPyDataset(keras.utils.PyDataset):
    """``training_dataset``'s twin without ``tf.data``: numpy batches for JAX (or any) backend.

    Crops are cut in numpy (image and offsets from ``numpy.random.default_rng((seed,
    i))``); flips, rotations and the degradation are the ``keras.ops`` functions of
    ``keras_sr.data.augment`` / ``degradations``, run once per batch. Batch ``k`` of
    epoch ``e`` is global step ``e * steps_per_epoch + k`` and depends only on it and
    the seed, so a resumed run sees the same batches.

    Args:
        folders, scale, patch_size, batch_size, channels, degradation,
        degradation_options, augment, seed, skip_small: as ``training_dataset``.
        steps_per_epoch: batches per epoch (``len`` of the dataset).
        jit_compile: compile the augment+degrade step with ``jax.jit`` (JAX only).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` of PyDataset.
    """

    def __init__(self, folders, scale, patch_size, batch_size, steps_per_epoch, channels=3,
                 degradation="bicubic", degradation_options=None, augment=True, seed=0,
                 jit_compile=False, skip_small=False, **kwargs):
        super().__init__(**kwargs)
        _check_common(scale, patch_size, batch_size, channels)
        if degradation not in degradations.ORDERS:
            raise ValueError(f"unknown `degradation` {degradation!r}; expected one of "
                             f"{degradations.ORDERS}")
        self.scale, self.patch_size, self.batch_size = scale, patch_size, batch_size
        self.steps_per_epoch = int(steps_per_epoch)
        self.channels, self.degradation, self.augment = channels, degradation, augment
        self.options = dict(degradation_options or {})
        self.seed = int(seed)
        self.epoch = 0
        hr_side = patch_size * scale
        self.bank = _ImageBank(image_paths(folders, (hr_side, hr_side), skip_small=skip_small))
        self._step = self._make_step(jit_compile)

    def _make_step(self, jit_compile):
        def step(hr, seed_pair):
            stream = degradations.SeedStream(seed_pair)
            if self.augment:
                _, hr = augment_lib.random_flip_rotate(None, hr, seed=stream)
            hr = _to_channels(hr, self.channels)
            lr = _degrade_batch(hr, self.scale, self.degradation, self.options, stream)
            return lr, hr

        if jit_compile and keras.backend.backend() == "jax":
            import jax

            return jax.jit(step)
        return step

    def __len__(self):
        return self.steps_per_epoch

    def crops(self, global_step):
        """uint8 HR crops ``(batch, p*scale, p*scale, 3)`` of one global step."""
        side = self.patch_size * self.scale
        out = np.empty((self.batch_size, side, side, 3), np.uint8)
        for row in range(self.batch_size):
            rng = np.random.default_rng((self.seed, global_step * self.batch_size + row))
            image = self.bank.hr[int(rng.integers(len(self.bank)))]
            top = int(rng.integers(image.shape[0] // self.scale - self.patch_size + 1))
            left = int(rng.integers(image.shape[1] // self.scale - self.patch_size + 1))
            out[row] = image[top * self.scale: top * self.scale + side,
                             left * self.scale: left * self.scale + side]
        return out

    def batch_at(self, global_step):
        """``(lr, hr)`` float32 numpy batch of a global step."""
        seed_pair = np.array([self.seed + 7919, global_step], dtype=np.int64)
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


def steps_for_epochs(epochs, steps_per_epoch):
    """Total optimisation steps of a run (helper for schedules)."""
    return int(math.ceil(epochs * steps_per_epoch))


__all__ = ["image_paths", "training_dataset", "paired_dataset", "validation_images",
           "validation_dataset", "TrainingPyDataset", "steps_for_epochs"]
