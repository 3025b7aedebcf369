"""``keras-sr upscale in.png out.png``: upscale an image, tile by tile, with a model or .tflite."""

import sys
import time


def add_arguments(parser):
    """Define the options of ``keras-sr upscale``."""
    parser.add_argument("input", help="LR image (PNG, JPEG, ...)")
    parser.add_argument("output", help="where to write the SR image (PNG)")
    parser.add_argument("--model", default=None, help="model name in keras_sr.models")
    parser.add_argument("--scale", type=int, default=None,
                        help="upscaling factor (read from the sidecar JSON with --tflite)")
    parser.add_argument("--channels", type=int, default=None, help="1 (Y) or 3 (RGB)")
    parser.add_argument("--weights", default="pretrained",
                        help="'pretrained' or a .weights.h5 / .keras path")
    parser.add_argument("--tflite", default=None, help="run this .tflite file instead")
    parser.add_argument("--tile", type=int, default=None,
                        help="core tile in LR px (default: sidecar's, else 128)")
    parser.add_argument("--overlap", type=int, default=None,
                        help="context in LR px (default: the model's receptive radius)")
    parser.add_argument("--threads", type=int, default=None, help="TFLite CPU threads")


def _load(args):
    """Return ``(model, scale, tile, overlap)`` from the arguments."""
    if args.tflite:
        from keras_sr.export import TFLiteModel, read_sidecar

        model = TFLiteModel(args.tflite, num_threads=args.threads)
        try:
            sidecar = read_sidecar(args.tflite)
        except FileNotFoundError:
            sidecar = {}
        scale = args.scale or sidecar.get("scale")
        if scale is None:
            raise SystemExit("keras-sr upscale: --scale is needed (no sidecar JSON next to "
                             f"{args.tflite})")
        tile = sidecar.get("tile", {})
        return model, int(scale), tile.get("size"), tile.get("overlap")
    if args.model is None or args.scale is None:
        raise SystemExit("keras-sr upscale: give --model and --scale, or --tflite FILE")
    from keras_sr import models

    try:
        model = models.get(args.model, scale=args.scale, channels=args.channels,
                           weights=None if args.weights == "none" else args.weights)
    except FileNotFoundError as error:
        raise SystemExit(f"keras-sr upscale: weights for {args.model} x{args.scale} not "
                         f"available: {error}") from None
    return model, args.scale, None, None


def run(args):
    """Upscale ``args.input`` into ``args.output``; return the exit status."""
    from keras_sr.image.io import read_image, write_image
    from keras_sr.inference.tiling import upscale_tiled

    model, scale, tile, overlap = _load(args)
    tile = args.tile or tile or 128
    overlap = args.overlap if args.overlap is not None else overlap
    lr = read_image(args.input)
    start = time.perf_counter()
    sr = upscale_tiled(model, lr, scale, tile=tile, overlap=overlap, output_dtype="uint8",
                       num_threads=args.threads)
    write_image(args.output, sr)
    print(f"{args.input} {lr.shape[1]}x{lr.shape[0]} -> {args.output} "
          f"{sr.shape[1]}x{sr.shape[0]} in {time.perf_counter() - start:.2f} s",
          file=sys.stderr)
    return 0
