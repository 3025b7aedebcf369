"""Makes the figures of README.md and docs/ from the shipped models and the results JSON.

Nothing here is drawn by hand: every number in a figure is computed by the package (the
crops) or read from ``benchmarks/results/*.json`` (the plot, the curves). Rerun after a
change of weights or results:

    python scripts/make_figures.py                 # all figures into docs/figures/
    python scripts/make_figures.py --only crops    # one of: crops, latency, curves, webdemo

- ``crops``: one Set5 image at x3 (butterfly by default): ground truth, bicubic, every
  shipped x3 model (float Keras) and the shipped int8 ESPCN (its QAT state converted by
  ``keras-sr export --weights pretrained --quantize int8-qat``, what the browser demo
  runs), each titled with its Y-channel PSNR on the whole image by the published protocol.
- ``latency``: PSNR on Set5 against LiteRT latency (640x360 -> 1920x1080) of every model
  found in both ``tflite_latency.json`` and ``quantization_quality.json``, float and int8.
- ``webdemo``: the browser page's first open, from the screenshot its end-to-end test
  keeps (run ``bash web_demo/ci.sh`` first).
- ``curves``: the training logs kept in the shipped weights' results
  (``benchmarks/results/reproduce_*.json``): loss per step and Set5 PSNR where monitored.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
OUT = REPO / "docs" / "figures"
SCALE = 3
SHIPPED_X3 = (("srcnn_955", "SRCNN 9-5-5"), ("fsrcnn", "FSRCNN"), ("espcn", "ESPCN"))


def _data_root():
    """The image sets: ``KERAS_SR_DATA``, else ``../shared/datasets`` beside the repo."""
    return Path(os.environ.get("KERAS_SR_DATA") or REPO.parent / "shared" / "datasets")


def crops_figure(path, image="Set5/img_003.png", title="Set5 butterfly (img_003)",
                 box=(110, 40, 96, 96)):
    """Crops of ground truth, bicubic, the shipped x3 models and int8 ESPCN, with PSNR.

    Args:
        path: the PNG to write.
        image: HR image, relative to the data root.
        title: what the figure calls the image.
        box: ``(top, left, height, width)`` of the crop, in HR pixels.

    Returns:
        ``{label: psnr_y}`` of every panel but the ground truth.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from keras_sr import models
    from keras_sr.metrics.protocol import score_pair
    from keras_sr.image.io import read_image
    from keras_sr.image.resize import imresize, modcrop
    from keras_sr.inference.predict import upscale_array
    from keras_sr.runtime import TFLiteModel

    def to_uint8(x):
        return np.floor(np.clip(np.asarray(x, np.float64), 0, 1) * 255 + 0.5).astype(np.uint8)

    with tempfile.TemporaryDirectory() as folder:
        int8 = Path(folder) / "espcn_x3_int8.tflite"
        subprocess.run([sys.executable, "-m", "keras_sr.cli", "export", "--model", "espcn",
                        "--scale", str(SCALE), "--channels", "1", "--weights", "pretrained",
                        "--quantize", "int8-qat", "--io", "uint8", "--out", str(int8)],
                       check=True, cwd=REPO)
        int8_model = TFLiteModel(int8)
    hr = to_uint8(modcrop(read_image(_data_root() / image), SCALE))
    lr = to_uint8(imresize(hr.astype("float32") / 255, scale=1 / SCALE)).astype("float32") / 255
    panels = [("bicubic", to_uint8(imresize(lr, scale=SCALE)))]
    for name, label in SHIPPED_X3:
        model = models.get(name, scale=SCALE, channels=1, weights="pretrained")
        panels.append((label, to_uint8(upscale_array(model, lr, scale=SCALE))))
    panels.append(("ESPCN int8 (TFLite)",
                   to_uint8(upscale_array(int8_model, lr, scale=SCALE))))
    scores = {label: score_pair(hr.astype(np.float64), sr.astype(np.float64), SCALE)[0]
              for label, sr in panels}
    top, left, height, width = box
    shown = [("ground truth", hr, None)] + [(label, sr, scores[label]) for label, sr in panels]
    figure, axes = plt.subplots(1, len(shown), figsize=(2.0 * len(shown), 2.45), dpi=100)
    for axis, (label, picture, score) in zip(axes, shown):
        axis.imshow(picture[top:top + height, left:left + width], interpolation="nearest")
        axis.set_title(label if score is None else f"{label}\n{score:.2f} dB", fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(f"{title}, x{SCALE}: Y-channel PSNR "
                    "of the whole image (published protocol)", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return scores


def latency_figure(path, threads=2, dataset="Set5"):
    """PSNR against LiteRT latency, float and int8, from the results JSON.

    Returns:
        The plotted points: a list of ``(label, latency_ms, psnr)``.
    """
    import matplotlib.pyplot as plt

    latency = json.loads((RESULTS / "tflite_latency.json").read_text())
    quality = json.loads((RESULTS / "quantization_quality.json").read_text())
    scores = {(r["model"], r["scale"]): r["sets"][dataset] for r in quality["results"]
              if dataset in r.get("sets", {})}
    points = []
    for row in latency["results"]:
        key = (row["model"], row["scale"])
        if row["threads"] != threads or key not in scores:
            continue
        psnr = scores[key]["psnr_float" if row["dtype"] == "float32" else "psnr_int8_qat"]
        kind = "float32" if row["dtype"] == "float32" else "int8 QAT"
        points.append((f"{row['model'].upper()} x{row['scale']} {kind}", row["median_ms"],
                       psnr, row["dtype"]))
    figure, axis = plt.subplots(figsize=(6.0, 3.6), dpi=100)
    for dtype, marker in (("float32", "o"), ("int8", "s")):
        chosen = [p for p in points if p[3] == dtype]
        axis.scatter([p[1] for p in chosen], [p[2] for p in chosen], marker=marker, s=50,
                     label=dtype if dtype == "float32" else "int8 (QAT)")
        for label, ms, psnr, _ in chosen:
            axis.annotate(label, (ms, psnr), textcoords="offset points", xytext=(6, 4),
                          fontsize=8)
    size = next(r for r in latency["results"])
    axis.set_xlabel(f"LiteRT latency, ms ({size['lr_size'][1]}x{size['lr_size'][0]} -> "
                    f"{size['sr_size'][1]}x{size['sr_size'][0]}, {threads} CPU threads, median)")
    axis.set_ylabel(f"PSNR on {dataset} (Y, dB)")
    axis.set_title("Shipped models: quality against speed (from benchmarks/results/)",
                   fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="upper right")
    axis.margins(x=0.25, y=0.2)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return [p[:3] for p in points]


def curves_figure(path):
    """Training curves of the shipped weights from their results JSON.

    Returns:
        The names of the runs plotted.
    """
    import matplotlib.pyplot as plt

    runs = []
    for result_path in sorted(RESULTS.glob("reproduce_*.json")):
        result = json.loads(result_path.read_text())
        log = result.get("log") or []
        if log:
            runs.append((f"{result['model']} x{result['scale']}", log))
    figure, (loss_axis, psnr_axis) = plt.subplots(1, 2, figsize=(9.0, 3.4), dpi=100)
    for label, log in runs:
        loss_axis.plot([e["step"] for e in log], [e["loss"] for e in log], label=label)
        monitored = [e for e in log if any(k.endswith("psnr_monitor") for k in e)]
        if monitored:
            key = next(k for k in monitored[0] if k.endswith("psnr_monitor"))
            psnr_axis.plot([e["step"] for e in monitored], [e[key] for e in monitored],
                           marker="o", label=label)
    loss_axis.set_yscale("log")
    loss_axis.set_xlabel("step (last training stage)")
    loss_axis.set_ylabel("training loss")
    psnr_axis.set_xlabel("step (last training stage)")
    psnr_axis.set_ylabel("Set5 PSNR, Y (dB)")
    for axis in (loss_axis, psnr_axis):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("Training of the shipped weights (benchmarks/results/reproduce_*.json)",
                    fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return [label for label, _ in runs]


def web_demo_figure(path, screenshot=REPO / "web_demo" / "e2e-output" / "builtin.png"):
    """The browser page's first open, from the e2e test's screenshot (``bash web_demo/ci.sh``
    writes it): the top of the page, 128 colours to keep the file small.

    Returns:
        The screenshot used.
    """
    from PIL import Image

    if not screenshot.is_file():
        raise FileNotFoundError(f"no {screenshot}: run `bash web_demo/ci.sh` first")
    with Image.open(screenshot) as image:
        top = image.convert("RGB").crop((0, 0, min(image.width, 1040), min(image.height, 500)))
    top.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return str(screenshot.relative_to(REPO))


FIGURES = {"crops": ("crops_set5_x3.png", crops_figure),
           "latency": ("psnr_latency.png", latency_figure),
           "curves": ("training_curves.png", curves_figure),
           "webdemo": ("web_demo.png", web_demo_figure)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(FIGURES), action="append",
                        help="make only this figure (repeatable; default all)")
    parser.add_argument("--out", default=str(OUT), help="output folder (default docs/figures)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only or FIGURES:
        filename, make = FIGURES[name]
        made = make(out / filename)
        print(f"wrote {out / filename}: {made}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
