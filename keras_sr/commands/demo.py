"""``keras-sr demo``: train ESPCN x3 for a few minutes offline, compare with bicubic, export.

Training images: T91 when found (``$KERAS_SR_DATA/T91`` or ``../shared/datasets/T91``),
else the CC0 photos shipped with scikit-image. Evaluation: Set5 when found, else a
held-out scikit-image photo (``chelsea``), by the published protocol (Y channel, shave 3).
Writes into ``--out``: the trained model, a comparison PNG (LR | bicubic | SR | HR), the
learning curve, and an int8 TFLite model when ``keras_sr.export`` is available.
"""

import os
import sys
import time
from pathlib import Path

SCALE = 3
TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field")
HELD_OUT_PHOTO = "chelsea"


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
                        help="Adam learning rate (default 1e-3 from scratch, 1e-4 when "
                        "fine-tuning the shipped weights)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-scratch", action="store_true",
                        help="start from random weights instead of fine-tuning the shipped "
                        "ESPCN x3 (Y) weights (the default for --channels 1)")
    parser.add_argument("--no-export", action="store_true", help="skip the TFLite export")
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default=None)


def find_set(name):
    """``$KERAS_SR_DATA/<name>`` or ``../shared/datasets/<name>`` if present, else None."""
    roots = [os.environ.get("KERAS_SR_DATA"), Path.cwd().parent / "shared" / "datasets",
             Path(__file__).resolve().parents[3] / "shared" / "datasets"]
    for root in roots:
        if root and (Path(root) / name).is_dir():
            return Path(root) / name
    return None


def skimage_photos(folder, names):
    """Write scikit-image's bundled photos as PNG into ``folder``; return the folder."""
    import numpy as np
    from skimage import data

    from keras_sr.data.io import write_image

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


def time_budget(seconds):
    """A Keras callback that stops ``fit`` once ``seconds`` have passed (checked each batch)."""
    import keras

    class TimeBudget(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.monotonic()

        def on_train_batch_end(self, batch, logs=None):
            if time.monotonic() - self.start > seconds:
                self.model.stop_training = True

    return TimeBudget()


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
    val_folder = find_set("Set5") or skimage_photos(out / "data" / "val", (HELD_OUT_PHOTO,))
    print(f"keras-sr demo: {'fine-tuning the shipped' if args.channels == 1 and not args.from_scratch else 'training'} ESPCN x{SCALE} ({'Y' if args.channels == 1 else 'RGB'}) "
          f"on {train_folder}, evaluating on {val_folder}")

    pretrained = args.channels == 1 and not args.from_scratch
    learning_rate = args.learning_rate or (1e-4 if pretrained else 1e-3)
    steps_per_epoch = args.steps if args.steps else 50
    epochs = 1 if args.steps else 10 ** 6
    config = {
        "model": "espcn", "scale": SCALE, "channels": args.channels,
        "weights": "pretrained" if pretrained else None,
        "data": {"train": str(train_folder), "val": None, "patch_size": args.patch_size,
                 "batch_size": args.batch_size},
        "loss": "l2", "optimizer": {"name": "adam", "learning_rate": learning_rate},
        "epochs": epochs, "steps_per_epoch": steps_per_epoch, "seed": args.seed,
        "output_dir": str(out / "run"),
        "callbacks": {"images_every": 0, "tensorboard": False, "plot": True,
                      "verbose": 2},
    }
    budget = [] if args.steps else [time_budget(args.minutes * 60.0)]
    started = time.monotonic()
    try:
        result = train(config, resume=False, extra_callbacks=budget)
    except ValueError as error:
        if pretrained and "weights" in str(error).lower():
            print(f"keras-sr demo: no pretrained ESPCN x{SCALE} weights ({error}); "
                  "run with --from-scratch", file=sys.stderr)
            return 2
        raise
    model = result["model"]
    seconds = time.monotonic() - started
    files = list(result["files"])

    from keras_sr.evaluation import evaluate

    scores = evaluate(model, val_folder, SCALE, model_name="espcn", progress=False)
    baseline = evaluate("bicubic", val_folder, SCALE, progress=False)

    model_path = out / f"espcn_x{SCALE}_c{args.channels}.keras"
    tmp = out / f"espcn_x{SCALE}_c{args.channels}.tmp.keras"
    model.save(tmp)
    os.replace(tmp, model_path)
    files.append(str(model_path))

    files.append(str(_comparison(model, val_folder, out / "comparison.png")))

    if not args.no_export:
        files += _export(model, train_folder, args.channels, out)

    epochs_done = len(result["history"])
    print(f"\nkeras-sr demo: trained {seconds / 60:.1f} min ({epochs_done} x "
          f"{steps_per_epoch} steps at most)")
    print(f"  {Path(val_folder).name}: ESPCN x{SCALE} {scores['psnr_y']:.2f} dB / SSIM "
          f"{scores['ssim_y']:.4f}   bicubic {baseline['psnr_y']:.2f} dB / SSIM "
          f"{baseline['ssim_y']:.4f}   gain {scores['psnr_y'] - baseline['psnr_y']:+.2f} dB "
          "(PSNR on Y, shave 3)")
    for path in files:
        print(f"  wrote {path}")
    return 0


def _comparison(model, val_folder, path):
    """LR | bicubic | SR | HR of the first validation image (centre crop) into ``path``."""
    import numpy as np

    from keras_sr.data.datasets import validation_images
    from keras_sr.data.io import write_image
    from keras_sr.evaluation import bicubic_upscale
    from keras_sr.inference.predict import upscale_array
    from keras_sr.training.callbacks import comparison_grid

    name, lr, hr = validation_images(val_folder, SCALE, limit=1)[0]
    sr = upscale_array(model, lr, scale=SCALE)
    bic = np.clip(bicubic_upscale(lr, SCALE), 0, 1)
    write_image(path, comparison_grid(lr, bic, sr, hr, crop=min(240, hr.shape[0])))
    return path


def _export(model, train_folder, channels, out):
    """int8 TFLite via ``keras_sr.export.export_tflite``; a clear note when unavailable."""
    import numpy as np

    try:
        from keras_sr.export import export_tflite
    except ImportError as error:
        print(f"keras-sr demo: TFLite export skipped: keras_sr.export is not available ({error})")
        return []
    import keras

    if keras.backend.backend() != "tensorflow":
        print("keras-sr demo: TFLite export skipped: it needs the TensorFlow backend")
        return []
    from keras_sr.data.datasets import validation_images
    from keras_sr.metrics.color import rgb_to_y

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
        return []
    return [str(written)]
