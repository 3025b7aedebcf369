"""Evaluate a model (or bicubic interpolation) on a test set by the published protocol.

The protocol of the SR literature (SRCNN, VDSR, EDSR, ... and their MATLAB scripts):

1. HR is cropped so its height and width are multiples of the scale ("modcrop").
2. LR = MATLAB ``imresize(HR, 1/scale, 'bicubic')`` rounded to 8 bits (unless the set
   ships its own LR images, an ``HR``/``LR`` folder pair).
3. SR = model(LR), clipped to [0, 1] and rounded to 8 bits.
4. PSNR and SSIM (Wang 2004) on the BT.601 Y channel (MATLAB ``rgb2ycbcr``) with
   ``scale`` pixels shaved from every border, L = 255.

Greyscale images (one in Set14) are scored on their grey values directly, as the MATLAB
scripts do (they convert to YCbCr only when an image has three channels).
"""

import functools
import math

import numpy as np

from keras_sr.data.benchmark_sets import hr_lr_folders, resolve_dataset
from keras_sr.image.io import list_images, read_image
from keras_sr.inference.predict import upscale_array
from keras_sr.metrics.ssim import K1, K2, WINDOW_SIGMA, WINDOW_SIZE, gaussian_window

_Y_WEIGHTS = np.array([65.481, 128.553, 24.966]) / 255.0


def to_uint8(image):
    """Clip float [0, 1] values and round them to 8-bit levels (kept as float64 0..255)."""
    return np.round(np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * 255.0)


def luma_255(image_255):
    """Y channel in 0..255 of an 8-bit image: BT.601 studio Y for RGB, the value for grey.

    Args:
        image_255: float ``(H, W, 3)`` or ``(H, W, 1)`` with values 0..255.

    Returns:
        float64 ``(H, W, 1)``.
    """
    image_255 = np.asarray(image_255, dtype=np.float64)
    if image_255.shape[-1] == 1:
        return image_255
    return 16.0 + image_255 @ _Y_WEIGHTS[:, None]


def _cubic(x):
    """Keys cubic kernel, a = -0.5 (MATLAB's ``cubic``), float64 numpy."""
    ax = np.abs(x)
    return np.where(ax <= 1, 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1,
                    np.where(ax <= 2, -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2, 0.0))


@functools.lru_cache(maxsize=64)
def _resize_matrix(in_len, scale):
    """Dense ``(out_len, in_len)`` float64 matrix of MATLAB bicubic resizing along one axis.

    The same taps as ``keras_sr.image.resize.imresize`` (tests check they agree), in
    float64 numpy as MATLAB computes; numpy avoids per-image-size compilation on eager
    JAX and is fast on the CPU for whole test sets.
    """
    out_len = int(math.ceil(in_len * scale - 1e-6))
    width = 4.0 / scale if scale < 1 else 4.0
    kernel = (lambda x: scale * _cubic(scale * x)) if scale < 1 else _cubic
    taps = int(math.ceil(width)) + 2
    centre = np.arange(1, out_len + 1) / scale + 0.5 * (1 - 1 / scale)
    index = np.floor(centre - width / 2)[:, None] + np.arange(taps)[None, :]
    weight = kernel(centre[:, None] - index)
    weight /= weight.sum(axis=1, keepdims=True)
    folded = np.mod(index.astype(np.int64) - 1, 2 * in_len)  # symmetric padding
    folded = np.where(folded >= in_len, 2 * in_len - 1 - folded, folded)
    matrix = np.zeros((out_len, in_len))
    np.add.at(matrix, (np.repeat(np.arange(out_len), taps), folded.ravel()), weight.ravel())
    return matrix


def imresize_numpy(image, scale):
    """MATLAB bicubic ``imresize`` of one ``(H, W, C)`` image, float64 numpy.

    Args:
        image: float array ``(H, W, C)``.
        scale: output / input size (``1/4`` shrinks by four, with antialiasing).

    Returns:
        float64 ``(ceil(H*scale), ceil(W*scale), C)``, not clipped.
    """
    image = np.asarray(image, dtype=np.float64)
    rows = _resize_matrix(int(image.shape[0]), float(scale))
    cols = _resize_matrix(int(image.shape[1]), float(scale))
    return np.einsum("ph,hwc,qw->pqc", rows, image, cols, optimize=True)


def bicubic_upscale(lr, scale):
    """The "bicubic" model: MATLAB bicubic ``imresize`` of LR by ``scale``.

    Args:
        lr: float ``(h, w, c)`` in [0, 1].
        scale: integer scale.

    Returns:
        float64 ``(h*scale, w*scale, c)`` (not clipped).
    """
    return imresize_numpy(lr, float(scale))


def _degrade(hr_255, scale):
    """MATLAB bicubic downscale of an 8-bit HR image, rounded to 8 bits, in [0, 1]."""
    lr = imresize_numpy(np.asarray(hr_255, dtype=np.float64) / 255.0, 1.0 / scale)
    return to_uint8(lr) / 255.0


def _super_resolve(model, lr, scale):
    if isinstance(model, str):
        if model != "bicubic":
            raise ValueError(f"evaluate: the only model given by name here is 'bicubic'; "
                             f"got {model!r} (build other models with keras_sr.models.get)")
        return bicubic_upscale(lr, scale)
    return upscale_array(model, lr, scale=scale)


def _gaussian_filter_valid(x, taps):
    """Separable 'valid' filtering of a 2-D float64 array with 1-D ``taps``."""
    size = len(taps)
    rows = sum(w * x[i:x.shape[0] - size + 1 + i] for i, w in enumerate(taps))
    return sum(w * rows[:, j:rows.shape[1] - size + 1 + j] for j, w in enumerate(taps))


def ssim_numpy(a, b, max_val=255.0):
    """SSIM (Wang 2004, 11x11 Gaussian sigma 1.5, valid windows) of two 2-D arrays, float64.

    The same definition as ``keras_sr.metrics.ssim`` (tested equal), computed in float64
    numpy as MATLAB does; the evaluation uses it because it runs at the same speed on
    every backend (eager JAX compiles each op anew for every image size).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    taps = gaussian_window(WINDOW_SIZE, WINDOW_SIGMA)
    c1, c2 = (K1 * max_val) ** 2, (K2 * max_val) ** 2
    mu_a, mu_b = _gaussian_filter_valid(a, taps), _gaussian_filter_valid(b, taps)
    var_a = _gaussian_filter_valid(a * a, taps) - mu_a ** 2
    var_b = _gaussian_filter_valid(b * b, taps) - mu_b ** 2
    cov = _gaussian_filter_valid(a * b, taps) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)
                / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2)))
    return float(ssim_map.mean())


def score_pair(hr_255, sr_255, scale):
    """Y-channel PSNR and SSIM of one 8-bit image pair with ``scale`` pixels shaved.

    Args:
        hr_255, sr_255: float ``(H, W, C)`` with values 0..255, C in {1, 3}.
        scale: border to shave (the protocol shaves the scale).

    Returns:
        ``(psnr_y, ssim_y)`` as Python floats (float64 arithmetic).
    """
    y_hr = luma_255(hr_255)[..., 0]
    y_sr = luma_255(sr_255)[..., 0]
    if scale:
        y_hr = y_hr[scale:-scale, scale:-scale]
        y_sr = y_sr[scale:-scale, scale:-scale]
    if min(y_hr.shape) < WINDOW_SIZE:
        raise ValueError(f"evaluate: image of {hr_255.shape[:2]} pixels is too small to "
                         f"score at x{scale} (SSIM needs {WINDOW_SIZE}x{WINDOW_SIZE} after "
                         "shaving the border)")
    mse = float(np.mean((y_hr - y_sr) ** 2))
    value_psnr = float("inf") if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)
    return float(value_psnr), ssim_numpy(y_hr, y_sr, 255.0)


def evaluate(model, dataset, scale, model_name=None, progress=True, limit=None):
    """Score a model on a test set with the standard SR protocol (see module docstring).

    Args:
        model: ``"bicubic"``, a ``keras.Model`` or any callable on ``(1, h, w, c)``
            float batches in [0, 1] (1-channel models get the Y channel, see
            ``keras_sr.inference.upscale_array``).
        dataset: a set name (Set5, Set14, B100, Urban100, Manga109, DIV2K-valid) or a
            folder (of HR images, or with ``HR`` and ``LR`` sub-folders).
        scale: integer upscaling factor (2, 3, 4, ...).
        model_name: name recorded in the result; default the model's name or "bicubic".
        progress: show a tqdm progress bar.
        limit: score only the first ``limit`` images (quick checks).

    Returns:
        dict with ``dataset`` (str), ``scale`` (int), ``model`` (str), ``images`` (int),
        ``psnr_y`` and ``ssim_y`` (means over images) and ``per_image``: a list of
        ``{"name", "psnr_y", "ssim_y"}``.
    """
    if not isinstance(scale, (int, np.integer)) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"evaluate: `scale` must be a positive integer; got {scale!r}")
    scale = int(scale)
    folder = resolve_dataset(dataset)
    hr_folder, lr_folder = hr_lr_folders(folder, scale)
    hr_paths = list_images(hr_folder)
    lr_paths = list_images(lr_folder) if lr_folder is not None else None
    if lr_paths is not None and len(lr_paths) != len(hr_paths):
        raise ValueError(f"evaluate: {hr_folder} has {len(hr_paths)} HR images but "
                         f"{lr_folder} has {len(lr_paths)} LR images")
    if limit is not None:
        hr_paths = hr_paths[:limit]
    if model_name is None:
        model_name = model if isinstance(model, str) else getattr(model, "name", None) \
            or type(model).__name__

    iterator = range(len(hr_paths))
    if progress:
        try:
            from tqdm.auto import tqdm

            iterator = tqdm(iterator, desc=f"{model_name} x{scale} {folder.name}", unit="img")
        except ImportError:
            pass

    per_image = []
    for i in iterator:
        hr_255 = to_uint8(read_image(hr_paths[i], mode=None))
        height, width = hr_255.shape[:2]
        hr_255 = hr_255[: height - height % scale, : width - width % scale]
        if lr_paths is None:
            lr = _degrade(hr_255, scale)
        else:
            lr = read_image(lr_paths[i], mode="L" if hr_255.shape[-1] == 1 else "RGB")
            expected = (hr_255.shape[0] // scale, hr_255.shape[1] // scale)
            if lr.shape[:2] != expected:
                raise ValueError(f"evaluate: LR image {lr_paths[i]} is {lr.shape[:2]}, "
                                 f"expected {expected} for HR {hr_paths[i]} at x{scale}")
        sr = _super_resolve(model, lr, scale)
        if sr.shape[:2] != hr_255.shape[:2]:
            raise ValueError(f"evaluate: SR of {hr_paths[i].name} is {sr.shape[:2]}, "
                             f"HR is {hr_255.shape[:2]}")
        value_psnr, value_ssim = score_pair(hr_255, to_uint8(sr), scale)
        per_image.append({"name": hr_paths[i].name, "psnr_y": value_psnr,
                          "ssim_y": value_ssim})

    return {
        "dataset": str(dataset) if not isinstance(dataset, str) else dataset,
        "scale": scale,
        "model": str(model_name),
        "images": len(per_image),
        "psnr_y": float(np.mean([r["psnr_y"] for r in per_image])),
        "ssim_y": float(np.mean([r["ssim_y"] for r in per_image])),
        "per_image": per_image,
    }


__all__ = ["evaluate", "score_pair", "bicubic_upscale", "imresize_numpy", "ssim_numpy", "luma_255", "to_uint8"]
