"""``keras-sr eval``: Y-channel PSNR / SSIM (and VIFp, IFC) of a model on a test set.

Example::

    keras-sr eval --model bicubic --scale 4 --dataset Set5 --json set5_x4.json
    keras-sr eval --model bicubic --scale 4 --dataset Set5 --metrics psnr,ssim,vif,ifc
    keras-sr eval --model espcn --scale 3 --dataset B100 --weights pretrained
    keras-sr eval --model runs/espcn_x3_c1.keras --dataset Set5

A ``.keras`` file knows its scale and channels; a weights file ``X.weights.h5`` names
them in its sidecar ``X.json``: then ``--scale`` and ``--channels`` may be left out,
and when given they must agree.
"""

from pathlib import Path

from keras_sr.commands.result_file import write_result_json

DEFAULT_SCALE = 4
METRICS = ("psnr", "ssim", "vif", "ifc")    # keras_sr.metrics.protocol.METRICS, kept light
_COLUMNS = {"psnr": ("PSNR (dB)", 9, ".2f"), "ssim": ("SSIM", 6, ".4f"),
            "vif": ("VIFp", 6, ".4f"), "ifc": ("IFC", 6, ".3f")}


def add_arguments(parser):
    """Declare the ``eval`` options on an argparse parser."""
    parser.add_argument("--model", default="bicubic",
                        help="'bicubic', a model name of keras_sr.models, or a .keras file "
                             "(which knows its scale and channels)")
    parser.add_argument("--scale", type=int, default=None,
                        help="upscaling factor (default: the one the .keras file or the "
                             f"weights' sidecar names, else {DEFAULT_SCALE})")
    parser.add_argument("--dataset", required=True,
                        help="Set5, Set14, B100, Urban100, Manga109, DIV2K-valid, or a folder "
                             "of HR images (or with HR/ and LR/ sub-folders)")
    parser.add_argument("--weights", default=None,
                        help="weights file (.weights.h5 with its X.json sidecar) or "
                             "'pretrained' (shipped weights), for a model name")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=None,
                        help="model input channels: 3 (RGB) or 1 (Y); default the model's "
                             "own (or its weights' sidecar's)")
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="also write the results as JSON to PATH")
    parser.add_argument("--metrics", default="psnr,ssim",
                        help="comma-separated scores, of " + ", ".join(METRICS)
                             + " (default psnr,ssim; IFC takes a few seconds per image)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--skip-bad", action="store_true",
                        help="score the rest when some images cannot be read or are too "
                             "small (they are listed); without it they are an error")


def parse_metrics(text):
    """``--metrics`` as a tuple of names; a one-line error for unknown ones."""
    names = tuple(dict.fromkeys(m.strip().lower() for m in text.split(",") if m.strip()))
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ValueError(f"--metrics: expected a comma-separated list of {', '.join(METRICS)}; "
                         f"got {text!r}")
    return names


def _check_scale(scale):
    if scale is not None and scale < 1:
        raise ValueError(f"--scale must be an integer >= 1; got {scale}")


def _agree(flag, given, known, path):
    """``known`` (what the file says), unless ``given`` differs from it."""
    if given is not None and known is not None and given != known:
        raise ValueError(f"{flag} {given}: {path} was made for {flag[2:]} {known}; drop "
                         f"{flag} or give {known}")
    return known if known is not None else given


def _load_keras_file(args, models):
    """A ``.keras`` model and its scale; ``--scale``/``--channels`` must agree with it."""
    if args.weights is not None:
        raise ValueError(f"--weights: {args.model} carries its own weights; drop --weights")
    model = models.load(args.model)
    scale = _agree("--scale", args.scale, getattr(model, "scale", None), args.model)
    _agree("--channels", args.channels, model.inputs[0].shape[-1], args.model)
    if scale is None:
        raise ValueError(f"--scale: {args.model} does not record its scale (it was not "
                         f"saved from a keras_sr model); give --scale")
    return model, scale


def _build_named_model(args, models):
    """``models.get`` with --scale/--channels, defaulting to what the weights' sidecar says."""
    if args.model in models.DISCRIMINATORS:
        raise ValueError(f"--model: {args.model} is a discriminator, not an upscaler; "
                         f"choose one of {', '.join(models.GENERATORS)}")
    weights = args.weights
    held = {}
    if weights not in (None, "pretrained"):
        if not Path(weights).is_file():
            raise FileNotFoundError(f"--weights: no such file: {weights}")
        held = models.read_identity(weights) or {}
    scale = args.scale or held.get("scale") or DEFAULT_SCALE
    channels = args.channels or held.get("channels")
    model = models.get(args.model, scale=scale, channels=channels, weights=weights)
    return model, model.scale


def resolve_model(args):
    """What ``args`` ask to evaluate: ``("bicubic", scale)`` or ``(keras.Model, scale)``."""
    _check_scale(args.scale)
    if args.model == "bicubic":
        if args.weights is not None:
            raise ValueError("--weights: bicubic has no weights; give --model NAME")
        return "bicubic", args.scale or DEFAULT_SCALE
    # deferred on purpose: `keras-sr eval --help` must not start Keras/TensorFlow
    from keras_sr import models

    if args.model.endswith(".keras"):
        return _load_keras_file(args, models)
    return _build_named_model(args, models)


def format_table(result):
    """The per-image table and the mean, as text (one column per metric in the result)."""
    names = [m for m in METRICS if f"{m}_y" in result]
    width = max([len("image"), len("mean")] + [len(r["name"]) for r in result["per_image"]])
    header = f"{'image':<{width}}" + "".join(f"  {_COLUMNS[m][0]:>{_COLUMNS[m][1]}}"
                                             for m in names)

    def row(label, values):
        return f"{label:<{width}}" + "".join(
            f"  {values[f'{m}_y']:>{_COLUMNS[m][1]}{_COLUMNS[m][2]}}" for m in names)

    lines = [f"{result['model']} x{result['scale']} on {result['dataset']} "
             f"({result['images']} images, Y channel, border {result['scale']} px shaved)",
             header, "-" * len(header)]
    lines += [row(r["name"], r) for r in result["per_image"]]
    lines += ["-" * len(header), row("mean", result)]
    return "\n".join(lines)


def run(args):
    """Evaluate, print the table, optionally write JSON; returns the exit status.

    Bad arguments, files and data raise (``ValueError``, ``OSError``): ``keras_sr.cli``
    prints them as one line with exit status 2.
    """
    # deferred on purpose: `keras-sr eval --help` must not start Keras/TensorFlow
    from keras_sr.inference.evaluate import evaluate

    metrics = parse_metrics(args.metrics)
    model, scale = resolve_model(args)
    name = model if isinstance(model, str) else model.name
    result = evaluate(model, args.dataset, scale, model_name=name,
                      progress=not args.no_progress, skip_bad=args.skip_bad, metrics=metrics)
    print(format_table(result))
    if args.json:
        write_result_json(args.json, result)
    return 0
