"""``keras-sr demo``: fine-tune ESPCN x3 for a few minutes offline, compare with bicubic, export.

A thin command over the library: the fine-tuning is ``keras_sr.training.train`` (the one
trainer: its schedule factory, validation, checkpoints), the int8 model comes from the
export library's int8-QAT path (``keras_sr.export.qat`` + ``export_tflite``), the scores
from ``keras_sr.inference.evaluate``.

Images: training on T91 when found (``$KERAS_SR_DATA/T91`` or ``~/.keras_sr/datasets``),
else scikit-image's CC0 photos; validation (the only images the demo chooses on) Set14,
else the held-out photo ``camera``; test (reported, never chosen on) Set5, else
``chelsea``. The run is ``--epochs`` epochs (validation PSNR after each, with the time
left), the rate a linear warm-up then a cosine to 0. The demo keeps the trainer's best
epoch only when it beats the starting weights by ``MIN_GAIN_DB`` on the validation
images, so it never ends worse than it started.

Writes into ``--out`` (default ``~/.keras_sr/demo``): the model (``.keras`` and
``.weights.h5`` with its JSON sidecar), ``comparison.png`` (labelled LR | bicubic |
ESPCN | HR crops with their PSNR), the trainer's run folder (checkpoints, learning
curve), ``demo_summary.json`` and the int8 TFLite model.
"""

import json
import math
import sys
import time
from pathlib import Path

SCALE = 3
TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field")
HELD_OUT_PHOTO = "chelsea"          # test image without Set5
VALIDATION_SET = "Set14"
VALIDATION_PHOTO = "camera"         # validation image without Set14
FINE_TUNE_RATE = 1e-4               # peak Adam rate when fine-tuning the shipped weights
SCRATCH_RATE = 1e-3                 # peak Adam rate from random weights
WARMUP_STEPS = 200
MIN_GAIN_DB = 0.01
DEFAULT_OUT = "~/.keras_sr/demo"
# Optimizer steps per minute of the demo's budget on 2 busy CPU cores (ESPCN, batch 16 of
# 17x17 Y patches, validation on Set14 after each epoch included); --steps overrides it.
STEPS_PER_MINUTE = 400
QAT_PATCHES = 2048


def add_arguments(parser):
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="output folder (default ~/.keras_sr/demo)")
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="rough training budget: sets the steps (about "
                             f"{STEPS_PER_MINUTE} a minute); training stops at an epoch end "
                             "once it is spent")
    parser.add_argument("--steps", type=int, default=None,
                        help="train exactly this many steps instead of a time budget")
    parser.add_argument("--epochs", type=int, default=5,
                        help="epochs the steps are split into (a validation PSNR after each)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=1,
                        help="1: Y channel as the ESPCN paper, 3: RGB")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--patch-size", type=int, default=17,
                        help="LR patch side (ESPCN: 17)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="peak Adam learning rate after the warm-up, then a cosine to 0 "
                             "(default 1e-4 when fine-tuning the shipped weights, 1e-3 from "
                             "scratch)")
    parser.add_argument("--warmup-steps", type=int, default=WARMUP_STEPS,
                        help="steps of linear learning-rate warm-up from 0 (at most a "
                             "quarter of the steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-scratch", action="store_true",
                        help="start from random weights instead of fine-tuning the shipped "
                             "ESPCN x3 (Y) weights (the default for --channels 1)")
    parser.add_argument("--qat-epochs", type=int, default=2,
                        help="epochs of the int8 QAT recipe when the weights changed (the "
                             "shipped weights use their shipped QAT state)")
    parser.add_argument("--qat-patches", type=int, default=QAT_PATCHES,
                        help="training patches of that QAT run (the recipe's default is "
                             "32768; fewer keep the demo short)")
    parser.add_argument("--no-export", action="store_true", help="skip the int8 TFLite export")
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default=None)


def find_set(name):
    """The folder of set ``name`` (``keras_sr.data.sets.resolve_dataset``, no download), or None."""
    from keras_sr.data.sets import resolve_dataset  # deferred: start-up cost of --help

    try:
        return resolve_dataset(name, download=False)
    except (FileNotFoundError, ValueError):
        return None


def skimage_photos(folder, names):
    """Write scikit-image's bundled photos as PNG into ``folder``; return the folder."""
    import numpy as np  # deferred: start-up cost of --help
    from skimage import data

    from keras_sr.image.io import write_image

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for name in names:
        path = folder / f"{name}.png"
        if not path.exists():
            try:
                image = getattr(data, name)()
            except Exception:  # noqa: BLE001  (a photo missing offline: use the others)
                continue
            if image.ndim == 2:
                image = np.stack([image] * 3, axis=-1)
            write_image(path, image[..., :3].astype(np.uint8))
        written += 1
    if not written:
        raise RuntimeError(f"keras-sr demo: no scikit-image photo could be loaded from {names}")
    return folder


def plan(steps, epochs, warmup_steps):
    """``(epochs, steps_per_epoch, warmup)``: ``steps`` split into at most ``epochs`` epochs
    and the warm-up capped at a quarter of the run.

    Example:
        >>> plan(1200, 5, 200)
        (5, 240, 200)
        >>> plan(3, 5, 200)
        (3, 1, 0)
    """
    epochs = max(1, min(int(epochs), int(steps)))
    per_epoch = math.ceil(int(steps) / epochs)
    return epochs, per_epoch, max(0, min(int(warmup_steps), epochs * per_epoch // 4))


def _clock(seconds):
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_callback(start_psnr, budget_seconds=None, say=print):
    """A Keras callback printing, after each epoch, the validation PSNR and the time left.

    Stops training at an epoch end once ``budget_seconds`` (None: no budget) are spent.
    """
    import keras  # deferred: start-up cost of --help

    class DemoProgress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.monotonic()
            self.epochs_run = 0

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.epochs_run = epoch + 1
            elapsed = time.monotonic() - self.start
            total = self.params["epochs"]
            left = elapsed / (epoch + 1) * (total - epoch - 1)
            psnr = logs.get("val_psnr")
            score = (f"validation PSNR {psnr:.3f} dB (start {start_psnr:.3f} dB)"
                     if psnr is not None else "no validation")
            say(f"keras-sr demo: epoch {epoch + 1}/{total}: {score}, {_clock(elapsed)} "
                f"elapsed, about {_clock(left)} left")
            if budget_seconds and elapsed > budget_seconds and epoch + 1 < total:
                say(f"keras-sr demo: the {budget_seconds / 60:g}-minute budget is spent: "
                    f"stopping after epoch {epoch + 1} of {total}")
                self.model.stop_training = True

    return DemoProgress()


def labelled_comparison(model, test_folder, path, crop=160):
    """LR (nearest) | bicubic | model | HR crops of the first test image, each titled with
    what it is and its PSNR (Y, on the whole image), into the PNG ``path``."""
    import matplotlib  # deferred: start-up cost of --help

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from keras_sr.data.datasets import validation_images
    from keras_sr.inference.predict import upscale_array
    from keras_sr.metrics.protocol import bicubic_upscale, score_pair, to_uint8

    name, lr, hr = validation_images(test_folder, SCALE, limit=1)[0]
    sr = np.clip(upscale_array(model, lr, scale=SCALE), 0, 1)
    bic = np.clip(bicubic_upscale(lr, SCALE), 0, 1)
    hr_255 = to_uint8(hr).astype(np.float64)
    scores = {key: score_pair(hr_255, to_uint8(image).astype(np.float64), SCALE)[0]
              for key, image in (("bicubic", bic), ("sr", sr))}
    near = np.repeat(np.repeat(lr, SCALE, axis=0), SCALE, axis=1)[: hr.shape[0], : hr.shape[1]]
    side = min(crop, hr.shape[0], hr.shape[1])
    top, left = (hr.shape[0] - side) // 2, (hr.shape[1] - side) // 2
    panels = [(near, f"LR input (x{SCALE} nearest)"),
              (bic, f"bicubic: {scores['bicubic']:.2f} dB"),
              (sr, f"ESPCN x{SCALE}: {scores['sr']:.2f} dB"),
              (hr, "HR (ground truth)")]
    figure, axes = plt.subplots(1, 4, figsize=(13, 3.8))
    for axis, (image, title) in zip(axes, panels):
        axis.imshow(np.clip(image[top: top + side, left: left + side], 0, 1))
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    figure.suptitle(f"{Path(name).name}: centre crop, PSNR on Y of the whole image "
                    f"(shave {SCALE})", fontsize=10)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path, scores


def export_int8(model, weights_path, changed, train_folder, out, qat_epochs, channels,
                qat_patches=QAT_PATCHES):
    """int8 TFLite through the export library's int8-QAT path; ``(path, record)`` or None.

    Unchanged shipped weights convert their shipped QAT state; changed weights run the
    QAT recipe for ``qat_epochs`` epochs on ``qat_patches`` patches of ``train_folder``.
    """
    import keras  # deferred: start-up cost of --help

    from keras_sr.export import export_tflite
    from keras_sr.export.qat import qat_model_for
    from keras_sr.quantization.recipe import recipe_settings

    if keras.backend.backend() != "tensorflow":
        print("keras-sr demo: int8 export skipped: the TFLite converter needs the "
              "TensorFlow backend")
        return None
    weights = str(weights_path) if changed or channels != 1 else "pretrained"
    qat_model, record = qat_model_for(model, "espcn", SCALE, weights=weights,
                                      settings=recipe_settings("espcn", epochs=qat_epochs,
                                                               patches=qat_patches),
                                      train_dirs=[str(train_folder)], verbose=0)
    path = out / f"espcn_x{SCALE}_c{channels}_int8.tflite"
    return export_tflite(qat_model, path, quantize="int8-qat"), record


def run(args):
    from keras_sr.commands.train import select_backend

    problem = select_backend(args.backend)
    if problem:
        print(f"keras-sr demo: {problem}", file=sys.stderr)
        return 2
    from keras_sr import models  # deferred: after the backend is chosen
    from keras_sr.inference.evaluate import evaluate
    from keras_sr.runtime import TFLiteModel
    from keras_sr.training.callbacks import write_sidecar
    from keras_sr.training.trainer import train

    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    print(f"keras-sr demo: writing into {out} (--out to change)")
    train_folder = find_set("T91") or skimage_photos(out / "data" / "train", TRAIN_PHOTOS)
    val_folder = (find_set(VALIDATION_SET)
                  or skimage_photos(out / "data" / VALIDATION_PHOTO, (VALIDATION_PHOTO,)))
    test_folder = (find_set("Set5")
                   or skimage_photos(out / "data" / HELD_OUT_PHOTO, (HELD_OUT_PHOTO,)))
    pretrained = args.channels == 1 and not args.from_scratch
    start_name = "shipped" if pretrained else "random-init"
    peak_rate = args.learning_rate or (FINE_TUNE_RATE if pretrained else SCRATCH_RATE)
    steps = args.steps or max(1, int(round(args.minutes * STEPS_PER_MINUTE)))
    epochs, per_epoch, warmup = plan(steps, args.epochs, args.warmup_steps)

    start = models.get("espcn", scale=SCALE, channels=args.channels,
                       weights="pretrained" if pretrained else None)
    start_weights = start.get_weights()
    start_val = evaluate(start, val_folder, SCALE, progress=False)["psnr_y"]
    print(f"keras-sr demo: {'fine-tuning the shipped' if pretrained else 'training'} ESPCN "
          f"x{SCALE} ({'Y' if args.channels == 1 else 'RGB'}) on {train_folder}: {epochs} "
          f"epochs x {per_epoch} steps, Adam {peak_rate:g} after {warmup} warm-up steps, "
          f"cosine to 0; validation on {val_folder} (start {start_val:.3f} dB), test on "
          f"{test_folder}")

    config = {
        "model": "espcn", "scale": SCALE, "channels": args.channels,
        "weights": "pretrained" if pretrained else None,
        "data": {"train": str(train_folder), "val": str(val_folder),
                 "patch_size": args.patch_size, "batch_size": args.batch_size},
        "loss": "l2", "optimizer": {"name": "adam", "learning_rate": peak_rate},
        "schedule": ({"name": "cosine", "warmup_steps": warmup} if warmup
                     else {"name": "cosine"}),
        "epochs": epochs, "steps_per_epoch": per_epoch, "seed": args.seed,
        "output_dir": str(out / "run"),
        "callbacks": {"validate_every": 1, "images_every": 0, "tensorboard": False,
                      "plot": True, "verbose": 0},
    }
    progress = progress_callback(start_val, None if args.steps else args.minutes * 60.0)
    began = time.monotonic()
    result = train(config, resume=False, log=print, extra_callbacks=[progress])
    seconds = time.monotonic() - began
    model = result["model"]   # the trainer's best validation epoch
    history = result["history"]
    best_val = result["best"]
    improved = best_val is not None and best_val >= start_val + MIN_GAIN_DB
    if not improved:
        model.set_weights(start_weights)

    start_test = evaluate(start, test_folder, SCALE, model_name="espcn", progress=False)
    scores = (evaluate(model, test_folder, SCALE, model_name="espcn", progress=False)
              if improved else start_test)
    baseline = evaluate("bicubic", test_folder, SCALE, progress=False)

    stem = f"espcn_x{SCALE}_c{args.channels}"
    files = [str(p) for p in result["files"]]
    model.save(out / f"{stem}.keras")
    weights_path = out / f"{stem}.weights.h5"
    model.save_weights(weights_path)
    write_sidecar(weights_path, {"model": "espcn", "scale": SCALE, "channels": args.channels},
                  config=config, made_by="keras-sr demo")
    files += [str(out / f"{stem}.keras"), str(weights_path)]
    comparison, panel_scores = labelled_comparison(model, test_folder, out / "comparison.png")
    files.append(str(comparison))

    int8 = None
    if not args.no_export:
        exported = export_int8(model, weights_path, improved, train_folder, out,
                               args.qat_epochs, args.channels, args.qat_patches)
        if exported is not None:
            tflite_path, _ = exported
            files.append(str(tflite_path))
            int8 = evaluate(TFLiteModel(tflite_path), test_folder, SCALE,
                            model_name="int8 tflite", progress=False)

    summary = {
        "train_set": str(train_folder), "validation_set": str(val_folder),
        "test_set": str(test_folder), "start": start_name, "epochs": len(history),
        "planned_epochs": epochs, "steps": len(history) * per_epoch,
        "train_seconds": round(seconds, 1), "peak_learning_rate": peak_rate,
        "warmup_steps": warmup, "min_gain_db": MIN_GAIN_DB,
        "validation": {"start_psnr_y": start_val, "best_psnr_y": best_val,
                       "best_epoch": result["best_epoch"], "improved": improved,
                       "history": [{"epoch": h["epoch"], "psnr": h.get("val_psnr")}
                                   for h in history]},
        "test": {"start_psnr_y": start_test["psnr_y"], "start_ssim_y": start_test["ssim_y"],
                 "psnr_y": scores["psnr_y"], "ssim_y": scores["ssim_y"],
                 "bicubic_psnr_y": baseline["psnr_y"], "bicubic_ssim_y": baseline["ssim_y"],
                 "int8_psnr_y": int8["psnr_y"] if int8 else None,
                 "int8_ssim_y": int8["ssim_y"] if int8 else None},
        "comparison_png_psnr_y": panel_scores,
    }
    summary_path = out / "demo_summary.json"
    summary_path.write_text(json.dumps(summary, indent=1))
    files.append(str(summary_path))

    validation_name = Path(val_folder).name
    test_name = Path(test_folder).name
    print(f"\nkeras-sr demo: trained {seconds / 60:.1f} min, {len(history)} of {epochs} "
          f"epochs ({summary['steps']} steps)")
    if improved:
        print(f"  validation {validation_name}: {start_name} {start_val:.3f} dB -> "
              f"{best_val:.3f} dB at epoch {result['best_epoch']}: kept the "
              f"{'fine-tuned' if pretrained else 'trained'} weights")
    else:
        reached = f"{best_val:.3f} dB" if best_val is not None else "nothing"
        print(f"  validation {validation_name}: {start_name} {start_val:.3f} dB, training "
              f"reached {reached} (needs +{MIN_GAIN_DB:g} dB): "
              f"{'fine-tuning' if pretrained else 'training'} did not improve the "
              f"validation PSNR, kept the {start_name} weights")
    print(f"  {test_name} (test): ESPCN x{SCALE} {scores['psnr_y']:.2f} dB / SSIM "
          f"{scores['ssim_y']:.4f} ({start_name} {start_test['psnr_y']:.2f} dB)   bicubic "
          f"{baseline['psnr_y']:.2f} dB / SSIM {baseline['ssim_y']:.4f}   gain "
          f"{scores['psnr_y'] - baseline['psnr_y']:+.2f} dB (PSNR on Y, shave {SCALE})")
    if int8:
        print(f"  {test_name} (test): int8 TFLite {int8['psnr_y']:.2f} dB / SSIM "
              f"{int8['ssim_y']:.4f}   float - int8 {scores['psnr_y'] - int8['psnr_y']:+.2f} dB")
    for path in files:
        print(f"  wrote {path}")
    return 0
