"""How close SR models come to this CPU's int8 3x3-convolution peak under LiteRT (XNNPACK).

1. The peak: one ``Conv2D`` 3x3, ``--peak-channels`` in and out (64 -> 64 by default),
   "same" padding, converted to full int8 by ``keras_sr.export.export_tflite`` (PTQ,
   int8 in and out, output range calibrated rather than fixed to an image's [0, 1]) at
   each ``--peak-sizes`` LR size, timed with 1 and 2 interpreter
   threads (median of ``--runs`` ``invoke()`` calls after ``--warmup``, the runtime
   alone, ``time_invoke``: wall and CPU time). GMAC/s = MACs
   (``keras_sr.models.macs_per_pixel`` times pixels) / median time; the peak of a thread count is the
   best size.
2. Every model of ``--models`` (shipped weights when there are some): params, MACs per
   LR pixel, float and int8 Y PSNR on ``--set`` (``keras_sr.inference.evaluate``, the
   published protocol), int8 latency for a ``--size`` LR input (640x360 -> 1080p at x3)
   with 1 and 2 threads, and the fraction of the peak:
   ``MACs per LR pixel * LR pixels / median latency / peak MAC/s`` (same thread count).
   The int8 file is what ``keras-sr export`` writes with ``--io uint8``: ``--quantize
   int8-qat`` when a QAT state is shipped for the weights (``keras_sr/weights/qat/``),
   else ``int8-ptq`` (scikit-image photos for calibration, the command's default).
   A model without shipped weights is timed with its random initialisation and gets
   no PSNR.

The machine may be shared: latencies are medians of several runs and the result
records the load average before and after. Results: ``benchmarks/results/int8_conv_peak.json``.

    python benchmarks/int8_conv_peak.py     # espcn, fsrcnn, plainsr_medium / _large / _wide (x3)
    python benchmarks/int8_conv_peak.py --models espcn fsrcnn NAME   # any keras_sr.models name
    python benchmarks/int8_conv_peak.py --peak-sizes 90x160 --models espcn --runs 3 \\
        --set-limit 1 --out /tmp/quick.json                      # quick
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_result  # benchmarks/ is on sys.path when run as a script
import statistics

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))  # this checkout's keras_sr, not another installed copy

# keys every result of this script has (checked by tests/benchmarks/test_int8_conv_peak.py)
PEAK_KEYS = ("size", "channels", "threads", "macs", "median_ms", "cpu_ms", "gmacs_per_s",
             "gmacs_per_cpu_s")
MODEL_KEYS = ("model", "scale", "channels", "weights", "quantize", "params",
              "macs_per_lr_pixel", "psnr_float", "psnr_int8", "latency_ms",
              "cpu_ms", "fraction_of_peak", "fraction_of_peak_cpu")


def parse_size(text):
    """``"HxW"`` -> ``(H, W)`` ints (e.g. ``"360x640"`` -> ``(360, 640)``)."""
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW (e.g. 360x640); got {text!r}") \
            from None
    return height, width


def conv_layer(channels, seed=0):
    """The peak probe: ``(1, h, w, channels)`` -> one 3x3 "same" ``Conv2D`` to ``channels``
    (bias, no activation), random weights (He-normal, ``seed``). Height and width are
    dynamic; the exporter fixes them (``input_size``)."""
    import keras

    inputs = keras.Input((None, None, channels), batch_size=1, name="lr")
    init = keras.initializers.HeNormal(seed=seed)
    outputs = keras.layers.Conv2D(channels, 3, padding="same", kernel_initializer=init,
                                  name="conv3x3")(inputs)
    return keras.Model(inputs, outputs, name=f"conv3x3_{channels}")


def time_invoke(path, threads, runs, warmup, channels, size):
    """Medians over ``runs`` ``invoke()`` calls (after ``warmup``) of a ``.tflite`` file fed a
    random ``(1, *size, channels)`` batch: ``{"wall_s", "wall_min_s", "cpu_s"}``.

    ``cpu_s`` is this process's CPU time per call (all its threads): on a loaded machine
    wall time includes waiting for a core, CPU time does not (at 1 thread it is close
    to the idle machine's latency).
    """
    from keras_sr.runtime import TFLiteModel

    model = TFLiteModel(path, num_threads=threads)
    model(np.random.default_rng(0).uniform(0, 1, (1, *size, channels)).astype("float32"))
    for _ in range(warmup):
        model.interpreter.invoke()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.interpreter.invoke()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"wall_s": statistics.median(wall), "wall_min_s": min(wall),
            "cpu_s": statistics.median(cpu)}


def gmacs_per_s(macs, seconds):
    """Throughput in GMAC/s: ``macs / seconds / 1e9`` (e.g. 1.5e9 MACs in 0.03 s: 50.0)."""
    return macs / seconds / 1e9


def fraction_of_peak(macs_per_lr_pixel, lr_pixels, seconds, peak_gmacs):
    """Share of the peak a model reaches: its MAC/s over the peak's (both at one thread count).

    Args:
        macs_per_lr_pixel: float, the model's MACs per input pixel.
        lr_pixels: int, pixels of the timed LR input (640 * 360).
        seconds: float, its median latency.
        peak_gmacs: float, the conv peak in GMAC/s at the same thread count.

    Returns:
        float in [0, 1] for a model slower than the peak (can exceed 1 only if it is not).
    """
    return gmacs_per_s(macs_per_lr_pixel * lr_pixels, seconds) / peak_gmacs


def measure_peak(sizes, channels, threads, runs, warmup, folder, seed=0):
    """Rows ``{size, channels, threads, macs, median_ms, min_ms, gmacs_per_s}``: the int8
    3x3 conv timed at every size and thread count."""
    from keras_sr.export import export_tflite
    from keras_sr.models import macs_per_pixel

    rng = np.random.default_rng(seed)
    model = conv_layer(channels, seed)
    per_pixel = macs_per_pixel(model, per="input")  # "same" padding: 9 * C_in * C_out
    rows = []
    for size in sizes:
        macs = per_pixel * size[0] * size[1]
        calib = rng.uniform(0, 1, (4, *size, channels)).astype("float32")
        path = export_tflite(model, Path(folder) / f"conv_{size[0]}x{size[1]}.tflite",
                             quantize="int8-ptq", representative_data=calib,
                             input_size=size, io="int8", clip=False)
        for n in threads:
            t = time_invoke(path, n, runs, warmup, channels, size)
            row = {"size": list(size), "channels": channels, "threads": n, "macs": int(macs),
                   "median_ms": round(t["wall_s"] * 1e3, 3),
                   "min_ms": round(t["wall_min_s"] * 1e3, 3),
                   "cpu_ms": round(t["cpu_s"] * 1e3, 3),
                   "gmacs_per_s": round(gmacs_per_s(macs, t["wall_s"]), 3),
                   "gmacs_per_cpu_s": round(gmacs_per_s(macs, t["cpu_s"]), 3)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def peak_by_threads(rows):
    """``{threads: best row}`` over sizes (the row with the most GMAC/s)."""
    best = {}
    for row in rows:
        if row["threads"] not in best or row["gmacs_per_s"] > best[row["threads"]]["gmacs_per_s"]:
            best[row["threads"]] = row
    return best


def build_model(name, scale):
    """``(model, weights)``: shipped weights when they exist (``"pretrained"``), else the
    random initialisation (``"none"``; PReLU slopes set to 0.25 so int8 has a scale)."""
    import keras

    from keras_sr import models

    keras.utils.set_random_seed(0)
    try:
        return models.get(name, scale=scale, weights="pretrained"), "pretrained"
    except FileNotFoundError:
        pass
    model = models.get(name, scale=scale)
    for layer in model.layers:  # untrained PReLU slopes are all 0: int8 scale 0
        alpha = getattr(layer, "alpha", None)
        if alpha is not None and not np.any(keras.ops.convert_to_numpy(alpha)):
            alpha.assign(np.full(alpha.shape, 0.25, "float32"))
    return model, "none"


def export_int8(name, scale, channels, weights, path, quantize=None, model_file=None):
    """Write ``path`` as ``keras-sr export --io uint8`` would (the command's own code).

    ``quantize`` defaults to ``"int8-qat"`` when a QAT state is shipped for these weights,
    else ``"int8-ptq"``. ``model_file`` (a ``.keras`` file) replaces ``--model`` for
    models without shipped weights (their random init, saved by the caller).

    Returns:
        ``(path, quantize)``.
    """
    from keras_sr.commands import export as export_command
    from keras_sr.export.qat import shipped_state_path

    if quantize is None:
        shipped = weights == "pretrained" and shipped_state_path(name, scale, channels).is_file()
        quantize = "int8-qat" if shipped else "int8-ptq"
    parser = argparse.ArgumentParser()
    export_command.add_arguments(parser)
    args = parser.parse_args(["--model", str(model_file or name), "--scale", str(scale),
                              "--channels", str(channels), "--weights", weights,
                              "--quantize", quantize, "--io", "uint8", "--out", str(path)])
    export_command.run(args)
    return Path(path), quantize


def model_row(name, scale, set_name, size, threads, runs, warmup, peaks, folder,
              set_limit=None):
    """One model's params, MACs, float / int8 PSNR, int8 latencies and fraction of peak."""
    from keras_sr.inference.evaluate import evaluate
    from keras_sr.models import macs_per_pixel
    from keras_sr.runtime import TFLiteModel

    model, weights = build_model(name, scale)
    channels = int(model.input_shape[-1])
    model_file = None
    if weights == "none":
        model_file = Path(folder) / f"{name}_x{scale}_init.keras"
        model.save(model_file)
    path, quantize = export_int8(name, scale, channels, weights,
                                 Path(folder) / f"{name}_x{scale}_int8.tflite",
                                 model_file=model_file)
    macs = float(macs_per_pixel(model, per="input"))
    row = {"model": name, "scale": scale, "channels": channels, "weights": weights,
           "quantize": quantize, "int8_io": "uint8", "params": int(model.count_params()),
           "macs_per_lr_pixel": round(macs, 1), "lr_size": list(size),
           "sr_size": [size[0] * scale, size[1] * scale], "psnr_set": set_name,
           "psnr_float": None, "psnr_int8": None, "latency_ms": {}, "cpu_ms": {},
           "fraction_of_peak": {}, "fraction_of_peak_cpu": {}}
    if weights == "pretrained":
        common = {"progress": False, "limit": set_limit}
        row["psnr_float"] = round(evaluate(model, set_name, scale, **common)["psnr_y"], 3)
        row["psnr_int8"] = round(evaluate(TFLiteModel(path), set_name, scale,
                                          **common)["psnr_y"], 3)
    for n in threads:
        t = time_invoke(path, n, runs, warmup, channels, size)
        row["latency_ms"][str(n)] = round(t["wall_s"] * 1e3, 2)
        row["cpu_ms"][str(n)] = round(t["cpu_s"] * 1e3, 2)
        if n in peaks:
            pixels = size[0] * size[1]
            row["fraction_of_peak"][str(n)] = round(fraction_of_peak(
                macs, pixels, t["wall_s"], peaks[n]["gmacs_per_s"]), 3)
            row["fraction_of_peak_cpu"][str(n)] = round(fraction_of_peak(
                macs, pixels, t["cpu_s"], peaks[n]["gmacs_per_cpu_s"]), 3)
    print(json.dumps(row), flush=True)
    return row


def machine():
    """Platform, processor, CPU count and the 1 / 5 / 15 minute load averages now."""
    return {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
            "load_average": [round(v, 2) for v in os.getloadavg()]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+",
                        default=["espcn", "fsrcnn", "plainsr_medium", "plainsr_large",
                                 "plainsr_wide"],
                        help="keras_sr.models names (shipped weights when there are some)")
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--set", default="Set5", help="PSNR set (name or folder)")
    parser.add_argument("--set-limit", type=int, default=None,
                        help="score only the first N images (quick runs)")
    parser.add_argument("--size", type=parse_size, default=(360, 640), help="LR HxW")
    parser.add_argument("--peak-sizes", type=parse_size, nargs="+",
                        default=[(90, 160), (180, 320), (360, 640)],
                        help="LR HxW of the peak conv; the best is the peak")
    parser.add_argument("--peak-channels", type=int, default=64)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--load-note", default="",
                        help="what else ran on the machine (recorded as given)")
    parser.add_argument("--out", default=str(RESULTS / "int8_conv_peak.json"))
    args = parser.parse_args(argv)

    load_before = machine()["load_average"]
    with tempfile.TemporaryDirectory() as tmp:
        conv_rows = measure_peak(args.peak_sizes, args.peak_channels, args.threads,
                                 args.runs, args.warmup, tmp)
        peaks = peak_by_threads(conv_rows)
        rows = [model_row(name, args.scale, args.set, args.size, args.threads, args.runs,
                          args.warmup, peaks, tmp, args.set_limit) for name in args.models]
    result = {"benchmark": "int8_conv_peak",
              "runtime": "ai-edge-litert (XNNPACK, CPU), invoke() alone",
              "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "load_average_before": load_before,
              "load_note": ("latencies are medians of "
                            f"{args.runs} invoke() calls after {args.warmup} warm-up calls, "
                            "run at normal priority on a machine shared with other jobs "
                            "(load averages before and in 'machine' after); cpu_ms / "
                            "gmacs_per_cpu_s / fraction_of_peak_cpu use this process's CPU "
                            "time per call instead, which waiting for a core does not "
                            "inflate. "
                            + args.load_note).strip(),
              "peak": {str(n): {"gmacs_per_s": row["gmacs_per_s"],
                                "gmacs_per_cpu_s": row["gmacs_per_cpu_s"], "size": row["size"],
                                "channels": row["channels"]} for n, row in peaks.items()},
              "conv_runs": conv_rows,
              "settings": {"runs": args.runs, "warmup": args.warmup, "set": args.set,
                           "set_limit": args.set_limit, "lr_size": list(args.size),
                           "argv": sys.argv[1:] if argv is None else list(argv)},
              "models": rows}
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
