"""Tests of keras_sr.metrics.vif: VIFp against sewar, known answers, the metric class."""

import numpy as np
import pytest

from keras_sr.metrics import VIFp, vif_p
from keras_sr.metrics.vif import vif_p_terms


def _ratio(x, y):
    num, den = vif_p_terms(x[None, ..., None], y[None, ..., None], xp=np)
    return float(num[0, 0] / den[0, 0])


@pytest.mark.datasets
def test_parity_with_sewar_on_set5_bicubic(datasets_dir):
    # sewar.full_ref.vifp is LIVE's vifp_mscale.m in Python: the same four Gaussian
    # windows (17, 9, 5, 3; sigma = size / 5), 'valid' filtering, sigma_nsq = 2 and
    # values as given, so we feed it the protocol's 0..255 Y. Centre crops keep it fast;
    # docs/evaluation.md gives the whole-image figures (differences below 1e-12).
    sewar = pytest.importorskip("sewar.full_ref")
    from keras_sr.image.io import list_images, read_image
    from keras_sr.image.resize import modcrop
    from keras_sr.metrics.protocol import bicubic_upscale, degrade, luma_255, to_uint8

    for path in list_images(datasets_dir / "Set5"):
        hr = modcrop(to_uint8(read_image(path, mode=None)), 4)
        sr = to_uint8(bicubic_upscale(degrade(hr, 4), 4))
        top, left = (hr.shape[0] - 128) // 2, (hr.shape[1] - 128) // 2
        y_hr = luma_255(hr)[top:top + 128, left:left + 128, 0]
        y_sr = luma_255(sr)[top:top + 128, left:left + 128, 0]
        expected = sewar.vifp(y_hr, y_sr)
        assert _ratio(y_hr, y_sr) == pytest.approx(expected, abs=1e-3)
        assert float(vif_p(y_hr[..., None], y_sr[..., None], max_val=255.0)) == \
            pytest.approx(expected, abs=1e-3)


def test_known_answers(rng):
    x = rng.random((64, 64)) * 255.0
    assert _ratio(x, x) == pytest.approx(1.0, abs=1e-9)
    # an unrelated image carries (almost) no information about the reference
    assert abs(_ratio(x, rng.random((64, 64)) * 255.0)) < 0.05
    # more noise, less fidelity
    values = [_ratio(x, x + rng.normal(0.0, sigma, x.shape)) for sigma in (2, 8, 32, 128)]
    assert all(a > b for a, b in zip(values, values[1:])) and 0.0 < values[-1] < values[0] < 1.0
    # a flat reference holds no information: 0, not NaN
    flat = vif_p(np.full((48, 48, 1), 0.5), rng.random((48, 48, 1)))
    assert float(flat) == pytest.approx(0.0, abs=1e-3)   # float32 on JAX: 5.7e-4


def test_backend_matches_numpy_and_batches(rng):
    x = rng.random((2, 48, 52, 1)).astype("float32")
    y = np.clip(x + rng.normal(0.0, 0.05, x.shape), 0.0, 1.0).astype("float32")
    values = np.asarray(vif_p(x, y))
    assert values.shape == (2,)
    for i in range(2):
        assert values[i] == pytest.approx(_ratio(x[i, ..., 0] * 255.0, y[i, ..., 0] * 255.0),
                                          abs=1e-4)
        assert float(vif_p(x[i], y[i])) == pytest.approx(values[i], abs=1e-6)
    # the range does not matter (values are brought to 0..255 first)
    assert np.asarray(vif_p(x * 255.0, y * 255.0, max_val=255.0)) == \
        pytest.approx(values, abs=1e-4)


@pytest.mark.slow_on_jax   # a JAX compile per image shape; the backend is checked above
def test_colour_is_the_channel_mean_and_y_channel(rng):
    x = rng.random((48, 48, 3)).astype("float32")
    y = np.clip(x + rng.normal(0.0, 0.1, x.shape), 0.0, 1.0).astype("float32")
    per_channel = [float(vif_p(x[..., c:c + 1], y[..., c:c + 1])) for c in range(3)]
    assert float(vif_p(x, y)) == pytest.approx(np.mean(per_channel), abs=1e-5)
    assert 0.0 < float(vif_p(x, y, y_channel=True, crop_border=2)) < 1.0


def test_too_small_images_are_a_clear_error():
    with pytest.raises(ValueError, match="at least 41x41 pixels"):
        vif_p(np.zeros((40, 64, 1)), np.zeros((40, 64, 1)))


@pytest.mark.slow_on_jax   # a JAX compile per image shape; the backend is checked above
def test_metric_class_averages_every_image(rng):
    x = rng.random((3, 48, 48, 1)).astype("float32")
    y = np.clip(x + rng.normal(0.0, 0.1, x.shape), 0.0, 1.0).astype("float32")
    metric = VIFp()
    metric.update_state(x[:1], y[:1])
    metric.update_state(x[1:], y[1:])
    assert float(metric.result()) == pytest.approx(float(np.mean(vif_p(x, y))), abs=1e-5)
    assert VIFp.from_config(metric.get_config()).name == "vif_p"
