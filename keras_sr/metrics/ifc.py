"""Information fidelity criterion, IFC (Sheikh, Bovik & de Veciana 2005).

"An information fidelity criterion for image quality assessment using natural scene
statistics" (IEEE TIP 2005), as computed by LIVE's ``ifcvec.m``, the script behind the
IFC columns of the SR benchmark tables (Yang et al. 2014, SelfExSR, SRCNN, LapSRN).

1. Both images are decomposed by a steerable pyramid (Simoncelli's ``sp5`` filters:
   six orientations, four levels, reflected borders, ``buildSpyr(im, 4, 'sp5Filters',
   'reflect1')``). IFC uses two orientations per level, the first and the fourth of the
   six (0 and 90 degrees): eight subbands.
2. Each reference subband C is a Gaussian scale mixture of 3x3 vectors, ``C = s U`` with
   U ~ N(0, C_U): C_U is the covariance of all overlapping 3x3 blocks and the field
   ``s^2 = c^T C_U^-1 c / 9`` is computed per non-overlapping block c.
3. The distorted subband is ``D = g C + V`` per block: a gain g = cov(C, D) / var(C) and
   noise variance sigma_v^2 = var(D) - g cov(C, D), estimated under a box window of
   ``2^(5 - level) + 1`` coefficients (17 at the finest level, 3 at the coarsest) centred
   on each block.
4. ``IFC = sum over subbands, blocks b and eigenvalues lambda_k of C_U of
   log2(1 + g_b^2 s_b^2 lambda_k / (sigma_v,b^2 + 1e-10)) / (H W)``, leaving out the
   blocks within half a window of the subband border, divided by the number of image
   pixels (the normalisation of the script the SR tables used).

IFC is in bits per pixel, >= 0, larger is better and unbounded: identical images give a
very large value (sigma_v = 0), unrelated images about 0. It is nearly independent of the
value range (only the 1e-10 and 1e-15 guards see it); we feed 0..255 values, the range the
script documents.

The pyramid and all statistics are written with an array namespace ``xp`` (``keras.ops``
or ``numpy``), so the same code runs on every Keras backend and in float64 numpy for the
evaluation protocol. The ``sp5`` filter taps come from ``pyrtools`` (the Python port of
matlabPyrTools; install ``keras_sr[ifc]``), the only place they are published.
"""

import math

import numpy as np
from keras import ops

from keras_sr.metrics.distortion_channel import distortion_channel
from keras_sr.metrics.psnr import prepare_pair

BLOCK = 3                 # M: the GSM vectors are BLOCK x BLOCK coefficients
LEVELS = 4
ORIENTATIONS = (0, 3)     # of the six sp5 bands: ifcvec.m's subbands 4 7 10 ... 25
NOISE_FLOOR = 1e-10       # added to sigma_v^2 in the log (ifcvec.m)
TOL = 1e-15               # variances below this count as zero (ifcvec.m)
MIN_SIZE = 72             # 4 levels of the 9x9 sp5 low-pass (buildSpyr's maxPyrHt)


def sp5_filters():
    """The ``sp5`` steerable-pyramid filters as float64 numpy arrays.

    Returns:
        dict with ``lo0filt`` (5x5), ``lofilt`` (9x9) and ``bfilts``, a list of six 7x7
        oriented band-pass filters, each laid out as MATLAB's ``reshape`` of a column of
        ``sp5Filters``' ``bfilts`` (column-major).

    Raises:
        ImportError: ``pyrtools`` is not installed.

    Example:
        >>> filters = sp5_filters()
        >>> filters["lofilt"].shape, len(filters["bfilts"]), filters["bfilts"][0].shape
        ((9, 9), 6, (7, 7))
    """
    try:
        # deferred on purpose: pyrtools is optional (keras_sr[ifc]) and only IFC needs it
        from pyrtools.pyramids.filters import steerable_filters
    except ImportError as err:
        raise ImportError("IFC needs the sp5 steerable-pyramid filters from pyrtools: "
                          "pip install pyrtools (or keras_sr[ifc])") from err
    taps = steerable_filters("sp5_filters")
    side = int(round(math.sqrt(taps["bfilts"].shape[0])))
    bands = [np.asarray(taps["bfilts"][:, b], np.float64).reshape(side, side).T
             for b in range(taps["bfilts"].shape[1])]
    return {"lo0filt": np.asarray(taps["lo0filt"], np.float64),
            "lofilt": np.asarray(taps["lofilt"], np.float64), "bfilts": bands}


def correlate_reflect(x, kernel, step=1, xp=ops):
    """``corrDn(x, kernel, 'reflect1', [step step])``: correlation with mirrored borders.

    The border is mirrored about the edge pixel (``reflect1``: the edge is not repeated),
    the output is centred on the input pixels and then subsampled from the first one.

    Args:
        x: ``(batch, H, W)`` array.
        kernel: odd-sized 2-D numpy array.
        step: subsampling factor.
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(batch, ceil(H / step), ceil(W / step))``.

    Example:
        >>> x = np.arange(16.0).reshape(1, 4, 4)
        >>> correlate_reflect(x, np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0],
        ...                                [0.0, 0.0, 0.0]]), xp=np)[0, 0].tolist()
        [1.0, 0.0, 1.0, 2.0]
    """
    rows, cols = kernel.shape
    pad_r, pad_c = rows // 2, cols // 2
    padded = xp.pad(x, [[0, 0], [pad_r, pad_r], [pad_c, pad_c]], mode="reflect")
    if xp is not np:
        # one convolution (a cross-correlation in Keras) instead of rows * cols eager ops
        taps = ops.convert_to_tensor(kernel[:, :, None, None], dtype=padded.dtype)
        return ops.conv(padded[..., None], taps, strides=step, padding="valid")[..., 0]
    height, width = x.shape[1], x.shape[2]
    total = None
    for i in range(rows):
        for j in range(cols):
            weight = float(kernel[i, j])
            if weight == 0.0:
                continue
            term = padded[:, i:i + height:step, j:j + width:step] * weight
            total = term if total is None else total + term
    return total


def steerable_pyramid(image, levels=LEVELS, orientations=None, xp=ops):
    """Simoncelli's steerable pyramid with the ``sp5`` filters (``buildSpyr``).

    ``lo0filt`` low-passes the image; each level correlates the current low-pass image with
    the oriented band filters (no subsampling) and then with ``lofilt``, keeping every
    second sample. All with ``reflect1`` borders. The high-pass residual is not computed
    (IFC does not use it).

    Args:
        image: ``(batch, H, W)`` array, H and W at least ``9 * 2**(levels - 1)``.
        levels: number of levels (``buildSpyr``'s height).
        orientations: indices (0..5) of the bands to compute, default all six.
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(bands, lowpass)``: ``bands[level][k]`` is the band of ``orientations[k]`` at
        ``level`` (0 = finest, the input size; level l has ``ceil(H / 2**l)`` rows), and
        the low-pass residual.

    Example:
        >>> image = np.random.default_rng(0).random((1, 72, 80))
        >>> bands, lowpass = steerable_pyramid(image, xp=np)
        >>> [band[0].shape for band in bands], lowpass.shape
        ([(1, 72, 80), (1, 36, 40), (1, 18, 20), (1, 9, 10)], (1, 5, 5))
    """
    filters = sp5_filters()
    if orientations is None:
        orientations = range(len(filters["bfilts"]))
    low = correlate_reflect(image, filters["lo0filt"], xp=xp)
    bands = []
    for _ in range(levels):
        bands.append([correlate_reflect(low, filters["bfilts"][b], xp=xp)
                      for b in orientations])
        low = correlate_reflect(low, filters["lofilt"], step=2, xp=xp)
    return bands, low


def _box_mean_at_blocks(x, size, xp):
    """Mean under a ``size`` x ``size`` box centred on each 3x3 block (``corrDn`` with
    step 3 from the second pixel, reflect1 borders): ``(batch, h/3, w/3)``."""
    half = size // 2
    padded = xp.pad(x, [[0, 0], [half, half], [half, half]], mode="reflect")
    height, width = x.shape[1], x.shape[2]
    start = BLOCK // 2
    rows = None
    for i in range(size):
        term = padded[:, start + i:start + i + height - start:BLOCK]
        rows = term if rows is None else rows + term
    total = None
    for j in range(size):
        term = rows[:, :, start + j:start + j + width - start:BLOCK]
        total = term if total is None else total + term
    return total / float(size * size)


def _blocks(x, overlapping, xp):
    """The BLOCK x BLOCK neighbourhoods of ``x`` ``(batch, h, w)`` as ``(batch, 9, ...)``."""
    height, width = x.shape[1], x.shape[2]
    pieces = []
    for j in range(BLOCK):
        for k in range(BLOCK):
            if overlapping:
                pieces.append(x[:, k:height - BLOCK + 1 + k, j:width - BLOCK + 1 + j])
            else:
                pieces.append(x[:, k::BLOCK, j::BLOCK])
    return xp.stack(pieces, axis=1)


def _linalg(xp):
    """(inverse, symmetric eigenvalues) of the namespace."""
    if xp is np:
        return np.linalg.inv, np.linalg.eigvalsh
    return ops.inv, lambda a: ops.eigh(a)[0]


def subband_information(ref, dist, level, xp=ops):
    """IFC of one subband pair (the sum of its log2 terms, not yet divided by H W).

    Args:
        ref, dist: ``(batch, h, w)`` reference and distorted subbands.
        level: pyramid level, 0 = finest (sets the box window, ``2**(4 - level) + 1``).
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(batch,)`` information in bits.
    """
    inv, eigvalsh = _linalg(xp)
    height = ref.shape[1] // BLOCK * BLOCK
    width = ref.shape[2] // BLOCK * BLOCK
    ref, dist = ref[:, :height, :width], dist[:, :height, :width]
    # distortion channel D = g C + V, per block, under a box window (sums, as ifcvec.m)
    size = 2 ** (LEVELS - level) + 1
    moments = [_box_mean_at_blocks(v, size, xp) for v in (ref, dist, ref * ref, dist * dist,
                                                          ref * dist)]
    gain, var_v, _ = distortion_channel(*moments, TOL, xp=xp, count=float(size * size))
    # reference GSM: covariance of all 3x3 vectors, s^2 field per non-overlapping block
    vectors = _blocks(ref, True, xp)
    vectors = xp.reshape(vectors, (vectors.shape[0], BLOCK * BLOCK, -1))
    centred = vectors - xp.mean(vectors, axis=2, keepdims=True)
    cov_u = xp.einsum("bin,bjn->bij", centred, centred) / float(vectors.shape[2])
    blocks = _blocks(ref, False, xp)
    s_field = xp.einsum("bihw,bij,bjhw->bhw", blocks, inv(cov_u), blocks) / float(BLOCK ** 2)
    eigenvalues = eigvalsh(cov_u)
    # leave out blocks whose window reaches past the subband border
    trim = math.ceil((size - 1) / 2 / BLOCK)
    inner = (slice(None), slice(trim, -trim), slice(trim, -trim))
    weight = (gain * gain * s_field / (var_v + NOISE_FLOOR))[inner]
    terms = xp.log2(1.0 + weight[:, None] * eigenvalues[:, :, None, None])
    return xp.sum(terms, axis=(1, 2, 3))


def check_ifc_size(height, width, name="ifc"):
    """Raise a one-line ``ValueError`` when an image is too small for four pyramid levels."""
    if height is not None and width is not None and min(height, width) < MIN_SIZE:
        raise ValueError(f"{name}: images must be at least {MIN_SIZE}x{MIN_SIZE} pixels "
                         f"(after crop_border) for a 4-level steerable pyramid; got "
                         f"{height}x{width}")


def ifc_values(x, y, xp=ops):
    """IFC of each image of ``(batch, H, W)`` reference ``x`` and distorted ``y``.

    Args:
        x, y: ``(batch, H, W)`` arrays, values 0..255, H and W at least 72.
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(batch,)`` IFC in bits per pixel.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.random((1, 72, 72)) * 255.0
        >>> y = x + rng.normal(0.0, 10.0, x.shape)
        >>> float(ifc_values(x, x, xp=np)[0]) > float(ifc_values(x, y, xp=np)[0]) > float(
        ...     ifc_values(x, y + rng.normal(0.0, 20.0, x.shape), xp=np)[0]) > 0.0
        True
    """
    check_ifc_size(x.shape[1], x.shape[2])
    ref_bands, _ = steerable_pyramid(x, orientations=ORIENTATIONS, xp=xp)
    dist_bands, _ = steerable_pyramid(y, orientations=ORIENTATIONS, xp=xp)
    total = 0.0
    for level in range(LEVELS):
        for ref, dist in zip(ref_bands[level], dist_bands[level]):
            total = total + subband_information(ref, dist, level, xp=xp)
    return total / float(x.shape[1] * x.shape[2])


def ifc(y_true, y_pred, max_val=1.0, crop_border=0, y_channel=False):
    """Information fidelity criterion (Sheikh, Bovik & de Veciana 2005) of each image.

    Values are rescaled to 0..255 first (``x * 255 / max_val``). Colour images give the
    mean over channels; the SR protocol scores the Y channel.

    Args:
        y_true, y_pred: reference and distorted images, both ``(batch, H, W, C)`` or both
            ``(H, W, C)``, in [0, max_val]; H and W at least 72 after ``crop_border``.
        max_val: the dynamic range (1.0 for [0, 1] floats, 255.0 for 8-bit values).
        crop_border: pixels shaved from each border first (the SR protocol uses the scale).
        y_channel: score the BT.601 Y channel of RGB images.

    Returns:
        Float tensor ``(batch,)``, or a scalar for one image: bits per pixel, >= 0,
        larger is better (x4 bicubic on Set5 about 2.3, identical images very large).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.random((1, 72, 72, 1)).astype("float32")
        >>> noisy = np.clip(x + rng.normal(0.0, 0.05, x.shape), 0.0, 1.0).astype("float32")
        >>> value = float(ifc(x, noisy)[0])  # identical images: about 50 (float64)
        >>> 0.0 < value < 50.0
        True
    """
    x, y, batched = prepare_pair(y_true, y_pred, max_val, crop_border, y_channel, "ifc")
    check_ifc_size(x.shape[1], x.shape[2])
    channels = x.shape[3]
    x = ops.reshape(ops.transpose(x, (0, 3, 1, 2)), (-1, x.shape[1], x.shape[2]))
    y = ops.reshape(ops.transpose(y, (0, 3, 1, 2)), (-1, y.shape[1], y.shape[2]))
    values = ifc_values(x * (255.0 / max_val), y * (255.0 / max_val))
    values = ops.mean(ops.reshape(values, (-1, channels)), axis=-1)
    return values if batched else values[0]


__all__ = ["ifc", "ifc_values", "steerable_pyramid", "sp5_filters", "correlate_reflect",
           "subband_information", "check_ifc_size"]
