"""Make a blind Mean Opinion Score study: upscaled images, a rater page and a key.

``make_study`` upscales every image of a set with every model (the protocol's LR: MATLAB
bicubic downscale of the modcropped HR, rounded to 8 bits, as ``keras-sr eval`` uses)
and writes::

    STUDY_DIR/
      key.json          the experimenter's: anonymous item id -> model and image
      page/             what raters get (serve it, or zip it: index.html opens from disk)
        index.html  mos.js  style.css   the rater page (keras_sr/inference/mos_page/)
        study.js        window.MOS_STUDY: study id, mode, item ids, pairs (no model names)
        images/<id>.png one PNG per (image, model); ids are random hex, sorted, so neither
                        the names nor the listing order says which model made which
      ratings/          an empty folder to collect the raters' JSON files in

The page shows each rater the items in an order shuffled with the rater's own seed:
single images with the ACR scale 1..5 (``mode="acr"``), or every pair of models on
the same image with the sides shuffled too (``mode="pairs"``); it saves the ratings as a
JSON file (a download). ``keras_sr.metrics.mos.score_ratings`` scores them with the key.
"""

import hashlib
import json
import shutil
from itertools import combinations
from pathlib import Path

import keras
import numpy as np

from keras_sr import models as sr_models
from keras_sr.data.sets import hr_lr_folders, resolve_dataset
from keras_sr.image.io import list_images, read_image, write_image
from keras_sr.image.resize import modcrop
from keras_sr.inference.predict import upscale_array
from keras_sr.metrics.protocol import bicubic_upscale, degrade, to_uint8

MODES = ("acr", "pairs")
# Model names that are not networks: bicubic interpolation of the LR, and the original
# HR image itself (a hidden reference, as in the MOS tests of SRGAN).
REFERENCES = ("bicubic", "original")
PAGE_DIR = Path(__file__).with_name("mos_page")
PAGE_FILES = ("index.html", "mos.js", "style.css")


def _upscaler(name, scale):
    """``lr float (h, w, 3) in [0, 1], hr_255 -> uint8 (h*s, w*s, 3)`` for a model name."""
    if name == "bicubic":
        return lambda lr, hr_255: to_uint8(bicubic_upscale(lr, scale)).astype(np.uint8)
    if name == "original":
        return lambda lr, hr_255: hr_255.astype(np.uint8)
    if name.endswith(".keras"):
        model = sr_models.load(name)
        saved = getattr(model, "scale", None)
        if saved is not None and saved != scale:
            raise ValueError(f"--models: {name} was made for scale {saved}, the study's "
                             f"scale is {scale}")
    elif name in sr_models.GENERATORS:
        model = sr_models.get(name, scale=scale, weights="pretrained")
    else:
        raise ValueError(f"--models: unknown model {name!r}; use bicubic, original, a .keras "
                         f"file or one of {', '.join(sr_models.GENERATORS)} (with shipped "
                         f"weights: keras-sr models)")
    return lambda lr, hr_255: to_uint8(upscale_array(model, lr, scale=scale)).astype(np.uint8)


def _study_id(names, images, scale, mode, seed):
    """12 hex digits that identify the study (same inputs, same id)."""
    text = json.dumps([names, images, scale, mode, seed])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _anonymous_ids(count, rng):
    """``count`` distinct 8-hex-digit ids from ``rng``, in the order drawn."""
    ids = []
    while len(ids) < count:
        new = f"{int(rng.integers(0, 2**32)):08x}"
        if new not in ids:
            ids.append(new)
    return ids


def make_study(models, dataset, scale, out, mode="acr", seed=0, limit=None,
               progress=True):
    """Write a blind MOS study (see the module docstring for the folder).

    Args:
        models: list of str, each ``"bicubic"``, ``"original"`` (the HR image), a model
            name with shipped weights at ``scale`` (``keras-sr models``) or a ``.keras``
            file. At least two, no repeats.
        dataset: a set name (``keras_sr.data.sets``) or a folder of HR images.
        scale: int upscaling factor; the LR is the protocol's ``degrade(hr, scale)``.
        out: the study folder; must not already hold a study (``key.json``).
        mode: ``"acr"`` (single images rated 1..5) or ``"pairs"`` (forced choice between
            two models on the same image).
        seed: int; draws the anonymous ids (the raters' orders come from their own seed
            in the page).
        limit: use only the first ``limit`` images of the set.
        progress: show a progress bar over the images.

    Returns:
        the key (dict, also written as ``out/key.json``): ``study`` (id), ``mode``,
        ``scale``, ``dataset``, ``seed``, ``models``, ``images`` (file names), ``items``
        (``{id: {"model", "image", "file"}}``) and ``pairs`` (list of ``{"id", "a",
        "b"}`` item ids; empty for ACR).

    Raises:
        ValueError: fewer than two models, a repeat, an unknown model, a bad mode or
            scale, a ``.keras`` file of another scale, an existing study in ``out``.
        FileNotFoundError: the set, a ``.keras`` file or shipped weights are missing.
    """
    names = [str(m).strip() for m in models]
    if mode not in MODES:
        raise ValueError(f"--mode must be one of {', '.join(MODES)}; got {mode!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"--scale must be a positive integer; got {scale!r}")
    if len(names) < 2 or "" in names:
        raise ValueError(f"--models: give at least two models, comma-separated; got {names}")
    if len(set(names)) != len(names):
        raise ValueError(f"--models: each model once; got {names}")
    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be >= 1; got {limit}")
    out = Path(out)
    if (out / "key.json").exists():
        raise ValueError(f"--out {out} already holds a study (key.json); choose another "
                         "folder")
    hr_folder, _ = hr_lr_folders(resolve_dataset(dataset), scale)
    hr_paths = list_images(hr_folder)[:limit]
    if not hr_paths:
        raise ValueError(f"--dataset: no images in {hr_folder}")
    upscalers = [_upscaler(name, scale) for name in names]   # load every model first

    images = [p.name for p in hr_paths]
    study = _study_id(names, images, int(scale), mode, seed)
    rng = np.random.default_rng([seed, int(study, 16)])   # other studies: other ids
    ids = _anonymous_ids(len(images) * len(names), rng)
    page = out / "page"
    (page / "images").mkdir(parents=True, exist_ok=True)
    (out / "ratings").mkdir(exist_ok=True)
    items = {}
    by_image = []
    bar = keras.utils.Progbar(len(hr_paths), unit_name="image") if progress else None
    for i, path in enumerate(hr_paths):
        hr_255 = to_uint8(modcrop(read_image(path, mode="RGB"), scale))
        lr = degrade(hr_255, scale)
        row = {}
        for name, upscale in zip(names, upscalers):
            item_id = ids.pop()
            write_image(page / "images" / f"{item_id}.png", upscale(lr, hr_255))
            items[item_id] = {"model": name, "image": path.name,
                              "file": f"images/{item_id}.png"}
            row[name] = item_id
        by_image.append(row)
        if bar is not None:
            bar.update(i + 1)

    pairs = []
    if mode == "pairs":
        pair_ids = _anonymous_ids(len(images) * len(names) * (len(names) - 1) // 2, rng)
        for row in by_image:
            for a, b in combinations(names, 2):
                pairs.append({"id": pair_ids.pop(), "a": row[a], "b": row[b]})
        pairs.sort(key=lambda p: p["id"])
    public = {"study": study, "mode": mode, "scale": int(scale),
              "items": [{"id": i, "file": items[i]["file"]} for i in sorted(items)],
              "pairs": [{"id": p["id"], "a": p["a"], "b": p["b"]} for p in pairs]}
    for name in PAGE_FILES:
        shutil.copyfile(PAGE_DIR / name, page / name)
    (page / "study.js").write_text(
        "// Written by keras-sr mos make: the study's items, without model names.\n"
        f"window.MOS_STUDY = {json.dumps(public, indent=1)};\n")
    key = {"study": study, "mode": mode, "scale": int(scale), "dataset": str(dataset),
           "seed": seed, "models": names, "images": images,
           "items": {i: items[i] for i in sorted(items)}, "pairs": pairs}
    (out / "key.json").write_text(json.dumps(key, indent=1) + "\n")
    return key


__all__ = ["make_study", "MODES", "REFERENCES"]
