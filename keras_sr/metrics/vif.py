"""Pixel-domain visual information fidelity, VIFp (Sheikh & Bovik 2006).

"Image information and visual quality" (H. R. Sheikh, A. C. Bovik, IEEE TIP 2006),
pixel-domain version (LIVE's ``vifp_mscale.m``, also ``sewar.full_ref.vifp``). The
reference C is modelled as a Gaussian source, the distorted image D as ``D = g C + V``
(a local gain g and additive Gaussian noise of variance sigma_v^2) and both pass through a
visual channel that adds noise of variance ``sigma_nsq`` = 2 (for 0..255 values). Over
four scales (Gaussian windows of 17, 9, 5, 3 pixels, sigma = size / 5; each coarser
scale is the previous one filtered by its window and subsampled by 2), with local
variances sigma_C^2, sigma_D^2 and covariance sigma_CD under the window:

    g = sigma_CD / sigma_C^2,   sigma_v^2 = sigma_D^2 - g sigma_CD
    VIF = sum log10(1 + g^2 sigma_C^2 / (sigma_v^2 + sigma_nsq))
          / sum log10(1 + sigma_C^2 / sigma_nsq)

summing over all valid window positions of all scales. VIF = 1 for identical images,
about 0 when D carries no information about C, and can exceed 1 for contrast enhancement.
"""

from keras import ops

from keras_sr.metrics.distortion_channel import distortion_channel
from keras_sr.metrics.psnr import prepare_pair
from keras_sr.metrics.ssim import gaussian_filter

SIGMA_NSQ = 2.0
EPS = 1e-10
WINDOWS = (17, 9, 5, 3)       # 2**(5 - scale) + 1 for scales 1..4
MIN_SIZE = 41                 # smallest side whose coarsest scale still fits a 3x3 window


def vif_p_terms(x, y, sigma_nsq=SIGMA_NSQ, xp=ops):
    """Numerator and denominator of VIFp per image and channel.

    ``vif_p`` runs it with ``keras.ops``; the evaluation protocol runs the same code with
    numpy in float64 (``keras_sr.metrics.protocol``). The guards against degenerate
    windows (flat reference, flat distorted, negative gain) are those of ``vifp_mscale.m``
    and ``sewar``.

    Args:
        x: reference ``(batch, H, W, C)``, values 0..255 (``sigma_nsq`` assumes that range),
            H and W at least ``MIN_SIZE``.
        y: distorted images, same shape.
        sigma_nsq: variance of the visual noise.
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(num, den)``, both ``(batch, C)``: distorted- and reference-image information
        (log10 units) summed over the four scales; VIFp = num / den.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((1, 48, 48, 1)) * 255.0
        >>> num, den = vif_p_terms(x, x, xp=np)
        >>> round(float(num[0, 0] / den[0, 0]), 6)
        1.0
    """
    num = den = 0.0
    for scale, size in enumerate(WINDOWS):
        sigma = size / 5.0
        if scale:
            x = gaussian_filter(x, size, sigma)[:, ::2, ::2]
            y = gaussian_filter(y, size, sigma)[:, ::2, ::2]
        stacked = xp.concatenate([x, y, x * x, y * y, x * y], axis=-1)
        moments = xp.split(gaussian_filter(stacked, size, sigma), 5, axis=-1)
        gain, var_v, var_x = distortion_channel(*moments, EPS, xp=xp)
        num = num + xp.sum(xp.log10(1.0 + gain * gain * var_x / (var_v + sigma_nsq)), axis=(1, 2))
        den = den + xp.sum(xp.log10(1.0 + var_x / sigma_nsq), axis=(1, 2))
    return num, den


def check_vif_size(height, width, name="vif_p"):
    """Raise a one-line ``ValueError`` when an image is too small for the four scales."""
    if height is not None and width is not None and min(height, width) < MIN_SIZE:
        raise ValueError(f"{name}: images must be at least {MIN_SIZE}x{MIN_SIZE} pixels "
                         f"(after crop_border) for four scales; got {height}x{width}")


def vif_p(y_true, y_pred, max_val=1.0, crop_border=0, y_channel=False, sigma_nsq=SIGMA_NSQ):
    """Pixel-domain VIF (Sheikh & Bovik 2006) of each image of a batch.

    Values are rescaled to 0..255 first (``x * 255 / max_val``), the range the visual
    noise ``sigma_nsq`` = 2 refers to, so the result does not depend on ``max_val``.
    Colour images give the mean of the per-channel VIFs (as ``sewar.full_ref.vifp``);
    the SR protocol scores the Y channel.

    Args:
        y_true: reference images ``(batch, H, W, C)`` or ``(H, W, C)``, in [0, max_val];
            H and W at least 41 after ``crop_border``.
        y_pred: distorted images, same shape.
        max_val: the dynamic range (1.0 for [0, 1] floats, 255.0 for 8-bit values).
        crop_border: pixels shaved from each border first (the SR protocol uses the scale).
        y_channel: score the BT.601 Y channel of RGB images.
        sigma_nsq: variance of the visual noise on the 0..255 scale.

    Returns:
        Float tensor ``(batch,)``, or a scalar for one image: 1 for identical images,
        near 0 for unrelated ones, in [0, 1] for blur and noise (above 1 only for contrast
        enhancement); 0 when the reference is flat (it holds no information).

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).random((1, 48, 48, 1)).astype("float32")
        >>> round(float(vif_p(x, x)[0]), 4)
        1.0
        >>> round(float(vif_p(x, x * 0.0 + 0.5)[0]), 6)  # a flat image tells nothing
        0.0
    """
    x, y, batched = prepare_pair(y_true, y_pred, max_val, crop_border, y_channel, "vif_p")
    check_vif_size(x.shape[1], x.shape[2])
    x = x * (255.0 / max_val)
    y = y * (255.0 / max_val)
    num, den = vif_p_terms(x, y, sigma_nsq)
    values = ops.mean(ops.divide_no_nan(num, den), axis=-1)
    return values if batched else values[0]


__all__ = ["vif_p", "vif_p_terms", "check_vif_size", "SIGMA_NSQ"]
