"""Peak memory of tiled upscaling: a 4000x3000 photo at x4 (16000x12000 output).

A 4000x3000 RGB photo (scikit-image's astronaut, bicubic-enlarged) is upscaled x4 by an
int8 ``.tflite`` model (default ESPCN, RGB) with ``keras_sr.inference.upscale_tiled``
into a uint8 output; the peak resident set size (``ru_maxrss``) is recorded next to
the sizes of the input and output arrays and the RSS before the upscaling. Tiling
keeps the working memory at one tile: peak - (before + output) stays small and does
not grow with the image. Results: ``benchmarks/results/tiled_memory.json``.

    python benchmarks/tiled_memory.py
    python benchmarks/tiled_memory.py --size 1000x750     # quick
"""

import argparse
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def rss_mib():
    """Current resident set size in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="espcn")
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--size", default="4000x3000", help="LR WxH")
    parser.add_argument("--tile", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS / "tiled_memory.json"))
    args = parser.parse_args(argv)

    import keras
    import skimage.data
    from PIL import Image

    from keras_sr import models
    from keras_sr.export import export_tflite
    from keras_sr.export.patches import builtin_photos, sample_patches
    from keras_sr.inference.tiling import receptive_radius, upscale_tiled

    width, height = (int(v) for v in args.size.split("x"))
    photo = Image.fromarray(skimage.data.astronaut()).resize((width, height), Image.BICUBIC)
    lr = np.asarray(photo, dtype="float32") / 255.0
    del photo
    keras.utils.set_random_seed(0)
    model = models.get(args.model, scale=args.scale, channels=args.channels)
    calib, _ = sample_patches(builtin_photos(), args.scale, 32, 32, channels=args.channels)
    with tempfile.TemporaryDirectory() as tmp:
        path = export_tflite(model, Path(tmp) / "model.tflite", quantize="int8-ptq",
                             representative_data=calib)
        overlap = receptive_radius(path, args.scale, channels=args.channels)
        before, peak_before = rss_mib(), peak_mib()
        start = time.perf_counter()
        sr = upscale_tiled(str(path), lr, args.scale, tile=args.tile, overlap=overlap,
                           output_dtype="uint8", num_threads=args.threads)
        seconds = time.perf_counter() - start
        peak = peak_mib()
    result = {
        "benchmark": "tiled_memory", "model": args.model, "scale": args.scale,
        "channels": args.channels, "quantize": "int8-ptq", "lr_size_wh": [width, height],
        "sr_size_wh": [sr.shape[1], sr.shape[0]], "tile": args.tile, "overlap": overlap,
        "threads": args.threads, "seconds": round(seconds, 1),
        "input_array_mib": round(lr.nbytes / 2**20, 1),
        "output_array_mib": round(sr.nbytes / 2**20, 1),
        "rss_before_upscale_mib": round(before, 1),
        "peak_rss_before_upscale_mib": round(peak_before, 1),
        "peak_rss_mib": round(peak, 1),
        "working_memory_mib": round(peak - before - sr.nbytes / 2**20, 1),
        "machine": platform.platform(), "date": time.strftime("%Y-%m-%d"),
        "note": "working_memory = peak RSS - RSS before - output array",
    }
    print(json.dumps(result, indent=2))
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
