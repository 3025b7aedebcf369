"""Total variation: zero on constants, closed forms on a ramp, tf.image parity."""

import numpy as np
import pytest

from keras_sr import losses

FORMS = ["anisotropic", "isotropic", "squared"]


def ramp(a, b, height=6, width=9, channels=2):
    i, j = np.mgrid[0:height, 0:width].astype("float32")
    image = a * j + b * i
    return np.repeat(image[None, :, :, None], channels, axis=-1)


@pytest.mark.parametrize("form", FORMS)
def test_constant_image_is_zero(form):
    images = np.full((2, 8, 8, 3), 0.3, "float32")
    np.testing.assert_array_equal(losses.total_variation(images, form=form), [0.0, 0.0])


@pytest.mark.parametrize("a,b", [(0.1, 0.0), (0.03, -0.04), (-0.2, 0.05)])
def test_ramp_closed_form(a, b):
    image = ramp(a, b)
    tv = {f: float(losses.total_variation(image, form=f)[0]) for f in FORMS}
    np.testing.assert_allclose(tv["anisotropic"], abs(a) + abs(b), rtol=1e-5)
    np.testing.assert_allclose(tv["isotropic"], np.hypot(a, b), rtol=1e-5)
    np.testing.assert_allclose(tv["squared"], a * a + b * b, rtol=1e-5)
    # sums: H*(W-1)*|a| + (H-1)*W*|b| per channel; (H-1)(W-1) sqrt(a^2+b^2) per channel
    h, w, c = 6, 9, 2
    np.testing.assert_allclose(
        float(losses.total_variation(image, average=False)[0]),
        c * (h * (w - 1) * abs(a) + (h - 1) * w * abs(b)), rtol=1e-5)
    np.testing.assert_allclose(
        float(losses.total_variation(image, form="isotropic", average=False)[0]),
        c * (h - 1) * (w - 1) * np.hypot(a, b), rtol=1e-5)


def test_anisotropic_sum_matches_tf_image(rng):
    tf = pytest.importorskip("tensorflow")
    images = rng.random((3, 7, 5, 3)).astype("float32")
    np.testing.assert_allclose(losses.total_variation(images, average=False),
                               tf.image.total_variation(tf.constant(images)).numpy(), rtol=1e-5)


def test_loss_class_ignores_target_and_batch_is_per_image(rng):
    images = rng.random((4, 8, 8, 1)).astype("float32")
    loss = losses.get("tv", form="isotropic")
    per_image = losses.total_variation(images, form="isotropic")
    np.testing.assert_allclose(float(loss(np.zeros_like(images), images)),
                               float(np.mean(per_image)), rtol=1e-5)


def test_bad_form_and_shape_raise():
    with pytest.raises(ValueError, match=r"'l2'.*'anisotropic'.*'isotropic'.*'squared'"):
        losses.TotalVariationLoss(form="l2")
    with pytest.raises(ValueError, match=r"\(8, 8, 3\)"):
        losses.total_variation(np.zeros((8, 8, 3)))
