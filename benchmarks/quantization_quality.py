"""int8 quality: float Keras vs int8-PTQ vs int8-QAT TFLite, PSNR / SSIM (Y) on Set5, B100.

For each model (default ESPCN x3 and FSRCNN x3; ``--edsr`` adds EDSR-baseline x4):
1. the float model: ``--weights MODEL=PATH`` when given (a ``.weights.h5`` file),
   else the shipped pretrained weights, else trained here briefly on
   ``--train-dir`` patches (``--float-epochs``; a short run, recorded as such);
2. int8 PTQ: ``export_tflite(quantize="int8-ptq")`` calibrated on 128 LR patches, after
   ``equalize_channel_ranges(--equalize)`` (exact; the plain PTQ is reported beside it);
3. int8 QAT: THE recipe, ``keras_sr.quantization.recipe.run_recipe`` with its default
   settings (the ones ``keras-sr export --quantize int8-qat`` uses; ``--qat-epochs``,
   ``--qat-loss``, cosine decay) then ``export_tflite(quantize="int8-qat")``;
   (both int8 paths start from ``equalize_tanh_ranges(--tanh-target)``: it widens tiny
   tanh pre-activations so TFLite's fixed 1/128 tanh output grid loses less; and from
   ``as_subpixel``: FSRCNN's transposed conv becomes conv + PixelShuffle, per-channel);
4. every set scored by the published protocol with ``verify_tflite`` (float Keras vs
   the TFLite file run by ai-edge-litert).
Targets of issue 7: QAT within 0.05 dB of float (ESPCN, FSRCNN x3) and 0.15 dB
(EDSR-baseline x4), QAT above PTQ. Results: ``benchmarks/results/quantization_quality.json``.

    python benchmarks/quantization_quality.py --edsr                 # full run
    python benchmarks/quantization_quality.py --patches 1024 --float-epochs 2 \\
        --qat-epochs 1 --max-images 10                               # small, for a CPU
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))  # this checkout's keras_sr, not another installed copy
TARGETS = {"espcn": 0.05, "fsrcnn": 0.05, "edsr_baseline": 0.15}


def load_float_weights(model, path):
    """Load a ``.weights.h5`` file (e.g. a ``keras-sr train`` checkpoint); return its name."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--weights: no file {str(path)!r}")
    model.load_weights(path)
    return path.name


def build_float_model(name, scale, lr, hr, epochs, seed, weights=None):
    """The float model and how it was obtained: ``weights`` (a file), else the shipped
    pretrained weights, else a brief float training here."""
    import keras

    from keras_sr import models
    from keras_sr.quantization import fine_tune

    if weights is not None:
        model = models.get(name, scale=scale)
        return model, load_float_weights(model, weights)
    try:
        return models.get(name, scale=scale, weights="pretrained"), "pretrained"
    except FileNotFoundError:
        pass
    keras.utils.set_random_seed(seed)
    model = models.get(name, scale=scale)
    # fine_tune is a plain Adam + L1 fit: here it trains the float model from scratch
    fine_tune(model, lr, hr, epochs=epochs, batch_size=16, learning_rate=1e-3, seed=seed,
              verbose=0)
    return model, f"trained here: {epochs} epochs x {len(lr)} patches (Adam 1e-3, L1)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["espcn", "fsrcnn"])
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--edsr", action="store_true", help="add EDSR-baseline x4")
    parser.add_argument("--weights", nargs="*", default=[], metavar="MODEL=PATH",
                        help="float weights per model (e.g. edsr_baseline=runs/edsr_baseline_x4/"
                             "checkpoints/best.weights.h5); default: shipped, else trained here")
    parser.add_argument("--train-dir", default=None,
                        nargs="+", help="HR training folder(s) (default: <datasets>/T91)")
    parser.add_argument("--sets", nargs="+", default=["Set5", "B100"])
    parser.add_argument("--datasets", default=None,
                        help="folder holding the sets (default: KERAS_SR_DATA or "
                             "../shared/datasets)")
    parser.add_argument("--patches", type=int, default=None,
                        help="recipe override (default: the recipe's)")
    parser.add_argument("--patch-size", type=int, default=None,
                        help="recipe override (default: the recipe's)")
    parser.add_argument("--float-epochs", type=int, default=20)
    parser.add_argument("--qat-epochs", type=int, default=None,
                        help="recipe override (default: the recipe's, per model)")
    parser.add_argument("--qat-lr", type=float, default=None,
                        help="recipe override (default: the recipe's)")
    parser.add_argument("--qat-loss", default=None, help="recipe override")
    parser.add_argument("--tanh-target", type=float, default=None, help="recipe override")
    parser.add_argument("--equalize", type=float, default=1.0, metavar="STRENGTH",
                        help="int8-PTQ: equalize_channel_ranges strength before the "
                             "converter's calibration (0: off); the unequalized PTQ is "
                             "reported beside it")
    parser.add_argument("--keep-transposed", action="store_true",
                        help="quantize TRANSPOSE_CONV as it is (default: rewritten as "
                             "conv + PixelShuffle before PTQ and QAT, the same function)")
    parser.add_argument("--max-images", type=int, default=None,
                        help="score only the first N images of each set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "quantization_quality.json"))
    args = parser.parse_args(argv)

    import os

    from keras_sr.export import export_tflite, verify_tflite
    from keras_sr.quantization.subpixel import as_subpixel
    from keras_sr.export.patches import load_folders, sample_patches
    from keras_sr.quantization import equalize_channel_ranges, equalize_tanh_ranges
    from keras_sr.quantization.recipe import recipe_settings, run_recipe

    root = Path(args.datasets or os.environ.get("KERAS_SR_DATA")
                or REPO.parent / "shared" / "datasets")
    try:
        weight_files = dict(item.split("=", 1) for item in args.weights)
    except ValueError:
        parser.error(f"--weights takes MODEL=PATH items; got {args.weights}")
    train_images = load_folders(args.train_dir or root / "T91")
    jobs = [(name, args.scale) for name in args.models]
    if args.edsr:
        jobs.append(("edsr_baseline", 4))
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "models", "edsr")}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, scale in jobs:
            start = time.perf_counter()
            from keras_sr import models

            channels = int(models.get(name, scale=scale).input_shape[-1])
            settings = recipe_settings(name, epochs=args.qat_epochs,
                                       learning_rate=args.qat_lr, loss=args.qat_loss,
                                       patches=args.patches, patch_size=args.patch_size,
                                       tanh_target=args.tanh_target, seed=args.seed)
            if args.keep_transposed:
                settings["subpixel"] = False
            lr, hr = sample_patches(train_images, scale, settings["patch_size"],
                                    settings["patches"], channels=channels, seed=args.seed)
            model, how = build_float_model(name, scale, lr, hr, args.float_epochs, args.seed,
                                           weights=weight_files.get(name))
            calib = lr[:128]
            # PTQ starts from the recipe's float rewrites (tanh ranges, sub-pixel convs)
            int8_source = model  # the float model scored below stays the original
            if settings["tanh_target"] > 0:
                int8_source, _ = equalize_tanh_ranges(model, lr[:256],
                                                      target=settings["tanh_target"])
            subpixel = []
            if settings["subpixel"]:
                int8_source, subpixel = as_subpixel(int8_source)
            ptq_plain = export_tflite(int8_source, Path(tmp) / f"{name}_ptq_plain.tflite",
                                      quantize="int8-ptq", representative_data=calib)
            ptq_source, equalized = int8_source, {}
            if args.equalize > 0:
                ptq_source, equalized = equalize_channel_ranges(int8_source, lr[:256],
                                                                strength=args.equalize)
            ptq = export_tflite(ptq_source, Path(tmp) / f"{name}_ptq.tflite",
                                quantize="int8-ptq", representative_data=calib)
            qat_model, record = run_recipe(model, lr, hr, settings, verbose=0)
            qat = export_tflite(qat_model, Path(tmp) / f"{name}_qat.tflite",
                                quantize="int8-qat")
            row = {"model": name, "scale": scale, "channels": channels, "float_weights": how,
                   "date": time.strftime("%Y-%m-%d"), "settings": settings,
                   "recipe": record["recipe"],
                   "ptq_equalize": args.equalize, "ptq_equalized_convs": sorted(equalized),
                   "transposed_conv_as_subpixel": subpixel,
                   "sets": {}}
            for set_name in args.sets:
                folder = root / set_name
                res_ptq = verify_tflite(ptq, model, folder, scale, max_images=args.max_images)
                res_qat = verify_tflite(qat, None, folder, scale, max_images=args.max_images)
                res_plain = verify_tflite(ptq_plain, None, folder, scale,
                                          max_images=args.max_images)
                entry = {"images": res_ptq["images"],
                         "psnr_float": round(res_ptq["psnr_keras"], 3),
                         "psnr_int8_ptq": round(res_ptq["psnr_tflite"], 3),
                         "psnr_int8_qat": round(res_qat["psnr_tflite"], 3),
                         "psnr_int8_ptq_no_equalize": round(res_plain["psnr_tflite"], 3),
                         "ssim_float": round(res_ptq["ssim_keras"], 4),
                         "ssim_int8_ptq": round(res_ptq["ssim_tflite"], 4),
                         "ssim_int8_qat": round(res_qat["ssim_tflite"], 4)}
                entry["qat_drop_db"] = round(entry["psnr_float"] - entry["psnr_int8_qat"], 3)
                entry["ptq_drop_db"] = round(entry["psnr_float"] - entry["psnr_int8_ptq"], 3)
                entry["target_drop_db"] = TARGETS.get(name)
                entry["qat_within_target"] = (TARGETS.get(name) is not None
                                              and entry["qat_drop_db"] <= TARGETS[name])
                entry["qat_beats_ptq"] = entry["psnr_int8_qat"] > entry["psnr_int8_ptq"]
                row["sets"][set_name] = entry
            row["seconds"] = round(time.perf_counter() - start, 1)
            print(json.dumps(row))
            rows.append(row)
    result = {"benchmark": "quantization_quality",
              "protocol": "Y channel, shave scale px, LR/SR rounded to uint8 (verify_tflite)",
              "note": "one row per model and scale, each with the settings and date of the "
                      "run that measured it; a run replaces the rows of the models it ran",
              "results": merge_rows(args.out, rows)}
    write_result(args.out, result)
    return 0


def merge_rows(path, rows):
    """``rows`` plus the rows of other (model, scale) pairs already in the JSON at ``path``."""
    path = Path(path)
    ran = {(row["model"], row["scale"]) for row in rows}
    kept = []
    if path.is_file():
        previous = json.loads(path.read_text()).get("results", [])
        kept = [row for row in previous if (row["model"], row["scale"]) not in ran
                and "settings" in row]  # rows of the older layout carry no settings
    return sorted(kept + rows, key=lambda row: (row["model"], row["scale"]))


if __name__ == "__main__":
    raise SystemExit(main())
