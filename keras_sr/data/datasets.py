"""Training and validation data: ``tf.data`` pipelines and a numpy ``PyDataset`` twin.

Training pipelines decode every image once, keep the pixels in memory (sets that fit in
RAM: T91, BSD200, DIV2K sub-images...) and draw patches *by index*: element ``i`` of the
stream picks its image, crop offset and symmetry (flip / 90-degree rotation) from a
counter-based hash of ``(seed, i)``, and batch ``k`` draws its degradation parameters
from ``(seed, k)``. The stream is therefore the same at every run whatever the
parallelism, resuming at batch ``k`` (``start_step=k``) gives exactly the batches an
uninterrupted run would have seen, and the ``tf.data`` pipeline and ``TrainingPyDataset``
cut the same patches (the hash gives the same integers in TensorFlow and numpy).

Speed: crops and symmetries are cut per element on uint8 pixels (a few cheap ops, no
control flow); the conversion to float, the Y channel and the degradation run once per
batch with static shapes (the MATLAB bicubic resize is then two matrix products).

``training_dataset`` / ``paired_dataset`` / ``validation_dataset`` return ``tf.data``
datasets and run the ``keras.ops`` degradations inside ``tf.data``, which needs the
TensorFlow backend. ``hr_patch_dataset`` delivers the uint8 HR crops alone, to degrade on
the accelerator (``keras_sr.layers.Degrade``). With JAX, use
``TrainingPyDataset``: the same sampling and the same ``keras_sr.degradations``
code, on numpy batches, no TensorFlow in the loop.
"""

import math
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from keras_sr import degradations
from keras_sr.image.color import rgb_to_y
from keras_sr.image.io import list_images, read_image
from keras_sr.image.resize import modcrop

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
_DEGRADATION_SEED_OFFSET = 7919


def _require_tensorflow(what):
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"{what} runs keras.ops inside tf.data, which needs the TensorFlow backend; the "
            f"backend is {keras.backend.backend()!r}. Use keras_sr.data.datasets."
            "TrainingPyDataset (same sampling and degradations, numpy batches) instead.")


# --------------------------------------------------------------------------- sampling
# Every random choice of the training streams (image, crop offset, symmetry) is an
# integer hash of (seed, element index, draw number): stateless, vectorisable, and the
# same 32-bit integers in numpy and TensorFlow. The mixing function is the "lowbias32"
# integer finaliser (xor-shift / multiply, C. Wellons); products wrap modulo 2**32 in
# uint32 on both sides.
_MASK32 = 0xFFFFFFFF
_DRAW_STEP = 0x9E3779B9  # 2**32 / golden ratio: spreads the draw numbers apart
_MIX = ((16, 0x7FEB352D), (15, 0x846CA68B), (16, None))
_DRAWS = 4  # image, top, left, symmetry


def _mix32_py(x):
    for shift, factor in _MIX:
        x ^= x >> shift
        if factor is not None:
            x = (x * factor) & _MASK32
    return x


def _seed_key(seed):
    """A 32-bit key from a Python int seed (any sign or size)."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    return _mix32_py(_mix32_py((seed >> 32) ^ 0x5EED) ^ (seed & _MASK32))


def _hash_np(seed, indices, draws=_DRAWS):
    """``draws`` uint32 per element: numpy ``(n, draws)`` for int indices ``(n,)``."""
    indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
    lo = (indices & _MASK32).astype(np.uint32)
    hi = (indices >> 32).astype(np.uint32)

    def mix(x):
        for shift, factor in _MIX:
            x = x ^ (x >> np.uint32(shift))
            if factor is not None:
                x = x * np.uint32(factor)
        return x

    h = mix(mix(lo ^ np.uint32(_seed_key(seed))) ^ hi)
    steps = np.array([((j + 1) * _DRAW_STEP) & _MASK32 for j in range(draws)], np.uint32)
    return mix(h[:, None] ^ steps[None, :])


def _hash_tf(seed, index, draws=_DRAWS):
    """The TensorFlow twin of ``_hash_np`` for one int64 scalar index: uint32 ``(draws,)``."""
    import tensorflow as tf

    def mix(x):
        for shift, factor in _MIX:
            x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(shift, tf.uint32)))
            if factor is not None:
                x = x * tf.constant(factor, tf.uint32)
        return x

    index = tf.cast(index, tf.int64)
    lo = tf.cast(tf.bitwise.bitwise_and(index, _MASK32), tf.uint32)
    hi = tf.cast(tf.bitwise.right_shift(index, 32), tf.uint32)
    h = mix(tf.bitwise.bitwise_xor(
        mix(tf.bitwise.bitwise_xor(lo, tf.constant(_seed_key(seed), tf.uint32))), hi))
    steps = tf.constant([((j + 1) * _DRAW_STEP) & _MASK32 for j in range(draws)], tf.uint32)
    return mix(tf.bitwise.bitwise_xor(h, steps))


def _below(h, n):
    """Integers uniform in ``[0, n)`` from uint32 hashes: ``(h * n) >> 32`` (numpy arrays)."""
    return (h.astype(np.int64) * np.asarray(n, np.int64)) >> 32


def _below_tf(h, n):
    """``_below`` in TensorFlow: int64 in ``[0, n)`` from uint32 ``h``."""
    import tensorflow as tf

    return tf.bitwise.right_shift(tf.cast(h, tf.int64) * tf.cast(n, tf.int64), 32)


def _plan_np(seed, indices, shapes, patch_size, scale):
    """Crop plans of elements ``indices``: ``(pick, top, left, symmetry)`` int64 arrays.

    ``shapes`` are the ``(h, w, c)`` of the images; ``top``/``left`` are on the grid of
    ``scale`` pixels (LR pixels), ``symmetry`` in [0, 8) (see ``_symmetry_np``).
    """
    h = _hash_np(seed, indices)
    pick = _below(h[:, 0], len(shapes))
    top = _below(h[:, 1], shapes[pick, 0] // scale - patch_size + 1)
    left = _below(h[:, 2], shapes[pick, 1] // scale - patch_size + 1)
    return pick, top, left, _below(h[:, 3], 8)


def _plan_tf(seed, index, shapes, patch_size, scale):
    """``_plan_np`` for one element in TensorFlow (``shapes``: int64 tensor ``(n, 3)``)."""
    h = _hash_tf(seed, index)
    pick = _below_tf(h[0], shapes.shape[0])
    shape = shapes[pick]
    top = _below_tf(h[1], shape[0] // scale - patch_size + 1)
    left = _below_tf(h[2], shape[1] // scale - patch_size + 1)
    return pick, top, left, _below_tf(h[3], 8)


def _symmetry_np(image, symmetry):
    """One of the 8 symmetries of the square: bit 2 transposes H and W, then bit 0 flips
    rows (up-down) and bit 1 flips columns (left-right). ``image``: ``(H, W, C)``."""
    if symmetry & 4:
        image = image.transpose(1, 0, 2)
    if symmetry & 1:
        image = image[::-1]
    if symmetry & 2:
        image = image[:, ::-1]
    return image


def _symmetry_tf(image, symmetry):
    """``_symmetry_np`` in TensorFlow, without control flow (a ``tf.cond`` per element
    costs more than the copies): a transpose with a computed permutation, then a reverse
    on computed axes. ``image``: ``(S, S, C)``; the static shape is kept."""
    import tensorflow as tf

    shape = image.shape
    symmetry = tf.cast(symmetry, tf.int32)
    swap = tf.bitwise.right_shift(symmetry, 2)
    image = tf.transpose(image, tf.stack([swap, 1 - swap, 2]))
    flips = tf.bitwise.bitwise_and(symmetry, tf.constant([1, 2], tf.int32)) > 0
    image = tf.reverse(image, tf.reshape(tf.where(flips), (-1,)))
    return tf.ensure_shape(image, shape)


def _packed_tf(arrays):
    """``_pack`` as constant tensors: uint8 ``(total,)``, int64 offsets ``(n,)`` and
    shapes ``(n, 3)``."""
    import tensorflow as tf

    return tuple(tf.constant(a) for a in _pack(arrays))


def _crop_tf(packed, pick, top, left, side):
    """``side x side`` uint8 crop at ``(top, left)`` of image ``pick`` of a packed bank."""
    import tensorflow as tf

    flat, offsets, shapes = packed
    shape = shapes[pick]
    image = tf.reshape(flat[offsets[pick]: offsets[pick] + shape[0] * shape[1] * shape[2]],
                       shape)
    return image[top: top + side, left: left + side]


# --------------------------------------------------------------------------- tf.data
def _hr_patches(folders, scale, patch_size, batch_size, augment, seed, start_step,
                skip_small):
    """Batches of uint8 HR crops (``tf.data``), element ``i`` drawn from ``(seed, i)``."""
    import tensorflow as tf

    hr_side = patch_size * scale
    paths = image_paths(folders, (hr_side, hr_side), skip_small=skip_small)
    packed = _packed_tf(_ImageBank(paths).hr)

    def element(index):
        pick, top, left, symmetry = _plan_tf(seed, index, packed[2], patch_size, scale)
        hr = tf.ensure_shape(_crop_tf(packed, pick, top * scale, left * scale, hr_side),
                             (hr_side, hr_side, 3))
        return _symmetry_tf(hr, symmetry) if augment else hr

    data = tf.data.Dataset.range(int(start_step) * batch_size, _MAX_INDEX)
    data = data.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.batch(batch_size, drop_remainder=True)


def hr_patch_dataset(folders, scale, patch_size, batch_size, augment=True, seed=0,
                     start_step=0, skip_small=False):
    """An endless ``tf.data`` stream of uint8 HR crops, to degrade on the accelerator.

    The same crops, flips and rotations as ``training_dataset`` with the same arguments
    (before its float conversion and degradation). Make the LR inside the training step,
    e.g. ``hr = keras.ops.cast(batch, "float32") / 255`` then
    ``lr = keras_sr.layers.Degrade(scale, order)(hr)``: the host only cuts
    crops, and uint8 moves four times fewer bytes to the device than float32.

    Args:
        folders, scale, patch_size, batch_size, augment, seed, start_step, skip_small: as
            ``training_dataset``.

    Returns:
        ``tf.data.Dataset`` of uint8 RGB ``(batch, p*scale, p*scale, 3)`` in [0, 255].
    """
    _require_tensorflow("hr_patch_dataset")
    import tensorflow as tf

    _check_common(scale, patch_size, batch_size, 3)
    data = _hr_patches(folders, scale, patch_size, batch_size, augment, seed, start_step,
                       skip_small)
    return data.prefetch(tf.data.AUTOTUNE)


def training_dataset(folders, scale, patch_size, batch_size, channels=3,
                     degradation="bicubic", degradation_options=None, augment=True,
                     seed=0, start_step=0, skip_small=False):
    """An endless ``tf.data`` stream of ``(lr, hr)`` training batches from HR folders.

    Images are decoded once and kept in memory; element ``i`` draws an image (uniformly),
    an HR crop of ``patch_size * scale`` pixels aligned to the LR grid and (when
    ``augment``) one of the 8 flips / 90-degree rotations, all from ``(seed, i)``; crops
    are cut on uint8 pixels. Batch ``k`` is then converted to float (and Y) and degraded
    at once with ``keras_sr.degradations.degrade``, its random draws from
    ``(seed + 7919, k)``.

    Args:
        folders: HR folder or list of folders.
        scale: integer scale factor.
        patch_size: LR patch side in pixels (ESPCN 17, EDSR 48...).
        batch_size: patches per batch.
        channels: 3 (RGB) or 1 (Y of YCbCr, BT.601 studio range).
        degradation: a chain of ``keras_sr.degradations.ORDERS``.
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
    _check_degradation(degradation)
    hr_side = patch_size * scale
    options = dict(degradation_options or {})

    def degrade(step, hr):
        hr = _to_channels(hr, channels)
        stream = degradations.SeedStream(tf.stack(
            [tf.constant(seed + _DEGRADATION_SEED_OFFSET, tf.int64), tf.cast(step, tf.int64)]))
        lr = _degrade_batch(hr, scale, degradation, options, stream)
        return (tf.ensure_shape(lr, (batch_size, patch_size, patch_size, channels)),
                tf.ensure_shape(hr, (batch_size, hr_side, hr_side, channels)))

    data = _hr_patches(folders, scale, patch_size, batch_size, augment, seed, start_step,
                       skip_small)
    data = data.enumerate(start=int(start_step))
    data = data.map(degrade, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.prefetch(tf.data.AUTOTUNE)


def paired_dataset(lr_folders, hr_folders, scale, patch_size, batch_size, channels=3,
                   augment=True, seed=0, start_step=0):
    """An endless ``tf.data`` stream of ``(lr, hr)`` patches from given LR/HR folders.

    For real-world sets (RealSR, DRealSR, ...): the i-th LR file (sorted by name) pairs
    with the i-th HR file, which must be ``scale`` times larger (extra HR rows/columns
    are cropped). Crops, flips and rotations are the same for both images and are drawn
    from ``(seed, element index)`` as in ``training_dataset``.

    Args:
        lr_folders, hr_folders: folder or list of folders with the same number of images.
        scale, patch_size, batch_size, channels, augment, seed, start_step: as
            ``training_dataset``.

    Returns:
        ``tf.data.Dataset`` of ``(lr, hr)`` float32 batches in [0, 1]:
        ``(batch, p, p, channels)`` and ``(batch, p*scale, p*scale, channels)``.
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
    packed_lr, packed_hr = _packed_tf(bank.lr), _packed_tf(bank.hr)
    hr_side = patch_size * scale

    def element(index):
        pick, top, left, symmetry = _plan_tf(seed, index, packed_lr[2], patch_size, 1)
        lr = tf.ensure_shape(_crop_tf(packed_lr, pick, top, left, patch_size),
                             (patch_size, patch_size, 3))
        hr = tf.ensure_shape(_crop_tf(packed_hr, pick, top * scale, left * scale, hr_side),
                             (hr_side, hr_side, 3))
        if augment:
            lr, hr = _symmetry_tf(lr, symmetry), _symmetry_tf(hr, symmetry)
        return lr, hr

    def to_float(lr, hr):
        return _to_channels(lr, channels), _to_channels(hr, channels)

    data = tf.data.Dataset.range(int(start_step) * batch_size, _MAX_INDEX)
    data = data.map(element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    data = data.batch(batch_size, drop_remainder=True)
    data = data.map(to_float, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return data.prefetch(tf.data.AUTOTUNE)


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

    Crops, flips and rotations are cut in numpy on uint8 pixels with the same
    ``(seed, element index)`` hash as ``training_dataset`` (the same patches); the float
    conversion and the degradation are the ``keras.ops`` code of
    ``keras_sr.degradations``, run once per batch. Batch ``k`` of epoch ``e`` is
    global step ``e * steps_per_epoch + k`` and depends only on it and the seed, so a
    resumed run sees the same batches. On the TensorFlow backend the batches equal
    ``training_dataset``'s.

    Args:
        folders, scale, patch_size, batch_size, channels, degradation,
        degradation_options, augment, seed, skip_small: as ``training_dataset``.
        steps_per_epoch: batches per epoch (``len`` of the dataset).
        jit_compile: compile the float-conversion + degradation step with ``jax.jit``
            (JAX only).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` of PyDataset.
    """

    def __init__(self, folders, scale, patch_size, batch_size, steps_per_epoch, channels=3,
                 degradation="bicubic", degradation_options=None, augment=True, seed=0,
                 jit_compile=False, skip_small=False, **kwargs):
        super().__init__(**kwargs)
        _check_common(scale, patch_size, batch_size, channels)
        _check_degradation(degradation)
        self.scale, self.patch_size, self.batch_size = scale, patch_size, batch_size
        self.steps_per_epoch = int(steps_per_epoch)
        self.channels, self.degradation, self.augment = channels, degradation, augment
        self.options = dict(degradation_options or {})
        self.seed = int(seed)
        self.epoch = 0
        hr_side = patch_size * scale
        self.bank = _ImageBank(image_paths(folders, (hr_side, hr_side), skip_small=skip_small))
        self._shapes = np.array([image.shape for image in self.bank.hr], dtype=np.int64)
        self._step = self._make_step(jit_compile)

    def _make_step(self, jit_compile):
        def step(hr, seed_pair):
            hr = _to_channels(hr, self.channels)
            stream = degradations.SeedStream(seed_pair)
            lr = _degrade_batch(hr, self.scale, self.degradation, self.options, stream)
            return lr, hr

        if jit_compile and keras.backend.backend() == "jax":
            import jax

            return jax.jit(step)
        return step

    def __len__(self):
        return self.steps_per_epoch

    def crops(self, global_step):
        """uint8 HR crops ``(batch, p*scale, p*scale, 3)`` of one global step, after the
        flips / rotations when ``augment`` (the same as ``hr_patch_dataset``)."""
        side, scale = self.patch_size * self.scale, self.scale
        indices = global_step * self.batch_size + np.arange(self.batch_size, dtype=np.int64)
        picks, tops, lefts, symmetries = _plan_np(self.seed, indices, self._shapes,
                                                  self.patch_size, scale)
        out = np.empty((self.batch_size, side, side, 3), np.uint8)
        for row, (pick, top, left, symmetry) in enumerate(zip(picks, tops, lefts, symmetries)):
            crop = self.bank.hr[pick][top * scale: top * scale + side,
                                      left * scale: left * scale + side]
            out[row] = _symmetry_np(crop, int(symmetry)) if self.augment else crop
        return out

    def batch_at(self, global_step):
        """``(lr, hr)`` float32 numpy batch of a global step."""
        seed_pair = np.array([self.seed + _DEGRADATION_SEED_OFFSET, global_step], dtype=np.int64)
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


__all__ = ["image_paths", "training_dataset", "hr_patch_dataset", "paired_dataset",
           "validation_images", "validation_dataset", "TrainingPyDataset", "steps_for_epochs"]
