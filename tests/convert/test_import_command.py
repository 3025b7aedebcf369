"""``keras-sr import``: the command line over keras_sr.convert."""

import os

import keras
import numpy as np
import torch_writer

from keras_sr import cli


class SystemPayload:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_import_detects_saves_and_loads_in_safe_mode(third_party, tmp_path, capsys, rng):
    out = tmp_path / "lapsrn_x4.keras"
    status = cli.main(["import", str(third_party / "lapsrn_x4_twtygqyy_epoch100.pth"),
                       "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    assert printed.startswith("lapsrn x4 (870,112 parameters) from a legacy-format torch file")
    assert "detected lapsrn" in printed and f"saved {out}" in printed
    model = keras.saving.load_model(out, safe_mode=True)
    lr = rng.random((1, 6, 7, 1)).astype("float32")
    assert tuple(model(lr).shape) == (1, 24, 28, 1)


def test_import_refuses_a_malicious_file(tmp_path, capsys):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.pth"
    torch_writer.save({"w": torch_writer.Tensor.of(np.ones((2, 1, 3, 3), np.float32)),
                       "x": SystemPayload(f"touch {marker}")}, path)
    status = cli.main(["import", str(path), "--out", str(tmp_path / "evil.keras")])
    error = capsys.readouterr().err
    assert status == 2
    assert "keras-sr import: error: the checkpoint names posix.system" in error
    assert not marker.exists()
    assert not (tmp_path / "evil.keras").exists()


def test_import_needs_a_scale_for_vdsr(third_party, tmp_path, capsys):
    status = cli.main(["import", str(third_party / "vdsr_twtygqyy_epoch50.pth"),
                       "--out", str(tmp_path / "v.keras")])
    assert status == 2
    assert "serves any scale; pass `scale` (--scale)" in capsys.readouterr().err


def test_upscale_tiled_with_an_imported_model(third_party, tmp_path, rng):
    from keras_sr.image.io import read_image, write_image

    model_file = tmp_path / "lapsrn_x4.keras"
    assert cli.main(["import", str(third_party / "lapsrn_x4_twtygqyy_epoch100.pth"),
                     "--out", str(model_file)]) == 0
    write_image(tmp_path / "in.png", rng.random((18, 22, 3)).astype("float32"))
    for name, extra in (("tiled.png", ["--tile", "8"]), ("whole.png", [])):
        assert cli.main(["upscale", str(tmp_path / "in.png"), str(tmp_path / name), "--model",
                         str(model_file), "--scale", "4", *extra]) == 0
    tiled, whole = read_image(tmp_path / "tiled.png"), read_image(tmp_path / "whole.png")
    assert tiled.shape == (72, 88, 3)
    # the same pixels, up to float round-off landing on the other side of an 8-bit level
    np.testing.assert_allclose(tiled, whole, atol=1 / 255 + 1e-6)
    assert np.mean(tiled != whole) < 1e-3
