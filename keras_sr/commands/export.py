"""``keras-sr export`` (and ``python export/to_tflite.py``): a model to a ``.tflite`` file.

Builds ``--model`` from ``keras_sr.models`` with ``--weights``; for ``--quantize int8-qat``
takes the shipped QAT state of the recipe (``keras_sr.quantization.recipe``) or runs the
recipe (other weights, ``--qat-retrain``); converts it with ``keras_sr.export.export_tflite`` (sidecar JSON next to
the file), and with ``--verify DIR`` scores Keras against TFLite on a folder of images,
failing (exit status 1) when the PSNR drop exceeds ``--max-psnr-drop``.
"""

import argparse
import json
import sys
import time
from pathlib import Path

QUANTIZE_CHOICES = ("none", "float16", "dynamic", "int8-ptq", "int8-qat")


def parse_size(text):
    """``"HxW"`` -> ``(H, W)``; ``"dynamic"`` -> None."""
    if text.lower() == "dynamic":
        return None
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--input-size must be HxW (e.g. 360x640) or 'dynamic'; got {text!r}") from None
    if height < 1 or width < 1:
        raise argparse.ArgumentTypeError(f"--input-size must be positive; got {text!r}")
    return height, width


def add_arguments(parser):
    """Define the options (shared by ``keras-sr export`` and ``export/to_tflite.py``)."""
    parser.add_argument("--model", required=True, help="model name in keras_sr.models")
    parser.add_argument("--scale", type=int, required=True, help="upscaling factor")
    parser.add_argument("--channels", type=int, default=None,
                        help="1 (Y) or 3 (RGB); default: the builder's default")
    parser.add_argument("--weights", default="pretrained",
                        help="'pretrained' (shipped weights), a .weights.h5 path, or "
                             "'none' (random init, for smoke tests)")
    parser.add_argument("--quantize", choices=QUANTIZE_CHOICES, default="none",
                        help="int8-qat: the published QAT recipe "
                             "(keras_sr.quantization.recipe); with --weights pretrained "
                             "its shipped state is converted without training")
    parser.add_argument("--qat-retrain", action="store_true",
                        help="int8-qat: run the QAT recipe on --train-dir images even when "
                             "a shipped QAT state fits the weights (e.g. your own data)")
    parser.add_argument("--qat-checkpoint", default=None, metavar="DIR",
                        help="int8-qat: save the recipe's fine-tuning after every epoch "
                             "in DIR and resume from it when rerun")
    parser.add_argument("--save-qat-state", default=None, metavar="PATH",
                        help="int8-qat: write the QAT state (PATH ending in "
                             ".qat.weights.h5, plus its JSON) to convert later without "
                             "retraining")
    parser.add_argument("--qat-epochs", type=int, default=None,
                        help="recipe fine-tuning epochs (default: the recipe's, "
                             "24; FSRCNN 48)")
    parser.add_argument("--qat-lr", type=float, default=None,
                        help="recipe initial learning rate (default: the recipe's, 1e-4, "
                             "cosine decay to 2%% of it)")
    parser.add_argument("--qat-loss", default=None,
                        help="recipe loss, a Keras loss name (default: the recipe's, "
                             "mean_squared_error, the loss of the shipped weights)")
    parser.add_argument("--equalize", type=float, default=1.0, metavar="STRENGTH",
                        help="int8-ptq: even out per-channel ranges before calibration "
                             "(exact rescaling of conv -> PReLU/ReLU -> conv chains, "
                             "keras_sr.quantization.equalize_channel_ranges); 0 turns it off")
    parser.add_argument("--keep-transposed", action="store_true",
                        help="keep TRANSPOSE_CONV ops (default: strided transposed convs "
                             "become CONV_2D + DEPTH_TO_SPACE, the same function, faster)")
    parser.add_argument("--keep-prelu", action="store_true",
                        help="int8: keep PRELU ops (default: conv -> PReLU -> conv is "
                             "written as CONV_2D with a fused ReLU, the same function; "
                             "XNNPACK has no int8 PRELU, so FSRCNN x3 runs 5x faster on 2 "
                             "threads, see docs/export.md)")
    parser.add_argument("--train-dir", action="append", default=None,
                        help="HR image folder for QAT / PTQ calibration (repeatable); "
                             "default: T91 and BSD200 under KERAS_SR_DATA, else "
                             "scikit-image's built-in photos")
    parser.add_argument("--patches", type=int, default=None,
                        help="number of training / calibration patches (default: the "
                             "recipe's, 32768, for int8-qat; 256 for int8-ptq)")
    parser.add_argument("--patch-size", type=int, default=None,
                        help="LR patch side in px (default: the recipe's, 24)")
    parser.add_argument("--input-size", type=parse_size, default=None,
                        help="HxW fixed LR input size (NPUs), or 'dynamic' (default)")
    parser.add_argument("--io", choices=("float32", "uint8", "int8"), default="float32",
                        help="input / output dtype of int8 models")
    parser.add_argument("--verify", default=None, metavar="DIR",
                        help="HR image folder: compare Keras and TFLite PSNR / SSIM")
    parser.add_argument("--max-psnr-drop", type=float, default=None,
                        help="with --verify: fail when Keras PSNR - TFLite PSNR > X dB")
    parser.add_argument("--verify-images", type=int, default=None,
                        help="with --verify: score only the first N images")
    parser.add_argument("--report", default=None, metavar="JSON",
                        help="with --verify: write the scores, the options and the wall "
                             "time of this export to a JSON file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output .tflite path")


def _build_model(args):
    from keras_sr import models

    if str(args.model).endswith(".keras"):  # a whole saved model, e.g. from keras-sr import
        return models.load(args.model)
    weights = None if str(args.weights).lower() == "none" else args.weights
    try:
        return models.get(args.model, scale=args.scale, channels=args.channels,
                          weights=weights)
    except FileNotFoundError as error:
        if weights == "pretrained":
            raise FileNotFoundError(
                f"--weights pretrained is not available for {args.model} x{args.scale}: "
                f"{error}. Train the model first (keras-sr train) and pass --weights PATH, "
                "or --weights none for an untrained smoke test.") from None
        raise


def _settings(args):
    from keras_sr.quantization.recipe import recipe_settings

    settings = recipe_settings(args.model, epochs=args.qat_epochs,
                               learning_rate=args.qat_lr, loss=args.qat_loss,
                               patches=args.patches, patch_size=args.patch_size,
                               seed=args.seed)
    if args.keep_transposed:
        settings["subpixel"] = False
    return settings


def _check(args):
    """Refuse bad combinations before any work (raises ValueError naming the option)."""
    if not 0.0 <= args.equalize <= 1.0:
        raise ValueError(f"--equalize must be in [0, 1]; got {args.equalize}")
    if args.max_psnr_drop is not None and args.verify is None:
        raise ValueError("--max-psnr-drop needs --verify DIR")
    if args.report is not None and args.verify is None:
        raise ValueError("--report needs --verify DIR")
    qat_only = {"--qat-retrain": args.qat_retrain, "--qat-checkpoint": args.qat_checkpoint,
                "--save-qat-state": args.save_qat_state}
    for flag, value in qat_only.items():
        if value and args.quantize != "int8-qat":
            raise ValueError(f"{flag} needs --quantize int8-qat")
    if args.keep_prelu and args.quantize not in ("int8-ptq", "int8-qat"):
        raise ValueError("--keep-prelu needs --quantize int8-ptq or int8-qat (float files "
                         "keep their PReLUs)")
    if args.save_qat_state and not str(args.save_qat_state).endswith(".qat.weights.h5"):
        raise ValueError(f"--save-qat-state must end in .qat.weights.h5; got "
                         f"{args.save_qat_state!r}")
    if not str(args.out).endswith(".tflite"):
        raise ValueError(f"--out must be a .tflite path; got {args.out!r}")
    if args.verify is not None and args.input_size is not None:
        raise ValueError("--verify needs a dynamic-size model (drop --input-size)")
    for folder in [args.verify] + list(args.train_dir or []):
        if folder is not None and not Path(folder).is_dir():
            raise FileNotFoundError(f"no such image folder: {folder}")


def run(args):
    """Export (int8-qat: shipped QAT state or the recipe; optionally verify); exit status."""
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError("TFLite conversion needs KERAS_BACKEND=tensorflow; the backend is "
                         f"{keras.backend.backend()!r}")
    _check(args)
    from keras_sr.export import export_tflite, format_report, verify_tflite
    from keras_sr.export.patches import builtin_photos, load_folders, sample_patches
    from keras_sr.export.qat import qat_model_for
    from keras_sr.models import rep_layers, reparameterize
    from keras_sr.quantization import equalize_channel_ranges
    from keras_sr.quantization.recipe import save_state

    start = time.perf_counter()
    keras.utils.set_random_seed(args.seed)
    model = _build_model(args)
    folded = [layer.name for layer in rep_layers(model)]
    if folded:  # a trained (multi-branch) checkpoint: deploy the plain-conv form
        model = reparameterize(model)
        print(f"folded {len(folded)} re-parameterizable blocks ({', '.join(folded)}) into "
              "plain Conv2D 3x3 (keras_sr.models.reparameterize, same outputs)",
              file=sys.stderr)
    channels = int(model.input_shape[-1])
    weights = None if str(args.weights).lower() == "none" else args.weights
    to_convert, representative = model, None
    metadata = {"model": args.model, "weights": str(args.weights)}
    if folded:
        metadata["folded_rep_blocks"] = folded
    if args.quantize == "int8-ptq":
        images = load_folders(args.train_dir) if args.train_dir else builtin_photos()
        lr, _ = sample_patches(images, args.scale, args.patch_size or 32,
                               args.patches or 256, channels=channels, seed=args.seed)
        representative = lr[: min(len(lr), 128)]
        if args.equalize > 0:
            to_convert, scales = equalize_channel_ranges(model, lr[: min(len(lr), 256)],
                                                         strength=args.equalize)
            print(f"equalized the channel ranges of {len(scales)} convs", file=sys.stderr)
    elif args.quantize == "int8-qat":
        to_convert, record = qat_model_for(
            model, args.model, args.scale, weights=weights, retrain=args.qat_retrain,
            train_dirs=args.train_dir, settings=_settings(args),
            checkpoint_dir=args.qat_checkpoint)
        if record.get("transposed_conv_as_subpixel"):
            metadata["transposed_conv_as_subpixel"] = record["transposed_conv_as_subpixel"]
        metadata["qat"] = {k: v for k, v in record.items() if k != "identity"}
        if "qat_state" in record:
            print(f"int8-qat: converting the shipped QAT state {record['qat_state']} "
                  f"({record['recipe']}); --qat-retrain reruns the recipe", file=sys.stderr)
        if args.save_qat_state:
            written = save_state(to_convert, args.save_qat_state, record.get("identity") or {
                "model": args.model, "scale": args.scale, "channels": channels,
                "float_weights_sha256": None}, {k: v for k, v in record.items()
                                                if k != "identity"})
            print(f"wrote the QAT state {args.save_qat_state} and {written}")
    path = export_tflite(to_convert, args.out, quantize=args.quantize,
                         representative_data=representative, input_size=args.input_size,
                         io=args.io, metadata=metadata, subpixel=not args.keep_transposed,
                         split_prelus=not args.keep_prelu)
    print(f"wrote {path} and {path.with_suffix('.json')}")
    export_seconds = time.perf_counter() - start
    if args.verify is None:
        return 0
    result = verify_tflite(path, model, args.verify, args.scale,
                           max_psnr_drop=args.max_psnr_drop, max_images=args.verify_images)
    print(format_report(result))
    if args.report is not None:
        report = {"argv": sys.argv[1:],
                  "date": time.strftime("%Y-%m-%d"), "options": vars(args),
                  "export_seconds": round(export_seconds, 1), "qat": metadata.get("qat"),
                  "verify": result}
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"wrote {args.report}")
    return 0 if result["passed"] else 1
