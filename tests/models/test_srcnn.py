"""SRCNN: the paper's parameter counts and receptive fields."""

import keras
import numpy as np
import pytest

from keras_sr import models


def _impulse_extent(model, size=31, channels=1):
    """Side of the square of outputs that change when one input pixel changes."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(1, size, size, channels)).astype("float32")
    y = x.copy()
    y[0, size // 2, size // 2, :] += 0.5
    diff = np.abs(keras.ops.convert_to_numpy(model(y)) - keras.ops.convert_to_numpy(model(x)))
    rows = np.nonzero(diff[0].max(axis=(1, 2)) > 0)[0]
    return rows.max() - rows.min() + 1


@pytest.mark.parametrize("kernels,params,field", [("srcnn", 8129, 13), ("srcnn_955", 57281, 17)])
def test_paper_parameter_count_and_receptive_field(kernels, params, field):
    model = models.get(kernels, scale=3, channels=1, pre_upsampled=True)
    # Paper: 9-1-5 has 8,129 parameters on the Y channel (64 and 32 filters).
    assert model.count_params() == params
    assert models.receptive_field(model) == field
    assert _impulse_extent(model) == field
    assert len([l for l in model.layers if isinstance(l, keras.layers.Conv2D)]) == 3


def test_bicubic_inside_matches_preupsampled_input():
    from keras_sr.image.resize import imresize

    lr = np.random.default_rng(1).uniform(size=(1, 10, 8, 1)).astype("float32")
    inside = models.get("srcnn", scale=2, channels=1)
    outside = models.get("srcnn", scale=2, channels=1, pre_upsampled=True)
    outside.set_weights(inside.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(inside(lr)),
        keras.ops.convert_to_numpy(outside(imresize(lr, scale=2))), atol=1e-5)


@pytest.mark.parametrize("bad", [1, 5, 8, 2.5])
def test_unsupported_scale(bad):
    with pytest.raises(ValueError, match="scale"):
        models.get("srcnn", scale=bad)
