"""Tests of keras_sr.export.patches: aligned (LR, HR) patches for QAT and calibration."""

import keras
import numpy as np
import pytest

from keras_sr.export.patches import sample_patches
from keras_sr.image.color import rgb_to_y
from keras_sr.image.resize import bicubic_degrade


def test_patches_are_aligned_bicubic_pairs(rng):
    images = [rng.integers(0, 256, (40, 50, 3)).astype("float32") / 255]
    lr, hr = sample_patches(images, scale=2, patch_size=8, count=5, seed=3)
    assert lr.shape == (5, 8, 8, 3) and hr.shape == (5, 16, 16, 3)
    want = keras.ops.convert_to_numpy(bicubic_degrade(hr, 2))
    np.testing.assert_allclose(lr, np.round(want * 255) / 255, atol=1e-6)
    # every HR patch is a (possibly mirrored) crop of the image on the LR grid
    for crop in hr:
        found = [(y, x) for y in range(0, 25, 2) for x in range(0, 35, 2)
                 if any(np.array_equal(images[0][y:y + 16, x:x + 16], c)
                        for c in (crop, crop[:, ::-1]))]
        assert found


def test_seed_and_y_channel(rng):
    images = [rng.integers(0, 256, (30, 30, 3)).astype("float32") / 255]
    a = sample_patches(images, 3, 6, 4, seed=1)
    b = sample_patches(images, 3, 6, 4, seed=1)
    np.testing.assert_array_equal(a[1], b[1])
    lr_y, hr_y = sample_patches(images, 3, 6, 4, channels=1, seed=1)
    np.testing.assert_allclose(hr_y, keras.ops.convert_to_numpy(rgb_to_y(a[1])), atol=1e-6)


def test_too_small_images_raise():
    with pytest.raises(ValueError, match="reaches 48x48"):
        sample_patches([np.zeros((20, 20, 3), "float32")], 4, 12, 2)


def test_load_folders_by_set_name_and_patches_from_them(tmp_path, monkeypatch, rng):
    from PIL import Image

    from keras_sr.export.patches import load_folders

    (tmp_path / "Mine").mkdir()
    pixels = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "Mine" / "a.png")
    monkeypatch.setenv("KERAS_SR_DATA", str(tmp_path))
    images = load_folders("Mine")
    assert len(images) == 1 and images[0].dtype == np.uint8
    np.testing.assert_array_equal(images[0], pixels)
    lr, hr = sample_patches(images, 2, 4, count=3)
    assert hr.shape == (3, 8, 8, 3) and lr.shape == (3, 4, 4, 3)
