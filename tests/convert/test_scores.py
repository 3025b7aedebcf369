"""Imported checkpoints scored through ``keras-sr eval`` against the papers' Set5 numbers
(slow: whole test images through 20-layer networks on a CPU)."""

import json

import pytest

from keras_sr import cli

pytestmark = [pytest.mark.slow, pytest.mark.datasets]


@pytest.mark.parametrize("file, model, scale, paper", [
    ("vdsr_twtygqyy_epoch50.pth", "vdsr", 3, 33.66),
    ("lapsrn_x4_twtygqyy_epoch100.pth", "lapsrn", 4, 31.54),
])
def test_imported_model_reaches_the_paper_on_set5(third_party, datasets_dir, tmp_path, file,
                                                  model, scale, paper):
    keras_file = tmp_path / f"{model}_x{scale}.keras"
    assert cli.main(["import", str(third_party / file), "--model", model, "--scale",
                     str(scale), "--out", str(keras_file)]) == 0
    scores = tmp_path / "scores.json"
    assert cli.main(["eval", "--model", str(keras_file), "--dataset",
                     str(datasets_dir / "Set5"), "--no-progress", "--json", str(scores)]) == 0
    result = json.loads(scores.read_text())
    assert result["images"] == 5
    assert result["psnr_y"] >= paper
