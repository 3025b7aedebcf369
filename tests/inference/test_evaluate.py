"""Tests of keras_sr.inference.evaluate, with the acceptance check against the published tables."""

from pathlib import Path

import keras
import numpy as np
import pytest
from skimage import data

from keras_sr.data.sets import DatasetNotFoundError
from keras_sr.image.io import read_image, write_image
from keras_sr.image.resize import imresize, imresize_numpy
from keras_sr.inference.evaluate import evaluate
from keras_sr.layers.resize import Resize
from keras_sr.metrics.protocol import score_image

# Published bicubic baselines (PSNR dB / SSIM, Y channel; e.g. the SRCNN/VDSR/EDSR tables).
PUBLISHED_PSNR = {
    "Set5": {2: 33.66, 3: 30.39, 4: 28.42},
    "Set14": {2: 30.24, 3: 27.55, 4: 26.00},
    "B100": {2: 29.56, 3: 27.21, 4: 25.96},
}
PUBLISHED_SSIM_X4 = {"Set5": 0.8104, "Set14": 0.7027, "B100": 0.6675}
PSNR_TOLERANCE = {"Set5": 0.03, "B100": 0.03, "Set14": 0.1}
FAST = [("Set5", 2), ("Set5", 3), ("Set5", 4), ("Set14", 4), ("B100", 4)]
SLOW = [("Set14", 2), ("Set14", 3), ("B100", 2), ("B100", 3)]


def _check_published(datasets_dir, name, scale):
    result = evaluate("bicubic", datasets_dir / name, scale, progress=False)
    assert result["images"] == {"Set5": 5, "Set14": 14, "B100": 100}[name]
    assert abs(result["psnr_y"] - PUBLISHED_PSNR[name][scale]) <= PSNR_TOLERANCE[name], result
    if scale == 4:
        assert abs(result["ssim_y"] - PUBLISHED_SSIM_X4[name]) <= 0.002, result


@pytest.mark.datasets
@pytest.mark.parametrize("name, scale", FAST)
def test_bicubic_reproduces_published_tables(datasets_dir, name, scale):
    _check_published(datasets_dir, name, scale)


@pytest.mark.slow
@pytest.mark.datasets
@pytest.mark.parametrize("name, scale", SLOW)
def test_bicubic_reproduces_published_tables_slow(datasets_dir, name, scale):
    _check_published(datasets_dir, name, scale)


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """Three CC0 photos (one greyscale, sizes not multiples of 3 or 4) as an HR folder."""
    folder = tmp_path_factory.mktemp("tiny") / "HR"
    write_image(folder / "a.png", data.astronaut()[:67, 100:173])
    write_image(folder / "b.png", data.coffee()[100:165, 200:270])
    write_image(folder / "c.png", data.camera()[200:262, 200:275])  # greyscale
    return folder


def test_result_layout_and_per_image_values(tiny_set):
    result = evaluate("bicubic", tiny_set, 3, progress=False)
    assert set(result) == {"dataset", "scale", "model", "images", "psnr_y", "ssim_y",
                           "per_image", "skipped"}
    assert result["skipped"] == []
    assert (result["scale"], result["model"], result["images"]) == (3, "bicubic", 3)
    assert [r["name"] for r in result["per_image"]] == ["a.png", "b.png", "c.png"]
    assert result["psnr_y"] == pytest.approx(np.mean([r["psnr_y"] for r in result["per_image"]]))
    assert result["ssim_y"] == pytest.approx(np.mean([r["ssim_y"] for r in result["per_image"]]))


def test_each_row_is_the_protocol_score_of_that_file(tiny_set):
    rows = evaluate("bicubic", tiny_set, 3, progress=False)["per_image"]
    for row in rows:
        hr = read_image(tiny_set / row["name"], mode=None)
        expected = score_image(hr, 3, lambda lr: imresize_numpy(lr, scale=3))
        assert (row["psnr_y"], row["ssim_y"]) == expected


def test_keras_model_and_callable_match_bicubic(tiny_set):
    reference = evaluate("bicubic", tiny_set, 2, progress=False)
    for channels in (3, 1):
        inputs = keras.Input((None, None, channels))
        model = keras.Model(inputs, Resize(scale=2)(inputs), name=f"resize_c{channels}")
        result = evaluate(model, tiny_set, 2, progress=False)
        assert result["model"] == f"resize_c{channels}"
        # Y-only models get bicubic chroma, so the Y channel matches up to 8-bit rounding.
        assert result["psnr_y"] == pytest.approx(reference["psnr_y"], abs=0.05)

    def callable_model(batch):
        return imresize(batch, scale=2)

    result = evaluate(callable_model, tiny_set, 2, model_name="fn", progress=False)
    assert result["model"] == "fn"
    assert result["psnr_y"] == pytest.approx(reference["psnr_y"], abs=0.05)


def test_hr_lr_folder_pair(tiny_set, tmp_path):
    reference = evaluate("bicubic", tiny_set, 2, progress=False)
    root = tmp_path / "pair"
    for path in sorted(tiny_set.iterdir()):
        hr = read_image(path, mode=None)
        hr = hr[: hr.shape[0] // 2 * 2, : hr.shape[1] // 2 * 2]
        write_image(root / "HR" / path.name, hr)
        lr = np.clip(imresize_numpy(hr, scale=0.5), 0, 1)
        write_image(root / "LR" / "X2" / path.name, lr)
    paired = evaluate("bicubic", root, 2, progress=False)
    assert paired["psnr_y"] == pytest.approx(reference["psnr_y"], abs=1e-6)
    (root / "LR" / "X2" / "c.png").unlink()
    with pytest.raises(ValueError, match="3 HR images.*2 LR"):
        evaluate("bicubic", root, 2, progress=False)


def test_progress_bar_counts_the_images(tiny_set, capsys):
    evaluate("bicubic", tiny_set, 2, progress=True)
    out = capsys.readouterr().out
    assert "bicubic x2 on HR" in out
    assert "3/3" in out and "psnr_y" in out


def test_a_too_small_image_names_the_file(tmp_path):
    folder = tmp_path / "small"
    write_image(folder / "ok.png", data.astronaut()[:48, :48])
    write_image(folder / "tiny.png", data.astronaut()[:16, :16])
    with pytest.raises(ValueError, match=r"tiny\.png.*too small"):
        evaluate("bicubic", folder, 4, progress=False)


def test_bad_arguments(tiny_set):
    with pytest.raises(ValueError, match="scale"):
        evaluate("bicubic", tiny_set, 2.5, progress=False)
    with pytest.raises(ValueError, match="bicubic"):
        evaluate("espcn", tiny_set, 2, progress=False)
    with pytest.raises(DatasetNotFoundError, match="Set6"):
        evaluate("bicubic", "Set6", 2, progress=False)


def test_bad_images_are_listed_together_and_skip_bad_scores_the_rest(tiny_set, tmp_path):
    import shutil

    from keras_sr.data.patches import BadImagesError

    folder = tmp_path / "mixed"
    shutil.copytree(tiny_set, folder)
    write_image(folder / "d_one_pixel.png", np.full((1, 1, 3), 0.5, "float32"))
    (folder / "e_text.png").write_text("not an image")
    with pytest.raises(BadImagesError, match="2 of 5 images") as caught:
        evaluate("bicubic", folder, 3, progress=False)
    assert sorted(Path(name).name for name, _ in caught.value.bad) == [
        "d_one_pixel.png", "e_text.png"]
    assert "d_one_pixel.png" in str(caught.value) and "e_text.png" in str(caught.value)
    with pytest.warns(UserWarning, match="left out 2 of 5"):
        result = evaluate("bicubic", folder, 3, progress=False, skip_bad=True)
    clean = evaluate("bicubic", tiny_set, 3, progress=False)
    assert result["images"] == 3 and len(result["skipped"]) == 2
    assert result["psnr_y"] == pytest.approx(clean["psnr_y"], abs=1e-9)
