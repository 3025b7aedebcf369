"""Tests of keras_sr.metrics.ssim / ms_ssim and the SSIM metric class."""

import keras
import numpy as np
import pytest
from skimage import data
from skimage.metrics import structural_similarity

from keras_sr.metrics import SSIM, ms_ssim, ssim


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _photos():
    """Crops of scikit-image's CC0 photos, float32 in [0, 1]."""
    return [data.astronaut()[100:196, 150:262], data.coffee()[50:146, 200:312],
            data.chelsea()[60:156, 100:212]]


def _degraded(image, seed):
    rng = np.random.default_rng(seed)
    blurred = (image + np.roll(image, 1, 0) + np.roll(image, 1, 1)) / 3.0
    return np.clip(blurred + rng.normal(0, 0.03, image.shape), 0, 1).astype(np.float32)


def _reference(a, b, data_range):
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=data_range,
                                 channel_axis=-1)


@pytest.mark.parametrize("index", range(3))
def test_matches_skimage_on_photos(index):
    clean = _photos()[index].astype(np.float32) / 255.0
    noisy = _degraded(clean, index)
    np.testing.assert_allclose(float(ssim(clean, noisy)), _reference(clean, noisy, 1.0),
                               atol=1e-4)
    grey = clean.mean(-1, keepdims=True) * 255.0
    grey_noisy = noisy.mean(-1, keepdims=True) * 255.0
    np.testing.assert_allclose(float(ssim(grey, grey_noisy, max_val=255.0)),
                               _reference(grey, grey_noisy, 255.0), atol=1e-4)


def test_identical_images_score_one(rng):
    x = rng.random((2, 16, 16, 3)).astype(np.float32)
    np.testing.assert_allclose(_np(ssim(x, x)), [1.0, 1.0], atol=1e-5)


def test_batch_equals_per_image():
    clean = np.stack([p.astype(np.float32) / 255 for p in _photos()])
    noisy = np.stack([_degraded(c, i) for i, c in enumerate(clean)])
    batch = _np(ssim(clean, noisy, crop_border=3, y_channel=True))
    singles = [float(ssim(clean[i], noisy[i], crop_border=3, y_channel=True))
               for i in range(3)]
    np.testing.assert_allclose(batch, singles, atol=1e-5)


def test_crop_border_equals_cropping():
    clean = _photos()[0].astype(np.float32) / 255
    noisy = _degraded(clean, 0)
    np.testing.assert_allclose(float(ssim(clean, noisy, crop_border=4)),
                               float(ssim(clean[4:-4, 4:-4], noisy[4:-4, 4:-4])), atol=1e-6)


def test_too_small_and_mismatched_raise():
    with pytest.raises(ValueError, match=r"11x11.*\(1, 10, 12, 1\)"):
        ssim(np.zeros((1, 10, 12, 1), np.float32), np.zeros((1, 10, 12, 1), np.float32))
    with pytest.raises(ValueError, match=r"\(1, 16, 16, 3\).*\(1, 16, 16, 1\)"):
        ssim(np.zeros((1, 16, 16, 3), np.float32), np.zeros((1, 16, 16, 1), np.float32))
    with pytest.raises(ValueError, match=r"176x176.*\(1, 160, 200, 1\)"):
        ms_ssim(np.zeros((1, 160, 200, 1), np.float32), np.zeros((1, 160, 200, 1), np.float32))


def _large_pair():
    clean = data.astronaut()[:192, :256].astype(np.float32) / 255
    return clean, _degraded(clean, 7)


def test_ms_ssim_identical_is_one_and_orders_quality():
    clean, noisy = _large_pair()
    assert float(ms_ssim(clean, clean)) == pytest.approx(1.0, abs=1e-5)
    worse = _degraded(noisy, 8)
    assert 0 < float(ms_ssim(clean, worse)) < float(ms_ssim(clean, noisy)) < 1


def test_ms_ssim_single_scale_is_ssim():
    clean, noisy = _large_pair()
    np.testing.assert_allclose(float(ms_ssim(clean, noisy, weights=(1.0,))),
                               float(ssim(clean, noisy)), atol=1e-6)


@pytest.mark.tf_only
def test_ms_ssim_matches_tf_image():
    import tensorflow as tf

    clean, noisy = _large_pair()  # sides divisible by 16: no padding differences
    expected = float(tf.image.ssim_multiscale(clean, noisy, max_val=1.0))
    np.testing.assert_allclose(float(ms_ssim(clean, noisy)), expected, atol=1e-4)


def test_metric_averages_every_image_across_batches():
    clean = np.stack([p.astype(np.float32) / 255 for p in _photos()])
    noisy = np.stack([_degraded(c, i) for i, c in enumerate(clean)])
    metric = SSIM(crop_border=2)
    metric.update_state(clean[:2], noisy[:2])
    metric.update_state(clean[2:], noisy[2:])
    expected = _np(ssim(clean, noisy, crop_border=2)).mean()
    np.testing.assert_allclose(float(metric.result()), expected, atol=1e-5)
    clone = SSIM.from_config(metric.get_config())
    assert (clone.crop_border, clone.y_channel, clone.max_val) == (2, False, 1.0)
