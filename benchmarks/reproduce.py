"""Train and evaluate one row of the reproduction table (resumable).

Each model has a recipe in :data:`RECIPES`: the training settings its paper reports
(patch size, augmentation, loss, optimiser, schedule, training set) and the settings this
script actually uses, with every deviation written out in ``deviations``. Training runs
in chunks of ``steps_per_call`` steps through :class:`keras_sr.training.fast_loop.FastLoop`
(one jitted call per chunk on JAX, ``model.fit`` on TensorFlow) and writes an atomic
checkpoint (``.npz``: weights, optimiser state, step, elapsed time, loss log) every
``--checkpoint-every`` steps; a run that is interrupted resumes from it and replays
exactly the same batches (the batch of step ``k`` is drawn from ``seed`` and ``k`` only).

When training ends (``--steps`` done or ``--max-minutes`` spent) the model is evaluated
on Set5, Set14 and B100 with :func:`keras_sr.evaluation.evaluate` (the published
protocol), beside bicubic, and a JSON report is written to
``benchmarks/results/reproduce_<model>_x<scale>.json``. ``--export`` also writes the
package's pretrained weight file and its JSON sidecar.

Example (the shipped ESPCN x3, Y channel)::

    KERAS_BACKEND=jax python benchmarks/reproduce.py espcn --scale 3 \\
        --steps 30000 --max-minutes 60 --export

Run it again with the same arguments to resume after an interruption.
"""

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
CHECKPOINTS = REPO / "runs" / "reproduce"  # git-ignored working state
WEIGHTS = REPO / "keras_sr" / "weights"

# Published PSNR (dB, Y channel) per model, scale and test set: the papers' own tables.
PAPER_PSNR = {
    "srcnn_955": {3: {"Set5": 32.39, "Set14": 29.00}},  # Dong et al. TPAMI 2016, 91 images
    "fsrcnn": {2: {"Set5": 37.00, "Set14": 32.63}, 3: {"Set5": 33.16, "Set14": 29.43},
               4: {"Set5": 30.71, "Set14": 27.59}},  # Dong et al. ECCV 2016, 91+General100
    "espcn": {3: {"Set5": 32.55, "Set14": 29.08}},  # Shi et al. CVPR 2016, 91 images
    "vdsr": {2: {"Set5": 37.53, "Set14": 33.03, "B100": 31.90},
             3: {"Set5": 33.66, "Set14": 29.77, "B100": 28.82},
             4: {"Set5": 31.35, "Set14": 28.01, "B100": 27.29}},  # Kim et al. CVPR 2016
    "lapsrn": {2: {"Set5": 37.52, "Set14": 33.08, "B100": 31.80},
               4: {"Set5": 31.54, "Set14": 28.19, "B100": 27.32}},  # Lai et al. CVPR 2017
    "edsr_baseline": {},  # trained on DIV2K in its paper; reported, no 291-set target
    "dbpn_small": {},
}

# Published bicubic PSNR (dB, Y channel), the protocol check (shared/datasets/README.md).
BICUBIC_PSNR = {
    "Set5": {2: 33.66, 3: 30.39, 4: 28.42},
    "Set14": {2: 30.24, 3: 27.55, 4: 26.00},
    "B100": {2: 29.56, 3: 27.21, 4: 25.96},
}

# lr_patch is the LR side of a training patch (HR side = lr_patch * scale).
RECIPES = {
    "srcnn_955": {
        "paper": "Dong et al., Image Super-Resolution Using Deep Convolutional Networks, "
                 "TPAMI 2016",
        "paper_settings": {"train_set": "T91", "hr_patch": 33, "augmentation": "none",
                           "loss": "mse", "optimizer": "SGD, lr 1e-4 (1e-5 last layer)",
                           "schedule": "constant, ~8e8 backprops", "channels": 1},
        "channels": 1, "train_sets": ["T91", "BSD200"], "lr_patch": {3: 11, 2: 16, 4: 8},
        "scale_augment": [1.0], "augment": "none", "batch_size": 64, "loss": "mse",
        "optimizer": "adam", "learning_rate": 1e-3, "schedule": "cosine", "min_lr_ratio": 0.01,
        "deviations": ["Adam with cosine decay instead of SGD 1e-4: the paper's 8e8 "
                       "backprops are days on a GPU, far beyond a CPU budget",
                       "T91+BSD200 instead of T91"],
    },
    "fsrcnn": {
        "paper": "Dong et al., Accelerating the Super-Resolution Convolutional Neural "
                 "Network, ECCV 2016",
        "paper_settings": {"train_set": "T91 then fine-tuned on General-100",
                           "lr_patch": {2: 10, 3: 7, 4: 6}, "augmentation":
                           "downscale by 0.9/0.8/0.7/0.6 and rotate 90/180/270",
                           "loss": "mse", "optimizer": "SGD, lr 1e-3 (1e-4 deconv layer)",
                           "schedule": "constant, then half for fine-tuning", "channels": 1},
        "channels": 1, "train_sets": ["T91", "BSD200"], "lr_patch": {2: 10, 3: 7, 4: 6},
        "scale_augment": [1.0, 0.9, 0.8, 0.7, 0.6], "augment": "rot90", "batch_size": 128,
        "loss": "mse", "optimizer": "adam", "learning_rate": 1e-3, "schedule": "cosine",
        "min_lr_ratio": 0.01,
        "deviations": ["Adam with cosine decay instead of SGD", "BSD200 replaces "
                       "General-100 (not in shared/datasets)"],
    },
    "espcn": {
        "paper": "Shi et al., Real-Time Single Image and Video Super-Resolution Using an "
                 "Efficient Sub-Pixel Convolutional Neural Network, CVPR 2016",
        "paper_settings": {"train_set": "T91 (32.55 dB) or ImageNet", "lr_patch": 17,
                           "augmentation": "none", "loss": "mse",
                           "optimizer": "SGD, lr 0.01 -> 1e-4 on plateau "
                                        "(last layer 10x smaller)",
                           "schedule": "plateau, ~3 h on a K2 GPU for 91 images",
                           "activation": "tanh", "channels": 1},
        "channels": 1, "train_sets": ["T91", "BSD200"], "lr_patch": {2: 17, 3: 17, 4: 17},
        "scale_augment": [1.0], "augment": "none", "batch_size": 64, "loss": "mse",
        "optimizer": "adam", "learning_rate": 1e-3, "schedule": "cosine", "min_lr_ratio": 0.01,
        "deviations": ["Adam with cosine decay instead of SGD with plateau decay, to "
                       "converge within a CPU budget", "T91+BSD200 instead of T91"],
    },
    "vdsr": {
        "paper": "Kim et al., Accurate Image Super-Resolution Using Very Deep "
                 "Convolutional Networks, CVPR 2016",
        "paper_settings": {"train_set": "T91+BSD200", "hr_patch": 41,
                           "augmentation": "rotate 90/180/270, flip, scales 2/3/4 in one model",
                           "loss": "mse", "optimizer": "SGD momentum 0.9, lr 0.1, "
                                                      "gradient clipping, weight decay 1e-4",
                           "schedule": "x0.1 every 20 epochs, 80 epochs", "channels": 1},
        "channels": 1, "train_sets": ["T91", "BSD200"], "lr_patch": {2: 20, 3: 14, 4: 10},
        "scale_augment": [1.0], "augment": "rot90", "batch_size": 64, "loss": "mse",
        "optimizer": "adam", "learning_rate": 1e-4, "schedule": "cosine", "min_lr_ratio": 0.01,
        "deviations": ["one model per scale instead of one multi-scale model",
                       "Adam instead of SGD with gradient clipping"],
    },
    "lapsrn": {
        "paper": "Lai et al., Deep Laplacian Pyramid Networks for Fast and Accurate "
                 "Super-Resolution, CVPR 2017",
        "paper_settings": {"train_set": "T91+BSD200", "hr_patch": 128,
                           "augmentation": "scale 0.5-1.0, rotate 90/180/270, flip",
                           "loss": "charbonnier", "optimizer": "SGD momentum 0.9, lr 1e-5, "
                                                              "weight decay 1e-4",
                           "schedule": "x0.5 every 50 epochs", "channels": 1},
        "channels": 1, "train_sets": ["T91", "BSD200"], "lr_patch": {2: 64, 4: 32},
        "scale_augment": [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], "augment": "rot90", "batch_size": 64,
        "loss": "charbonnier", "optimizer": "adam", "learning_rate": 1e-4,
        "schedule": "cosine", "min_lr_ratio": 0.01,
        "deviations": ["Adam instead of SGD"],
    },
    "edsr_baseline": {
        "paper": "Lim et al., Enhanced Deep Residual Networks for Single Image "
                 "Super-Resolution, CVPRW 2017",
        "paper_settings": {"train_set": "DIV2K", "lr_patch": 48,
                           "augmentation": "rotate 90, flip", "loss": "l1",
                           "optimizer": "Adam lr 1e-4, betas (0.9, 0.999)",
                           "schedule": "x0.5 every 2e5 steps, batch 16", "channels": 3},
        "channels": 3, "train_sets": ["T91", "BSD200"], "lr_patch": {2: 48, 3: 48, 4: 48},
        "scale_augment": [1.0], "augment": "rot90", "batch_size": 16, "loss": "l1",
        "optimizer": "adam", "learning_rate": 1e-4, "schedule": "cosine", "min_lr_ratio": 0.01,
        "deviations": ["T91+BSD200 instead of DIV2K (DIV2K not in shared/datasets)"],
    },
    "dbpn_small": {
        "paper": "Haris et al., Deep Back-Projection Networks for Super-Resolution, CVPR 2018",
        "paper_settings": {"train_set": "DIV2K+Flickr2K+ImageNet", "lr_patch": 32,
                           "augmentation": "rotate 90, flip", "loss": "l1",
                           "optimizer": "Adam lr 1e-4", "schedule": "x0.1 at half",
                           "channels": 3},
        "channels": 3, "train_sets": ["T91", "BSD200"], "lr_patch": {2: 32, 4: 32, 8: 32},
        "scale_augment": [1.0], "augment": "rot90", "batch_size": 16, "loss": "l1",
        "optimizer": "adam", "learning_rate": 1e-4, "schedule": "cosine", "min_lr_ratio": 0.01,
        "deviations": ["T91+BSD200 instead of DIV2K"],
    },
}

EVAL_SETS = ("Set5", "Set14", "B100")


def data_root():
    """The folder with T91, BSD200, Set5, ... (KERAS_SR_DATA, else ../shared/datasets)."""
    for candidate in (os.environ.get("KERAS_SR_DATA"), REPO.parent / "shared" / "datasets"):
        if candidate and (Path(candidate) / "Set5").is_dir():
            return Path(candidate)
    raise FileNotFoundError("image sets not found: set KERAS_SR_DATA to the folder holding "
                            "T91, BSD200, Set5, Set14 and B100")


def _read_rgb(path):
    try:
        from keras_sr.image.io import read_image
        return read_image(path, mode="RGB")
    except ImportError:
        from PIL import Image
        return np.asarray(Image.open(path).convert("RGB"), dtype="float32") / 255.0


def _to_channels(rgb, channels):
    """RGB [0,1] -> Y (BT.601 studio range, [16,235]/255) or RGB."""
    if channels == 3:
        return rgb
    from keras_sr.image.color import rgb_to_y
    return np.asarray(rgb_to_y(rgb), dtype="float32")


def _round_uint8(x):
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype("float32") / 255.0


def build_pool(folders, scale, channels, scale_augment=(1.0,)):
    """Loads training images as aligned (LR, HR) pairs, LR made like the test protocol.

    Args:
        folders: list of image folders.
        scale: integer SR factor.
        channels: 1 (Y) or 3 (RGB).
        scale_augment: HR downscaling factors (FSRCNN-style data augmentation).

    Returns:
        (lrs, hrs): lists of float32 ``(h, w, c)`` and ``(h*scale, w*scale, c)`` arrays;
        LR is MATLAB bicubic of HR rounded to uint8 levels.
    """
    from keras_sr.image.resize import imresize, modcrop
    lrs, hrs = [], []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.png")):
            rgb = _read_rgb(path)
            for factor in scale_augment:
                img = rgb if factor == 1.0 else np.clip(
                    np.asarray(imresize(rgb, scale=factor)), 0.0, 1.0)
                img = _round_uint8(img)
                hr = modcrop(_to_channels(img, channels), scale)
                lr = _round_uint8(np.asarray(imresize(hr, scale=1.0 / scale)))
                hrs.append(hr.astype("float32"))
                lrs.append(lr.astype("float32"))
    if not lrs:
        raise FileNotFoundError(f"no PNG images in {folders}")
    return lrs, hrs


def load_pool(folders, scale, channels, scale_augment=(1.0,), cache_dir=None):
    """:func:`build_pool`, cached as ``.npz`` under ``cache_dir`` (default runs/reproduce).

    On JAX, eager ``imresize`` compiles every op for every new image shape (minutes for
    291 images on a busy CPU), so a pool of more than 16 images is built once in a
    TensorFlow-backend subprocess when TensorFlow is installed, then loaded from the cache.
    """
    import hashlib
    import subprocess

    import keras
    key = json.dumps([[str(Path(f).resolve()) for f in folders], scale, channels,
                      list(scale_augment)])
    cache = Path(cache_dir or CHECKPOINTS) / "pools" / (
        hashlib.sha1(key.encode()).hexdigest()[:16] + ".npz")
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        n_files = sum(len(list(Path(f).glob("*.png"))) for f in folders)
        if keras.backend.backend() != "tensorflow" and _has_tensorflow() and n_files > 16:
            code = ("import sys, json; sys.path.insert(0, %r); import reproduce as r; "
                    "a = json.loads(%r); r.save_pool(r.build_pool(*a), %r)"
                    % (str(Path(__file__).parent), json.dumps(json.loads(key)), str(cache)))
            subprocess.run([sys.executable, "-c", code], check=True,
                           env={**os.environ, "KERAS_BACKEND": "tensorflow"})
        else:
            save_pool(build_pool(folders, scale, channels, scale_augment), cache)
    with np.load(cache) as data:
        n = len(data.files) // 2
        return [data[f"lr{i}"] for i in range(n)], [data[f"hr{i}"] for i in range(n)]


def _has_tensorflow():
    import importlib.util
    return importlib.util.find_spec("tensorflow") is not None


def save_pool(pool, path):
    """Writes a (lrs, hrs) pool to ``path`` atomically."""
    lrs, hrs = pool
    arrays = {f"lr{i}": a for i, a in enumerate(lrs)}
    arrays.update({f"hr{i}": a for i, a in enumerate(hrs)})
    tmp = Path(str(path) + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def sample_batch(lrs, hrs, scale, lr_patch, batch_size, seed, step, augment="none"):
    """The batch of training step ``step``: a function of ``seed`` and ``step`` only.

    Returns:
        (lr, hr) float32 ``(batch, p, p, c)`` and ``(batch, p*scale, p*scale, c)``.
    """
    rng = np.random.default_rng([seed, step])
    sizes = np.array([lr.shape[0] >= lr_patch and lr.shape[1] >= lr_patch for lr in lrs])
    usable = np.flatnonzero(sizes)
    picks = rng.choice(usable, size=batch_size)
    lr_out, hr_out = [], []
    hp = lr_patch * scale
    for index in picks:
        lr, hr = lrs[index], hrs[index]
        i = int(rng.integers(0, lr.shape[0] - lr_patch + 1))
        j = int(rng.integers(0, lr.shape[1] - lr_patch + 1))
        a = lr[i:i + lr_patch, j:j + lr_patch]
        b = hr[i * scale:i * scale + hp, j * scale:j * scale + hp]
        if augment == "rot90":
            k = int(rng.integers(0, 4))
            a, b = np.rot90(a, k), np.rot90(b, k)
            if rng.integers(0, 2):
                a, b = a[:, ::-1], b[:, ::-1]
        lr_out.append(a)
        hr_out.append(b)
    return np.stack(lr_out).astype("float32"), np.stack(hr_out).astype("float32")


def make_optimizer(recipe, steps):
    """Optimiser and learning-rate schedule of a recipe over ``steps`` steps."""
    import keras
    lr = recipe["learning_rate"]
    if recipe["schedule"] == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=max(int(steps), 1),
                                                    alpha=recipe["min_lr_ratio"])
    if recipe["optimizer"] == "adam":
        return keras.optimizers.Adam(lr)
    if recipe["optimizer"] == "sgd":
        return keras.optimizers.SGD(lr, momentum=0.9)
    raise ValueError(f"unknown optimizer {recipe['optimizer']!r} in recipe")


def _paper_espcn(scale, channels):
    """ESPCN exactly as Shi et al. 2016 (5x5x64 tanh, 3x3x32 tanh, 3x3 x r^2 C, shuffle).

    Used only while ``keras_sr.models`` has no ``espcn`` yet; the weights transfer to the
    package's model by order (same conv shapes; with one channel the sub-pixel channel
    order of depth_to_space and pixel shuffle coincide).
    """
    import keras
    lr = keras.Input((None, None, channels), name="lr")
    x = keras.layers.Conv2D(64, 5, padding="same", activation="tanh")(lr)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="tanh")(x)
    x = keras.layers.Conv2D(scale * scale * channels, 3, padding="same")(x)
    return keras.Model(lr, keras.ops.depth_to_space(x, scale), name="espcn")


def build_model(name, scale, channels):
    """The package's model; a paper-exact stand-in while the package lacks it."""
    try:
        from keras_sr import models
        return models.get(name, scale=scale, channels=channels)
    except (ImportError, AttributeError, ValueError, KeyError):
        if name != "espcn":
            raise
        return _paper_espcn(scale, channels)


def save_checkpoint(path, model, optimizer, step, elapsed, log):
    """Writes weights + optimiser state + progress atomically (tmp file, then rename)."""
    arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(model.get_weights())}
    arrays.update({f"o{i}": np.asarray(v.numpy() if hasattr(v, "numpy") else v)
                   for i, v in enumerate(optimizer.variables)})
    meta = {"step": int(step), "elapsed_s": float(elapsed), "log": log,
            "n_weights": len(model.get_weights()), "n_opt": len(optimizer.variables)}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype="uint8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def load_checkpoint(path, model, optimizer):
    """Restores a checkpoint written by :func:`save_checkpoint`; returns its meta dict."""
    with np.load(path) as data:
        meta = json.loads(bytes(data["meta"]).decode())
        model.set_weights([data[f"w{i}"] for i in range(meta["n_weights"])])
        if not optimizer.built:
            optimizer.build(model.trainable_variables)
        if len(optimizer.variables) != meta["n_opt"]:
            raise ValueError(f"checkpoint {path} has {meta['n_opt']} optimizer variables, "
                             f"the optimizer has {len(optimizer.variables)}")
        for i, variable in enumerate(optimizer.variables):
            variable.assign(data[f"o{i}"])
    return meta


def _y_psnr(sr, hr, shave):
    diff = (_round_uint8(sr) - hr)[shave:-shave, shave:-shave] * 255.0
    return 10 * math.log10(255.0 ** 2 / float(np.mean(diff ** 2)))


def monitor_psnr(model, pairs, scale):
    """Quick Y-PSNR on preloaded (LR, HR) Y pairs: a progress signal, not the result."""
    values = []
    for lr, hr in pairs:
        sr = np.asarray(model(lr[None], training=False))[0]
        if sr.shape[-1] != 1:
            return float("nan")
        values.append(_y_psnr(sr, hr, scale))
    return float(np.mean(values))


def load_weights_or_checkpoint(model, path):
    """Load a ``.weights.h5`` / ``.keras`` file or a checkpoint ``.npz`` of this script.

    Returns:
        A description of what was loaded (the file name, and the steps of a checkpoint).
    """
    path = Path(path)
    if path.suffix != ".npz":
        model.load_weights(str(path))
        return path.name
    with np.load(path) as data:
        meta = json.loads(bytes(data["meta"]).decode())
        model.set_weights([data[f"w{i}"] for i in range(meta["n_weights"])])
    return f"{path.name} (reproduce.py checkpoint, {meta['step']} steps)"


def start_from(model, init, tanh_target, lrs, hrs, scale, lr_patch, seed, say):
    """Load ``init`` into ``model``; with ``tanh_target``, return the range-widened copy.

    The widening probe uses 256 LR patches drawn like training batches (as step
    ``2**31 - 1``, which no run reaches).
    """
    path = Path(init)
    if not path.is_file():
        raise FileNotFoundError(f"--init {init!r}: no such weights or checkpoint file")
    say(f"initial weights from {load_weights_or_checkpoint(model, path)}")
    if tanh_target:
        from keras_sr.quantization import equalize_tanh_ranges
        probe, _ = sample_batch(lrs, hrs, scale, lr_patch, 256, seed, 2**31 - 1)
        widened, scales = equalize_tanh_ranges(model, probe, target=tanh_target)
        model.set_weights(widened.get_weights())
        say("tanh ranges widened to a peak of {}: {}".format(tanh_target, {
            k: f"x{v.min():.2f}..x{v.max():.2f}" for k, v in scales.items()}))
    return model


def device_name():
    import keras
    if keras.backend.backend() == "jax":
        import jax
        dev = jax.devices()[0]
        return f"{dev.platform}:{getattr(dev, 'device_kind', dev)}"
    return f"cpu:{platform.processor() or platform.machine()}"


def train(name, scale, steps, seed=0, max_minutes=None, checkpoint=None,
          checkpoint_every=500, steps_per_call=10, batch_size=None, log_every=100,
          train_sets=None, channels=None, validate=True, stop_at=None, quiet=False,
          init=None, tanh_target=None, learning_rate=None, lr_patch=None):
    """Trains (or resumes) a recipe; returns (model, info dict).

    Args:
        name: model name in :data:`RECIPES` and ``keras_sr.models``.
        scale: SR factor.
        steps: total optimisation steps (fixes the learning-rate schedule).
        seed: seeds the initial weights and every batch.
        max_minutes: stop after this much training time in this process (the
            checkpoint keeps the progress; running again continues).
        checkpoint: ``.npz`` path (default ``benchmarks/checkpoints/<name>_x<scale>.npz``).
        checkpoint_every: steps between checkpoints (rounded up to ``steps_per_call``).
        steps_per_call: steps per device call (JAX) or per ``fit`` call (TF).
        batch_size, channels: override the recipe.
        train_sets: override the recipe's folders: names under the data root or paths.
        validate: log a quick Set5 Y-PSNR every ``5 * log_every`` steps (Y models).
        stop_at: stop (as if interrupted) once this many steps are done.
        init: start from these weights instead of a random init (a ``.weights.h5`` /
            ``.keras`` file, or a checkpoint ``.npz`` of this script); used only when
            ``checkpoint`` does not exist yet.
        tanh_target: with ``init``, widen the tanh pre-activations to this peak first
            (:func:`keras_sr.quantization.equalize_tanh_ranges`), so that TFLite's fixed
            int8 tanh grid is well used; training then re-fits the model to the wider
            (less linear) regime.
        learning_rate, lr_patch: override the recipe's.
    """
    import keras
    from keras_sr.training.fast_loop import FastLoop

    recipe = dict(RECIPES[name])
    if batch_size:
        recipe["batch_size"] = batch_size
    if learning_rate:
        recipe["learning_rate"] = learning_rate
    channels = channels or recipe["channels"]
    lr_patch = lr_patch or recipe["lr_patch"][scale]
    sets = train_sets or recipe["train_sets"]
    root = data_root() if validate or not all(Path(s).is_absolute() for s in sets) else None
    folders = [Path(s) if Path(s).is_absolute() else root / s for s in sets]
    checkpoint = Path(checkpoint or CHECKPOINTS / f"{name}_x{scale}.npz")

    def say(*args):
        if not quiet:
            print(*args, flush=True)

    keras.utils.set_random_seed(seed)
    model = build_model(name, scale, channels)
    optimizer = make_optimizer(recipe, steps)
    optimizer.build(model.trainable_variables)
    step, elapsed, log = 0, 0.0, []
    t0 = time.time()
    lrs, hrs = load_pool(folders, scale, channels, recipe["scale_augment"],
                         cache_dir=checkpoint.parent)
    if checkpoint.exists():
        meta = load_checkpoint(checkpoint, model, optimizer)
        step, elapsed, log = meta["step"], meta["elapsed_s"], meta["log"]
        say(f"resumed {checkpoint} at step {step} ({elapsed / 60:.1f} min trained)")
    elif init is not None:
        model = start_from(model, init, tanh_target, lrs, hrs, scale, lr_patch, seed, say)
    say(f"{len(lrs)} training images from {[f.name for f in folders]} "
        f"({time.time() - t0:.1f} s); LR patch {lr_patch}, batch {recipe['batch_size']}")
    val = list(zip(*load_pool([root / "Set5"], scale, channels,
                              cache_dir=checkpoint.parent))) if (
        validate and channels == 1) else []

    loop = FastLoop(model, optimizer, recipe["loss"], steps_per_call=steps_per_call)
    start, every = time.time(), max(steps_per_call, checkpoint_every)
    last_saved = step
    while step < steps:
        if stop_at is not None and step >= stop_at:
            break
        if max_minutes is not None and time.time() - start > 60 * max_minutes:
            say(f"time budget of {max_minutes} min reached at step {step}")
            break
        k = min(steps_per_call, steps - step)
        if k != steps_per_call:
            loop = FastLoop(model, optimizer, recipe["loss"], steps_per_call=k)
        batches = [sample_batch(lrs, hrs, scale, lr_patch, recipe["batch_size"], seed,
                                step + i, recipe["augment"]) for i in range(k)]
        t = time.time()
        losses = loop.run(np.stack([b[0] for b in batches]), np.stack([b[1] for b in batches]))
        elapsed += time.time() - t
        step += k
        if step % log_every < k or step == steps:
            loop.sync()
            entry = {"step": step, "loss": float(np.mean(losses)), "train_s": round(elapsed, 1)}
            if val and (step % (5 * log_every) < k or step == steps):
                entry["set5_y_psnr_monitor"] = round(monitor_psnr(model, val, scale), 3)
            log.append(entry)
            say(json.dumps(entry))
        if step - last_saved >= every or step == steps:
            loop.sync()
            save_checkpoint(checkpoint, model, optimizer, step, elapsed, log)
            last_saved = step
    loop.sync()
    if step != last_saved:
        save_checkpoint(checkpoint, model, optimizer, step, elapsed, log)
    info = {"recipe": recipe, "steps_done": step, "steps_planned": steps, "seed": seed,
            "init": None if init is None else str(init), "tanh_target": tanh_target,
            "train_seconds": round(elapsed, 1), "log": log, "checkpoint": str(checkpoint),
            "channels": channels, "lr_patch": lr_patch,
            "train_sets": [f.name for f in folders]}
    return model, info


def evaluate_all(model, name, scale, sets=EVAL_SETS):
    """PSNR/SSIM (Y) of the model and of bicubic on each test set, with the paper's."""
    from keras_sr.evaluation import evaluate
    root = data_root()
    table = {}
    for dataset in sets:
        folder = str(root / dataset)
        ours = evaluate(model, folder, scale, model_name=name, progress=False)
        bicubic = evaluate("bicubic", folder, scale, progress=False)
        table[dataset] = {
            "paper_psnr": PAPER_PSNR.get(name, {}).get(scale, {}).get(dataset),
            "published_bicubic_psnr": BICUBIC_PSNR[dataset].get(scale),
            "bicubic_psnr": round(float(bicubic["psnr_y"]), 3),
            "bicubic_ssim": round(float(bicubic["ssim_y"]), 4),
            "psnr": round(float(ours["psnr_y"]), 3),
            "ssim": round(float(ours["ssim_y"]), 4),
            "images": ours["images"],
        }
    return table


def weight_file(name, scale, channels):
    """Where the package keeps a pretrained model: ``keras_sr/weights/<name>_x<s>_c<c>...``."""
    from keras_sr.models.pretrained import WEIGHTS_DIR, weights_filename
    return Path(WEIGHTS_DIR) / weights_filename(name, scale, channels)


def as_package_model(model, name, scale, channels):
    """The trained weights in a fresh ``keras_sr.models.get`` model (transfer by order)."""
    from keras_sr import models
    packaged = models.get(name, scale=scale, channels=channels)
    packaged.set_weights(model.get_weights())
    return packaged


def made_by_command(name, scale, info):
    """The command line that reproduces a run (the options that differ from the recipe)."""
    recipe, base = info["recipe"], RECIPES[name]
    words = [f"benchmarks/reproduce.py {name} --scale {scale} --steps {info['steps_planned']}"]
    if info.get("seed"):
        words.append(f"--seed {info['seed']}")
    if info.get("init"):
        words.append(f"--init {info['init']}")
    if info.get("tanh_target"):
        words.append(f"--tanh-target {info['tanh_target']}")
    if recipe["learning_rate"] != base["learning_rate"]:
        words.append(f"--learning-rate {recipe['learning_rate']}")
    if info["lr_patch"] != base["lr_patch"][scale]:
        words.append(f"--lr-patch {info['lr_patch']}")
    if recipe["batch_size"] != base["batch_size"]:
        words.append(f"--batch-size {recipe['batch_size']}")
    return " ".join(words)


def export_weights(model, name, scale, info, table):
    """Writes the package's pretrained weights and a JSON sidecar beside them.

    The file is checked by loading it back with ``keras_sr.models.get(...,
    weights="pretrained")`` and comparing outputs on a random image.
    """
    from keras_sr import models
    channels = info["channels"]
    packaged = as_package_model(model, name, scale, channels)
    path = weight_file(name, scale, channels)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("tmp_" + path.name)
    packaged.save_weights(tmp)
    os.replace(tmp, path)
    probe = np.random.default_rng(0).random((1, 24, 20, channels), dtype="float32")
    loaded = models.get(name, scale=scale, channels=channels, weights="pretrained")
    np.testing.assert_allclose(np.asarray(loaded(probe)), np.asarray(model(probe)),
                               rtol=1e-5, atol=1e-5)
    sidecar = {"model": name, "scale": scale, "channels": channels,
               "colour_space": "Y (BT.601)" if channels == 1 else "RGB",
               "recipe": info["recipe"], "lr_patch": info["lr_patch"],
               "steps": info["steps_done"],
               "train_seconds": info["train_seconds"], "train_sets": info["train_sets"],
               "seed": info["seed"], "params": int(packaged.count_params()),
               "psnr_y": {k: v["psnr"] for k, v in table.items()},
               "ssim_y": {k: v["ssim"] for k, v in table.items()},
               "paper_psnr_y": {k: v["paper_psnr"] for k, v in table.items()},
               "init": info.get("init"), "tanh_target": info.get("tanh_target"),
               "made_by": made_by_command(name, scale, info)}
    path.with_name(path.name.replace(".weights.h5", ".json")).write_text(
        json.dumps(sidecar, indent=2) + "\n")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=sorted(RECIPES))
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--steps-per-call", type=int, default=10)
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--eval-only", action="store_true",
                        help="evaluate the checkpoint without training further")
    parser.add_argument("--no-eval", action="store_true")
    parser.add_argument("--init", default=None,
                        help="start from these weights (.weights.h5, .keras or a checkpoint "
                             ".npz of this script) instead of a random init")
    parser.add_argument("--tanh-target", type=float, default=None,
                        help="with --init: widen tanh pre-activations to this peak before "
                             "training (an int8-friendly model, see docs/export.md)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="override the recipe's initial learning rate")
    parser.add_argument("--lr-patch", type=int, default=None,
                        help="override the recipe's LR patch side")
    parser.add_argument("--export", action="store_true",
                        help="write keras_sr/weights/<model>_x<scale>... and its JSON")
    args = parser.parse_args(argv)
    if args.scale not in RECIPES[args.model]["lr_patch"]:
        parser.error(f"{args.model} has no recipe for scale {args.scale}; "
                     f"scales: {sorted(RECIPES[args.model]['lr_patch'])}")

    import keras
    model, info = train(args.model, args.scale, args.steps, seed=args.seed,
                        max_minutes=0 if args.eval_only else args.max_minutes,
                        checkpoint=args.checkpoint, checkpoint_every=args.checkpoint_every,
                        steps_per_call=args.steps_per_call, batch_size=args.batch_size,
                        log_every=args.log_every, init=args.init,
                        tanh_target=args.tanh_target, learning_rate=args.learning_rate,
                        lr_patch=args.lr_patch)
    if args.no_eval:
        return 0
    t = time.time()
    table = evaluate_all(model, args.model, args.scale)
    report = {"model": args.model, "scale": args.scale, "results": table,
              "backend": keras.backend.backend(), "device": device_name(),
              "cpu_count": os.cpu_count(), "eval_seconds": round(time.time() - t, 1),
              "python": sys.version.split()[0], "keras": keras.__version__,
              "params": int(model.count_params()), **info}
    if args.export:
        report["weights"] = str(export_weights(model, args.model, args.scale, info, table)
                                .relative_to(REPO))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"reproduce_{args.model}_x{args.scale}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    for dataset, row in table.items():
        print(f"{dataset}: ours {row['psnr']:.2f} dB  paper {row['paper_psnr']}  "
              f"bicubic {row['bicubic_psnr']:.2f}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
