"""Tests of keras_sr.inference.tiling: tiled == whole-image inference, radius probe."""

import keras
import numpy as np
import pytest
from toy_models import tiny_espcn

from keras_sr.inference.tiling import _windows, receptive_radius, upscale_tiled


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
    # too little overlap shows at the seams: the check above is not vacuous
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
                  overlap=3)
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
