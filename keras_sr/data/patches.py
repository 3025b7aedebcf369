"""The patch sampler: (LR-grid aligned) HR crops of training images, by index.

One sampler serves every training stream of keras_sr: the ``tf.data`` pipelines and the
numpy ``PyDataset`` of ``keras_sr.data.datasets`` (so JAX trains on the very patches
TensorFlow does), the device-degradation streams of ``keras_sr.training`` and the
calibration patches of ``keras_sr.export.patches``. Crops are cut in numpy on uint8
pixels; ``tf.data`` calls the same code through ``tf.numpy_function``.

Element ``i`` of the stream depends only on ``(seed, i)``, so batch ``k`` depends only on
``(seed, k)``: the stream is the same at every run whatever the parallelism, and a run
resumed at batch ``k`` sees exactly the batches an uninterrupted run would have.

Options (their config keys in ``keras-sr train`` are set by ``keras_sr.training``):

- ``stride=None`` (default): random sampling. Element ``i`` draws an image (uniformly),
  a crop offset on the LR grid and a symmetry from a counter-based hash of ``(seed, i)``.
- ``stride=s`` (int, LR pixels): dense extraction, as SRCNN / FSRCNN / ESPCN cut their
  training sets: every sub-image whose top-left corner lies on the grid of ``s`` LR
  pixels (``s * scale`` HR pixels) is a patch. Epoch ``e`` of the patch list (elements
  ``e * n ... (e + 1) * n - 1``, ``n = len(sampler)`` patches) visits every patch once,
  in a shuffled order drawn from ``(seed, e)``.
- ``scale_augment=(1.0, 0.9, ...)``: every HR image is also shrunk by each factor (MATLAB
  bicubic, rounded to 8 bits) before patches are cut (FSRCNN: 1.0, 0.9, 0.8, 0.7, 0.6);
  each version is an image of its own.
- ``augment``: the symmetry drawn per patch: ``True`` = flips and rotations by 90, 180 and
  270 degrees (the 8 symmetries), ``"rotate"`` = rotations only, ``"flip"`` = left-right
  mirror, ``False`` = none (``keras_sr.data.augment``).
- Images smaller than one HR patch (``patch_size * scale``) cannot give a patch: they are
  left out and a warning says how many (an error if none is left).
- Bad files (not decodable, or a side below ``max(2, scale)`` pixels) are listed together
  with their reason in one ``BadImagesError``; ``skip_bad=True`` leaves them out with a
  warning that counts them.

Example:
    >>> rng = np.random.default_rng(0)
    >>> images = [rng.integers(0, 256, (40, 36, 3), dtype=np.uint8)]
    >>> sampler = PatchSampler(images, scale=2, patch_size=8, stride=4, seed=1)
    >>> len(sampler), sampler.crops(np.arange(3)).shape
    (12, (3, 16, 16, 3))
"""

import threading
import warnings
from pathlib import Path

import numpy as np

from keras_sr.data.augment import apply_symmetry, check_scale_augment, rescale, symmetry_codes
from keras_sr.data.sets import resolve_dataset
from keras_sr.image.io import list_images, read_image

_MAX_INDEX = 2 ** 62


class BadImagesError(ValueError):
    """Image files that cannot be used; ``bad`` lists ``(path, reason)`` for all of them."""

    def __init__(self, message, bad):
        super().__init__(message)
        self.bad = bad


# --------------------------------------------------------------------------- loading
def _sources(images, what):
    """``(paths_or_None, arrays_or_None)`` of a folder / set name / list of either / arrays."""
    if isinstance(images, (str, Path)):
        images = [images]
    images = list(images)
    if not images:
        raise ValueError(f"`{what}` must name at least one folder or image; got an empty list")
    if all(isinstance(item, np.ndarray) for item in images):
        return None, images
    paths = []
    for item in images:
        if isinstance(item, np.ndarray):
            raise ValueError(f"`{what}`: give folders (or set names) or arrays, not both")
        path = Path(str(item)).expanduser()
        paths.extend([path] if path.is_file() else list_images(resolve_dataset(item, what=what)))
    return paths, None


def _as_uint8(array, name):
    array = np.asarray(array)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"{name}: expected an RGB image (H, W, 3); got shape {array.shape}")
    if array.dtype == np.uint8:
        return array
    return np.clip(np.round(array.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)


def load_images(images, min_side=2, skip_bad=False, what="folders"):
    """Decode training images to uint8 RGB, listing every bad file at once.

    Args:
        images: a folder or set name (``keras_sr.data.sets.resolve_dataset``), an image
            file, a list of them, or a list of RGB arrays (uint8, or float in [0, 1]).
        min_side: a smaller height or width makes an image bad (a 1x1 "image").
        skip_bad: leave bad files out with a warning instead of raising.
        what: the argument or config key named in messages.

    Returns:
        ``(names, arrays)``: file paths (or ``"image <i>"``) and uint8 ``(H, W, 3)``.

    Raises:
        BadImagesError: bad files (all of them, each with its reason) and not ``skip_bad``.
    """
    paths, arrays = _sources(images, what)
    names, out, bad = [], [], []
    for index, source in enumerate(paths if paths is not None else arrays):
        name = str(source) if paths is not None else f"image {index}"
        try:
            array = _as_uint8(read_image(source, "RGB") if paths is not None else source, name)
        except (OSError, ValueError) as error:   # ImageReadError is a ValueError
            bad.append((name, str(error)))
            continue
        if min(array.shape[:2]) < min_side:
            bad.append((name, f"{array.shape[0]}x{array.shape[1]} pixels, below the "
                              f"{min_side}x{min_side} minimum"))
            continue
        names.append(name)
        out.append(array)
    if bad and not skip_bad:
        listing = "\n".join(f"  {name}: {reason}" for name, reason in bad)
        raise BadImagesError(
            f"{len(bad)} of {len(bad) + len(out)} files of `{what}` cannot be used:\n{listing}\n"
            "Fix or remove them, or pass skip_bad=True (config data.skip_bad: true) to train "
            "on the others.", bad)
    if bad:
        warnings.warn(f"skip_bad: left out {len(bad)} bad file(s) of {len(bad) + len(out)} "
                      f"in `{what}`: " + "; ".join(f"{n} ({r})" for n, r in bad), stacklevel=3)
    if not out:
        raise ValueError(f"`{what}`: no usable image")
    return names, out


# --------------------------------------------------------------------------- hashing
# Every random choice of random sampling (image, crop offset, symmetry) is an integer hash
# of (seed, element index, draw number): stateless and vectorised. The mixing function
# is the "lowbias32" integer finaliser (xor-shift / multiply, C. Wellons), products
# wrapping modulo 2**32 in uint32.
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


def hash_draws(seed, indices, draws=_DRAWS):
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


def below(h, n):
    """Integers uniform in ``[0, n)`` from uint32 hashes: ``(h * n) >> 32``."""
    return (h.astype(np.int64) * np.asarray(n, np.int64)) >> 32


# --------------------------------------------------------------------------- sampler
class PatchSampler:
    """HR (and, for paired data, LR) training patches by element index; see the module.

    Args:
        hr: HR folder(s) / set name(s), or a list of RGB arrays (uint8, or float in [0, 1]).
        scale: integer scale factor; offsets lie on the LR grid (multiples of ``scale``).
        patch_size: LR patch side (the HR patch is ``patch_size * scale``).
        lr: paired LR folder(s) (matched to ``hr`` by sorted order, ``scale`` times
            smaller; extra HR rows / columns are cropped), or None.
        stride: None (random sampling) or the dense-extraction stride in LR pixels.
        scale_augment: None or HR downscale factors in (0, 1], e.g. ``(1.0, 0.9, 0.8,
            0.7, 0.6)`` (not with ``lr``).
        augment: ``True``, ``"rotate"``, ``"flip"`` or ``False`` (``keras_sr.data.augment``).
        seed: int; the same seed gives the same patches.
        skip_bad: leave bad files out (with a warning) instead of raising ``BadImagesError``.
        what: the argument or config key named in messages.
    """

    def __init__(self, hr, scale, patch_size, lr=None, stride=None, scale_augment=None,
                 augment=True, seed=0, skip_bad=False, what="folders"):
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"`scale` must be a positive integer; got {scale!r}")
        if not isinstance(patch_size, int) or patch_size < 1:
            raise ValueError(f"`patch_size` (LR pixels) must be a positive integer; "
                             f"got {patch_size!r}")
        if stride is not None and (not isinstance(stride, int) or stride < 1):
            raise ValueError(f"`stride` (LR pixels) must be None or a positive integer; "
                             f"got {stride!r}")
        if lr is not None and scale_augment is not None:
            raise ValueError("`scale_augment` rescales HR images, which paired LR/HR data "
                             "cannot follow; leave it out with `lr`")
        self.scale, self.patch_size, self.stride, self.seed = scale, patch_size, stride, int(seed)
        self.codes = np.array(symmetry_codes(augment), np.int64)
        self.side = patch_size * scale
        self.factors = check_scale_augment(scale_augment)
        names, hr_images = load_images(hr, max(2, scale), skip_bad, what)
        lr_images = None
        if lr is not None:
            lr_names, lr_images = load_images(lr, 1, skip_bad, "lr")
            if len(lr_images) != len(hr_images):
                raise ValueError(f"{len(lr_images)} LR images but {len(hr_images)} HR images; "
                                 "paired folders must hold the same number of usable files")
            for index, (small, big) in enumerate(zip(lr_images, hr_images)):
                want = (small.shape[0] * scale, small.shape[1] * scale)
                if big.shape[0] < want[0] or big.shape[1] < want[1]:
                    raise ValueError(f"paired images {lr_names[index]} ({small.shape[0]}x"
                                     f"{small.shape[1]}) and {names[index]} ({big.shape[0]}x"
                                     f"{big.shape[1]}) do not match scale {scale}")
                hr_images[index] = big[: want[0], : want[1]]
        else:
            hr_images = [rescale(image, f) for image in hr_images for f in self.factors]
        self._keep_large(hr_images, lr_images, names, what)
        self._permutations = {}
        self._lock = threading.Lock()

    def _keep_large(self, hr_images, lr_images, names, what):
        keep = [i for i, image in enumerate(hr_images)
                if image.shape[0] >= self.side and image.shape[1] >= self.side]
        if not keep:
            largest = max(range(len(hr_images)), key=lambda i: min(hr_images[i].shape[:2]))
            shape = hr_images[largest].shape
            raise ValueError(f"no image of `{what}` reaches {self.side}x{self.side} pixels "
                             f"(patch_size {self.patch_size} x scale {self.scale}); the "
                             f"largest, {names[largest // len(self.factors)]}, is "
                             f"{shape[0]}x{shape[1]}: lower `patch_size`")
        if len(keep) < len(hr_images):
            versions = "" if len(self.factors) == 1 else \
                f" (each of {len(names)} files in {len(self.factors)} scale_augment sizes)"
            warnings.warn(f"left out {len(hr_images) - len(keep)} of {len(hr_images)} images"
                          f"{versions} of `{what}` smaller than one {self.side}x{self.side} "
                          f"HR patch (patch_size {self.patch_size} x scale {self.scale})",
                          stacklevel=3)
        self.images = [hr_images[i] for i in keep]
        self.lr_images = None if lr_images is None else [lr_images[i] for i in keep]
        # LR-grid sizes: the number of LR pixels of each image, per axis.
        self.grid = np.array([[image.shape[0] // self.scale, image.shape[1] // self.scale]
                              for image in self.images], np.int64)
        if self.stride is not None:
            per_axis = (self.grid - self.patch_size) // self.stride + 1
            self._columns = per_axis[:, 1]
            counts = per_axis[:, 0] * per_axis[:, 1]
            self._starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def __len__(self):
        """Patches per epoch of dense extraction; images for random sampling."""
        return int(self._starts[-1]) if self.stride is not None else len(self.images)

    def _permutation(self, epoch):
        with self._lock:
            if epoch not in self._permutations:
                if len(self._permutations) >= 2:
                    self._permutations.pop(min(self._permutations))
                rng = np.random.default_rng([_seed_key(self.seed), int(epoch)])
                self._permutations[epoch] = rng.permutation(len(self))
            return self._permutations[epoch]

    def plan(self, indices):
        """``(image, top, left, symmetry)`` int64 arrays of elements ``indices``.

        ``top`` / ``left`` are LR-grid offsets (HR offsets divided by ``scale``).
        """
        indices = np.atleast_1d(np.asarray(indices, np.int64))
        h = hash_draws(self.seed, indices)
        symmetry = self.codes[below(h[:, 3], len(self.codes))]
        if self.stride is None:
            pick = below(h[:, 0], len(self.images))
            top = below(h[:, 1], self.grid[pick, 0] - self.patch_size + 1)
            left = below(h[:, 2], self.grid[pick, 1] - self.patch_size + 1)
            return pick, top, left, symmetry
        total = len(self)
        epochs, rows = np.divmod(indices, total)
        positions = np.empty_like(indices)
        for epoch in np.unique(epochs):
            mask = epochs == epoch
            positions[mask] = self._permutation(int(epoch))[rows[mask]]
        pick = np.searchsorted(self._starts, positions, side="right") - 1
        row, column = np.divmod(positions - self._starts[pick], self._columns[pick])
        return pick, row * self.stride, column * self.stride, symmetry

    def crops(self, indices):
        """uint8 HR patches ``(n, S, S, 3)`` of elements ``indices`` (``S = p * scale``)."""
        return self._cut(self.images, self.plan(indices), self.scale, self.side)

    def pairs(self, indices):
        """``(lr, hr)`` uint8 patches of paired data: ``(n, p, p, 3)``, ``(n, S, S, 3)``."""
        if self.lr_images is None:
            raise ValueError("pairs() needs paired data: build the sampler with `lr`")
        plan = self.plan(indices)
        return (self._cut(self.lr_images, plan, 1, self.patch_size),
                self._cut(self.images, plan, self.scale, self.side))

    @staticmethod
    def _cut(images, plan, step, side):
        picks, tops, lefts, symmetries = plan
        out = np.empty((len(picks), side, side, 3), np.uint8)
        for row, (pick, top, left, code) in enumerate(zip(picks, tops, lefts, symmetries)):
            crop = images[pick][top * step: top * step + side, left * step: left * step + side]
            out[row] = apply_symmetry(crop, code)
        return out

    def batch(self, step, batch_size):
        """The HR crops (or ``(lr, hr)`` pairs) of batch ``step``: elements
        ``step * batch_size ... + batch_size - 1``."""
        indices = int(step) * batch_size + np.arange(batch_size, dtype=np.int64)
        return self.crops(indices) if self.lr_images is None else self.pairs(indices)

    def tf_dataset(self, batch_size, start_step=0):
        """Endless ``tf.data`` of ``(step, batch)`` from ``start_step`` on (TensorFlow).

        ``batch`` is ``batch(step, batch_size)`` as uint8 tensors, cut by this numpy code
        through ``tf.numpy_function`` (so ``tf.data`` and ``PyDataset`` streams agree).
        """
        import tensorflow as tf  # deferred: optional on the JAX backend

        hr_shape = (batch_size, self.side, self.side, 3)
        lr_shape = (batch_size, self.patch_size, self.patch_size, 3)
        paired = self.lr_images is not None

        def cut(step):
            def run(k):
                return self.batch(int(k), batch_size)

            if paired:
                lr, hr = tf.numpy_function(run, [step], (tf.uint8, tf.uint8), stateful=False)
                return step, (tf.ensure_shape(lr, lr_shape), tf.ensure_shape(hr, hr_shape))
            hr = tf.numpy_function(run, [step], tf.uint8, stateful=False)
            return step, tf.ensure_shape(hr, hr_shape)

        data = tf.data.Dataset.range(int(start_step), _MAX_INDEX)
        return data.map(cut, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


__all__ = ["PatchSampler", "BadImagesError", "load_images", "hash_draws", "below"]
