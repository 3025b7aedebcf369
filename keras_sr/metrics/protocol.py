"""The evaluation protocol of the SR literature, for any ``upscale`` function.

What the published tables use (SRCNN, VDSR, EDSR, ... and their MATLAB scripts):

1. HR is 8-bit and cropped so its height and width are multiples of the scale
   ("modcrop").
2. LR = MATLAB ``imresize(HR, 1/scale, 'bicubic')`` rounded to 8 bits (unless the set
   ships its own LR images).
3. SR = upscale(LR), clipped to [0, 1] and rounded to 8 bits.
4. PSNR and SSIM (Wang 2004) on the BT.601 Y channel (MATLAB ``rgb2ycbcr``) with
   ``scale`` pixels shaved from every border, L = 255. Greyscale images are scored on
   their grey values directly, as the MATLAB scripts do (they convert to YCbCr only when
   an image has three channels). On request (``metrics=``) also VIFp
   (``keras_sr.metrics.vif``) and IFC (``keras_sr.metrics.ifc``) on the same shaved Y,
   values 0..255.

Everything is computed in float64 numpy, as MATLAB does: the resize is
``keras_sr.image.resize.imresize_numpy`` and the scores are the code of
``keras_sr.metrics.psnr``, ``ssim``, ``vif`` and ``ifc`` run with numpy, so results are
identical on every Keras backend and cost no per-image-size compilation. The model
itself is whatever ``upscale`` does. Evaluating a model on a named set (reading the
files, a progress bar) is ``keras_sr.inference.evaluate``.
"""

import numpy as np

from keras_sr.image.color import Y_WEIGHTS
from keras_sr.image.resize import imresize_numpy, modcrop
from keras_sr.metrics.ifc import MIN_SIZE as IFC_MIN_SIZE
from keras_sr.metrics.ifc import ifc_values
from keras_sr.metrics.psnr import psnr_values
from keras_sr.metrics.ssim import WINDOW_SIGMA, WINDOW_SIZE, ssim_maps
from keras_sr.metrics.vif import MIN_SIZE as VIF_MIN_SIZE
from keras_sr.metrics.vif import vif_p_terms

_Y_PER_LEVEL = np.array(Y_WEIGHTS) / 255.0

METRICS = ("psnr", "ssim", "vif", "ifc")
"""Names ``score_pair`` / ``score_image`` accept in ``metrics`` (results are ``<name>_y``)."""
DEFAULT_METRICS = ("psnr", "ssim")
_MIN_SIZE = {"psnr": 1, "ssim": WINDOW_SIZE, "vif": VIF_MIN_SIZE, "ifc": IFC_MIN_SIZE}


def to_uint8(image):
    """Clip float [0, 1] values and round them to 8-bit levels (kept as float64 0..255).

    Args:
        image: float array in [0, 1] (anything outside is clipped).

    Returns:
        float64 array of the same shape with integer values 0..255.

    Example:
        >>> to_uint8([0.0, 0.5, 1.2]).tolist()
        [0.0, 128.0, 255.0]
    """
    return np.round(np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * 255.0)


def luma_255(image_255):
    """Y channel in 0..255 of an 8-bit image: BT.601 studio Y for RGB, the value for grey.

    Args:
        image_255: float ``(H, W, 3)`` or ``(H, W, 1)`` with values 0..255.

    Returns:
        float64 ``(H, W, 1)``.

    Example:
        >>> luma_255(np.full((1, 1, 3), 255.0)).ravel().round(6).tolist()
        [235.0]
    """
    image_255 = np.asarray(image_255, dtype=np.float64)
    if image_255.shape[-1] == 1:
        return image_255
    if image_255.shape[-1] != 3:
        raise ValueError("luma_255: expected an (H, W, 1) or (H, W, 3) image; got shape "
                         f"{image_255.shape}")
    return 16.0 + image_255 @ _Y_PER_LEVEL[:, None]


def degrade(hr_255, scale):
    """The protocol's LR: MATLAB bicubic downscale of an 8-bit HR, rounded to 8 bits.

    Args:
        hr_255: float ``(H, W, C)`` with values 0..255, H and W multiples of ``scale``.
        scale: integer downscaling factor.

    Returns:
        float64 ``(H/scale, W/scale, C)`` in [0, 1] on the 8-bit grid.
    """
    lr = imresize_numpy(np.asarray(hr_255, dtype=np.float64) / 255.0, scale=1.0 / scale)
    return to_uint8(lr) / 255.0


def bicubic_upscale(lr, scale):
    """The "bicubic" model of every table: MATLAB bicubic ``imresize`` of LR by ``scale``.

    Args:
        lr: float ``(h, w, c)`` in [0, 1].
        scale: integer scale.

    Returns:
        float64 ``(h*scale, w*scale, c)`` (not clipped).
    """
    return imresize_numpy(lr, scale=float(scale))


def check_metrics(metrics):
    """``metrics`` as a tuple of known names (a comma-separated string is split).

    Example:
        >>> check_metrics("psnr, ifc")
        ('psnr', 'ifc')
    """
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    metrics = tuple(str(m).lower() for m in metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ValueError(f"metrics: expected some of {', '.join(METRICS)}; got "
                         f"{', '.join(unknown) if unknown else 'none'}")
    return tuple(dict.fromkeys(metrics))


def score_pair(hr_255, sr_255, scale, metrics=None):
    """Y-channel scores of one 8-bit image pair with ``scale`` pixels shaved.

    Args:
        hr_255, sr_255: float ``(H, W, C)`` with values 0..255, C in {1, 3}.
        scale: border to shave (the protocol shaves the scale).
        metrics: None for ``(psnr_y, ssim_y)``, or names from ``METRICS`` (``"psnr"``,
            ``"ssim"``, ``"vif"``, ``"ifc"``) for a dict of those.

    Returns:
        ``(psnr_y, ssim_y)`` as Python floats (float64 arithmetic); with ``metrics``, a
        dict ``{"<name>_y": float}`` in the order asked: PSNR in dB, SSIM in [-1, 1],
        VIFp (1 for identical images, ~0 for unrelated), IFC in bits per pixel (>= 0).

    Example:
        >>> hr = np.tile(np.arange(0.0, 240.0, 10.0), (24, 1))[..., None]
        >>> psnr_y, ssim_y = score_pair(hr, hr + 1.0, 2)
        >>> round(psnr_y, 2), round(ssim_y, 4)
        (48.13, 1.0)
        >>> hr = np.random.default_rng(0).integers(0, 256, (80, 80, 1)).astype(float)
        >>> {k: round(v, 4) for k, v in score_pair(hr, hr, 2, ["ssim", "vif"]).items()}
        {'ssim_y': 1.0, 'vif_y': 1.0}
    """
    names = DEFAULT_METRICS if metrics is None else check_metrics(metrics)
    hr_255 = np.asarray(hr_255, dtype=np.float64)
    sr_255 = np.asarray(sr_255, dtype=np.float64)
    if hr_255.shape != sr_255.shape:
        raise ValueError(f"score_pair: HR is {hr_255.shape} but SR is {sr_255.shape}")
    y_hr = luma_255(hr_255)[None]
    y_sr = luma_255(sr_255)[None]
    if scale:
        y_hr = y_hr[:, scale:-scale, scale:-scale]
        y_sr = y_sr[:, scale:-scale, scale:-scale]
    needed = max(_MIN_SIZE[name] for name in names)
    if min(y_hr.shape[1:3]) < needed:
        worst = max(names, key=_MIN_SIZE.get).upper()
        raise ValueError(f"image of {hr_255.shape[0]}x{hr_255.shape[1]} pixels is too small "
                         f"to score at x{scale} ({worst} needs {needed}x{needed} after "
                         "shaving the border)")
    values = {}
    for name in names:
        if name == "psnr":
            with np.errstate(divide="ignore"):  # identical images: PSNR is inf
                values[name] = psnr_values(y_hr, y_sr, 255.0, xp=np)[0]
        elif name == "ssim":
            luminance, contrast_structure = ssim_maps(y_hr, y_sr, 255.0, WINDOW_SIZE,
                                                      WINDOW_SIGMA, xp=np)
            values[name] = np.mean(luminance * contrast_structure)
        elif name == "vif":
            num, den = vif_p_terms(y_hr, y_sr, xp=np)
            values[name] = num[0, 0] / den[0, 0] if den[0, 0] > 0 else 0.0
        else:
            values[name] = ifc_values(y_hr[..., 0], y_sr[..., 0], xp=np)[0]
    if metrics is None:
        return float(values["psnr"]), float(values["ssim"])
    return {f"{name}_y": float(values[name]) for name in names}


def score_image(hr, scale, upscale, lr=None, metrics=None):
    """Score ``upscale`` on one HR image by the protocol (see the module docstring).

    Args:
        hr: ``(H, W, C)`` HR image, C in {1, 3}: float in [0, 1] (rounded to 8 bits) or
            uint8. Cropped to multiples of ``scale`` here.
        scale: integer upscaling factor.
        upscale: callable taking LR float ``(h, w, C)`` in [0, 1] (on the 8-bit grid)
            and returning SR ``(h*scale, w*scale, C)`` (clipped and rounded here).
        lr: the set's own LR image for this HR (float in [0, 1] or uint8,
            ``(H/scale, W/scale, C)``); default the protocol's bicubic LR.
        metrics: None, or names from ``METRICS``, as in ``score_pair``.

    Returns:
        ``(psnr_y, ssim_y)`` as Python floats; with ``metrics``, a dict
        ``{"<name>_y": float}`` (see ``score_pair``).

    Example:
        >>> hr = np.tile(np.linspace(0.0, 1.0, 36), (36, 1))[..., None]
        >>> psnr_y, ssim_y = score_image(hr, 2, lambda lr: bicubic_upscale(lr, 2))
        >>> psnr_y > 40.0
        True
    """
    if not isinstance(scale, (int, np.integer)) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"score_image: `scale` must be a positive integer; got {scale!r}")
    scale = int(scale)
    if metrics is not None:
        metrics = check_metrics(metrics)
    hr_255 = _levels(hr, "hr")
    hr_255 = modcrop(hr_255, scale)
    expected = (hr_255.shape[0] // scale, hr_255.shape[1] // scale)
    if min(expected) < 1:
        raise ValueError(f"image of {hr.shape[0]}x{hr.shape[1]} pixels is smaller than the "
                         f"scale x{scale}")
    if lr is None:
        lr = degrade(hr_255, scale)
    else:
        lr = _levels(lr, "lr") / 255.0
        if lr.shape[:2] != expected:
            raise ValueError(f"LR image is {lr.shape[0]}x{lr.shape[1]}, expected "
                             f"{expected[0]}x{expected[1]} for an HR of "
                             f"{hr_255.shape[0]}x{hr_255.shape[1]} at x{scale}")
    sr = np.asarray(upscale(lr))
    if sr.shape[:2] != hr_255.shape[:2]:
        raise ValueError(f"SR is {sr.shape[0]}x{sr.shape[1]} but HR is "
                         f"{hr_255.shape[0]}x{hr_255.shape[1]} (x{scale})")
    return score_pair(hr_255, to_uint8(sr), scale, metrics=metrics)


def _levels(image, name):
    """uint8 or float [0, 1] ``(H, W, C)`` as float64 8-bit levels."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"`{name}` must be an (H, W, 1) or (H, W, 3) image; got shape "
                         f"{image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float64)
    return to_uint8(image)


__all__ = ["score_image", "score_pair", "check_metrics", "METRICS", "DEFAULT_METRICS", "degrade",
           "bicubic_upscale", "luma_255", "to_uint8"]
