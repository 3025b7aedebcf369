"""Builds what the browser e2e test needs: tiny exported models, a test image, and the
pixels Python's LiteRT (ai_edge_litert) produces for them with the page's tiling.

Also the page's first open (case ``builtin``): its first built-in model on its sample
image by the Python path (``builtin.expected.bin``); e2e.mjs saves what the page made and
check_builtin.py compares the two by PSNR.

Writes into --out: ``espcn_f32.tflite`` (float32 IO) and ``espcn_int8.tflite`` (int8,
uint8 IO), each with its sidecar ``.json`` from keras_sr.export.export_tflite, ``input.png``,
``<model>.expected.bin`` (uint8 RGB of the upscaled image) and ``cases.json`` listing
them for e2e.mjs. The model is a small ESPCN (x2, RGB) trained a few seconds on a CC0
photo so its output is a real image, exported with a fixed 16x16 input like the
demos use for tiles. Needs the TensorFlow backend.

Usage: python web_demo/make_fixtures.py --out web_demo/build/fixtures
"""

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SCALE = 2
TILE = 16


def _tiling_reference():
    path = HERE.parent / "android_demo" / "core" / "make_golden.py"
    spec = importlib.util.spec_from_file_location("make_golden", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_tiny_espcn(seed=0, steps=60):
    """A small ESPCN x2 fitted briefly on astronaut patches (nearest->HR), seeded."""
    import keras
    from skimage import data

    from keras_sr.image.resize import imresize
    from keras_sr.models import get

    keras.utils.set_random_seed(seed)
    model = get("espcn", scale=SCALE, channels=3, filters=16, mapping_filters=8)
    photo = data.astronaut()[::2, ::2].astype("float32") / 255.0  # 256x256
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 256 - 32, size=(256, 2))
    hr = np.stack([photo[y:y + 32, x:x + 32] for y, x in corners])
    lr = np.asarray(imresize(hr, scale=1 / SCALE), dtype="float32").clip(0, 1)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mae")
    model.fit(lr, hr, batch_size=16, epochs=max(1, steps // 16), verbose=0, shuffle=False)
    return model, lr


def test_image():
    """A 36x44 RGB crop of skimage's astronaut (CC0), downscaled by area."""
    from PIL import Image
    from skimage import data

    crop = Image.fromarray(data.astronaut()[40:220, 160:380])
    return np.asarray(crop.resize((44, 36), Image.BOX), dtype=np.uint8)


def sidecar_tiling(sidecar):
    """Tile and overlap the page derives from a sidecar (see sr_core.readSidecar)."""
    margin = sidecar["tile"]["overlap"]
    tile = sidecar["tile"]["size"] + 2 * margin
    shape = sidecar["input"]["shape"]
    if shape[1] and shape[2]:
        tile = min(shape[1], shape[2])
    overlap = 2 * margin
    if 2 * overlap >= tile:
        overlap = (tile - 1) // 2
    return tile, overlap


def builtin_case(out):
    """The page's first-open run, by the Python path: its first built-in model
    (models/index.json, a fixed-size input) on its sample image through
    ``keras_sr.inference.upscale_tiled``, windows of the model's input size."""
    from PIL import Image

    from keras_sr.image.io import read_image
    from keras_sr.inference.tiling import upscale_tiled
    from keras_sr.export import read_sidecar

    index = json.loads((HERE / "models" / "index.json").read_text())
    model_path = HERE / "models" / index["models"][0]["file"]
    sidecar = read_sidecar(model_path)
    lr = read_image(HERE / "models" / index["sample"])
    size, overlap = sidecar["input"]["shape"][1], sidecar["tile"]["overlap"]
    sr = upscale_tiled(model_path, lr, sidecar["scale"], tile=size - 2 * overlap,
                       overlap=overlap, output_dtype="uint8")
    (out / "builtin.expected.bin").write_bytes(sr.tobytes())
    Image.fromarray(sr).save(out / "builtin.expected.png")
    return {"name": "builtin", "builtin": model_path.name, "expected": "builtin.expected.bin",
            "width": int(sr.shape[1]), "height": int(sr.shape[0]),
            "scale": int(sidecar["scale"]), "io": sidecar["input"]["dtype"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PIL import Image

    from keras_sr.export import TFLiteModel, export_tflite, read_sidecar

    model, lr = train_tiny_espcn()
    image = test_image()
    Image.fromarray(image).save(out / "input.png")
    reference = _tiling_reference()
    cases = []
    for name, kwargs in [("espcn_f32", {}),
                         ("espcn_int8", {"quantize": "int8-ptq", "io": "uint8",
                                         "representative_data": lr[:64, :TILE, :TILE]})]:
        path = export_tflite(model, out / f"{name}.tflite", input_size=(TILE, TILE), **kwargs)
        sidecar = read_sidecar(path)
        tile, overlap = sidecar_tiling(sidecar)
        runner = TFLiteModel(path)
        sr = reference.upscale_tiled(image.astype(np.float32) / 255.0, SCALE, tile, overlap,
                                     lambda patch: runner(patch[None])[0], fixed_size=True)
        expected = np.floor(np.clip(sr, 0, 1) * 255.0 + 0.5).astype(np.uint8)
        (out / f"{name}.expected.bin").write_bytes(expected.tobytes())
        cases.append({"name": name, "model": path.name, "sidecar": path.with_suffix(".json").name,
                      "image": "input.png", "expected": f"{name}.expected.bin",
                      "width": int(expected.shape[1]), "height": int(expected.shape[0]),
                      "tile": tile, "overlap": overlap, "io": sidecar["input"]["dtype"]})
    cases.append(builtin_case(out))
    (out / "cases.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
