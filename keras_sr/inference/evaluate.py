"""Evaluate a model (or bicubic interpolation) on a test set by the published protocol.

The protocol itself (modcrop, bicubic LR rounded to 8 bits, SR rounded, Y channel,
shave = scale) is ``keras_sr.metrics.protocol``; this module finds the set, reads its
images, runs the model on each and shows progress.
"""

import warnings

import keras
import numpy as np

from keras_sr.data.patches import BadImagesError
from keras_sr.data.sets import hr_lr_folders, resolve_dataset
from keras_sr.image.io import list_images, read_image
from keras_sr.inference.predict import upscale_array
from keras_sr.metrics.protocol import (DEFAULT_METRICS, bicubic_upscale, check_metrics,
                                       score_image)


def _upscaler(model, scale):
    """The ``upscale`` callable of the protocol for a model, a callable or "bicubic"."""
    if isinstance(model, str):
        if model != "bicubic":
            raise ValueError(f"evaluate: the only model given by name here is 'bicubic'; "
                             f"got {model!r} (build other models with keras_sr.models.get)")
        return lambda lr: bicubic_upscale(lr, scale)
    return lambda lr: upscale_array(model, lr, scale=scale)


def evaluate(model, dataset, scale, model_name=None, progress=True, limit=None,
             skip_bad=False, metrics=DEFAULT_METRICS):
    """Score a model on a test set with the standard SR protocol.

    Args:
        model: ``"bicubic"``, a ``keras.Model`` or any callable on ``(1, h, w, c)``
            float batches in [0, 1] (1-channel models get the Y channel, see
            ``keras_sr.inference.upscale_array``).
        dataset: a set name (Set5, Set14, B100, Urban100, Manga109, DIV2K-valid) or a
            folder (of HR images, or with ``HR`` and ``LR`` sub-folders).
        scale: integer upscaling factor (2, 3, 4, ...).
        model_name: name recorded in the result; default the model's name or "bicubic".
        progress: show a ``keras.utils.Progbar`` over the images.
        limit: score only the first ``limit`` images (quick checks).
        skip_bad: score the images that can be scored and warn how many were left out,
            instead of raising. A bad image is one that cannot be read, or is too small
            for the protocol at this scale (e.g. 1x1).
        metrics: which scores, names of ``keras_sr.metrics.protocol.METRICS`` (``psnr``,
            ``ssim``, ``vif``, ``ifc``) or one comma-separated string.

    Returns:
        dict with ``dataset`` (str), ``scale`` (int), ``model`` (str), ``images`` (int),
        ``<metric>_y`` for each metric (means over images, e.g. ``psnr_y``, ``ssim_y``)
        and ``per_image``: a list of ``{"name", "psnr_y", "ssim_y", ...}``; ``skipped``,
        a list of ``(file, reason)``.

    Raises:
        BadImagesError: some images are bad and ``skip_bad`` is False; the message lists
            every bad file with its reason (all of the set is read first).
    """
    if not isinstance(scale, (int, np.integer)) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"evaluate: `scale` must be a positive integer; got {scale!r}")
    scale = int(scale)
    keys = [f"{name}_y" for name in check_metrics(metrics)]
    upscale = _upscaler(model, scale)
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

    bar = None
    if progress:
        print(f"{model_name} x{scale} on {folder.name}")
        bar = keras.utils.Progbar(len(hr_paths), unit_name="image",
                                  stateful_metrics=keys)
    per_image, bad = [], []
    for i, path in enumerate(hr_paths):
        source = path if lr_paths is None else f"{path} (LR {lr_paths[i]})"
        try:
            hr = read_image(path, mode=None)
            lr = None
            if lr_paths is not None:
                lr = read_image(lr_paths[i], mode="L" if hr.shape[-1] == 1 else "RGB")
            scores = score_image(hr, scale, upscale, lr=lr, metrics=[k[:-2] for k in keys])
        except (OSError, ValueError) as err:   # ImageReadError is a ValueError
            bad.append((str(source), str(err)))
            continue
        per_image.append({"name": path.name, **scores})
        if bar is not None:
            bar.update(i + 1, values=[(k, float(np.mean([r[k] for r in per_image])))
                                      for k in keys])
    if bad and (not skip_bad or not per_image):
        lines = "\n".join(f"  {name}: {reason}" for name, reason in bad)
        hint = ("; none of the images could be scored" if skip_bad else
                "; pass skip_bad=True (keras-sr eval --skip-bad) to score the rest")
        raise BadImagesError(f"evaluate: {len(bad)} of {len(hr_paths)} images in "
                             f"{hr_folder} cannot be scored at x{scale}{hint}:\n{lines}", bad)
    if bad:
        warnings.warn(f"evaluate: left out {len(bad)} of {len(hr_paths)} images of "
                      f"{hr_folder} that cannot be scored at x{scale}: "
                      + "; ".join(f"{name} ({reason})" for name, reason in bad), stacklevel=2)
    return {
        "dataset": str(dataset) if not isinstance(dataset, str) else dataset,
        "scale": scale,
        "model": str(model_name),
        "images": len(per_image),
        **{k: float(np.mean([r[k] for r in per_image])) for k in keys},
        "per_image": per_image,
        "skipped": bad,
    }


__all__ = ["evaluate"]
