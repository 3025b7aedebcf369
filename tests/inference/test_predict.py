"""Tests of keras_sr.inference.upscale_array (RGB models, Y models, callables)."""

import keras
import numpy as np
import pytest

from keras_sr.image.resize import imresize
from keras_sr.inference import upscale_array
from keras_sr.layers.resize import Resize


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _bicubic_model(channels, scale=2):
    inputs = keras.Input((None, None, channels))
    return keras.Model(inputs, Resize(scale=scale)(inputs), name=f"bicubic_c{channels}")


@pytest.fixture
def lr(rng):
    return rng.random((6, 5, 3)).astype(np.float32)


def test_rgb_model_output_is_clipped_bicubic(lr):
    sr = upscale_array(_bicubic_model(3), lr, scale=2)
    assert sr.shape == (12, 10, 3) and sr.dtype == np.float32
    np.testing.assert_allclose(sr, np.clip(_np(imresize(lr, scale=2)), 0, 1), atol=1e-6)


def test_y_model_gets_luma_and_chroma_is_bicubic(lr):
    # Bicubic is linear and the YCbCr transform is affine, so running bicubic on Y and
    # on CbCr separately must give the RGB bicubic result.
    sr = upscale_array(_bicubic_model(1), lr)
    np.testing.assert_allclose(sr, np.clip(_np(imresize(lr, scale=2)), 0, 1), atol=1e-5)


def test_plain_callable_and_grey_input(lr):
    def nearest_x3(batch):
        return np.repeat(np.repeat(np.asarray(batch), 3, 1), 3, 2)

    sr = upscale_array(nearest_x3, lr, scale=3)
    np.testing.assert_allclose(sr, np.repeat(np.repeat(lr, 3, 0), 3, 1), atol=1e-7)
    grey = upscale_array(nearest_x3, lr[..., :1])
    assert grey.shape == (18, 15, 1)
    np.testing.assert_allclose(grey[..., 0], np.repeat(np.repeat(lr[..., 0], 3, 0), 3, 1),
                               atol=1e-6)


def test_wrong_scale_and_shapes_raise(lr):
    with pytest.raises(ValueError, match="scale=3.*12x10"):
        upscale_array(_bicubic_model(3), lr, scale=3)
    with pytest.raises(ValueError, match=r"\(1, 6, 5, 3\)"):
        upscale_array(_bicubic_model(3), lr[None])


def test_uint8_input_is_read_as_levels_not_saturated(lr):
    model = _bicubic_model(3)
    levels = np.round(lr * 255).astype("uint8")
    from_uint8 = upscale_array(model, levels, scale=2)
    from_float = upscale_array(model, levels.astype("float32") / 255, scale=2)
    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)
    with pytest.raises(ValueError, match="upscale_array"):
        upscale_array(model, lr * 255, scale=2)   # float outside [0, 1]
    with pytest.raises(ValueError, match="upscale_array"):
        upscale_array(model, levels.astype("int32"), scale=2)
