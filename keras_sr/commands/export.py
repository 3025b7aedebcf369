"""``keras-sr export`` (and ``python export/to_tflite.py``): a model to a ``.tflite`` file.

Builds ``--model`` from ``keras_sr.models`` with ``--weights``, optionally fine-tunes it
with int8 QAT, converts it with ``keras_sr.export.export_tflite`` (sidecar JSON next to
the file), and with ``--verify DIR`` scores Keras against TFLite on a folder of images,
failing (exit status 1) when the PSNR drop exceeds ``--max-psnr-drop``.
"""

import argparse
import sys

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
    parser.add_argument("--quantize", choices=QUANTIZE_CHOICES, default="none")
    parser.add_argument("--qat-epochs", type=int, default=2,
                        help="QAT fine-tuning epochs over the sampled patches (int8-qat)")
    parser.add_argument("--qat-lr", type=float, default=1e-4,
                        help="QAT initial learning rate (cosine decay to 2%% of it)")
    parser.add_argument("--qat-loss", default="mean_squared_error",
                        help="QAT loss (a Keras loss name); MSE suits the shipped weights, "
                             "which were trained with it")
    parser.add_argument("--equalize", type=float, default=1.0, metavar="STRENGTH",
                        help="int8-ptq: even out per-channel ranges before calibration "
                             "(exact rescaling of conv -> PReLU/ReLU -> conv chains, "
                             "keras_sr.quantization.equalize_channel_ranges); 0 turns it off")
    parser.add_argument("--keep-transposed", action="store_true",
                        help="keep TRANSPOSE_CONV ops (default: strided transposed convs "
                             "become CONV_2D + DEPTH_TO_SPACE, the same function, faster)")
    parser.add_argument("--train-dir", action="append", default=None,
                        help="HR image folder for QAT / PTQ calibration (repeatable); "
                             "default: scikit-image's built-in photos")
    parser.add_argument("--patches", type=int, default=256,
                        help="number of training / calibration patches")
    parser.add_argument("--patch-size", type=int, default=32, help="LR patch side (px)")
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
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output .tflite path")


def _build_model(args):
    from keras_sr import models

    weights = None if str(args.weights).lower() == "none" else args.weights
    try:
        return models.get(args.model, scale=args.scale, channels=args.channels,
                          weights=weights)
    except FileNotFoundError as error:
        if weights == "pretrained":
            raise SystemExit(
                f"keras-sr export: --weights pretrained is not available for {args.model} "
                f"x{args.scale}: {error}\nTrain the model first (keras-sr train) and pass "
                "--weights PATH, or --weights none for an untrained smoke test.") from None
        raise SystemExit(f"keras-sr export: {error}") from None


def _patches(args, channels):
    from keras_sr.export.patches import builtin_photos, load_folders, sample_patches

    if args.train_dir:
        images = load_folders(args.train_dir)
    else:
        print("keras-sr export: no --train-dir, using scikit-image's built-in photos",
              file=sys.stderr)
        images = builtin_photos()
    return sample_patches(images, args.scale, args.patch_size, args.patches,
                          channels=channels, seed=args.seed)


def run(args):
    """Export (and optionally QAT-fine-tune and verify); return the exit status."""
    import keras

    if keras.backend.backend() != "tensorflow":
        print("keras-sr export: TFLite conversion needs KERAS_BACKEND=tensorflow",
              file=sys.stderr)
        return 2
    if not 0.0 <= args.equalize <= 1.0:
        print(f"keras-sr export: --equalize must be in [0, 1]; got {args.equalize}",
              file=sys.stderr)
        return 2
    if args.max_psnr_drop is not None and args.verify is None:
        print("keras-sr export: --max-psnr-drop needs --verify DIR", file=sys.stderr)
        return 2
    from keras_sr.export import export_tflite, format_report, verify_tflite
    from keras_sr.export.converter import as_subpixel
    from keras_sr.quantization import equalize_channel_ranges, fine_tune, quantize_model

    keras.utils.set_random_seed(args.seed)
    model = _build_model(args)
    channels = int(model.input_shape[-1])
    to_convert, representative, metadata = model, None, {"model": args.model,
                                                         "weights": str(args.weights)}
    if args.quantize in ("int8-ptq", "int8-qat"):
        lr, hr = _patches(args, channels)
        representative = lr[: min(len(lr), 128)]
        if args.quantize == "int8-ptq" and args.equalize > 0:
            to_convert, scales = equalize_channel_ranges(model, lr[: min(len(lr), 256)],
                                                         strength=args.equalize)
            print(f"equalized the channel ranges of {len(scales)} convs", file=sys.stderr)
        if args.quantize == "int8-qat":
            # least-error ranges trained on: the recipe of benchmarks/quantization_quality.py
            source, replaced = (model, []) if args.keep_transposed else as_subpixel(model)
            if replaced:
                metadata["transposed_conv_as_subpixel"] = replaced
            to_convert = quantize_model(source, activation_range="learned",
                                        calibration_data=representative, calibration="mse")
            if args.qat_epochs > 0:
                fine_tune(to_convert, lr, hr, epochs=args.qat_epochs, loss=args.qat_loss,
                          learning_rate=args.qat_lr, decay="cosine", seed=args.seed,
                          verbose=1)
    path = export_tflite(to_convert, args.out, quantize=args.quantize,
                         representative_data=representative, input_size=args.input_size,
                         io=args.io, metadata=metadata, subpixel=not args.keep_transposed)
    print(f"wrote {path} and {path.with_suffix('.json')}")
    if args.verify is None:
        return 0
    if args.input_size is not None:
        print("keras-sr export: --verify needs a dynamic-size model; skipped",
              file=sys.stderr)
        return 2
    result = verify_tflite(path, model, args.verify, args.scale,
                           max_psnr_drop=args.max_psnr_drop, max_images=args.verify_images)
    print(format_report(result))
    return 0 if result["passed"] else 1
