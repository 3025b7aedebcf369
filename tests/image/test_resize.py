"""Known-answer tests of keras_sr.image.resize.imresize and the Resize layer."""

import math

import keras
import numpy as np
import pytest

import keras_sr.image.resize as resize_module
from keras_sr.image.resize import (bicubic_degrade, contributions, imresize, imresize_numpy,
                                    modcrop)
from keras_sr.layers.resize import Resize

METHODS = ("bicubic", "bilinear", "area", "nearest")


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scale", [0.25, 0.7, 3])
def test_constant_image_stays_constant(method, scale):
    image = np.full((1, 12, 9, 3), 0.37, dtype=np.float32)
    out = _np(imresize(image, scale=scale, method=method))
    np.testing.assert_allclose(out, 0.37, atol=1e-6)


@pytest.mark.parametrize("method", ["bicubic", "bilinear"])
def test_odd_upscale_keeps_values_at_input_pixel_centres(rng, method):
    # With scale 3, output pixel 3i+1 sits on the centre of input pixel i, where the
    # interpolating kernels weigh that pixel by one and its neighbours by zero.
    image = rng.random((1, 7, 5, 2), dtype=np.float32)
    out = _np(imresize(image, scale=3, method=method))
    np.testing.assert_allclose(out[:, 1::3, 1::3], image, atol=1e-6)


def test_bilinear_x2_of_a_ramp_has_closed_form():
    n = 8
    ramp = np.tile(np.arange(n, dtype=np.float32)[None, :, None], (4, 1, 1))[None]
    out = _np(imresize(ramp, scale=(1, 2), method="bilinear"))[0, 0, :, 0]
    j = np.arange(2 * n)
    # Output centre j maps to input coordinate j/2 - 1/4; mirrored borders clamp the ends.
    expected = np.clip(j / 2.0 - 0.25, 0, n - 1)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_area_downscale_by_two_is_block_mean(rng):
    image = rng.random((2, 8, 6, 3), dtype=np.float32)
    out = _np(imresize(image, scale=0.5, method="area"))
    blocks = image.reshape(2, 4, 2, 3, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(out, blocks, atol=1e-6)


def test_nearest_picks_pixels(rng):
    image = rng.random((1, 6, 8, 1), dtype=np.float32)
    up = _np(imresize(image, scale=2, method="nearest"))
    np.testing.assert_array_equal(up, np.repeat(np.repeat(image, 2, 1), 2, 2))
    down = _np(imresize(image, scale=0.5, method="nearest"))
    # MATLAB: output centre 2j+1.5 (1-based) lies on the border of pixels 2j+1 and
    # 2j+2; the half-open box keeps 2j+2, i.e. 0-based odd pixels.
    np.testing.assert_array_equal(down, image[:, 1::2, 1::2])
    assert set(np.unique(_np(imresize(image, scale=0.7, method="nearest")))) <= set(
        np.unique(image))


@pytest.mark.parametrize("shape, scale, expected", [
    ((10, 7), 1 / 3, (4, 3)),
    ((7, 5), 1.5, (11, 8)),
    ((9, 9), 0.5, (5, 5)),
    ((16, 12), 0.25, (4, 3)),
    ((5, 3), 4, (20, 12)),
])
def test_output_sizes(shape, scale, expected):
    image = np.zeros((1,) + shape + (1,), np.float32)
    out = imresize(image, scale=scale)
    assert tuple(out.shape) == (1,) + expected + (1,)
    assert expected == tuple(math.ceil(n * scale - 1e-6) for n in shape)


def test_explicit_size():
    out = imresize(np.zeros((2, 10, 7, 3), np.float32), size=(5, 9))
    assert tuple(out.shape) == (2, 5, 9, 3)


def test_rank3_equals_rank4(rng):
    image = rng.random((9, 11, 3), dtype=np.float32)
    single = _np(imresize(image, scale=0.5))
    batch = _np(imresize(image[None], scale=0.5))
    assert single.shape == (5, 6, 3)
    np.testing.assert_allclose(single, batch[0], atol=1e-7)


def test_batch_equals_per_image(rng):
    images = rng.random((3, 8, 8, 1), dtype=np.float32)
    batch = _np(imresize(images, scale=0.75))
    for i in range(3):
        np.testing.assert_allclose(batch[i], _np(imresize(images[i], scale=0.75)), atol=1e-6)


def test_bad_arguments_raise():
    image = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match="method"):
        imresize(image, scale=2, method="lanczos")
    with pytest.raises(ValueError, match="exactly one"):
        imresize(image)
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        imresize(np.zeros((4, 4), np.float32), scale=2)


def test_modcrop_and_degrade(rng):
    hr = rng.random((1, 13, 10, 3), dtype=np.float32)
    cropped = modcrop(hr, 4)
    assert cropped.shape == (1, 12, 8, 3)
    lr = _np(bicubic_degrade(cropped, 4))
    assert lr.shape == (1, 3, 2, 3) and lr.min() >= 0 and lr.max() <= 1


@pytest.mark.tf_only
def test_works_inside_tf_data(rng):
    import tensorflow as tf

    images = rng.random((4, 8, 8, 3), dtype=np.float32)
    dataset = tf.data.Dataset.from_tensor_slices(images).map(
        lambda x: imresize(x, scale=0.5)).batch(4)
    out = next(iter(dataset)).numpy()
    np.testing.assert_allclose(out, _np(imresize(images, scale=0.5)), atol=1e-6)


def test_works_under_jax_jit(rng):
    if keras.backend.backend() != "jax":
        pytest.skip("jax.jit needs the JAX backend")
    import jax

    images = rng.random((2, 8, 6, 1), dtype=np.float32)
    jitted = jax.jit(lambda x: imresize(x, scale=0.5))
    np.testing.assert_allclose(np.asarray(jitted(images)), _np(imresize(images, scale=0.5)),
                               atol=1e-6)


def test_resize_layer_round_trip(tmp_path, rng):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, Resize(scale=3, method="bicubic")(inputs))
    images = rng.random((1, 5, 4, 3), dtype=np.float32)
    path = tmp_path / "resize.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    expected = _np(imresize(images, scale=3))
    np.testing.assert_allclose(_np(loaded(images)), expected, atol=1e-6)
    layer = loaded.layers[-1]
    assert (layer.scale, layer.method, layer.antialias) == (3, "bicubic", True)


def test_bicubic_x2_upscale_taps_are_keys_cubic():
    # Output pixel 0 of a x2 upscale sits at input coordinate 0.25 (1-based 0.75): the
    # Keys kernel (a = -0.5) at distances 1.75, 0.75, 0.25, 1.25 from input pixels 0, 1,
    # 2, 3 (1-based), pixel 0 mirrored onto pixel 1 (0-based 0).
    def keys(d):
        d = abs(d)
        return 1.5 * d ** 3 - 2.5 * d ** 2 + 1 if d <= 1 else -0.5 * d ** 3 + 2.5 * d ** 2 - 4 * d + 2

    indices, weights = contributions(4, 8, 2.0)
    expected = [keys(d) for d in (1.75, 0.75, -0.25, -1.25)]
    np.testing.assert_array_equal(indices[0, 1:5], [1, 0, 0, 1])
    np.testing.assert_allclose(weights[0, 1:5], expected, atol=1e-15)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-15)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scale", [0.25, 1 / 3, 0.5, 0.7, 2, 3, 4])
def test_numpy_float64_equals_imresize(rng, method, scale):
    image = rng.random((37, 29, 3))
    expected = _np(imresize(image.astype(np.float32), scale=scale, method=method))
    np.testing.assert_allclose(imresize_numpy(image, scale=scale, method=method), expected,
                               atol=1e-5)


@pytest.mark.parametrize("scale", [0.25, 3])
def test_float64_tensors_resize_in_float64(rng, scale):
    if keras.ops.convert_to_tensor(np.zeros(1)).dtype != "float64":
        pytest.skip(f"the {keras.backend.backend()} backend does not keep float64 (JAX: x64 off)")
    image = rng.random((2, 37, 29, 3))
    float64 = _np(imresize(image, scale=scale))
    assert float64.dtype == np.float64
    np.testing.assert_allclose(imresize_numpy(image, scale=scale), float64, atol=1e-12)


@pytest.mark.parametrize("scale", [0.25, 3])
def test_gathered_taps_equal_the_dense_matrix(rng, monkeypatch, scale):
    image = rng.random((2, 30, 21, 3))
    dense_np = imresize_numpy(image, scale=scale)
    dense = _np(imresize(image.astype(np.float32), scale=scale))
    resize_module._static_taps.cache_clear()
    monkeypatch.setattr(resize_module, "_DENSE_LIMIT", 0)
    try:
        np.testing.assert_allclose(imresize_numpy(image, scale=scale), dense_np, atol=1e-12)
        np.testing.assert_allclose(_np(imresize(image.astype(np.float32), scale=scale)), dense,
                                   atol=1e-6)
    finally:
        resize_module._static_taps.cache_clear()


@pytest.mark.tf_only
@pytest.mark.parametrize("method", METHODS)
def test_dynamic_shapes_in_a_tf_function(rng, method):
    import tensorflow as tf

    image = rng.random((1, 23, 17, 3)).astype(np.float32)
    resize = tf.function(lambda x: imresize(x, scale=0.5, method=method),
                         input_signature=[tf.TensorSpec((None, None, None, 3))])
    np.testing.assert_allclose(resize(image).numpy(),
                               imresize_numpy(image, scale=0.5, method=method), atol=1e-5)
