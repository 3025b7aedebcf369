"""Random (LR, HR) training patches from HR image folders, for QAT and int8 calibration."""

from pathlib import Path

import numpy as np
from keras import ops

from keras_sr.data.patches import PatchSampler, load_images
from keras_sr.data.sets import resolve_dataset
from keras_sr.image.io import list_images
from keras_sr.image.color import rgb_to_y
from keras_sr.image.resize import bicubic_degrade

BUILTIN_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def builtin_photos():
    """scikit-image's CC0 photos as float32 RGB in [0, 1] (a tiny built-in image set)."""
    import skimage.data

    images = []
    for name in BUILTIN_PHOTOS:
        image = getattr(skimage.data, name)()
        images.append(np.asarray(image[..., :3], dtype="float32") / 255.0)
    return images


def load_folders(folders, max_images=None, skip_bad=False):
    """Decode the images of folders or set names (sorted) as uint8 RGB arrays.

    Args:
        folders: a folder / set name (``keras_sr.data.sets.resolve_dataset``) or a list.
        max_images: keep the first ``max_images`` files, or all (None).
        skip_bad: leave out files that cannot be used (with a warning) instead of one
            error listing them all (``keras_sr.data.patches.load_images``).

    Returns:
        list of uint8 ``(H, W, 3)`` arrays.
    """
    if isinstance(folders, (str, Path)):
        folders = [folders]
    paths = [path for folder in folders
             for path in list_images(resolve_dataset(folder, what="training images"))]
    return load_images(paths[:max_images], skip_bad=skip_bad, what="training images")[1]


def sample_patches(images, scale, patch_size=32, count=256, channels=3, seed=0,
                   augment="flip"):
    """(LR, HR) patches with the bicubic degradation of the SR tables, for QAT / calibration.

    The HR patches are elements ``0 ... count - 1`` of ``keras_sr.data.patches.
    PatchSampler`` (random LR-grid aligned crops, the training sampler), so they depend
    only on ``seed``.

    Args:
        images: list of HR RGB arrays ``(H, W, 3)`` (float32 in [0, 1] or uint8; floats
            are rounded to 8 bits), or HR folder(s) / set name(s).
        scale: int upscaling factor.
        patch_size: int, LR patch side (HR side is ``patch_size * scale``).
        count: int, number of patches.
        channels: 3 (RGB) or 1 (BT.601 Y, [16, 235] / 255, as Y models are trained).
        seed: int, seeds the crop positions and flips.
        augment: the sampler's ``augment`` (``"flip"``: random left-right mirror).

    Returns:
        ``(lr, hr)`` float32 arrays ``(count, p, p, c)`` and ``(count, p*s, p*s, c)``;
        LR rounded to 8 bits like saved LR images.
    """
    if channels not in (1, 3):
        raise ValueError(f"sample_patches: `channels` must be 1 or 3; got {channels!r}")
    if isinstance(images, (list, tuple)) and not images:
        raise ValueError("sample_patches: `images` is empty")
    sampler = PatchSampler(images, scale, patch_size, augment=augment, seed=seed,
                           what="images")
    hr = sampler.crops(np.arange(count)).astype("float32") / 255.0
    if channels == 1:
        hr = np.asarray(ops.convert_to_numpy(rgb_to_y(hr)), dtype="float32")
    lr = np.asarray(ops.convert_to_numpy(bicubic_degrade(hr, scale)), dtype="float32")
    lr = np.round(lr * 255.0) / 255.0
    return lr.astype("float32"), hr
