"""Structural similarity: SSIM (Wang et al. 2004) and MS-SSIM (Wang et al. 2003).

SSIM follows "Image quality assessment: from error visibility to structural similarity"
(Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004): local statistics under an 11x11
Gaussian window (sigma 1.5), ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, and the score is
the mean of the SSIM map over all fully-covered window positions ("valid" windows, the
paper's MSSIM). Colour images average the map over channels too.

MS-SSIM follows "Multiscale structural similarity for image quality assessment"
(Wang, Simoncelli, Bovik, Asilomar 2003): five scales, 2x2 average-pool downsampling,
contrast-structure terms of scales 1-4 and the full SSIM of scale 5 combined with the
exponents (0.0448, 0.2856, 0.3001, 0.2363, 0.1333).
"""

import math

from keras import ops

from keras_sr.metrics.psnr import prepare_pair

K1, K2 = 0.01, 0.03
WINDOW_SIZE, WINDOW_SIGMA = 11, 1.5
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def gaussian_window(size=WINDOW_SIZE, sigma=WINDOW_SIGMA):
    """Normalised 1-D Gaussian taps (a Python list of ``size`` floats summing to one)."""
    centre = (size - 1) / 2.0
    taps = [math.exp(-((i - centre) ** 2) / (2.0 * sigma * sigma)) for i in range(size)]
    total = sum(taps)
    return [t / total for t in taps]


def gaussian_filter(x, size, sigma):
    """Separable Gaussian filter of NHWC ``x`` per channel, 'valid' padding.

    Also the window of VIF (``keras_sr.metrics.vif``). ``x`` is a ``(batch, H, W, C)``
    keras tensor or numpy array; the result is ``(batch, H - size + 1, W - size + 1, C)``.

    Written as weighted sums of shifted slices: on CPU this is several times faster than
    ``depthwise_conv`` with 11-tap kernels, it needs no static image size, and the same
    code filters numpy arrays.
    """
    taps = gaussian_window(size, sigma)
    last = size - 1

    def along(t, axis):
        total = None
        for i, weight in enumerate(taps):
            end = (i - last) or None
            piece = t[:, i:end] if axis == 1 else t[:, :, i:end]
            total = piece * weight if total is None else total + piece * weight
        return total

    return along(along(x, 1), 2)


def ssim_maps(x, y, max_val, size=WINDOW_SIZE, sigma=WINDOW_SIGMA, xp=ops):
    """The SSIM computation itself: per-pixel luminance and contrast-structure terms.

    ``ssim`` and ``ms_ssim`` run it with ``keras.ops``; the evaluation protocol runs the
    same code with numpy in float64 (``keras_sr.metrics.protocol``), identical on every
    backend. SSIM is the mean of their product.

    Args:
        x, y: prepared ``(batch, H, W, C)`` arrays, at least ``size`` pixels a side.
        max_val: the dynamic range L.
        size, sigma: the Gaussian window.
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(luminance, contrast_structure)``, both ``(batch, H - size + 1, W - size + 1, C)``.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((1, 12, 12, 1))
        >>> luminance, cs = ssim_maps(x, x, 1.0, xp=np)
        >>> luminance.shape, float((luminance * cs).mean())
        ((1, 2, 2, 1), 1.0)
    """
    c1 = (K1 * max_val) ** 2
    c2 = (K2 * max_val) ** 2
    # Filter the five statistics in one pass by stacking them along channels.
    stacked = xp.concatenate([x, y, x * x, y * y, x * y], axis=-1)
    filtered = gaussian_filter(stacked, size, sigma)
    mu_x, mu_y, xx, yy, xy = xp.split(filtered, 5, axis=-1)
    var_x = xx - mu_x * mu_x
    var_y = yy - mu_y * mu_y
    cov = xy - mu_x * mu_y
    luminance = (2.0 * mu_x * mu_y + c1) / (mu_x * mu_x + mu_y * mu_y + c1)
    contrast_structure = (2.0 * cov + c2) / (var_x + var_y + c2)
    return luminance, contrast_structure


def _check_size(x, min_size, name, shape):
    height, width = x.shape[1], x.shape[2]
    if height is not None and width is not None and min(height, width) < min_size:
        raise ValueError(f"{name}: images must be at least {min_size}x{min_size} pixels "
                         f"(after crop_border); got shape {shape} -> {tuple(x.shape)}")


def ssim(y_true, y_pred, max_val=1.0, crop_border=0, y_channel=False,
         window_size=WINDOW_SIZE, sigma=WINDOW_SIGMA):
    """Mean SSIM (Wang et al. 2004) of each image of a batch.

    Args:
        y_true: reference images ``(batch, H, W, C)`` or ``(H, W, C)``, in [0, max_val].
        y_pred: images to score, same shape.
        max_val: the dynamic range L: 1.0 for [0, 1] floats, 255.0 for 8-bit values.
        crop_border: pixels shaved from each border first (the SR protocol uses the scale).
        y_channel: score the BT.601 Y channel of RGB images instead of all channels.
        window_size: side of the Gaussian window (11 in the paper).
        sigma: standard deviation of the window (1.5 in the paper).

    Returns:
        Float tensor ``(batch,)`` in [-1, 1], or a scalar for a single image.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((1, 16, 16, 1)).astype("float32")
        >>> round(float(ssim(x, x)[0]), 4)
        1.0
    """
    shape = tuple(ops.shape(y_true))
    x, y, batched = prepare_pair(y_true, y_pred, max_val, crop_border, y_channel, "ssim")
    _check_size(x, window_size, "ssim", shape)
    luminance, contrast_structure = ssim_maps(x, y, max_val, window_size, sigma)
    values = ops.mean(luminance * contrast_structure, axis=(1, 2, 3))
    return values if batched else values[0]


def ms_ssim(y_true, y_pred, max_val=1.0, crop_border=0, y_channel=False,
            weights=MS_SSIM_WEIGHTS, window_size=WINDOW_SIZE, sigma=WINDOW_SIGMA):
    """Multi-scale SSIM (Wang et al. 2003) of each image of a batch.

    Negative contrast-structure means are clamped to zero before the fractional powers
    (as ``tf.image.ssim_multiscale`` does), so the result is real.

    Args:
        y_true: reference images ``(batch, H, W, C)`` or ``(H, W, C)``, in [0, max_val];
            each side at least ``window_size * 2**(len(weights) - 1)`` (176 for the
            defaults) after ``crop_border``.
        y_pred: images to score, same shape.
        max_val: the dynamic range L.
        crop_border: pixels shaved from each border first.
        y_channel: score the BT.601 Y channel of RGB images.
        weights: exponent of each scale, finest first (the paper's five by default).
        window_size: side of the Gaussian window.
        sigma: standard deviation of the window.

    Returns:
        Float tensor ``(batch,)``, or a scalar for a single image.
    """
    shape = tuple(ops.shape(y_true))
    x, y, batched = prepare_pair(y_true, y_pred, max_val, crop_border, y_channel, "ms_ssim")
    _check_size(x, window_size * 2 ** (len(weights) - 1), "ms_ssim", shape)
    result = None
    for level, weight in enumerate(weights):
        luminance, contrast_structure = ssim_maps(x, y, max_val, window_size, sigma)
        if level == len(weights) - 1:
            term = ops.mean(luminance * contrast_structure, axis=(1, 2, 3))
        else:
            term = ops.mean(contrast_structure, axis=(1, 2, 3))
            x = ops.average_pool(x, pool_size=2, strides=2, padding="valid")
            y = ops.average_pool(y, pool_size=2, strides=2, padding="valid")
        term = ops.power(ops.maximum(term, 0.0), weight)
        result = term if result is None else result * term
    return result if batched else result[0]


__all__ = ["ssim", "ms_ssim", "ssim_maps", "gaussian_window", "gaussian_filter",
           "MS_SSIM_WEIGHTS"]
