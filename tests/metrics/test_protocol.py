"""Tests of keras_sr.metrics.protocol: the published evaluation protocol, image by image."""

import numpy as np
import pytest
from skimage import data

from keras_sr.image.color import rgb_to_y
from keras_sr.image.resize import imresize_numpy
from keras_sr.metrics import psnr, ssim
from keras_sr.metrics.protocol import (bicubic_upscale, degrade, luma_255, score_image,
                                       score_pair, to_uint8)


def _bicubic(scale):
    return lambda lr: bicubic_upscale(lr, scale)


def test_grey_image_by_hand():
    # Greyscale images are scored on their grey values (no YCbCr), as the MATLAB scripts.
    hr = data.camera()[200:262, 200:275, None]
    levels = hr[:60, :75].astype(np.float64)
    lr = np.round(np.clip(imresize_numpy(levels / 255, scale=1 / 3), 0, 1) * 255)
    sr = np.round(np.clip(imresize_numpy(lr / 255, scale=3), 0, 1) * 255)
    y_hr, y_sr = levels[3:-3, 3:-3, 0], sr[3:-3, 3:-3, 0]
    expected_psnr = 10 * np.log10(255 ** 2 / np.mean((y_hr - y_sr) ** 2))
    expected_ssim = float(ssim(levels.astype(np.float32), sr.astype(np.float32), 255.0, 3))
    value_psnr, value_ssim = score_image(hr, 3, _bicubic(3))
    assert value_psnr == pytest.approx(expected_psnr, abs=1e-9)
    assert value_ssim == pytest.approx(expected_ssim, abs=1e-5)


def test_rgb_uses_studio_y_and_equals_the_keras_metrics(rng):
    hr = np.round(rng.random((40, 36, 3)) * 255)
    sr = np.clip(hr + rng.integers(-3, 4, hr.shape), 0, 255)
    y = lambda x: 16 + x @ np.array([65.481, 128.553, 24.966]) / 255  # noqa: E731
    mse = ((y(hr) - y(sr))[2:-2, 2:-2] ** 2).mean()
    value_psnr, value_ssim = score_pair(hr, sr, 2)
    assert value_psnr == pytest.approx(10 * np.log10(255 ** 2 / mse), abs=1e-9)
    # The float32 Keras metrics on the same pair (their Y is rgb_to_y).
    args = dict(max_val=255.0, crop_border=2, y_channel=True)
    assert value_psnr == pytest.approx(float(psnr(hr.astype("float32"), sr.astype("float32"),
                                                  **args)), abs=1e-3)
    assert value_ssim == pytest.approx(float(ssim(hr.astype("float32"), sr.astype("float32"),
                                                  **args)), abs=1e-5)


def test_luma_matches_rgb_to_y(rng):
    image = np.round(rng.random((5, 4, 3)) * 255)
    expected = np.asarray(rgb_to_y(image / 255.0)) * 255.0
    np.testing.assert_allclose(luma_255(image), expected, atol=1e-4)
    grey = np.round(rng.random((5, 4, 1)) * 255)
    np.testing.assert_array_equal(luma_255(grey), grey)


def test_identical_images_score_inf_and_one():
    hr = data.camera()[:40, :40, None].astype(np.float64)
    assert score_pair(hr, hr, 4) == (float("inf"), 1.0)


def test_uint8_and_float_inputs_score_the_same():
    hr = data.astronaut()[:50, :61]
    from_uint8 = score_image(hr, 2, _bicubic(2))
    assert score_image(hr / 255.0, 2, _bicubic(2)) == from_uint8
    # The HR is modcropped: an extra row and column change nothing.
    padded = np.pad(hr, ((0, 1), (0, 1), (0, 0)))
    assert score_image(padded[:51, :61], 2, _bicubic(2)) == from_uint8


def test_given_lr_is_used_instead_of_the_bicubic_one():
    hr = data.astronaut()[:48, :48] / 255.0
    lr = degrade(to_uint8(hr), 4)
    assert lr.shape == (12, 12, 3)
    np.testing.assert_array_equal(np.round(lr * 255), lr * 255)  # on the 8-bit grid
    assert score_image(hr, 4, _bicubic(4), lr=lr) == score_image(hr, 4, _bicubic(4))
    seen = []
    score_image(hr, 4, lambda x: seen.append(x) or bicubic_upscale(x, 4), lr=1.0 - lr)
    np.testing.assert_allclose(seen[0], 1.0 - lr)


def test_sr_is_clipped_and_rounded():
    hr = data.astronaut()[:48, :48] / 255.0
    reference = score_image(hr, 4, _bicubic(4))
    levels = to_uint8(bicubic_upscale(degrade(to_uint8(hr), 4), 4)) / 255.0
    # Overshoot beyond [0, 1] and noise under half a level vanish in the 8-bit rounding.
    noise = np.random.default_rng(0).uniform(-0.45, 0.45, levels.shape) / 255.0
    overshoot = np.where(levels == 1.0, 0.3, 0.0) - np.where(levels == 0.0, 0.3, 0.0)
    noisy = score_image(hr, 4, lambda lr: levels + noise + overshoot)
    assert noisy == reference


def test_bad_inputs_say_what_was_expected():
    hr = data.astronaut()[:48, :48]
    with pytest.raises(ValueError, match="scale"):
        score_image(hr, 0, _bicubic(2))
    with pytest.raises(ValueError, match="too small"):
        score_image(hr[:16, :16], 4, _bicubic(4))
    with pytest.raises(ValueError, match="SR is 24x24 but HR is 48x48"):
        score_image(hr, 4, lambda lr: bicubic_upscale(lr, 2))
    with pytest.raises(ValueError, match="LR image is 10x10, expected 12x12"):
        score_image(hr, 4, _bicubic(4), lr=np.zeros((10, 10, 3)))
    with pytest.raises(ValueError, match=r"\(H, W, 1\) or \(H, W, 3\)"):
        score_image(np.zeros((48, 48, 4)), 4, _bicubic(4))


def test_score_pair_metrics_choose_what_is_computed():
    pytest.importorskip("pyrtools")
    from keras_sr.metrics.ifc import ifc_values
    from keras_sr.metrics.vif import vif_p_terms

    hr = to_uint8(data.astronaut()[100:190, 150:246] / 255.0)
    sr = to_uint8(bicubic_upscale(degrade(hr, 3), 3))
    scores = score_pair(hr, sr, 3, metrics="ifc,vif,psnr")
    assert list(scores) == ["ifc_y", "vif_y", "psnr_y"]
    assert scores["psnr_y"] == score_pair(hr, sr, 3)[0]
    y_hr, y_sr = luma_255(hr)[None, 3:-3, 3:-3], luma_255(sr)[None, 3:-3, 3:-3]
    num, den = vif_p_terms(y_hr, y_sr, xp=np)
    assert scores["vif_y"] == pytest.approx(float(num[0, 0] / den[0, 0]), abs=1e-12)
    assert scores["ifc_y"] == pytest.approx(
        float(ifc_values(y_hr[..., 0], y_sr[..., 0], xp=np)[0]), abs=1e-12)
    with pytest.raises(ValueError, match="metrics: expected some of psnr, ssim, vif, ifc; "
                                         "got lpips"):
        score_pair(hr, sr, 3, metrics=["psnr", "lpips"])
    with pytest.raises(ValueError, match="IFC needs 72x72"):
        score_pair(hr[:72], sr[:72], 3, metrics=["psnr", "ifc"])
