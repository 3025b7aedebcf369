"""Tests of keras_sr.inference.tiling: tiled == whole-image inference, radius probe."""

import keras
import numpy as np
import pytest
from toy_models import tiny_espcn

from keras_sr.inference.predict import upscale_array
from keras_sr.inference.tiling import _windows, receptive_radius, upscale_tiled
from keras_sr.layers.pixel_shuffle import PixelShuffle


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture(scope="module")
def model():
    return tiny_espcn(scale=2, filters=4)


def test_windows_cover_the_axis_with_context():
    for length, tile, overlap in ((37, 8, 3), (8, 8, 3), (5, 16, 2), (40, 10, 0)):
        covered = np.zeros(length, int)
        for core0, core1, win0, win in _windows(length, tile, overlap):
            covered[core0:core1] += 1
            assert win == min(length, tile + 2 * overlap)
            assert 0 <= win0 and win0 + win <= length
            assert core0 - win0 >= min(overlap, core0)
            assert win0 + win - core1 >= min(overlap, length - core1)
        assert (covered == 1).all()


def test_receptive_radius_of_known_model(model):
    # 5x5 + 3x3 + 3x3 convs: 2 + 1 + 1 LR px
    assert receptive_radius(model, 2) == 4


def test_tiled_equals_whole_image(model, rng):
    lr = rng.uniform(0, 1, (29, 23, 3)).astype("float32")
    whole = np.clip(_np(model(lr[None]))[0], 0, 1)
    tiled = upscale_tiled(model, lr, 2, tile=8, overlap=4)
    assert tiled.shape == (58, 46, 3)
    assert np.abs(tiled - whole).max() <= 1 / 255
    # too little overlap shows at the seams (and warns): the check above is not vacuous
    with pytest.warns(UserWarning, match="smaller than the model's receptive radius 4"):
        short = upscale_tiled(model, lr, 2, tile=8, overlap=1)
    assert np.abs(short - whole).max() > 1 / 255


def test_default_overlap_and_uint8(model, rng):
    lr = rng.uniform(0, 1, (20, 20, 3)).astype("float32")
    whole = np.clip(_np(model(lr[None]))[0], 0, 1)
    tiled = upscale_tiled(model, lr, 2, tile=6, output_dtype="uint8")
    assert tiled.dtype == np.uint8
    assert np.abs(tiled.astype("float32") - np.round(whole * 255)).max() <= 1


def test_calls_bounded_by_tile(model, rng):
    shapes = []

    def spy(batch):
        shapes.append(batch.shape)
        return _np(model(batch))

    upscale_tiled(spy, rng.uniform(0, 1, (40, 30, 3)).astype("float32"), 2, tile=10,
                  overlap=3, radius=3)
    assert set(shapes) == {(1, 16, 16, 3)} and len(shapes) == 12


@pytest.mark.tf_only
def test_tiled_tflite_equals_whole(tmp_path, model, rng):
    from keras_sr.export import TFLiteModel, export_tflite

    path = export_tflite(model, tmp_path / "m.tflite")
    lr = rng.uniform(0, 1, (21, 26, 3)).astype("float32")
    whole = np.clip(TFLiteModel(path)(lr[None])[0], 0, 1)
    assert np.abs(upscale_tiled(str(path), lr, 2, tile=8) - whole).max() <= 1 / 255


def test_bad_arguments(model):
    with pytest.raises(ValueError, match="lr"):
        upscale_tiled(model, np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="output_dtype"):
        upscale_tiled(model, np.zeros((4, 4, 3)), 2, overlap=1, output_dtype="int16")
    with pytest.raises(ValueError, match="channels"):
        upscale_tiled(model, np.zeros((4, 4, 2)), 2, overlap=1)


def _box_model(scale=2):
    """3x3 box blur then nearest upscaling: flat images stay flat, zero padding darkens."""
    lr = keras.Input((None, None, 3))
    box = keras.layers.Conv2D(3, 3, padding="same", use_bias=False)
    x = box(lr)
    spread = keras.layers.Conv2D(3 * scale**2, 1, use_bias=False)
    y = PixelShuffle(scale)(spread(x))
    model = keras.Model(lr, y)
    box.set_weights([np.einsum("hw,io->hwio", np.full((3, 3), 1 / 9), np.eye(3))])
    spread.set_weights([np.tile(np.eye(3), (1, scale**2))[None, None]])
    return model


def test_one_pixel_image_keeps_its_value():
    colour = np.array([[[0.2, 0.6, 0.9]]], dtype="float32")
    model = _box_model()
    assert np.allclose(_np(model(colour[None]))[0], colour / 9, atol=1e-6)  # zero padding
    sr = upscale_tiled(model, colour, 2)
    assert sr.shape == (2, 2, 3)
    np.testing.assert_allclose(sr, np.broadcast_to(colour, (2, 2, 3)), atol=1e-6)


def test_uint8_is_converted_and_out_of_range_floats_refused(model, rng):
    pixels = rng.integers(0, 256, (12, 10, 3)).astype("uint8")
    as_float = pixels.astype("float32") / 255
    np.testing.assert_array_equal(upscale_tiled(model, pixels, 2, tile=6),
                                  upscale_tiled(model, as_float, 2, tile=6))
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        upscale_tiled(model, pixels.astype("float32"), 2)
    with pytest.raises(ValueError, match="uint8"):
        upscale_tiled(model, pixels.astype("int32"), 2)


def test_greyscale_in_greyscale_out(model, rng):
    grey = rng.uniform(0, 1, (12, 10, 1)).astype("float32")
    sr = upscale_tiled(model, grey, 2, tile=6)
    assert sr.shape == (24, 20, 1)
    whole = upscale_array(model, grey, scale=2)
    assert np.abs(sr - whole).max() <= 1e-5
