"""TFLite CPU latency of SR models with ai-edge-litert: 640x360 -> 1920x1080 at x3.

For each model: a float32 and an int8 (PTQ, calibrated on built-in photos; latency does
not depend on the weights' values; conv -> PReLU -> conv chains split into convs with a
fused ReLU, as ``keras-sr export`` writes them, unless ``--keep-prelu``)
``.tflite`` with a fixed 360x640 input are timed on
this machine's CPU with 1 and 2 interpreter threads: median of ``--runs`` ``invoke()``
calls after ``--warmup``, all files of a thread count interleaved round by round (one
call of each in turn), so every model meets the same machine (the runtime alone; the whole ``TFLiteModel`` call with its
numpy conversions is recorded beside it). The int8 files take and give uint8 by default
(``--int8-io``), as an app feeding camera frames would. The MACs per output pixel
(``keras_sr.models.macs_per_pixel``) are recorded beside each. Results:
``benchmarks/results/tflite_latency.json``.

    python benchmarks/tflite_latency.py     # espcn, fsrcnn, plainsr_medium / _large / _wide (x3)
    python benchmarks/tflite_latency.py --models espcn --runs 5   # quick
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def time_interleaved(functions, runs, warmup):
    """``[(median, min)]`` seconds of each of ``functions``, timed in ``runs`` rounds that
    call every function once in turn (after ``warmup`` such rounds): a slow spell of the
    machine then hits all of them alike, so their ratios hold.

    >>> rows = time_interleaved([lambda: None, lambda: time.sleep(0.002)], runs=3, warmup=1)
    >>> rows[0][0] < 0.002 <= rows[1][1]
    True
    """
    for _ in range(warmup):
        for function in functions:
            function()
    times = [[] for _ in functions]
    for _ in range(runs):
        for function, spent in zip(functions, times):
            start = time.perf_counter()
            function()
            spent.append(time.perf_counter() - start)
    return [(statistics.median(spent), min(spent)) for spent in times]


def time_files(paths, threads, runs, warmup, channels, size):
    """For each ``.tflite`` of ``paths`` (interleaved, see :func:`time_interleaved`):
    ``((median, min), (median, min))`` seconds of the runtime's ``invoke()`` alone and of
    a whole ``TFLiteModel`` call (float [0, 1] in and out: the uint8 / int8 conversions in
    numpy included)."""
    from keras_sr.export import TFLiteModel

    models = [TFLiteModel(path, num_threads=threads) for path in paths]
    x = np.random.default_rng(0).uniform(0, 1, (1, *size, channels)).astype("float32")
    for model in models:
        model(x)  # sets the input tensor
    invoke = time_interleaved([m.interpreter.invoke for m in models], runs, warmup)
    whole = time_interleaved([lambda m=m: m(x) for m in models], runs, warmup)
    return list(zip(invoke, whole))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=["espcn", "fsrcnn", "plainsr_medium", "plainsr_large",
                                 "plainsr_wide"])
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--channels", type=int, default=None,
                        help="1 or 3; default: each builder's default (Y for both)")
    parser.add_argument("--size", default="360x640", help="LR HxW")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--int8-io", default="uint8", choices=("float32", "uint8", "int8"),
                        help="input / output dtype of the int8 files (uint8: camera frames "
                             "and bitmaps, no float conversion in the graph)")
    parser.add_argument("--keep-prelu", action="store_true",
                        help="int8: keep the PRELU ops (as `keras-sr export --keep-prelu`; "
                             "XNNPACK has no int8 PRELU kernel)")
    parser.add_argument("--note", default="this machine's 2 cores may be shared: medians "
                        "include other jobs' load (see load_average)",
                        help="how the machine was loaded during the run (kept in the JSON)")
    parser.add_argument("--out", default=str(RESULTS / "tflite_latency.json"))
    args = parser.parse_args(argv)

    import keras

    from keras_sr import models
    from keras_sr.export import export_tflite
    from keras_sr.export.patches import builtin_photos, sample_patches
    from keras_sr.quantization.split_prelu import split_prelu
    from keras_sr.quantization.subpixel import as_subpixel

    size = tuple(int(v) for v in args.size.split("x"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = []  # (row without times, path, input channels), timed together below
        for name in args.models:
            keras.utils.set_random_seed(0)
            try:  # the shipped weights when there are some (speed does not depend on them)
                model = models.get(name, scale=args.scale, channels=args.channels,
                                   weights="pretrained")
                weights = "pretrained"
            except FileNotFoundError:
                model = models.get(name, scale=args.scale, channels=args.channels)
                weights = "random"
            channels = int(model.input_shape[-1])
            for layer in model.layers:  # untrained PReLU slopes are all 0: int8 scale 0
                alpha = getattr(layer, "alpha", None)
                if alpha is not None and not np.any(keras.ops.convert_to_numpy(alpha)):
                    alpha.assign(np.full(alpha.shape, 0.25, "float32"))
            macs = float(models.macs_per_pixel(model, per="output"))
            lr, _ = sample_patches(builtin_photos(), args.scale, 32, 32, channels=channels)
            for mode in ("none", "int8-ptq"):
                io = "float32" if mode == "none" else args.int8_io
                path = export_tflite(model, Path(tmp) / f"{name}_{mode}.tflite",
                                     quantize=mode, input_size=size, io=io,
                                     representative_data=lr if mode != "none" else None,
                                     split_prelus=not args.keep_prelu)
                split = json.loads(path.with_suffix(".json").read_text()).get(
                    "prelu_as_split_relu", [])
                graph = split_prelu(as_subpixel(model)[0])[0] if split else model
                row = {"model": name, "scale": args.scale, "channels": channels,
                       "dtype": "float32" if mode == "none" else "int8",
                       "lr_size": list(size),
                       "sr_size": [size[0] * args.scale, size[1] * args.scale],
                       "io": io, "weights": weights,
                       "prelu_as_split_relu": bool(split),
                       "graph_macs_per_output_pixel": round(float(models.macs_per_pixel(
                           graph, per="output")), 1),
                       "runs": args.runs, "macs_per_output_pixel": round(macs, 1),
                       "params": int(model.count_params())}
                files.append((row, path, channels))
        for threads in args.threads:
            for wanted in sorted({c for _, _, c in files}):  # one input shape per group
                group = [(row, path) for row, path, c in files if c == wanted]
                try:
                    times = time_files([path for _, path in group], threads, args.runs,
                                       args.warmup, wanted, size)
                except RuntimeError as error:  # e.g. a delegate refusing a graph
                    times = [str(error)[:300]] * len(group)
                for (row, _), timed in zip(group, times):
                    row = dict(row, threads=threads)
                    if isinstance(timed, str):
                        row["error"] = timed
                    else:
                        (invoke, whole) = timed
                        row.update({"median_ms": round(invoke[0] * 1e3, 2),
                                    "min_ms": round(invoke[1] * 1e3, 2),
                                    "with_numpy_io_median_ms": round(whole[0] * 1e3, 2)})
                    rows.append(row)
                    print(json.dumps(row))
    result = {"benchmark": "tflite_latency", "runtime": "ai-edge-litert (XNNPACK, CPU)",
              "machine": {"platform": platform.platform(), "processor": platform.processor(),
                          "cpu_count": os.cpu_count(),
                          "load_average": os.getloadavg()},
              "note": args.note,
              "date": time.strftime("%Y-%m-%d"), "results": rows}
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
