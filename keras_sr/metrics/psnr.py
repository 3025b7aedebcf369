"""Peak signal-to-noise ratio, one value per image (keras.ops, every backend)."""

from keras import ops

from keras_sr.image.color import rgb_to_y


def prepare_pair(y_true, y_pred, max_val, crop_border, y_channel, name):
    """Shared input handling of the image metrics.

    Checks shapes, adds a batch axis to single images, converts to luma (BT.601 studio
    range, as MATLAB's ``rgb2ycbcr``) when asked and shaves ``crop_border`` pixels from
    every side.

    Args:
        y_true, y_pred: ``(batch, H, W, C)`` or ``(H, W, C)`` images in ``[0, max_val]``.
        max_val: the dynamic range (1.0 for [0, 1] images, 255.0 for 8-bit values).
        crop_border: pixels shaved from each border (the SR protocol shaves ``scale``).
        y_channel: compare the Y channel of RGB images instead of all channels.
        name: the calling metric, for error messages.

    Returns:
        ``(y_true, y_pred, batched)``: float tensors ``(batch, h, w, c)`` and whether the
        input had a batch axis.
    """
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    shape_true, shape_pred = tuple(y_true.shape), tuple(y_pred.shape)
    if shape_true != shape_pred:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape; got "
                         f"y_true {shape_true} and y_pred {shape_pred}")
    if len(shape_true) not in (3, 4):
        raise ValueError(f"{name}: expected images (batch, height, width, channels) or "
                         f"(height, width, channels); got shape {shape_true}")
    batched = len(shape_true) == 4
    if not batched:
        y_true, y_pred = y_true[None], y_pred[None]
    dtype = "float64" if y_true.dtype == "float64" and y_pred.dtype == "float64" else "float32"
    y_true, y_pred = ops.cast(y_true, dtype), ops.cast(y_pred, dtype)
    if y_channel:
        if shape_true[-1] != 3:
            raise ValueError(f"{name}(y_channel=True) needs RGB images with 3 channels; "
                             f"got shape {shape_true}")
        y_true = rgb_to_y(y_true / max_val) * max_val
        y_pred = rgb_to_y(y_pred / max_val) * max_val
    crop_border = int(crop_border)
    if crop_border < 0:
        raise ValueError(f"{name}: crop_border must be >= 0; got {crop_border}")
    if crop_border:
        height, width = shape_true[-3], shape_true[-2]
        if height is not None and width is not None and min(height, width) <= 2 * crop_border:
            raise ValueError(f"{name}: crop_border={crop_border} leaves nothing of images "
                             f"of shape {shape_true}")
        y_true = y_true[:, crop_border:-crop_border, crop_border:-crop_border, :]
        y_pred = y_pred[:, crop_border:-crop_border, crop_border:-crop_border, :]
    return y_true, y_pred, batched


def psnr(y_true, y_pred, max_val=1.0, crop_border=0, y_channel=False):
    """PSNR in dB, ``10 log10(max_val^2 / MSE)``, of each image of a batch.

    The MSE averages over height, width and channels of one image, so a batch gives one
    value per image (average them for a set's score). Identical images give ``inf``.

    Args:
        y_true: reference images ``(batch, H, W, C)`` or ``(H, W, C)``, in [0, max_val].
        y_pred: images to score, same shape.
        max_val: peak value: 1.0 for [0, 1] floats, 255.0 for 8-bit values.
        crop_border: pixels shaved from each border first (the SR protocol uses the scale).
        y_channel: score the BT.601 Y channel of RGB images (the SR protocol) instead of
            all channels.

    Returns:
        Float tensor ``(batch,)``, or a scalar for a single ``(H, W, C)`` image.

    Example:
        >>> import numpy as np
        >>> a = np.zeros((1, 4, 4, 1), "float32"); b = a + 0.1
        >>> round(float(psnr(a, b)[0]), 4)
        20.0
    """
    y_true, y_pred, batched = prepare_pair(y_true, y_pred, max_val, crop_border,
                                           y_channel, "psnr")
    values = psnr_values(y_true, y_pred, max_val, xp=ops)
    return values if batched else values[0]


def psnr_values(y_true, y_pred, max_val, xp=ops):
    """The PSNR computation itself, on prepared batches (no checks, no Y, no shave).

    ``psnr`` runs it with ``keras.ops``; the evaluation protocol runs the same code with
    numpy in float64 (``keras_sr.metrics.protocol``), identical on every backend.

    Args:
        y_true, y_pred: ``(batch, H, W, C)`` arrays (numpy with ``xp=numpy``).
        max_val: the peak value.
        xp: array namespace, ``keras.ops`` or ``numpy``.

    Returns:
        ``(batch,)`` PSNR values in dB (``inf`` for identical images).

    Example:
        >>> import numpy as np
        >>> a = np.zeros((1, 2, 2, 1)); b = a + 25.5
        >>> psnr_values(a, b, 255.0, xp=np).tolist()
        [20.0]
    """
    mse = xp.mean(xp.square(y_true - y_pred), axis=(1, 2, 3))
    return 10.0 * xp.log10(max_val * max_val / mse)


__all__ = ["psnr", "psnr_values"]
