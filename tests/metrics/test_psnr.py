"""Tests of keras_sr.metrics.psnr and the PSNR metric class."""

import keras
import numpy as np
import pytest

from keras_sr.image import rgb_to_y
from keras_sr.metrics import PSNR, psnr


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def pair(rng):
    clean = rng.random((3, 16, 20, 3)).astype(np.float32)
    noisy = np.clip(clean + rng.normal(0, 0.05, clean.shape), 0, 1).astype(np.float32)
    return clean, noisy


def test_known_value():
    a = np.zeros((1, 4, 4, 1), np.float32)
    np.testing.assert_allclose(_np(psnr(a, a + 0.1)), [20.0], atol=1e-4)
    np.testing.assert_allclose(_np(psnr(a, a + 25.5, max_val=255.0)), [20.0], atol=1e-4)


def test_matches_numpy_formula(pair):
    clean, noisy = pair
    mse = ((clean.astype(np.float64) - noisy) ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(_np(psnr(clean, noisy)), 10 * np.log10(1 / mse), atol=1e-3)


@pytest.mark.tf_only
def test_equals_tf_image_psnr(pair):
    import tensorflow as tf

    clean, noisy = pair
    np.testing.assert_allclose(_np(psnr(clean, noisy)),
                               tf.image.psnr(clean, noisy, max_val=1.0).numpy(), atol=1e-4)


def test_batch_equals_per_image(pair):
    clean, noisy = pair
    batch = _np(psnr(clean, noisy, crop_border=2, y_channel=True))
    singles = [float(psnr(clean[i], noisy[i], crop_border=2, y_channel=True)) for i in range(3)]
    assert batch.shape == (3,)
    np.testing.assert_allclose(batch, singles, atol=1e-4)


def test_crop_border_and_y_channel(pair):
    clean, noisy = pair
    c = 3
    cropped = _np(psnr(clean[:, c:-c, c:-c], noisy[:, c:-c, c:-c]))
    np.testing.assert_allclose(_np(psnr(clean, noisy, crop_border=c)), cropped, atol=1e-4)
    y = _np(psnr(rgb_to_y(clean), rgb_to_y(noisy)))
    np.testing.assert_allclose(_np(psnr(clean, noisy, y_channel=True)), y, atol=1e-4)
    # max_val scales the data range consistently
    np.testing.assert_allclose(_np(psnr(clean * 255, noisy * 255, max_val=255.0,
                                        y_channel=True)), y, atol=1e-3)


@pytest.mark.parametrize("a_shape, b_shape, kwargs", [
    ((1, 8, 8, 3), (1, 8, 9, 3), {}),
    ((8, 8), (8, 8), {}),
    ((1, 8, 8, 1), (1, 8, 8, 1), {"y_channel": True}),
    ((1, 8, 8, 3), (1, 8, 8, 3), {"crop_border": 4}),
])
def test_invalid_shapes_raise_with_shapes(a_shape, b_shape, kwargs):
    with pytest.raises(ValueError, match=r"\(.*8.*\)"):
        psnr(np.zeros(a_shape, np.float32), np.zeros(b_shape, np.float32), **kwargs)


def test_metric_averages_every_image_across_batches(pair):
    clean, noisy = pair
    metric = PSNR()
    metric.update_state(clean[:1], noisy[:1])
    metric.update_state(clean[1:], noisy[1:])
    expected = _np(psnr(clean, noisy)).mean()
    np.testing.assert_allclose(float(metric.result()), expected, atol=1e-4)
    # not the mean of batch means, nor the first image of each batch
    first_images = np.mean([_np(psnr(clean[:1], noisy[:1]))[0], _np(psnr(clean, noisy))[1]])
    assert abs(float(metric.result()) - first_images) > 1e-3
    metric.reset_state()
    metric.update_state(clean, noisy, sample_weight=np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(float(metric.result()), _np(psnr(clean, noisy))[0], atol=1e-4)


def test_metric_config_round_trip():
    metric = PSNR(max_val=255.0, crop_border=4, y_channel=True, name="psnr_y")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
    assert isinstance(clone, PSNR)
    assert (clone.max_val, clone.crop_border, clone.y_channel, clone.name) == (
        255.0, 4, True, "psnr_y")


def test_metric_in_compiled_model(pair):
    clean, noisy = pair
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    model.compile(loss="mse", metrics=[PSNR()])
    logs = model.evaluate(noisy, clean, batch_size=2, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["psnr"], _np(psnr(clean, noisy)).mean(), atol=1e-3)
