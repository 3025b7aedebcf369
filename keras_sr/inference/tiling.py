"""Tiled upscaling with overlap: big images through a model with bounded memory.

The LR image is cut into ``tile x tile`` cores; each core is run with ``overlap`` LR px
of real context on every side (a window of ``tile + 2*overlap``, shifted inwards at the
image borders so every window has the same shape) and only the core's SR pixels are
kept. With ``overlap`` at least the model's receptive radius the result equals
whole-image inference (up to float round-off). Works for Keras models, ``.tflite``
files and any callable on ``(1, h, w, c)`` float batches.
"""

import math
import warnings

import numpy as np

from keras_sr.inference.predict import as_float_image, upscale_array
from keras_sr.runtime import as_callable, run_batch


def _channels(model):
    shape = getattr(model, "input_shape", None)
    if shape is not None and shape[-1] is not None:
        return int(shape[-1])
    return 3


def receptive_radius(model, scale, channels=None, seed=0, max_size=256):
    """Measure how many LR px around a pixel influence its SR output (impulse probe).

    Two random images that differ in one central LR pixel (by +0.5, then -0.5) are
    upscaled; the radius is the farthest LR distance at which the SR outputs differ.

    Args:
        model: Keras model, ``.tflite`` path or callable on ``(1, h, w, c)`` batches.
        scale: int, the upscaling factor.
        channels: int or None (read from the model's input shape).
        seed: int, seeds the random background.
        max_size: int, largest probe side tried before giving up.

    Returns:
        int, the receptive radius in LR px (0 for a purely per-pixel model).
    """
    model = as_callable(model)
    channels = channels or _channels(model)
    rng = np.random.default_rng(seed)
    size = 24
    while True:
        base = rng.uniform(0.2, 0.8, (1, size, size, channels)).astype("float32")
        reference = run_batch(model, base)
        center = size // 2
        reach = 0
        touched_border = False
        for delta in (0.5, -0.5):
            probe = base.copy()
            probe[0, center, center, :] += delta
            changed = np.abs(run_batch(model, probe) - reference).max(axis=(0, 3)) > 1e-6
            rows = np.nonzero(changed.any(axis=1))[0]
            cols = np.nonzero(changed.any(axis=0))[0]
            if rows.size == 0:
                continue
            lo = min(rows.min(), cols.min())
            hi = max(rows.max(), cols.max())
            touched_border |= lo == 0 or hi == size * scale - 1
            before = center * scale - lo
            after = hi - (center * scale + scale - 1)
            reach = max(reach, math.ceil(max(before, after, 0) / scale))
        if not touched_border or size >= max_size:
            return int(reach)
        size *= 2


def _windows(length, tile, overlap):
    """``(core_start, core_stop, window_start, window_size)`` along one axis."""
    window = min(length, tile + 2 * overlap)
    spans = []
    for core_start in range(0, length, tile):
        core_stop = min(core_start + tile, length)
        window_start = min(max(core_start - overlap, 0), length - window)
        spans.append((core_start, core_stop, window_start, window))
    return spans


def _pair(value, name):
    if isinstance(value, (int, np.integer)):
        value = (int(value), int(value))
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"upscale_tiled: `{name}` must be an int or (height, width); "
                         f"got {value!r}")
    return value


def upscale_tiled(model_or_tflite_path, lr, scale, tile=128, overlap=None,
                  output_dtype="float32", num_threads=None, progress=None, radius=None,
                  compiled=False):
    """Upscale a big LR image tile by tile (same result as whole-image inference).

    Args:
        model_or_tflite_path: ``keras.Model``, ``.tflite`` path, ``TFLiteModel`` or any
            callable on ``(1, h, w, c)`` float32 batches in [0, 1].
        lr: float32 array ``(H, W, 3)`` RGB in [0, 1] or ``(H, W, 1)`` greyscale (uint8
            is divided by 255; other dtypes and values outside [0, 1] are refused).
            Unless image and model both have 3 channels, each tile goes through
            ``keras_sr.inference.predict.upscale_array`` (Y by a 1-channel model, Cb/Cr
            bicubic; greyscale in, greyscale out). Images smaller than ``2 * radius + 1``
            px a side get ``radius`` px of edge padding (the model's zero padding would
            darken them), cropped off the result.
        scale: int, the model's upscaling factor.
        tile: int or ``(height, width)``, core tile size in LR px (the model sees
            ``tile + 2*overlap``).
        overlap: int LR px of context on each side; None uses the model's receptive
            radius (:func:`receptive_radius`). Smaller than that radius gives seams: a
            ``UserWarning`` says so.
        output_dtype: ``"float32"`` (in [0, 1]) or ``"uint8"`` (rounded, 4x less memory).
        num_threads: int or None, interpreter threads for ``.tflite`` paths.
        progress: optional callable ``(done, total)`` called after each tile (e.g.
            ``keras.utils.Progbar(total).update``-based).
        radius: optional int, the model's receptive radius when known (a sidecar's);
            None measures it (skipped for fixed-size ``.tflite`` files).
        compiled: compile the colour code of 1-channel models once per tile shape
            (``upscale_array(compiled=True)``): for streams of same-size images.

    Returns:
        ``(H*scale, W*scale, C)`` array of ``output_dtype``, clipped to the value range.
    """
    model = as_callable(model_or_tflite_path, num_threads=num_threads)
    lr = as_float_image(lr, "upscale_tiled")
    if lr.ndim != 3 or lr.shape[-1] not in (1, 3):
        raise ValueError(f"upscale_tiled: `lr` must be (H, W, 3) or (H, W, 1) (3 or 1 "
                         f"channels); got shape {lr.shape}")
    if not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"upscale_tiled: `scale` must be a positive int; got {scale!r}")
    if output_dtype not in ("float32", "uint8"):
        raise ValueError(f"upscale_tiled: `output_dtype` must be 'float32' or 'uint8'; got "
                         f"{output_dtype!r}")
    tile_h, tile_w = _pair(tile, "tile")
    if min(tile_h, tile_w) < 1:
        raise ValueError(f"upscale_tiled: `tile` must be >= 1; got {tile!r}")
    model_channels = _channels(model)
    if overlap is not None and overlap < 0:
        raise ValueError(f"upscale_tiled: `overlap` must be >= 0; got {overlap!r}")
    if radius is None:
        try:
            radius = receptive_radius(model, scale, channels=model_channels)
        except ValueError:  # a fixed-size .tflite file cannot run the probe
            radius = overlap or 0
    if overlap is None:
        overlap = radius
    elif overlap < radius:
        warnings.warn(f"upscale_tiled: overlap {overlap} px is smaller than the model's "
                      f"receptive radius {radius} px: tile seams will show (use overlap >= "
                      f"{radius}, the default)", UserWarning, stacklevel=2)
    if model_channels not in (1, 3):
        raise ValueError(f"upscale_tiled: the model takes {model_channels} channels; "
                         "expected 1 (Y) or 3 (RGB)")

    if model_channels == 3 and lr.shape[-1] == 3:
        def run_window(window):
            return run_batch(model, window[None])[0]
    else:
        def run_window(window):
            return upscale_array(model, window, scale=scale, compiled=compiled)

    height, width, channels = lr.shape
    if radius and min(height, width) < 2 * radius + 1:  # edge context on every side
        padded = np.pad(lr, ((radius, radius), (radius, radius), (0, 0)), mode="edge")
        out = upscale_tiled(model, padded, scale, tile=tile, overlap=overlap,
                            output_dtype=output_dtype, progress=progress, radius=radius,
                            compiled=compiled)
        return out[radius * scale:(radius + height) * scale,
                   radius * scale:(radius + width) * scale]
    out = np.empty((height * scale, width * scale, channels), dtype=output_dtype)
    rows = _windows(height, tile_h, overlap)
    cols = _windows(width, tile_w, overlap)
    total, done = len(rows) * len(cols), 0
    for core_y0, core_y1, win_y0, win_h in rows:
        for core_x0, core_x1, win_x0, win_w in cols:
            window = lr[win_y0:win_y0 + win_h, win_x0:win_x0 + win_w]
            sr = run_window(window)
            if sr.shape[:2] != (win_h * scale, win_w * scale):
                raise ValueError(f"upscale_tiled: the model turned a {win_h}x{win_w} tile "
                                 f"into {sr.shape[0]}x{sr.shape[1]}, not x{scale}")
            y0, x0 = (core_y0 - win_y0) * scale, (core_x0 - win_x0) * scale
            core = sr[y0:y0 + (core_y1 - core_y0) * scale, x0:x0 + (core_x1 - core_x0) * scale]
            core = np.clip(core, 0.0, 1.0)
            if output_dtype == "uint8":
                core = np.round(core * 255.0).astype("uint8")
            out[core_y0 * scale:core_y1 * scale, core_x0 * scale:core_x1 * scale] = core
            done += 1
            if progress is not None:
                progress(done, total)
    return out
