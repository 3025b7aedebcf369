"""``keras-sr upscale in.png out.png``: upscale an image or a video with a model or a ``.tflite``.

The whole image goes through the model at once when that fits in ``--max-memory``;
otherwise (or with ``--tile N``) it is cut into tiles with the model's receptive radius
as overlap, which gives the same pixels. Greyscale stays greyscale (``--rgb`` for
colour output); RGBA keeps its alpha, upscaled bicubically (``--alpha refuse`` stops
instead). The output path is checked before any work.

A video input or output (``in.mp4 out.mp4``, see
``keras_sr.inference.video.VIDEO_SUFFIXES``) is streamed frame by frame through the same
per-image path (``keras_sr.inference.video``, PyAV: the ``video`` extra), with audio,
timestamps and rotation kept; ``--codec`` / ``--crf`` choose the encoding.
"""

import sys
import tempfile
import time
from pathlib import Path

# Lossless formats ``keras_sr.image.io.write_image`` writes.
OUTPUT_SUFFIXES = (".png", ".bmp", ".tif", ".tiff", ".webp")
# Float32 copies of the widest activation the whole-image pass holds at once (input,
# output and the framework's scratch), measured on ESPCN / FSRCNN with TensorFlow.
ACTIVATION_COPIES = 3


def add_arguments(parser):
    """Define the options of ``keras-sr upscale``."""
    parser.add_argument("input", help="LR image (PNG, JPEG, BMP, TIFF, WebP) or video "
                        "(anything FFmpeg reads)")
    parser.add_argument("output", help="where to write the SR image (" +
                        ", ".join(OUTPUT_SUFFIXES) + ") or video (.mp4, .mkv, .mov, .m4v)")
    parser.add_argument("--model", default=None, help="model name in keras_sr.models")
    parser.add_argument("--scale", type=int, default=None,
                        help="upscaling factor (read from the sidecar JSON with --tflite)")
    parser.add_argument("--channels", type=int, default=None, help="1 (Y) or 3 (RGB)")
    parser.add_argument("--weights", default="pretrained",
                        help="'pretrained' or a .weights.h5 / .keras path")
    parser.add_argument("--tflite", default=None, help="run this .tflite file instead")
    parser.add_argument("--tile", type=int, default=None,
                        help="core tile in LR px; default: the whole image when it fits "
                             "--max-memory (a fixed-size .tflite: its sidecar's tile), "
                             "else 256")
    parser.add_argument("--overlap", type=int, default=None,
                        help="tile context in LR px (default: the model's receptive radius; "
                             "smaller values warn: seams)")
    parser.add_argument("--max-memory", type=float, default=2.0, metavar="GB",
                        help="largest estimated memory of a whole-image pass before tiling")
    parser.add_argument("--alpha", choices=("keep", "refuse"), default="keep",
                        help="RGBA input: keep the alpha channel (upscaled bicubically) or "
                             "stop with an error")
    parser.add_argument("--rgb", action="store_true",
                        help="write greyscale input as RGB (default: greyscale out)")
    parser.add_argument("--overwrite", action="store_true",
                        help="allow the output to replace the input file")
    parser.add_argument("--threads", type=int, default=None, help="TFLite CPU threads")
    parser.add_argument("--codec", default="libx264",
                        help="video only: FFmpeg encoder of the output (yuv420p)")
    parser.add_argument("--crf", type=int, default=18,
                        help="video only: constant rate factor (lower: better, bigger)")


def check_output(input_path, output_path, overwrite=False, suffixes=OUTPUT_SUFFIXES):
    """Validate the output path before any work; raise ``ValueError`` / ``OSError``.

    Args:
        input_path: the input image path.
        output_path: where the result will be written.
        overwrite: allow ``output_path`` to be the input file.
        suffixes: the accepted extensions (default: the lossless image formats).
    """
    output = Path(output_path)
    if output.suffix.lower() not in suffixes:
        kind = "(lossless)" if suffixes == OUTPUT_SUFFIXES else "(video)"
        raise ValueError(f"output {output}: unsupported extension {output.suffix!r}; use "
                         f"one of {', '.join(suffixes)} {kind}")
    if output.is_dir():
        raise IsADirectoryError(f"output {output} is a folder; give a file name")
    if Path(input_path).exists() and output.exists() and \
            output.resolve() == Path(input_path).resolve() and not overwrite:
        raise ValueError(f"output {output} is the input file; pass --overwrite to replace it")
    folder = output.absolute().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise PermissionError(f"output {output}: cannot write in folder {folder} "
                              f"({error.strerror or error})") from None


def _check_args(args):
    if args.scale is not None and args.scale < 1:
        raise ValueError(f"--scale must be a positive integer; got {args.scale}")
    if args.tile is not None and args.tile < 1:
        raise ValueError(f"--tile must be >= 1; got {args.tile}")
    if args.overlap is not None and args.overlap < 0:
        raise ValueError(f"--overlap must be >= 0; got {args.overlap}")
    if args.crf is not None and args.crf < 0:
        raise ValueError(f"--crf must be >= 0; got {args.crf}")
    if not args.max_memory > 0:
        raise ValueError(f"--max-memory must be > 0 GB; got {args.max_memory}")
    if args.tflite is None and (args.model is None or args.scale is None):
        raise ValueError("give --model and --scale, or --tflite FILE")


def _load(args):
    """Return ``(model, scale, sidecar)`` from the arguments."""
    if args.tflite:
        from keras_sr.export import read_sidecar
        from keras_sr.runtime import TFLiteModel

        model = TFLiteModel(args.tflite, num_threads=args.threads)
        try:
            sidecar = read_sidecar(args.tflite)
        except FileNotFoundError:
            sidecar = {}
        scale = args.scale or sidecar.get("scale")
        if scale is None:
            raise ValueError(f"--scale is needed: no sidecar JSON next to {args.tflite}")
        return model, int(scale), sidecar
    from keras_sr import models

    if str(args.model).endswith(".keras"):  # a whole saved model, e.g. from keras-sr import
        return models.load(args.model), args.scale, {}
    weights = None if args.weights == "none" else args.weights
    model = models.get(args.model, scale=args.scale, channels=args.channels,
                       weights=weights)
    return model, args.scale, {}


def whole_image_bytes(model, height, width, scale):
    """Estimated memory (bytes) of upscaling a ``height x width`` image in one pass.

    ``ACTIVATION_COPIES`` float32 copies of the widest activation: the largest of the
    layers' output channels at LR size and the SR image's channels at HR size.
    """
    widest = 3 * scale * scale
    for layer in getattr(model, "layers", []):
        shape = getattr(layer, "output", None)
        shape = getattr(shape, "shape", None)
        if shape is not None and shape[-1] is not None:
            widest = max(widest, int(shape[-1]))
    return ACTIVATION_COPIES * 4 * height * width * widest


def _read(args):
    """``(rgb_or_grey, alpha or None)`` of the input; greyscale stays one channel."""
    import numpy as np

    from keras_sr.image.io import read_image

    colour = read_image(args.input, mode=None, alpha="drop")
    over_white = read_image(args.input, mode=None, alpha="white")
    over_black = read_image(args.input, mode=None, alpha="black")
    alpha = 1.0 - (over_white - over_black).mean(axis=-1, keepdims=True)
    if np.all(alpha > 1.0 - 1e-6):
        alpha = None
    elif args.alpha == "refuse":
        raise ValueError(f"{args.input} has transparency (alpha); pass --alpha keep to "
                         "upscale it bicubically and keep it")
    if colour.shape[-1] == 1 and args.rgb:
        colour = np.repeat(colour, 3, axis=-1)
    return colour, alpha


def _plan_tiles(args, model, scale, sidecar, height, width, what="image"):
    """``(tile, overlap, radius)`` for a ``height x width`` input: whole when it fits."""
    fixed = sidecar.get("input_size")
    tile = args.tile
    if tile is None and fixed:
        tile = sidecar.get("tile", {}).get("size")
    if tile is None:
        need = whole_image_bytes(model, height, width, scale)
        if need <= args.max_memory * 2**30:
            tile = max(height, width)
        else:
            tile = 256
            print(f"keras-sr upscale: the whole {width}x{height} {what} needs about "
                  f"{need / 2**30:.1f} GB (more than --max-memory {args.max_memory:g}); "
                  f"tiling at {tile} px (same pixels; --tile N to choose)", file=sys.stderr)
    overlap = args.overlap
    if overlap is None and fixed:
        overlap = sidecar.get("tile", {}).get("overlap")
    return tile, overlap, sidecar.get("receptive_radius")


def _is_video(args):
    """A video output, or a video input (whose image output is then refused)."""
    from keras_sr.inference.video import INPUT_SUFFIXES, VIDEO_SUFFIXES

    return (Path(args.output).suffix.lower() in VIDEO_SUFFIXES
            or Path(args.input).suffix.lower() in INPUT_SUFFIXES)


def run_video(args):
    """Upscale the clip ``args.input`` into ``args.output``; return the exit status."""
    from tqdm import tqdm

    from keras_sr.inference import video

    try:
        video.import_av()
    except ModuleNotFoundError as error:
        raise SystemExit(f"keras-sr upscale: error: {error}") from None
    if not Path(args.input).is_file():
        raise FileNotFoundError(f"no such input video: {args.input}")
    check_output(args.input, args.output, overwrite=args.overwrite,
                 suffixes=video.VIDEO_SUFFIXES)
    info = video.probe_video(args.input)
    model, scale, sidecar = _load(args)
    tile, overlap, radius = _plan_tiles(args, model, scale, sidecar, info["height"],
                                        info["width"], what="frame")
    bar = tqdm(total=info["frames"] or None, unit="frame", desc="keras-sr upscale",
               file=sys.stderr, dynamic_ncols=True)
    try:
        stats = video.upscale_video(
            model, args.input, args.output, scale, tile=tile, overlap=overlap,
            radius=radius, codec=args.codec, crf=args.crf, num_threads=args.threads,
            progress=lambda done, total: bar.update(done - bar.n))
    finally:
        bar.close()
    audio = f", audio {stats['audio']}" if stats["audio"] else ", no audio"
    print(f"{args.input} {info['width']}x{info['height']} -> {args.output} "
          f"{stats['width']}x{stats['height']}: {stats['frames']} frames in "
          f"{stats['total_s']:.1f} s ({stats['frames'] / stats['total_s']:.2f} fps; model "
          f"{stats['model_s']:.1f} s, decode {stats['decode_s']:.1f} s, encode "
          f"{stats['encode_s']:.1f} s){audio}", file=sys.stderr)
    return 0


def run(args):
    """Upscale ``args.input`` into ``args.output``; return the exit status."""
    _check_args(args)
    if _is_video(args):
        return run_video(args)
    return run_image(args)


def run_image(args):
    """Upscale the image ``args.input`` into ``args.output``; return the exit status."""
    import keras
    import numpy as np

    from keras_sr.image.io import write_image
    from keras_sr.image.resize import imresize
    from keras_sr.inference.tiling import upscale_tiled

    if not Path(args.input).is_file():
        raise FileNotFoundError(f"no such input image: {args.input}")
    check_output(args.input, args.output, overwrite=args.overwrite)
    lr, alpha = _read(args)
    model, scale, sidecar = _load(args)
    height, width = lr.shape[:2]
    tile, overlap, radius = _plan_tiles(args, model, scale, sidecar, height, width)
    rows, cols = -(-height // tile), -(-width // tile)
    bar = keras.utils.Progbar(rows * cols, unit_name="tile") if rows * cols > 1 else None
    start = time.perf_counter()
    sr = upscale_tiled(model, lr, scale, tile=tile, overlap=overlap, output_dtype="uint8",
                       num_threads=args.threads, radius=radius,
                       progress=None if bar is None else lambda done, total: bar.update(done))
    if alpha is not None:
        big = keras.ops.convert_to_numpy(imresize(alpha, scale=scale))
        big = np.round(np.clip(big, 0.0, 1.0) * 255.0).astype("uint8")
        if sr.shape[-1] == 1:
            sr = np.repeat(sr, 3, axis=-1)
        sr = np.concatenate([sr, big], axis=-1)
    write_image(args.output, sr)
    print(f"{args.input} {width}x{height} -> {args.output} "
          f"{sr.shape[1]}x{sr.shape[0]} in {time.perf_counter() - start:.2f} s",
          file=sys.stderr)
    return 0
