"""keras_sr's int8 PTQ and QAT against ai-edge-quantizer's full-int8 static recipe.

For each model of ``--models`` (shipped weights; ESPCN x3 by default):
1. float: the Keras model, and its float ``.tflite`` (``keras_sr.export.export_tflite``);
2. ai-edge-quantizer: that float ``.tflite`` quantized with
   ``ai_edge_quantizer.recipe.static_wi8_ai8()`` (int8 weights and activations, min / max
   calibration), calibrated on the patches ``keras-sr export --quantize int8-ptq`` uses
   by default (128 LR patches of 32 px from scikit-image's photos, seed 0);
3. keras_sr int8-ptq and int8-qat: ``keras-sr export --io uint8`` (the command's own
   code; QAT converts the shipped QAT state);
4. Y PSNR of each on ``--sets`` (``keras_sr.inference.evaluate``, the published
   protocol), the drop against the float Keras model, and the median ``invoke()`` time
   for a ``--size`` LR input (640x360) at ``--threads``, plus each file's operators.

ai-edge-quantizer is optional (``pip install -e ".[bench]"``); when it cannot be
imported or fails, the error is recorded in its row and the rest still runs.
Results: ``benchmarks/results/quantizer_comparison.json``.

    python benchmarks/quantizer_comparison.py                       # espcn x3, Set5 + B100
    python benchmarks/quantizer_comparison.py --models espcn fsrcnn
    python benchmarks/quantizer_comparison.py --sets Set5 --set-limit 1 --runs 2 \\
        --out /tmp/quick.json                                       # quick
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from int8_conv_peak import (build_model, export_int8, machine, parse_size,  # benchmarks/
                            time_invoke)

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))  # this checkout's keras_sr, not another installed copy

VARIANTS = ("ai-edge-quantizer", "ai-edge-quantizer, [0, 1] calibration",
            "keras_sr int8-ptq", "keras_sr int8-qat")


def calibration_patches(scale, channels, seed=0):
    """The LR patches ``keras-sr export --quantize int8-ptq`` calibrates on by default:
    ``(128, 32, 32, channels)`` float32 in [0, 1] from scikit-image's photos."""
    from keras_sr.export.patches import builtin_photos, sample_patches

    lr, _ = sample_patches(builtin_photos(), scale, 32, 256, channels=channels, seed=seed)
    return lr[:128]


def with_image_range(patches):
    """``patches`` with their first pixel set to 0 and their last to 1, so that every
    calibration sample spans the whole image range [0, 1] at the input.

    ai-edge-quantizer's min / max calibration averages the ranges of the samples, so
    adding a black and a white patch to 128 others barely moves it (the input range of
    ESPCN stayed [0, 0.64]); every sample has to hold both ends.

    >>> import numpy as np
    >>> out = with_image_range(np.full((3, 4, 4, 1), 0.5, "float32"))
    >>> out.shape, float(out[2].min()), float(out[2].max()), float(out[:, 1:3].mean())
    ((3, 4, 4, 1), 0.0, 1.0, 0.5)
    """
    out = patches.astype("float32", copy=True)
    out[:, 0, 0, :] = 0.0
    out[:, -1, -1, :] = 1.0
    return out


def ai_edge_quantize(float_tflite, calibration, path):
    """Quantize a float ``.tflite`` with ai-edge-quantizer's full-int8 static recipe.

    Args:
        float_tflite: path of the float model (one signature, one image input).
        calibration: ``(n, h, w, c)`` float32 LR batches, fed one image at a time.
        path: where to write the int8 ``.tflite``.

    Returns:
        the Path written.
    """
    # optional dependency (the "bench" extra): imported here on purpose
    from ai_edge_litert.interpreter import Interpreter
    from ai_edge_quantizer import quantizer, recipe

    signatures = Interpreter(str(float_tflite)).get_signature_list()
    key = next(iter(signatures))
    input_name = signatures[key]["inputs"][0]
    quant = quantizer.Quantizer(str(float_tflite), recipe.static_wi8_ai8())
    data = {key: [{input_name: calibration[i:i + 1]} for i in range(len(calibration))]}
    result = quant.quantize(quant.calibrate(data, num_threads=1),
                            enable_progress_report=False)
    result.export_model(str(path), overwrite=True)
    return Path(path)


def drops(scores, variants):
    """``{variant: {set: float PSNR - variant PSNR}}`` (dB, 3 decimals) from
    ``scores[variant][set]`` with ``scores["float"][set]`` the float Keras model."""
    return {name: {s: round(scores["float"][s] - value, 3) for s, value in scores[name].items()}
            for name in variants if name in scores}


def compare(name, scale, sets, size, threads, runs, warmup, folder, set_limit=None):
    """One model's row: files, scores, drops, latencies and ops of every variant."""
    from keras_sr.export import export_tflite, integer_core_problems, list_ops, op_counts
    from keras_sr.inference.evaluate import evaluate
    from keras_sr.runtime import TFLiteModel

    model, weights = build_model(name, scale)
    if weights != "pretrained":
        raise ValueError(f"quantizer_comparison: no shipped weights for {name} x{scale}")
    channels = int(model.input_shape[-1])
    folder = Path(folder)
    float_tflite = export_tflite(model, folder / f"{name}_float.tflite")
    paths, errors = {}, {}
    patches = calibration_patches(scale, channels)
    for variant, calibration, stem in (
            ("ai-edge-quantizer", patches, "aeq"),
            ("ai-edge-quantizer, [0, 1] calibration", with_image_range(patches), "aeq01")):
        try:
            paths[variant] = ai_edge_quantize(float_tflite, calibration,
                                              folder / f"{name}_{stem}.tflite")
        except Exception as error:  # noqa: BLE001  recorded: the comparison is the result
            errors[variant] = f"{type(error).__name__}: {error}"[:500]
            print(f"{variant} failed: {errors[variant]}", file=sys.stderr)
    for mode in ("int8-ptq", "int8-qat"):
        paths[f"keras_sr {mode}"], _ = export_int8(name, scale, channels, weights,
                                                   folder / f"{name}_{mode}.tflite", mode)
    common = {"progress": False, "limit": set_limit}
    scores = {"float": {s: round(evaluate(model, s, scale, **common)["psnr_y"], 3)
                        for s in sets}}
    row = {"model": name, "scale": scale, "channels": channels, "weights": weights,
           "errors": errors, "variants": {}}
    for variant, path in paths.items():
        tflite = TFLiteModel(path)
        scores[variant] = {s: round(evaluate(tflite, s, scale, **common)["psnr_y"], 3)
                           for s in sets}
        ops = list_ops(path)
        latency = {str(n): time_invoke(path, n, runs, warmup, channels, size)
                   for n in threads}
        row["variants"][variant] = {
            "io": [tflite.input_dtype, tflite.output_dtype],
            "bytes": Path(path).stat().st_size, "psnr": scores[variant],
            "latency_ms": {n: round(t["wall_s"] * 1e3, 2) for n, t in latency.items()},
            "cpu_ms": {n: round(t["cpu_s"] * 1e3, 2) for n, t in latency.items()},
            "ops": op_counts(ops), "integer_core_problems": integer_core_problems(ops)}
    row["psnr_float"] = scores["float"]
    row["drop_db"] = drops(scores, VARIANTS)
    print(json.dumps(row), flush=True)
    return row


def quantizer_version():
    """ai-edge-quantizer's installed version, or the import error as text."""
    from importlib import metadata

    try:
        return metadata.version("ai-edge-quantizer")
    except metadata.PackageNotFoundError as error:
        return f"not installed ({error})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["espcn"])
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--sets", nargs="+", default=["Set5", "B100"])
    parser.add_argument("--set-limit", type=int, default=None,
                        help="score only the first N images of each set (quick runs)")
    parser.add_argument("--size", type=parse_size, default=(360, 640), help="LR HxW")
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--load-note", default="")
    parser.add_argument("--out", default=str(RESULTS / "quantizer_comparison.json"))
    args = parser.parse_args(argv)

    from results_file import write_result

    load_before = machine()["load_average"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [compare(name, args.scale, args.sets, args.size, args.threads, args.runs,
                        args.warmup, tmp, args.set_limit) for name in args.models]
    result = {"benchmark": "quantizer_comparison",
              "ai_edge_quantizer": quantizer_version(),
              "recipe": "ai_edge_quantizer.recipe.static_wi8_ai8() (min / max), calibrated "
                        "on keras-sr export's default int8-ptq patches",
              "protocol": "Y PSNR, shave = scale, 8-bit LR / SR (keras_sr.inference.evaluate);"
                          " drop = float Keras - int8 LiteRT",
              "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "load_average_before": load_before,
              "load_note": (f"latency: median of {args.runs} invoke() calls after "
                            f"{args.warmup}, normal priority, on a shared machine; cpu_ms is "
                            "this process's CPU time per call. " + args.load_note).strip(),
              "settings": {"sets": args.sets, "set_limit": args.set_limit,
                           "lr_size": list(args.size), "threads": args.threads,
                           "argv": sys.argv[1:] if argv is None else list(argv)},
              "results": rows}
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
