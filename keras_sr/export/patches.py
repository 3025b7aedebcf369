"""Random (LR, HR) training patches from HR image folders, for QAT and int8 calibration."""

from pathlib import Path

import numpy as np

BUILTIN_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def builtin_photos():
    """scikit-image's CC0 photos as float32 RGB in [0, 1] (a tiny built-in image set)."""
    import skimage.data

    images = []
    for name in BUILTIN_PHOTOS:
        image = getattr(skimage.data, name)()
        images.append(np.asarray(image[..., :3], dtype="float32") / 255.0)
    return images


def load_folders(folders, max_images=None):
    """Read every image of the given folders (sorted) as float32 RGB arrays."""
    from keras_sr.image.io import list_images, read_image

    if isinstance(folders, (str, Path)):
        folders = [folders]
    paths = [path for folder in folders for path in list_images(folder)]
    return [read_image(path) for path in paths[:max_images]]


def sample_patches(images, scale, patch_size=32, count=256, channels=3, seed=0):
    """Random aligned (LR, HR) patches with the bicubic degradation of the SR tables.

    Args:
        images: list of HR float32 RGB ``(H, W, 3)`` arrays in [0, 1].
        scale: int upscaling factor.
        patch_size: int, LR patch side (HR side is ``patch_size * scale``).
        count: int, number of patches.
        channels: 3 (RGB) or 1 (BT.601 Y, [16, 235] / 255, as Y models are trained).
        seed: int, seeds the crop positions and flips.

    Returns:
        ``(lr, hr)`` float32 arrays ``(count, p, p, c)`` and ``(count, p*s, p*s, c)``;
        LR rounded to 8 bits like saved LR images.
    """
    from keras import ops

    from keras_sr.image.resize import bicubic_degrade
    from keras_sr.image.color import rgb_to_y

    if not images:
        raise ValueError("sample_patches: `images` is empty")
    rng = np.random.default_rng(seed)
    hr_size = patch_size * scale
    usable = [img for img in images if min(img.shape[:2]) >= hr_size]
    if not usable:
        raise ValueError(f"sample_patches: no image is at least {hr_size}x{hr_size} px "
                         f"(patch_size={patch_size}, scale={scale})")
    hr = np.empty((count, hr_size, hr_size, 3), dtype="float32")
    for i in range(count):
        image = usable[rng.integers(len(usable))]
        y = rng.integers(image.shape[0] - hr_size + 1)
        x = rng.integers(image.shape[1] - hr_size + 1)
        patch = image[y:y + hr_size, x:x + hr_size]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        hr[i] = patch
    if channels == 1:
        hr = np.asarray(ops.convert_to_numpy(rgb_to_y(hr)), dtype="float32")
    elif channels != 3:
        raise ValueError(f"sample_patches: `channels` must be 1 or 3; got {channels!r}")
    lr = np.asarray(ops.convert_to_numpy(bicubic_degrade(hr, scale)), dtype="float32")
    lr = np.round(lr * 255.0) / 255.0
    return lr.astype("float32"), hr
