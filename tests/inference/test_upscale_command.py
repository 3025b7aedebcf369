"""``keras-sr upscale``: paths checked first, greyscale and alpha kept, tiles when big."""

import argparse

import numpy as np
import pytest
from PIL import Image

from keras_sr.commands import upscale as command
from keras_sr.image.io import read_image
from keras_sr.image.resize import imresize


def _run(argv):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


ESPCN = ["--model", "espcn", "--scale", "3", "--channels", "1"]


@pytest.fixture()
def images(tmp_path):
    rng = np.random.default_rng(0)
    rgba = (rng.uniform(0, 1, (20, 24, 4)) * 255).astype("uint8")
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    grey = (rng.uniform(0, 1, (20, 24)) * 255).astype("uint8")
    Image.fromarray(grey, "L").save(tmp_path / "grey.png")
    Image.fromarray(np.full((1, 1, 3), [50, 150, 220], "uint8")).save(tmp_path / "one.png")
    return tmp_path, rgba


def test_output_is_checked_before_any_work(images, monkeypatch):
    folder, _ = images
    monkeypatch.setattr(command, "_load", None)  # loading a model would fail
    source = str(folder / "one.png")
    with pytest.raises(ValueError, match="is the input file; pass --overwrite"):
        _run([source, source] + ESPCN)
    with pytest.raises(ValueError, match="unsupported extension '.jpg'"):
        _run([source, str(folder / "out.jpg")] + ESPCN)
    (folder / "file").write_text("")
    with pytest.raises(PermissionError, match="cannot write in folder"):
        _run([source, str(folder / "file" / "out.png")] + ESPCN)
    with pytest.raises(FileNotFoundError, match="no such input image"):
        _run([str(folder / "missing.png"), str(folder / "out.png")] + ESPCN)
    with pytest.raises(ValueError, match="--scale must be a positive integer"):
        _run([source, str(folder / "out.png"), "--model", "espcn", "--scale", "0"])


def test_one_pixel_keeps_its_colour(images):
    folder, _ = images
    assert _run([str(folder / "one.png"), str(folder / "out.png")] + ESPCN) == 0
    out = np.asarray(Image.open(folder / "out.png"))
    assert out.shape == (3, 3, 3)
    assert np.abs(out.astype(int) - [50, 150, 220]).max() <= 1


def test_greyscale_in_greyscale_out_unless_rgb(images):
    folder, _ = images
    assert _run([str(folder / "grey.png"), str(folder / "g.png")] + ESPCN) == 0
    assert Image.open(folder / "g.png").mode == "L"
    assert _run([str(folder / "grey.png"), str(folder / "c.png"), "--rgb"] + ESPCN) == 0
    assert Image.open(folder / "c.png").mode == "RGB"
    grey = np.asarray(Image.open(folder / "g.png")).astype(int)
    colour = np.asarray(Image.open(folder / "c.png")).astype(int)
    assert np.abs(colour - grey[..., None]).max() <= 1  # the same picture


def test_alpha_is_kept_bicubically_or_refused(images):
    folder, rgba = images
    assert _run([str(folder / "rgba.png"), str(folder / "a.png")] + ESPCN) == 0
    out = np.asarray(Image.open(folder / "a.png"))
    assert out.shape == (60, 72, 4)
    expected = np.asarray(imresize(rgba[..., 3:].astype("float32") / 255, scale=3))
    np.testing.assert_array_equal(out[..., 3],
                                  np.round(np.clip(expected[..., 0], 0, 1) * 255))
    with pytest.raises(ValueError, match="has transparency"):
        _run([str(folder / "rgba.png"), str(folder / "b.png"), "--alpha", "refuse"] + ESPCN)


def test_tiles_when_the_whole_image_would_not_fit(images, capsys):
    folder, _ = images
    source = str(folder / "grey.png")
    assert _run([source, str(folder / "whole.png")] + ESPCN) == 0
    assert _run([source, str(folder / "tiled.png"), "--max-memory", "1e-6"] + ESPCN) == 0
    assert "tiling at 256 px" in capsys.readouterr().err
    assert _run([source, str(folder / "small.png"), "--tile", "7"] + ESPCN) == 0
    whole = read_image(folder / "whole.png", mode=None)
    assert np.abs(read_image(folder / "small.png", mode=None) - whole).max() <= 1 / 255 + 1e-6


def test_invalid_tflite_is_one_clear_error(images):
    folder, _ = images
    (folder / "bad.tflite").write_text("not a model")
    with pytest.raises(ValueError, match="bad.tflite is not a valid .tflite file"):
        _run([str(folder / "one.png"), str(folder / "o.png"), "--tflite",
              str(folder / "bad.tflite"), "--scale", "3"])


def test_bad_inputs_through_the_cli_are_one_line_with_exit_2(images, capsys):
    from keras_sr.cli import main

    folder, _ = images
    (folder / "text.png").write_text("not an image")
    out = str(folder / "out.png")
    cases = {
        "not a recognised image": [str(folder / "text.png"), out] + ESPCN,
        "missing.png": [str(folder / "missing.png"), out] + ESPCN,
        "Unknown model 'nope'": [str(folder / "one.png"), out, "--model", "nope",
                                 "--scale", "3"],
        "scale": [str(folder / "one.png"), out, "--model", "espcn", "--scale", "0"],
    }
    for expected, argv in cases.items():
        assert main(["upscale"] + argv) == 2, argv
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
