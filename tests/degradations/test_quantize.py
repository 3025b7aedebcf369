"""Quantization to 2**bits levels."""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_quantize_levels_and_colour_depth():
    x = np.linspace(0, 1, 1001, dtype="float32")
    q8 = _np(D.quantize(x, 8))
    np.testing.assert_allclose(q8 * 255, np.round(x * 255), atol=1e-4)
    assert len(np.unique(_np(D.quantize(x, 3)))) == 8
    with pytest.raises(ValueError, match="bits"):
        D.quantize(x, 0)
