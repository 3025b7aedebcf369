"""``keras-sr eval``: Y-channel PSNR / SSIM of a model (or bicubic) on a test set.

Example::

    keras-sr eval --model bicubic --scale 4 --dataset Set5 --json set5_x4.json
    keras-sr eval --model espcn --scale 3 --dataset B100 --weights pretrained
"""

import json
import sys
from pathlib import Path


def add_arguments(parser):
    """Declare the ``eval`` options on an argparse parser."""
    parser.add_argument("--model", default="bicubic",
                        help="'bicubic' or a model name of keras_sr.models (default: bicubic)")
    parser.add_argument("--scale", type=int, default=4, help="upscaling factor (default: 4)")
    parser.add_argument("--dataset", required=True,
                        help="Set5, Set14, B100, Urban100, Manga109, DIV2K-valid, or a folder "
                             "of HR images (or with HR/ and LR/ sub-folders)")
    parser.add_argument("--weights", default=None,
                        help="weights file (.weights.h5) or 'pretrained' (shipped weights)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=None,
                        help="model input channels: 3 (RGB) or 1 (Y); default the model's own")
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="also write the results as JSON to PATH")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _build_model(args):
    """Build the named model (keras_sr.models is imported only when needed)."""
    weights = args.weights
    if weights not in (None, "pretrained") and not Path(weights).is_file():
        raise FileNotFoundError(f"--weights: no such file: {weights}")
    from keras_sr import models

    kwargs = {"scale": args.scale, "weights": weights}
    if args.channels is not None:
        kwargs["channels"] = args.channels
    return models.get(args.model, **kwargs)


def format_table(result):
    """The per-image table and the mean, as text."""
    width = max([len("image"), len("mean")] + [len(r["name"]) for r in result["per_image"]])
    lines = [f"{result['model']} x{result['scale']} on {result['dataset']} "
             f"({result['images']} images, Y channel, border {result['scale']} px shaved)",
             f"{'image':<{width}}  {'PSNR (dB)':>9}  {'SSIM':>6}",
             "-" * (width + 19)]
    for row in result["per_image"]:
        lines.append(f"{row['name']:<{width}}  {row['psnr_y']:>9.2f}  {row['ssim_y']:>6.4f}")
    lines.append("-" * (width + 19))
    lines.append(f"{'mean':<{width}}  {result['psnr_y']:>9.2f}  {result['ssim_y']:>6.4f}")
    return "\n".join(lines)


def run(args):
    """Evaluate, print the table, optionally write JSON; returns the exit status."""
    from keras_sr.data.sets import DatasetNotFoundError
    from keras_sr.inference.evaluate import evaluate

    try:
        model = "bicubic" if args.model == "bicubic" else _build_model(args)
        result = evaluate(model, args.dataset, args.scale, model_name=args.model,
                          progress=not args.no_progress)
    except (DatasetNotFoundError, FileNotFoundError, ValueError, KeyError) as err:
        print(f"keras-sr eval: error: {err}", file=sys.stderr)
        return 1
    print(format_table(result))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {path}")
    return 0
