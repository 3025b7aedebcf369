"""``keras-sr demo``: fine-tune ESPCN x3 for a few minutes offline, compare with bicubic, export.

Training images: T91 when found (``keras_sr.data.sets.resolve_dataset``: ``$KERAS_SR_DATA/T91``
or ``~/.keras_sr/datasets/T91``),
else the CC0 photos shipped with scikit-image. Validation (the only images the demo
chooses weights on): Set14 when found, else a held-out scikit-image photo (``camera``).
Test (reported, never used for a choice): Set5 when found, else the held-out photo
``chelsea``; all scores by the published protocol (Y channel, shave 3).

Fine-tuning is kind to the shipped weights: Adam's learning rate rises linearly from 0
over the first ``--warmup-steps`` steps (the first steps at a rate near 0 fill Adam's
moment estimates instead of moving the weights by ``lr * sign(grad)``), then decays by a
cosine to 0 over the time budget (or ``--steps``). The validation PSNR is measured on
the starting weights, every ``VALIDATE_EVERY_S`` seconds and at the end; the demo keeps
the best weights, and the starting ones unless fine-tuning beats them by at least
``MIN_GAIN_DB``, so it never ends worse than it started on its validation images.

Writes into ``--out``: the model, a comparison PNG (LR | bicubic | SR | HR), the
learning curve, ``demo_summary.json`` (every score printed) and an int8 TFLite model
(scored on the test images) when ``keras_sr.export`` is available.
"""

import json
import math
import os
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
VALIDATE_EVERY_S = 30.0
MIN_GAIN_DB = 0.01
STEPS_PER_EPOCH = 200               # trainer epochs: checkpoints and validation points


def add_arguments(parser):
    parser.add_argument("--out", default="keras_sr_demo", help="output folder (default "
                        "./keras_sr_demo)")
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="training time budget in minutes (default 3)")
    parser.add_argument("--steps", type=int, default=None,
                        help="train exactly this many steps instead of a time budget")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=1,
                        help="1: Y channel as the ESPCN paper (default), 3: RGB")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--patch-size", type=int, default=17,
                        help="LR patch side (ESPCN: 17)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="peak Adam learning rate, reached after the warm-up and "
                        "decayed by a cosine to 0 (default 1e-4 when fine-tuning the "
                        "shipped weights, 1e-3 from scratch)")
    parser.add_argument("--warmup-steps", type=int, default=WARMUP_STEPS,
                        help=f"steps of linear learning-rate warm-up from 0 (default "
                        f"{WARMUP_STEPS}; at most a quarter of --steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-scratch", action="store_true",
                        help="start from random weights instead of fine-tuning the shipped "
                        "ESPCN x3 (Y) weights (the default for --channels 1)")
    parser.add_argument("--no-export", action="store_true", help="skip the TFLite export")
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default=None)


def find_set(name):
    """The folder of set ``name`` (``keras_sr.data.sets.resolve_dataset``, no download), or None."""
    from keras_sr.data.sets import resolve_dataset  # deferred: start-up cost of --help

    try:
        return resolve_dataset(name, download=False)
    except FileNotFoundError:
        return None


def skimage_photos(folder, names):
    """Write scikit-image's bundled photos as PNG into ``folder``; return the folder."""
    import numpy as np
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


def warmup_cosine(step, progress, warmup_steps, final_ratio=0.0):
    """Learning-rate factor of a linear warm-up then a cosine decay.

    Args:
        step: int >= 0, steps already taken (the next step's index).
        progress: float, fraction of the run done, in [0, 1] (clipped there): steps or
            time, whichever runs out first.
        warmup_steps: int >= 0; the factor is ``step / warmup_steps`` until then, so the
            first step runs at 0 (Adam fills its moment estimates without moving the
            weights). 0: no warm-up.
        final_ratio: float in [0, 1], the factor at ``progress`` 1.

    Returns:
        float in [0, 1]: multiply the peak learning rate by it.
    """
    progress = min(max(float(progress), 0.0), 1.0)
    cosine = final_ratio + (1.0 - final_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
    warm = min(1.0, step / warmup_steps) if warmup_steps > 0 else 1.0
    return warm * cosine


def fine_tune_schedule(peak_rate, warmup_steps, total_steps=None, seconds=None,
                       final_ratio=0.0):
    """A Keras callback: warm-up + cosine learning rate each batch; stops at the budget.

    Progress is ``max(step / total_steps, elapsed / seconds)`` (each part only when
    given), so the cosine reaches 0 when the step count or the time budget runs out,
    whichever is first; training stops when the time budget is spent. The optimizer
    must have a float (settable) learning rate. On JAX the training state is synced
    to the variables before a change (only when the rate moved by > 1% of the peak).

    Args:
        peak_rate: float > 0, the learning rate after the warm-up.
        warmup_steps: int >= 0, steps of linear warm-up from 0.
        total_steps: int > 0 or None, the run's step count.
        seconds: float > 0 or None, the time budget (measured from ``on_train_begin``;
            time spent in other callbacks, e.g. validation, counts).
        final_ratio: float in [0, 1], the factor at the end.

    Returns:
        The callback; after ``fit`` its ``steps`` (int) and ``elapsed`` (s) tell what ran.
    """
    import keras

    if not total_steps and not seconds:
        raise ValueError("fine_tune_schedule: give total_steps or seconds")

    class FineTuneSchedule(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.monotonic()
            self.steps, self.elapsed, self.rate = 0, 0.0, None

        def _progress(self):
            parts = [self.steps / total_steps if total_steps else 0.0,
                     self.elapsed / seconds if seconds else 0.0]
            return max(parts)

        def on_train_batch_begin(self, batch, logs=None):
            self.elapsed = time.monotonic() - self.start
            rate = peak_rate * warmup_cosine(self.steps, self._progress(), warmup_steps,
                                             final_ratio)
            if self.rate is not None and abs(rate - self.rate) <= 0.01 * peak_rate \
                    and (rate > 0) == (self.rate > 0):
                return
            if keras.backend.backend() == "jax":
                self.model.jax_state_sync()   # else the next step reuses the old state
            self.model.optimizer.learning_rate = rate
            self.rate = rate

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            self.elapsed = time.monotonic() - self.start
            if seconds and self.elapsed > seconds:
                self.model.stop_training = True

    return FineTuneSchedule()


class KeepBest:
    """The best weights by validation PSNR, the starting weights included.

    The first ``offer`` is the start. A later offer replaces the best only when its PSNR
    is higher than the best's and at least ``min_gain_db`` above the start's, so the
    kept weights are never worse than the start on the validation images and differ
    from them only for a gain larger than ``min_gain_db``.

    Args:
        min_gain_db: float >= 0, the gain over the start needed to leave it (dB).

    Attributes:
        start_psnr, best_psnr: float dB (None before the first offer).
        start_weights, best_weights: the offered weights (lists of arrays).
        best_step: int, the step of the best offer (that of the start: not improved).
        history: list of ``{"step", "psnr"}``, every offer in order.
    """

    def __init__(self, min_gain_db=MIN_GAIN_DB):
        if min_gain_db < 0:
            raise ValueError(f"KeepBest: min_gain_db must be >= 0; got {min_gain_db!r}")
        self.min_gain_db = float(min_gain_db)
        self.start_psnr = self.best_psnr = None
        self.start_weights = self.best_weights = None
        self.start_step = self.best_step = None
        self.history = []

    def offer(self, psnr, weights, step):
        """Consider weights scoring ``psnr`` (float dB) at ``step`` (int); True if kept."""
        psnr = float(psnr)
        self.history.append({"step": int(step), "psnr": psnr})
        if self.start_psnr is None:
            self.start_psnr = self.best_psnr = psnr
            self.start_weights = self.best_weights = weights
            self.start_step = self.best_step = int(step)
            return True
        if (math.isfinite(psnr) and psnr > self.best_psnr
                and psnr >= self.start_psnr + self.min_gain_db):
            self.best_psnr, self.best_weights, self.best_step = psnr, weights, int(step)
            return True
        return False

    @property
    def improved(self):
        """True when the kept weights are not the starting ones."""
        return self.best_step != self.start_step


def validate_and_keep_best(validate, keeper, every_seconds=VALIDATE_EVERY_S):
    """A Keras callback offering the model's weights to ``keeper`` (a ``KeepBest``).

    Validates the starting weights in ``on_train_begin``, then at the end of an epoch
    once ``every_seconds`` have passed since the last validation, and the final weights
    in ``on_train_end`` (unless just validated). Restoring the kept weights is the
    caller's job, after ``fit`` (the trainer reloads its own checkpoint then).

    Args:
        validate: function ``model -> PSNR`` (float dB).
        keeper: a ``KeepBest``.
        every_seconds: float >= 0, the least time between two validations.
    """
    import keras

    class ValidateAndKeepBest(keras.callbacks.Callback):
        def _offer(self):
            self.last_step = self.steps
            keeper.offer(validate(self.model), self.model.get_weights(), self.steps)
            self.last = time.monotonic()

        def on_train_begin(self, logs=None):
            self.steps = 0
            self._offer()

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1

        def on_epoch_end(self, epoch, logs=None):
            if time.monotonic() - self.last >= every_seconds:
                self._offer()

        def on_train_end(self, logs=None):
            if self.steps != self.last_step:
                self._offer()

    return ValidateAndKeepBest()


def run(args):
    from keras_sr.commands.train import select_backend

    problem = select_backend(args.backend)
    if problem:
        print(f"keras-sr demo: {problem}", file=sys.stderr)
        return 2
    from keras_sr.training.trainer import train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train_folder = find_set("T91") or skimage_photos(out / "data" / "train", TRAIN_PHOTOS)
    val_folder = (find_set(VALIDATION_SET)
                  or skimage_photos(out / "data" / VALIDATION_PHOTO, (VALIDATION_PHOTO,)))
    test_folder = (find_set("Set5")
                   or skimage_photos(out / "data" / HELD_OUT_PHOTO, (HELD_OUT_PHOTO,)))
    pretrained = args.channels == 1 and not args.from_scratch
    start_name = "shipped" if pretrained else "random-init"
    peak_rate = args.learning_rate or (FINE_TUNE_RATE if pretrained else SCRATCH_RATE)
    warmup = max(0, min(args.warmup_steps, args.steps // 4 if args.steps else args.warmup_steps))
    print(f"keras-sr demo: {'fine-tuning the shipped' if pretrained else 'training'} ESPCN "
          f"x{SCALE} ({'Y' if args.channels == 1 else 'RGB'}) on {train_folder}, choosing "
          f"weights on {val_folder}, testing on {test_folder}; Adam {peak_rate:g} after "
          f"{warmup} warm-up steps, cosine decay to 0")

    steps_per_epoch = args.steps if args.steps else STEPS_PER_EPOCH
    epochs = 1 if args.steps else 10 ** 6
    config = {
        "model": "espcn", "scale": SCALE, "channels": args.channels,
        "weights": "pretrained" if pretrained else None,
        "data": {"train": str(train_folder), "val": None, "patch_size": args.patch_size,
                 "batch_size": args.batch_size},
        "loss": "l2", "optimizer": {"name": "adam", "learning_rate": peak_rate},
        "epochs": epochs, "steps_per_epoch": steps_per_epoch, "seed": args.seed,
        "output_dir": str(out / "run"),
        "callbacks": {"images_every": 0, "tensorboard": False, "plot": True,
                      "verbose": 2},
    }
    from keras_sr.inference.evaluate import evaluate

    def validate(model):
        return evaluate(model, val_folder, SCALE, progress=False)["psnr_y"]

    keeper = KeepBest(MIN_GAIN_DB)
    schedule = fine_tune_schedule(peak_rate, warmup, total_steps=args.steps or None,
                                  seconds=None if args.steps else args.minutes * 60.0)
    started = time.monotonic()
    try:
        result = train(config, resume=False, extra_callbacks=[
            schedule, validate_and_keep_best(validate, keeper, VALIDATE_EVERY_S)])
    except ValueError as error:
        if pretrained and "weights" in str(error).lower():
            print(f"keras-sr demo: no pretrained ESPCN x{SCALE} weights ({error}); "
                  "run with --from-scratch", file=sys.stderr)
            return 2
        raise
    model = result["model"]
    seconds = time.monotonic() - started
    files = list(result["files"])

    test_name = Path(test_folder).name
    model.set_weights(keeper.start_weights)
    start_scores = evaluate(model, test_folder, SCALE, model_name="espcn", progress=False)
    model.set_weights(keeper.best_weights)   # the trainer reloaded its best-loss epoch
    scores = (evaluate(model, test_folder, SCALE, model_name="espcn", progress=False)
              if keeper.improved else start_scores)
    baseline = evaluate("bicubic", test_folder, SCALE, progress=False)

    model_path = out / f"espcn_x{SCALE}_c{args.channels}.keras"
    tmp = out / f"espcn_x{SCALE}_c{args.channels}.tmp.keras"
    model.save(tmp)
    os.replace(tmp, model_path)
    files.append(str(model_path))

    files.append(str(_comparison(model, test_folder, out / "comparison.png")))

    int8 = None
    if not args.no_export:
        tflite_path = _export(model, train_folder, args.channels, out)
        if tflite_path is not None:
            files.append(str(tflite_path))
            int8 = _score_tflite(tflite_path, test_folder)

    summary = {
        "train_set": str(train_folder), "validation_set": str(val_folder),
        "test_set": str(test_folder), "start": start_name, "steps": schedule.steps,
        "train_seconds": round(schedule.elapsed, 1), "peak_learning_rate": peak_rate,
        "warmup_steps": warmup, "min_gain_db": MIN_GAIN_DB,
        "validation": {"start_psnr_y": keeper.start_psnr, "best_psnr_y": keeper.best_psnr,
                       "best_step": keeper.best_step, "improved": keeper.improved,
                       "history": keeper.history},
        "test": {"start_psnr_y": start_scores["psnr_y"], "start_ssim_y": start_scores["ssim_y"],
                 "psnr_y": scores["psnr_y"], "ssim_y": scores["ssim_y"],
                 "bicubic_psnr_y": baseline["psnr_y"], "bicubic_ssim_y": baseline["ssim_y"],
                 "int8_psnr_y": int8["psnr_y"] if int8 else None,
                 "int8_ssim_y": int8["ssim_y"] if int8 else None},
    }
    summary_path = out / "demo_summary.json"
    summary_path.write_text(json.dumps(summary, indent=1))
    files.append(str(summary_path))

    validation_name = Path(val_folder).name
    tried = [row["psnr"] for row in keeper.history[1:]]
    print(f"\nkeras-sr demo: trained {seconds / 60:.1f} min, {schedule.steps} steps")
    if keeper.improved:
        print(f"  validation {validation_name}: {start_name} {keeper.start_psnr:.3f} dB -> "
              f"{keeper.best_psnr:.3f} dB at step {keeper.best_step}: kept the "
              f"{'fine-tuned' if pretrained else 'trained'} weights")
    else:
        best_tried = f"{max(tried):.3f} dB" if tried else "nothing"
        print(f"  validation {validation_name}: {start_name} {keeper.start_psnr:.3f} dB, "
              f"training reached {best_tried} (needs +{MIN_GAIN_DB:g} dB): "
              f"{'fine-tuning' if pretrained else 'training'} did not improve the "
              f"validation PSNR, kept the {start_name} weights")
    print(f"  {test_name} (test): ESPCN x{SCALE} {scores['psnr_y']:.2f} dB / SSIM "
          f"{scores['ssim_y']:.4f} ({start_name} {start_scores['psnr_y']:.2f} dB)   bicubic "
          f"{baseline['psnr_y']:.2f} dB / SSIM {baseline['ssim_y']:.4f}   gain "
          f"{scores['psnr_y'] - baseline['psnr_y']:+.2f} dB (PSNR on Y, shave 3)")
    if int8:
        print(f"  {test_name} (test): int8 TFLite {int8['psnr_y']:.2f} dB / SSIM "
              f"{int8['ssim_y']:.4f}   float - int8 {scores['psnr_y'] - int8['psnr_y']:+.2f} dB")
    for path in files:
        print(f"  wrote {path}")
    return 0


def _score_tflite(path, test_folder):
    """``evaluate`` of a ``.tflite`` file on ``test_folder``; None (and a note) on failure."""
    from keras_sr.inference.evaluate import evaluate

    try:
        from keras_sr.runtime import TFLiteModel

        return evaluate(TFLiteModel(path), test_folder, SCALE, model_name="int8 tflite",
                        progress=False)
    except Exception as error:  # noqa: BLE001  (report and keep the demo's other results)
        print(f"keras-sr demo: int8 TFLite scoring failed: {type(error).__name__}: {error}")
        return None


def _comparison(model, test_folder, path):
    """LR | bicubic | SR | HR of the first test image (centre crop) into ``path``."""
    import numpy as np

    from keras_sr.data.datasets import validation_images
    from keras_sr.image.io import write_image
    from keras_sr.metrics.protocol import bicubic_upscale
    from keras_sr.inference.predict import upscale_array
    from keras_sr.training.callbacks import comparison_grid

    name, lr, hr = validation_images(test_folder, SCALE, limit=1)[0]
    sr = upscale_array(model, lr, scale=SCALE)
    bic = np.clip(bicubic_upscale(lr, SCALE), 0, 1)
    write_image(path, comparison_grid(lr, bic, sr, hr, crop=min(240, hr.shape[0])))
    return path


def _export(model, train_folder, channels, out):
    """int8 TFLite via ``keras_sr.export.export_tflite``: its path, or None with a note."""
    import numpy as np

    try:
        from keras_sr.export import export_tflite
    except ImportError as error:
        print(f"keras-sr demo: TFLite export skipped: keras_sr.export is not available ({error})")
        return None
    import keras

    if keras.backend.backend() != "tensorflow":
        print("keras-sr demo: TFLite export skipped: it needs the TensorFlow backend")
        return None
    from keras_sr.data.datasets import validation_images
    from keras_sr.image.color import rgb_to_y

    patches = []
    for _, lr, _ in validation_images(train_folder, SCALE, limit=8):
        for top in range(0, max(1, lr.shape[0] - 48), 48):
            patch = lr[top: top + 48, :48]
            if patch.shape[:2] == (48, 48):
                patches.append(np.asarray(rgb_to_y(patch)) if channels == 1 else patch)
    path = out / f"espcn_x{SCALE}_c{channels}_int8.tflite"
    try:
        written = export_tflite(model, path, quantize="int8-ptq",
                                representative_data=np.stack(patches[:100]).astype("float32"))
    except Exception as error:  # noqa: BLE001  (report and keep the demo's other results)
        print(f"keras-sr demo: TFLite export failed: {type(error).__name__}: {error}")
        return None
    return written
