"""PadToMultiple and CropToMatch against numpy."""

import keras
import numpy as np
import pytest

from keras_sr.layers import CropToMatch, PadToMultiple


@pytest.mark.parametrize("mode", ["symmetric", "reflect", "constant"])
@pytest.mark.parametrize("size", [(5, 8), (7, 6), (4, 4), (1, 2)])
def test_pad_matches_numpy(mode, size):
    x = np.random.default_rng(0).normal(size=(2, *size, 3)).astype("float32")
    inp = keras.Input((None, None, 3))
    model = keras.Model(inp, PadToMultiple(4, mode=mode)(inp))
    pads = [(0, 0), (0, -size[0] % 4), (0, -size[1] % 4), (0, 0)]
    if mode == "reflect" and min(size) < 2:
        pytest.skip("numpy cannot reflect a length-1 axis")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(x)),
                                  np.pad(x, pads, mode=mode))
    assert model.outputs[0].shape[-1] == 3


def test_crop_and_config():
    crop = CropToMatch(3)
    y = crop([np.arange(2 * 12 * 12).reshape(2, 12, 12, 1), np.zeros((2, 3, 2, 5))])
    assert tuple(y.shape) == (2, 9, 6, 1)
    assert CropToMatch.from_config(crop.get_config()).scale == 3
    assert PadToMultiple.from_config(PadToMultiple(8, "reflect").get_config()).mode == "reflect"
    with pytest.raises(ValueError, match="mode"):
        PadToMultiple(4, mode="wrap")


def test_static_sizes_already_aligned_pass_through():
    # a fixed-size graph (TFLite export) keeps no gather or slice op when nothing to do
    x = keras.ops.ones((1, 8, 12, 2))
    assert PadToMultiple(4)(x) is x
    assert CropToMatch(2)([x, keras.ops.ones((1, 4, 6, 1))]) is x
    assert tuple(CropToMatch(2)([x, keras.ops.ones((1, 3, 6, 1))]).shape) == (1, 6, 12, 2)
