"""The distortion channel ``D = g C + V`` shared by IFC and VIFp, estimated per window.

Both criteria (Sheikh, Bovik & de Veciana 2005; Sheikh & Bovik 2006) model the distorted
image D as the reference C times a local gain g plus Gaussian noise V of variance
sigma_v^2, estimated from the local moments of C and D under a window:

    g = sigma_CD / sigma_C^2,   sigma_v^2 = sigma_D^2 - g sigma_CD

with the guards of LIVE's scripts (``ifcvec.m``, ``vifp_mscale.m``) for degenerate
windows: a flat reference gives g = 0 and sigma_v^2 = sigma_D^2, a flat distorted window
g = 0 and sigma_v^2 = 0, a negative gain g = 0 and sigma_v^2 = sigma_D^2; then
sigma_v^2 is at least the tolerance.

Written with an array namespace ``xp`` (``keras.ops`` or ``numpy``), as the metrics using it.
"""

from keras import ops


def distortion_channel(mean_x, mean_y, mean_xx, mean_yy, mean_xy, tol, xp=ops, count=1.0):
    """Gain g, noise variance sigma_v^2 and reference variance of ``D = g C + V`` per window.

    Args:
        mean_x, mean_y: local means of the reference x and the distorted y under the
            window, arrays of one shape (e.g. ``(batch, h, w)`` or ``(batch, H, W, C)``).
        mean_xx, mean_yy, mean_xy: local means of ``x * x``, ``y * y`` and ``x * y``,
            same shape.
        tol: variances below it count as zero (flat windows); the least sigma_v^2.
        xp: array namespace, ``keras.ops`` or ``numpy``.
        count: 1.0 for variances and covariance as central moments (``vifp_mscale.m``);
            ``ifcvec.m`` uses sums over the ``count`` window pixels instead (the moments
            times ``count``) and divides the noise variance of an ordinary window by
            ``count`` once more (the guards' sigma_D^2 stays a sum).

    Returns:
        ``(gain, var_v, var_x)``, each of the input shape: g >= 0, sigma_v^2 >= ``tol``
        and sigma_C^2 >= 0 (0 where the reference is flat).

    Example:
        >>> import numpy as np
        >>> def moments(x, y):  # means over one window covering each whole image
        ...     return [a.mean(axis=(1, 2)) for a in (x, y, x * x, y * y, x * y)]
        >>> x = np.arange(16.0).reshape(1, 4, 4)
        >>> gain, var_v, var_x = distortion_channel(*moments(x, 2.0 * x + 1.0), 1e-10, xp=np)
        >>> round(float(gain[0]), 6), round(float(var_v[0]), 6), float(var_x[0])
        (2.0, 0.0, 21.25)
        >>> flat = np.full((1, 4, 4), 5.0)  # a flat reference: no gain, D is all noise
        >>> gain, var_v, var_x = distortion_channel(*moments(flat, x), 1e-10, xp=np)
        >>> float(gain[0]), float(var_v[0]), float(var_x[0])
        (0.0, 21.25, 0.0)
    """
    var_x = xp.maximum(count * (mean_xx - mean_x * mean_x), 0.0)
    var_y = xp.maximum(count * (mean_yy - mean_y * mean_y), 0.0)
    cov = count * (mean_xy - mean_x * mean_y)
    gain = cov / (var_x + tol)
    var_v = (var_y - gain * cov) / count
    flat_x = var_x < tol
    gain = xp.where(flat_x, 0.0, gain)
    var_v = xp.where(flat_x, var_y, var_v)
    var_x = xp.where(flat_x, 0.0, var_x)
    flat_y = var_y < tol
    gain = xp.where(flat_y, 0.0, gain)
    var_v = xp.where(flat_y, 0.0, var_v)
    var_v = xp.where(gain < 0.0, var_y, var_v)
    gain = xp.maximum(gain, 0.0)
    var_v = xp.maximum(var_v, tol)
    return gain, var_v, var_x


__all__ = ["distortion_channel"]
