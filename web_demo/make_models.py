"""Regenerates the page's built-in models and sample image in web_demo/models/.

- ``espcn_x3_int8.tflite`` and ``plainsr_medium_x3_int8.tflite`` (+ sidecar JSONs): the
  shipped ESPCN x3 and PlainSR medium x3 weights (Y channel) with their shipped QAT
  states (``keras_sr/weights/qat/``), int8 with uint8 input and output (the tensors
  LiteRT.js takes) and a fixed 96x96 input (LiteRT.js needs fixed shapes; the page cuts
  images into tiles of that size), exported by the package's own command, ``keras-sr
  export``, which converts the shipped QAT state without training.
  It verifies dynamic-size models only: the page's check, web_demo/check_builtin.py,
  scores this one on a real image;
- ``sample_lr.png``: scikit-image's ``chelsea`` photo (CC0), cropped to a multiple of 3
  and downscaled by 3 with the published protocol (MATLAB bicubic, rounded to 8 bits),
  so the page has a real image to upscale on first open;
- ``index.json``: what the page lists (file, label) and the sample's name.

Usage (repository root, TensorFlow backend): python web_demo/make_models.py
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCALE = 3
INPUT_SIZE = 96  # LiteRT.js runs fixed-size models only: the page tiles with this size
MODELS = (("espcn", "ESPCN x3, int8 (shipped weights)"),
          ("plainsr_medium", "PlainSR medium x3, int8 (shipped weights; mobile family)"))


def sample_images():
    """``(hr, lr)`` uint8 RGB: the CC0 ``chelsea`` photo and its protocol x3 downscale."""
    import numpy as np
    from skimage import data

    from keras_sr.image.resize import imresize, modcrop

    hr = np.asarray(modcrop(data.chelsea(), SCALE))
    lr = imresize(hr.astype("float32") / 255.0, scale=1 / SCALE)
    lr = np.floor(np.clip(np.asarray(lr, np.float64), 0, 1) * 255 + 0.5).astype(np.uint8)
    return hr, lr


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "models"), help="output folder")
    parser.add_argument("--skip-export", action="store_true",
                        help="only rewrite the sample image and index.json")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, label in MODELS:
        path = out / f"{name}_x{SCALE}_int8.tflite"
        if not args.skip_export:
            subprocess.run([sys.executable, "-m", "keras_sr.cli", "export", "--model", name,
                            "--scale", str(SCALE), "--channels", "1", "--weights",
                            "pretrained", "--quantize", "int8-qat", "--io", "uint8",
                            "--input-size", f"{INPUT_SIZE}x{INPUT_SIZE}", "--out", str(path)],
                           check=True, cwd=REPO)
        entries.append({"file": path.name, "label": label})
    from PIL import Image

    _, lr = sample_images()
    Image.fromarray(lr).save(out / "sample_lr.png")
    index = {"models": entries, "sample": "sample_lr.png",
             "sample_note": "scikit-image chelsea (CC0), downscaled x3 by MATLAB bicubic"}
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    print(f"wrote {len(entries)} models, sample_lr.png and index.json to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
