"""Tests of keras_sr.image.io: formats, bit depths, alpha, palette, EXIF, errors."""

import os
import stat
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from keras_sr.image.io import (AlphaFlattenedWarning, ImageReadError, LossyImageWarning,
                               atomic_path, atomic_write_text, check_lossless, image_mode, is_lossy, list_images, read_image,
                               warn_if_lossy, write_image)


def _write_png16(path, array):
    """Minimal 16-bit PNG encoder (Pillow cannot write 16-bit colour PNG)."""
    array = np.asarray(array, dtype=">u2")
    height, width = array.shape[:2]
    colour_type = {1: 0, 3: 2, 4: 6}[1 if array.ndim == 2 else array.shape[2]]
    raw = b"".join(b"\x00" + array[i].tobytes() for i in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def rgb8(rng):
    return rng.integers(0, 256, size=(12, 17, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".webp"])
def test_lossless_round_trip(tmp_path, rgb8, suffix):
    path = write_image(tmp_path / f"a{suffix}", rgb8)
    out = read_image(path)
    assert out.dtype == np.float32 and out.shape == (12, 17, 3)
    np.testing.assert_array_equal(np.round(out * 255).astype(np.uint8), rgb8)
    assert not is_lossy(path)


def test_write_float_rounds_and_clips(tmp_path):
    values = np.array([[[-0.2, 0.5, 1.7], [0.1, 0.2, 0.3]]], dtype=np.float32)
    out = read_image(write_image(tmp_path / "f.png", values))
    expected = np.round(np.clip(values, 0, 1) * 255) / 255
    np.testing.assert_allclose(out, expected, atol=1e-7)


def test_write_creates_parents_atomically(tmp_path, rgb8):
    path = tmp_path / "x" / "y" / "z.png"
    write_image(path, rgb8)
    write_image(path, rgb8[::-1])  # replaces the file in place
    assert sorted(p.name for p in path.parent.iterdir()) == ["z.png"]
    np.testing.assert_array_equal(np.round(read_image(path) * 255), rgb8[::-1])


def test_write_accepts_batch_of_one_and_grey(tmp_path, rgb8):
    write_image(tmp_path / "b.png", rgb8[None])
    write_image(tmp_path / "g.png", rgb8[..., :1])
    assert read_image(tmp_path / "b.png").shape == (12, 17, 3)
    assert read_image(tmp_path / "g.png", mode=None).shape == (12, 17, 1)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, 4, 5), np.float32), "shape"),
    (np.full((4, 4, 3), np.nan, np.float32), "NaN"),
    (np.zeros((4, 4, 3), np.int64), "dtype"),
])
def test_write_rejects_bad_arrays(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        write_image(tmp_path / "bad.png", bad)


def test_write_rejects_lossy_suffix(tmp_path, rgb8):
    with pytest.raises(ValueError, match="jpg"):
        write_image(tmp_path / "a.jpg", rgb8)


def test_jpeg_reads_close_and_is_lossy(tmp_path, rgb8):
    smooth = np.repeat(np.repeat(rgb8[:3, :4], 8, 0), 8, 1)
    Image.fromarray(smooth).save(tmp_path / "a.jpg", quality=95)
    out = read_image(tmp_path / "a.jpg")
    assert out.shape == smooth.shape
    assert np.abs(out * 255 - smooth).mean() < 6
    assert is_lossy(tmp_path / "a.jpg")


def test_webp_lossy_and_lossless_detected(tmp_path, rgb8):
    Image.fromarray(rgb8).save(tmp_path / "lossy.webp", quality=80)
    Image.fromarray(rgb8).save(tmp_path / "lossless.webp", lossless=True)
    Image.fromarray(np.dstack([rgb8, rgb8[..., :1]])).save(tmp_path / "alpha.webp", quality=80)
    assert is_lossy(tmp_path / "lossy.webp")
    assert is_lossy(tmp_path / "alpha.webp")
    assert not is_lossy(tmp_path / "lossless.webp")


def test_check_lossless_warns_only_for_lossy(tmp_path, rgb8):
    write_image(tmp_path / "a.png", rgb8)
    Image.fromarray(rgb8).save(tmp_path / "b.jpg")
    with pytest.warns(LossyImageWarning, match="b.jpg"):
        lossy = check_lossless([tmp_path / "a.png", tmp_path / "b.jpg"])
    assert lossy == [tmp_path / "b.jpg"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_lossless([tmp_path / "a.png"]) == []
        assert warn_if_lossy(tmp_path / "a.png") is False


def test_16bit_grey_png_divides_by_65535(tmp_path):
    values = np.array([[0, 1, 257, 65535], [1000, 30000, 40000, 65534]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")
    out = read_image(tmp_path / "g16.png", mode=None)
    assert out.shape == (2, 4, 1)
    np.testing.assert_allclose(out[..., 0], values / 65535.0, rtol=0, atol=1e-7)


@pytest.mark.parametrize("channels", [3, 4])
def test_16bit_colour_png_keeps_16_bits(tmp_path, rng, channels):
    values = rng.integers(0, 65536, size=(5, 6, channels)).astype(np.uint16)
    if channels == 4:
        values[..., 3] = 65535  # opaque, so compositing leaves the colour unchanged
    _write_png16(tmp_path / "c16.png", values)
    out = read_image(tmp_path / "c16.png")
    np.testing.assert_allclose(out, values[..., :3] / 65535.0, rtol=0, atol=1e-7)


def test_16bit_colour_tiff_keeps_16_bits(tmp_path, rng):
    tifffile = pytest.importorskip("tifffile")
    values = rng.integers(0, 65536, size=(5, 6, 3)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "c16.tif", values, photometric="rgb")
    out = read_image(tmp_path / "c16.tif")
    np.testing.assert_allclose(out, values / 65535.0, rtol=0, atol=1e-7)


def test_grey_modes(tmp_path, rgb8):
    grey = rgb8[..., 0]
    write_image(tmp_path / "g.png", grey)
    rgb = read_image(tmp_path / "g.png")
    assert rgb.shape == (12, 17, 3)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])
    np.testing.assert_allclose(read_image(tmp_path / "g.png", mode="L")[..., 0], grey / 255.0,
                               atol=1e-7)
    y = read_image(tmp_path / "g.png", mode="Y")[..., 0]
    np.testing.assert_allclose(y, (16 + 219 * (grey / 255.0)) / 255.0, atol=1e-6)


def test_rgb_to_l_and_y(tmp_path, rgb8):
    write_image(tmp_path / "c.png", rgb8)
    x = rgb8.astype(np.float64) / 255.0
    luma = x @ [0.299, 0.587, 0.114]
    y = (16 + x @ [65.481, 128.553, 24.966]) / 255.0
    np.testing.assert_allclose(read_image(tmp_path / "c.png", mode="L")[..., 0], luma, atol=1e-6)
    np.testing.assert_allclose(read_image(tmp_path / "c.png", mode="Y")[..., 0], y, atol=1e-6)


def test_rgba_composited_or_dropped(tmp_path):
    rgba = np.array([[[255, 0, 0, 0], [255, 0, 0, 255], [0, 0, 0, 51]]], dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    with pytest.warns(AlphaFlattenedWarning, match=r"a\.png.*white.*alpha='keep'"):
        white = read_image(tmp_path / "a.png")
    np.testing.assert_allclose(white[0, 0], [1, 1, 1], atol=1e-7)   # transparent -> white
    np.testing.assert_allclose(white[0, 1], [1, 0, 0], atol=1e-7)   # opaque kept
    np.testing.assert_allclose(white[0, 2], [0.8, 0.8, 0.8], atol=1e-6)  # 20% black on white
    with pytest.warns(AlphaFlattenedWarning, match="black"):
        black = read_image(tmp_path / "a.png", alpha="black")
    np.testing.assert_allclose(black[0, 0], [0, 0, 0], atol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dropped = read_image(tmp_path / "a.png", alpha="drop")
    np.testing.assert_allclose(dropped[0, 0], [1, 0, 0], atol=1e-7)


def test_opaque_alpha_flattens_silently(tmp_path, rgb8):
    opaque = np.dstack([rgb8, np.full(rgb8.shape[:2], 255, np.uint8)])
    write_image(tmp_path / "o.png", opaque)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = read_image(tmp_path / "o.png")
    np.testing.assert_array_equal(np.round(out * 255), rgb8)


@pytest.mark.parametrize("mode", ["RGB", "L", None])
def test_alpha_keep_returns_it_separately(tmp_path, rgb8, mode):
    alpha = np.arange(12 * 17, dtype=np.uint8).reshape(12, 17)
    write_image(tmp_path / "k.png", np.dstack([rgb8, alpha]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image, opacity = read_image(tmp_path / "k.png", mode=mode, alpha="keep")
    assert image.shape == (12, 17, 1 if mode == "L" else 3)
    assert opacity.dtype == np.float32 and opacity.shape == (12, 17, 1)
    np.testing.assert_array_equal(np.round(opacity[..., 0] * 255), alpha)
    if mode != "L":
        np.testing.assert_array_equal(np.round(image * 255), rgb8)  # colour not composited
    # Written back with its alpha, the file is the same.
    write_image(tmp_path / "back.png", np.concatenate([image, opacity], -1))
    with Image.open(tmp_path / "back.png") as back:
        assert back.mode == ("LA" if mode == "L" else "RGBA")
        if mode != "L":
            np.testing.assert_array_equal(np.asarray(back), np.dstack([rgb8, alpha]))


def test_alpha_keep_without_alpha_gives_none(tmp_path, rgb8):
    write_image(tmp_path / "n.png", rgb8)
    image, opacity = read_image(tmp_path / "n.png", alpha="keep")
    assert opacity is None
    np.testing.assert_array_equal(np.round(image * 255), rgb8)


def test_grey_alpha_keep(tmp_path, rgb8):
    Image.fromarray(np.dstack([rgb8[..., 0], rgb8[..., 1]]), "LA").save(tmp_path / "la.png")
    image, opacity = read_image(tmp_path / "la.png", mode=None, alpha="keep")
    assert image.shape == (12, 17, 1)
    np.testing.assert_array_equal(np.round(image[..., 0] * 255), rgb8[..., 0])
    np.testing.assert_array_equal(np.round(opacity[..., 0] * 255), rgb8[..., 1])


def test_image_mode_reports_grey_colour_and_alpha(tmp_path, rgb8):
    grey = rgb8[..., 0]
    cases = {
        "l.png": Image.fromarray(grey),
        "la.png": Image.fromarray(np.dstack([grey, grey]), "LA"),
        "rgb.png": Image.fromarray(rgb8),
        "rgba.png": Image.fromarray(np.dstack([rgb8, grey]), "RGBA"),
        "p.png": Image.fromarray(rgb8).quantize(colors=8),
        "g.jpg": Image.fromarray(grey),
        "bw.png": Image.fromarray(grey > 127),
    }
    for name, image in cases.items():
        image.save(tmp_path / name)
    Image.fromarray(rgb8).quantize(colors=8).save(tmp_path / "pt.png", transparency=0)
    _write_png16(tmp_path / "g16.png", grey.astype(np.uint16) * 257)
    expected = {"l.png": "L", "la.png": "LA", "rgb.png": "RGB", "rgba.png": "RGBA",
                "p.png": "RGB", "pt.png": "RGBA", "g.jpg": "L", "bw.png": "L", "g16.png": "L"}
    for name, mode in expected.items():
        assert image_mode(tmp_path / name) == mode, name
        channels = read_image(tmp_path / name, mode=None, alpha="drop").shape[-1]
        assert channels == (1 if mode in ("L", "LA") else 3), name
    with pytest.raises(FileNotFoundError, match="none.png"):
        image_mode(tmp_path / "none.png")
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(ImageReadError, match="text.png"):
        image_mode(tmp_path / "text.png")


def test_written_files_get_the_usual_mode(tmp_path, rgb8):
    previous = os.umask(0o022)
    try:
        path = write_image(tmp_path / "m.png", rgb8)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        os.umask(0o077)
        assert stat.S_IMODE(os.stat(write_image(tmp_path / "n.png", rgb8)).st_mode) == 0o600
        # Replacing a file keeps its permissions.
        os.chmod(path, 0o640)
        write_image(path, rgb8[::-1])
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    finally:
        os.umask(previous)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png", "n.png"]


def test_palette_images(tmp_path, rgb8):
    image = Image.fromarray(rgb8).quantize(colors=16)
    image.save(tmp_path / "p.png")
    expected = np.asarray(image.convert("RGB"), dtype=np.float32) / 255
    np.testing.assert_allclose(read_image(tmp_path / "p.png"), expected, atol=1e-7)
    image.info["transparency"] = 0
    image.save(tmp_path / "pt.png", transparency=0)
    with pytest.warns(AlphaFlattenedWarning):
        out = read_image(tmp_path / "pt.png")
    index = np.asarray(image)
    np.testing.assert_allclose(out[index == 0], 1.0, atol=1e-7)  # transparent index -> white
    np.testing.assert_allclose(out[index != 0], expected[index != 0], atol=1e-7)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow(tmp_path, rgb8, orientation):
    image = Image.fromarray(rgb8)
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(tmp_path / "o.png", exif=exif.tobytes())
    with Image.open(tmp_path / "o.png") as opened:
        expected = np.asarray(ImageOps.exif_transpose(opened).convert("RGB")) / 255.0
    out = read_image(tmp_path / "o.png")
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, atol=1e-7)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.png"):
        read_image(tmp_path / "nothere.png")


def test_not_an_image(tmp_path):
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(ImageReadError, match="text.png"):
        read_image(tmp_path / "text.png")


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_file(tmp_path, rng, suffix):
    noise = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / f"full{suffix}")
    data = (tmp_path / f"full{suffix}").read_bytes()
    (tmp_path / f"cut{suffix}").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=f"cut\\{suffix}.*(truncated|corrupt)"):
        read_image(tmp_path / f"cut{suffix}")


def test_corrupt_data(tmp_path, rgb8):
    write_image(tmp_path / "a.png", rgb8)
    data = bytearray((tmp_path / "a.png").read_bytes())
    data[60:80] = b"\x00" * 20  # inside the compressed pixel data
    (tmp_path / "bad.png").write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match="bad.png"):
        read_image(tmp_path / "bad.png")
    assert issubclass(ImageReadError, ValueError)


def test_bad_arguments(tmp_path, rgb8):
    path = write_image(tmp_path / "a.png", rgb8)
    with pytest.raises(ValueError, match="mode"):
        read_image(path, mode="CMYK")
    with pytest.raises(ValueError, match="alpha"):
        read_image(path, alpha="grey")


def test_list_images(tmp_path, rgb8):
    for name in ["b.PNG", "a.jpg", "c.webp", ".hidden.png", "notes.txt"]:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.bmp").write_bytes(b"")
    assert [p.name for p in list_images(tmp_path)] == ["a.jpg", "b.PNG", "c.webp"]
    assert [p.name for p in list_images(tmp_path, recursive=True)] == [
        "a.jpg", "b.PNG", "c.webp", "d.bmp"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        list_images(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="missing"):
        list_images(tmp_path / "missing")



def test_grey_with_alpha_cannot_be_bmp(tmp_path):
    with pytest.raises(ValueError, match=r"BMP cannot store grey with alpha.*\.png"):
        write_image(tmp_path / "la.bmp", np.zeros((4, 4, 2), np.float32))


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "state.json"
    atomic_write_text(target, "old")
    with pytest.raises(TypeError):
        atomic_write_text(target, object())  # fails while writing the temporary file
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_atomic_path_keeps_suffixes_mode_and_replaces_in_one_rename(tmp_path):
    target = tmp_path / "sub" / "best.weights.h5"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.endswith(".tmp.weights.h5")
        assert tmp.name.startswith(".best.") and not target.exists()
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    os.chmod(target, 0o640)
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"newer")
    assert target.read_bytes() == b"newer"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # the replaced file's mode
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"newer"
    assert [p.name for p in target.parent.iterdir()] == ["best.weights.h5"]
