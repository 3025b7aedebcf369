"""Writes the golden fixtures that the Kotlin core's JUnit tests compare against.

The Python side is the reference: pixel <-> tensor conversion with TFLite quantization,
the tile layout and the overlap blending are written here in numpy, independently of the
Kotlin code, and their outputs for small fixed inputs are stored as JSON under
``android_demo/core/src/test/resources/golden/``. Running the script twice gives
byte-identical files (tests/demos/test_android_core.py checks it).

Y-channel models (``conversion.json``, key ``ycbcr``): the colour conversions are
keras_sr's own (``keras_sr.image.color.rgb_to_ycbcr`` / ``ycbcr_to_rgb``, on float64
input), the chroma upscale is the web demo's bicubic (``sr_core.js`` ``bicubicUpscale``:
Keys a = -0.5, edge clamped), written here in numpy and checked against
``keras_sr.image.resize.imresize_numpy`` away from the borders. That part imports
keras_sr, so run it where keras_sr is installed, with the TensorFlow backend (the default;
tests/demos run on it).

Usage: python android_demo/core/make_golden.py [--out DIR]
"""

import argparse
import json
import os
from pathlib import Path

import numpy as np

GOLDEN_DIR = Path(__file__).resolve().parent / "src" / "test" / "resources" / "golden"


# ---------------------------------------------------------------- pixel conversion
def argb_to_float(argb, height, width):
    """ARGB ints (row-major, Android Bitmap.getPixels layout) -> float32 HxWx3 in [0, 1]."""
    argb = np.asarray(argb, dtype=np.int64) & 0xFFFFFFFF
    rgb = np.stack([(argb >> 16) & 255, (argb >> 8) & 255, argb & 255], axis=-1)
    return (rgb.astype(np.float32) / np.float32(255.0)).reshape(height, width, 3)


def round_half_away(x):
    """Rounds half away from zero, the rule TFLite's quantize kernels use."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize(values, scale, zero_point, dtype):
    """float -> uint8/int8 with q = clamp(round(x / scale) + zero_point)."""
    low, high = (0, 255) if dtype == "uint8" else (-128, 127)
    q = round_half_away(np.asarray(values, np.float64) / scale) + zero_point
    return np.clip(q, low, high).astype(np.int64)


def dequantize(q, scale, zero_point):
    """uint8/int8 -> float32: (q - zero_point) * scale."""
    return ((np.asarray(q, np.float64) - zero_point) * scale).astype(np.float32)


def float_to_argb(values):
    """float HxWx3 -> opaque ARGB ints, channel = floor(clip(x, 0, 1) * 255 + 0.5)."""
    v = np.clip(np.asarray(values, np.float64), 0.0, 1.0)
    c = np.floor(v * 255.0 + 0.5).astype(np.int64)
    argb = (255 << 24) | (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]
    return np.where(argb >= 2**31, argb - 2**32, argb).reshape(-1)  # as Kotlin Int


# ---------------------------------------------------------------- tiling
def tile_starts(length, tile, overlap):
    """Start offsets of tiles of size `tile` covering [0, length), `overlap` pixels shared.

    Tiles advance by ``tile - overlap``; the last one is moved back to end exactly at
    ``length`` (so it may overlap more). A length <= tile gives the single start 0.
    """
    if tile <= 0 or overlap < 0 or 2 * overlap >= tile:
        raise ValueError(f"need tile > 0 and 0 <= overlap < tile / 2, got tile={tile}, overlap={overlap}")
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def ramp_weights(starts, extent, length, scale):
    """Per-tile 1-D output weights: linear ramps over the overlaps, 1 elsewhere."""
    weights = []
    for k, start in enumerate(starts):
        w = np.ones(extent * scale, np.float64)
        if k > 0:
            ramp = (starts[k - 1] + extent - start) * scale
            w[:ramp] = np.minimum(w[:ramp], (np.arange(ramp) + 0.5) / ramp)
        if k < len(starts) - 1:
            ramp = (start + extent - starts[k + 1]) * scale
            w[extent * scale - ramp:] = np.minimum(
                w[extent * scale - ramp:], (np.arange(ramp)[::-1] + 0.5) / ramp)
        weights.append(w)
    return weights


def upscale_tiled(image, scale, tile, overlap, model, fixed_size):
    """Tiled upscaling with linear-ramp blending (numpy reference).

    Args:
        image: float32 HxWxC.
        scale: int upscaling factor of `model`.
        tile: tile side in input pixels.
        overlap: input pixels shared by neighbouring tiles.
        model: function float32 (h, w, C) -> (h*scale, w*scale, C).
        fixed_size: True when the model only takes tile x tile inputs: smaller images are
            padded by edge replication and the padded output is cropped.
    Returns:
        float32 (H*scale, W*scale, C).
    """
    height, width, channels = image.shape
    ys, xs = tile_starts(height, tile, overlap), tile_starts(width, tile, overlap)
    th, tw = min(tile, height), min(tile, width)
    wy, wx = ramp_weights(ys, th, height, scale), ramp_weights(xs, tw, width, scale)
    out = np.zeros((height * scale, width * scale, channels), np.float64)
    norm = np.zeros((height * scale, width * scale, 1), np.float64)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            patch = image[y:y + th, x:x + tw]
            if fixed_size and (th < tile or tw < tile):
                patch = np.pad(patch, ((0, tile - th), (0, tile - tw), (0, 0)), mode="edge")
            sr = np.asarray(model(patch), np.float64)[: th * scale, : tw * scale]
            weight = np.outer(wy[i], wx[j])[..., None]
            out[y * scale:(y + th) * scale, x * scale:(x + tw) * scale] += sr * weight
            norm[y * scale:(y + th) * scale, x * scale:(x + tw) * scale] += weight
    return (out / norm).astype(np.float32)


def box3_nearest(scale):
    """Fake model for tests: 3x3 mean (edge replicated) then nearest-neighbour upscale.

    Its output near a tile's border differs from the whole-image result, so the blending
    weights matter; no TFLite runtime is needed to run it.
    """
    def model(patch):
        p = np.pad(np.asarray(patch, np.float64), ((1, 1), (1, 1), (0, 0)), mode="edge")
        h, w = patch.shape[:2]
        mean = sum(p[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9.0
        return np.repeat(np.repeat(mean, scale, axis=0), scale, axis=1)
    return model


def nearest(scale):
    """Fake model: nearest-neighbour upscale (translation equivariant, no border effect)."""
    return lambda patch: np.repeat(np.repeat(np.asarray(patch), scale, axis=0), scale, axis=1)


# ---------------------------------------------------------------- Y-channel models
def bicubic_kernel(t):
    """Keys cubic convolution kernel, a = -0.5 (MATLAB's ``cubic``)."""
    a = -0.5
    t = np.abs(np.asarray(t, np.float64))
    near = (a + 2) * t**3 - (a + 3) * t**2 + 1
    far = a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def bicubic_matrix(in_len, scale):
    """(in_len * scale, in_len) matrix of the web demo's 1-D bicubic upscale.

    Output sample o is centred at (o + 0.5) / scale - 0.5 input pixels; its four taps
    floor(centre) - 1 ... floor(centre) + 2 are clamped to [0, in_len) (edge replication).
    """
    out_len = in_len * scale
    centre = (np.arange(out_len) + 0.5) / scale - 0.5
    left = np.floor(centre).astype(np.int64) - 1
    matrix = np.zeros((out_len, in_len), np.float64)
    for k in range(4):
        np.add.at(matrix, (np.arange(out_len), np.clip(left + k, 0, in_len - 1)),
                  bicubic_kernel(centre - (left + k)))
    return matrix


def bicubic_upscale(image, scale):
    """HxWxC -> (H*scale)x(W*scale)xC, float64, as sr_core.js ``bicubicUpscale``."""
    image = np.asarray(image, np.float64)
    rows = bicubic_matrix(image.shape[0], scale)
    cols = bicubic_matrix(image.shape[1], scale)
    return np.einsum("ij,jkc,lk->ilc", rows, image, cols)


def bicubic_interior(in_len, scale):
    """[start, end) of the outputs whose four taps all lie inside [0, in_len)."""
    centre = (np.arange(in_len * scale) + 0.5) / scale - 0.5
    left = np.floor(centre).astype(np.int64) - 1
    inside = np.flatnonzero((left >= 0) & (left + 3 <= in_len - 1))
    return [int(inside[0]), int(inside[-1]) + 1]


def ycbcr_to_rgb_bt601(ycbcr):
    """sr_core.js ``mergeY``'s inverse: BT.601 1.402 / 0.344136 / 0.714136 / 1.772."""
    ycbcr = np.asarray(ycbcr, np.float64)
    luma = (ycbcr[..., 0] * 255 - 16) / 219
    cb = (ycbcr[..., 1] - 128 / 255) * 255 / 224
    cr = (ycbcr[..., 2] - 128 / 255) * 255 / 224
    return np.stack([luma + 1.402 * cr, luma - 0.344136 * cb - 0.714136 * cr, luma + 1.772 * cb], -1)


def _keras_sr_colour():
    """keras_sr's colour and resize functions (TensorFlow backend unless one is set)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from keras import ops

    from keras_sr.image.color import rgb_to_ycbcr, ycbcr_to_rgb
    from keras_sr.image.resize import imresize_numpy

    def to_ycbcr(rgb):
        return np.asarray(ops.convert_to_numpy(rgb_to_ycbcr(np.asarray(rgb, np.float64))), np.float64)

    def to_rgb(ycbcr):
        return np.asarray(ops.convert_to_numpy(ycbcr_to_rgb(np.asarray(ycbcr, np.float64))), np.float64)

    return to_ycbcr, to_rgb, imresize_numpy


def upscale_luma(image, scale, tile, overlap, model, fixed_size, to_ycbcr, to_rgb):
    """Y-model path of keras_sr.inference.upscale_array with the web demo's chroma resize."""
    ycbcr = to_ycbcr(image)
    sr_y = upscale_tiled(ycbcr[..., :1].astype(np.float32), scale, tile, overlap, model, fixed_size)
    chroma = bicubic_upscale(ycbcr[..., 1:].astype(np.float32), scale)
    return to_rgb(np.concatenate([np.asarray(sr_y, np.float64), chroma], -1))


def ycbcr_fixture():
    """RGB <-> YCbCr of fixed pixels, a chroma upscale and a whole Y-model upscale."""
    to_ycbcr, to_rgb, imresize_numpy = _keras_sr_colour()
    height, width = 4, 6
    argb = fixed_pixels(height, width, seed=11).reshape(height, width)
    primaries = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128)]
    for j, (r, g, b) in enumerate(primaries):
        argb[1, j] = np.int64((255 << 24) | (r << 16) | (g << 8) | b) - 2**32
    argb = argb.reshape(-1)
    rgb = argb_to_float(argb, height, width)
    ycbcr = to_ycbcr(rgb)
    back = to_rgb(ycbcr.astype(np.float32))
    # a model's Y differs from the input's: out-of-range Y gives RGB outside [0, 1]
    edited = ycbcr.astype(np.float32).copy()
    edited[..., 0] = np.linspace(0.0, 1.0, height * width, dtype=np.float32).reshape(height, width)
    rgb_edited = to_rgb(edited)
    assert np.abs(ycbcr_to_rgb_bt601(edited) - rgb_edited).max() < 1e-5
    assert np.array_equal(float_to_argb(ycbcr_to_rgb_bt601(edited)), float_to_argb(rgb_edited)), \
        "an 8-bit value sits on a rounding tie between keras_sr's inverse and BT.601's: change the pixels"

    rng = np.random.default_rng(5)
    c_height, c_width, c_scale = 5, 7, 3
    chroma = (rng.integers(16, 241, (c_height, c_width, 2)) / 255.0).astype(np.float32)
    chroma_up = bicubic_upscale(chroma, c_scale)
    matlab = imresize_numpy(chroma, scale=c_scale)
    iy, ix = bicubic_interior(c_height, c_scale), bicubic_interior(c_width, c_scale)
    assert np.abs(chroma_up - matlab)[iy[0]:iy[1], ix[0]:ix[1]].max() < 1e-9, "interior differs from imresize"

    p_height, p_width, p_scale, tile, overlap = 9, 11, 3, 6, 2
    p_argb = fixed_pixels(p_height, p_width, seed=13)
    p_rgb = argb_to_float(p_argb, p_height, p_width)
    sr = upscale_luma(p_rgb, p_scale, tile, overlap, box3_nearest(p_scale), True, to_ycbcr, to_rgb)
    return {
        "height": height, "width": width, "argb": _ints(argb),
        "ycbcr": _floats(ycbcr), "rgb_back": _floats(back), "argb_back": _ints(float_to_argb(back)),
        "ycbcr_edited": _floats(edited), "rgb_edited": _floats(rgb_edited),
        "argb_edited": _ints(float_to_argb(rgb_edited)),
        "chroma": {"height": c_height, "width": c_width, "channels": 2, "scale": c_scale,
                   "input": _floats(chroma), "expected": _floats(chroma_up),
                   "imresize": _floats(matlab), "interior_y": iy, "interior_x": ix},
        "pipeline": {"height": p_height, "width": p_width, "scale": p_scale, "tile": tile,
                     "overlap": overlap, "fixed_size": True, "model": "box3_nearest",
                     "argb": _ints(p_argb), "expected": _floats(sr),
                     "expected_argb": _ints(float_to_argb(sr))},
    }


# ---------------------------------------------------------------- fixtures
def _floats(array):
    return [float(np.float32(v)) for v in np.asarray(array, np.float32).reshape(-1)]


def _ints(array):
    return [int(v) for v in np.asarray(array).reshape(-1)]


def fixed_pixels(height, width, seed):
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, size=(height, width, 3))
    rgb[0, 0] = (0, 0, 0)
    rgb[0, 1] = (255, 255, 255)
    alpha = np.full((height, width), 255)
    alpha[0, 2] = 17  # alpha must be ignored on input
    argb = (alpha << 24) | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    return np.where(argb >= 2**31, argb - 2**32, argb).reshape(-1)


def conversion_fixture():
    height, width = 3, 4
    argb = fixed_pixels(height, width, seed=1)
    image = argb_to_float(argb, height, width)
    quant_cases = [
        {"dtype": "uint8", "scale": 1.0 / 255.0, "zero_point": 0},
        {"dtype": "int8", "scale": 1.0 / 255.0, "zero_point": -128},
        {"dtype": "int8", "scale": 0.0078125, "zero_point": 3},
        {"dtype": "uint8", "scale": 0.0123, "zero_point": 17},
    ]
    cases = []
    for case in quant_cases:
        q = quantize(image, case["scale"], case["zero_point"], case["dtype"])
        cases.append(dict(case, quantized=_ints(q),
                          dequantized=_floats(dequantize(q, case["scale"], case["zero_point"]))))
    out = np.linspace(-0.1, 1.1, height * width * 3, dtype=np.float32).reshape(height, width, 3)
    out[0, 0] = (0.5 / 255, 1.5 / 255, 254.5 / 255)  # rounding ties
    return {
        "height": height, "width": width, "argb": _ints(argb),
        "float": _floats(image), "quant": cases,
        "output_float": _floats(out), "output_argb": _ints(float_to_argb(out)),
        "ycbcr": ycbcr_fixture(),
    }


def tiles_fixture():
    cases = []
    for length, tile, overlap in [(10, 4, 1), (64, 32, 8), (65, 32, 8), (7, 16, 4),
                                  (16, 16, 4), (100, 48, 12), (33, 10, 0), (5, 3, 1)]:
        cases.append({"length": length, "tile": tile, "overlap": overlap,
                      "starts": tile_starts(length, tile, overlap)})
    return {"cases": cases}


def blend_fixture():
    cases = []
    rng = np.random.default_rng(7)
    for name, (height, width, scale, tile, overlap, fixed, model) in {
        "box3_13x10_x2_t6_o2": (13, 10, 2, 6, 2, False, "box3_nearest"),
        "box3_9x17_x3_t8_o3_fixed": (9, 17, 3, 8, 3, True, "box3_nearest"),
        "box3_5x4_x2_t8_o2_fixed": (5, 4, 2, 8, 2, True, "box3_nearest"),
        "nearest_11x12_x2_t5_o1": (11, 12, 2, 5, 1, False, "nearest"),
    }.items():
        image = (rng.integers(0, 256, (height, width, 3)) / 255.0).astype(np.float32)
        fn = box3_nearest(scale) if model == "box3_nearest" else nearest(scale)
        sr = upscale_tiled(image, scale, tile, overlap, fn, fixed)
        cases.append({"name": name, "height": height, "width": width, "channels": 3,
                      "scale": scale, "tile": tile, "overlap": overlap,
                      "fixed_size": fixed, "model": model,
                      "input": _floats(image), "expected": _floats(sr)})
    return {"cases": cases}


def sidecar_fixture():
    """Sidecars as keras_sr.export.sidecar.build_sidecar writes them, and what to read.

    keras_sr's ``tile`` is ``{"size": core, "overlap": margin}`` with the model seeing
    ``core + 2 * margin`` pixels; the demos' tiling works on model-input tiles sharing
    ``2 * margin`` pixels, so tile = size + 2 * overlap and overlap = 2 * margin (a
    fixed-size model's own input size wins).
    """
    return {"cases": [
        {"json": {"format_version": 1, "file": "espcn_x3_int8.tflite", "model": "espcn",
                  "scale": 3, "channels": 3, "colour_space": "RGB", "quantize": "int8-ptq",
                  "input_size": [64, 64], "dynamic_size": False,
                  "input": {"name": "serving_default_lr:0", "dtype": "uint8",
                            "shape": [1, 64, 64, 3], "quant_scale": 0.003921568859368563,
                            "quant_zero_point": 0, "value_range": [0, 255]},
                  "output": {"name": "StatefulPartitionedCall:0", "dtype": "uint8",
                             "shape": [1, 192, 192, 3], "quant_scale": 0.0078125,
                             "quant_zero_point": 3, "value_range": [0, 255]},
                  "receptive_radius": 4,
                  "tile": {"size": 56, "overlap": 4, "units": "LR pixels"},
                  "notes": ["a \"quoted\" \\ text", None, True]},
         "expected": {"scale": 3, "channels": 3, "color_space": "rgb", "input_dtype": "uint8",
                      "input_scale": 0.003921568859368563, "input_zero_point": 0,
                      "output_dtype": "uint8", "output_scale": 0.0078125,
                      "output_zero_point": 3, "tile": 64, "overlap": 8,
                      "input_height": 64, "input_width": 64}},
        {"json": {"format_version": 1, "model": "fsrcnn", "scale": 2, "channels": 1,
                  "colour_space": "Y (ITU-R BT.601, [16, 235] / 255)", "quantize": "none",
                  "input_size": None, "dynamic_size": True,
                  "input": {"name": "lr", "dtype": "float32", "shape": [1, None, None, 1],
                            "quant_scale": None, "quant_zero_point": None},
                  "output": {"name": "sr", "dtype": "float32", "shape": [1, None, None, 1],
                             "quant_scale": None, "quant_zero_point": None},
                  "tile": {"size": 128, "overlap": 6}, "extra": {"nested": [1.5e-3, -2, "\u00e9"]}},
         "expected": {"scale": 2, "channels": 1, "color_space": "y", "input_dtype": "float32",
                      "input_scale": 1.0, "input_zero_point": 0, "output_dtype": "float32",
                      "output_scale": 1.0, "output_zero_point": 0, "tile": 140, "overlap": 12,
                      "input_height": -1, "input_width": -1}},
        {"json": {"scale": 4, "channels": 3, "input_dtype": "int8", "input_scale": 0.5,
                  "input_zero_point": -1, "output_dtype": "float32"},
         "expected": {"scale": 4, "channels": 3, "color_space": "rgb", "input_dtype": "int8",
                      "input_scale": 0.5, "input_zero_point": -1, "output_dtype": "float32",
                      "output_scale": 1.0, "output_zero_point": 0, "tile": 64, "overlap": 8,
                      "input_height": -1, "input_width": -1}},
    ]}


def write_all(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fixtures = {"conversion.json": conversion_fixture(), "tiles.json": tiles_fixture(),
                "blend.json": blend_fixture(), "sidecar.json": sidecar_fixture()}
    for name, content in fixtures.items():
        (out_dir / name).write_text(json.dumps(content, sort_keys=True, separators=(",", ":")) + "\n")
    return sorted(out_dir / name for name in fixtures)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(GOLDEN_DIR), help="output folder")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
