"""PyramidPooling on dynamic sizes against a numpy reference."""

import keras
import numpy as np
import pytest

from keras_sr.layers import PyramidPooling, spatial_pyramid_pooling


def _reference(x, sizes):
    n, h, w, c = x.shape
    levels = [x]
    for p in sizes:
        out = np.zeros_like(x)
        for i in range(0, h, p):
            for j in range(0, w, p):
                out[:, i:i + p, j:j + p] = x[:, i:i + p, j:j + p].mean(axis=(1, 2),
                                                                      keepdims=True)
        levels.append(out)
    levels.append(np.broadcast_to(x.mean(axis=(1, 2), keepdims=True), x.shape))
    return np.concatenate(levels, axis=-1)


@pytest.mark.parametrize("size", [(8, 8), (12, 4)])
def test_matches_reference_on_dynamic_model(size):
    inp = keras.Input((None, None, 2))
    model = keras.Model(inp, PyramidPooling((2, 4))(inp))
    assert model.outputs[0].shape[-1] == 8
    x = np.random.default_rng(0).normal(size=(2, *size, 2)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), _reference(x, (2, 4)),
                               atol=1e-5)


def test_sizes_not_divisible_by_the_window():
    x = np.random.default_rng(1).normal(size=(1, 9, 7, 1)).astype("float32")
    y = keras.ops.convert_to_numpy(PyramidPooling((4,), global_pool=False)(x))
    assert y.shape == (1, 9, 7, 2)
    # Windows start top-left; the last ones see mirrored pixels (numpy "symmetric").
    padded = np.pad(x, [(0, 0), (0, 3), (0, 1), (0, 0)], mode="symmetric")
    np.testing.assert_allclose(y[..., 1:], _reference(padded, (4,))[:, :9, :7, 1:2],
                               atol=1e-5)


def test_block_and_config():
    inp = keras.Input((None, None, 4))
    model = keras.Model(inp, spatial_pyramid_pooling(inp, 6))
    assert tuple(model(np.zeros((1, 5, 6, 4), "float32")).shape) == (1, 5, 6, 6)
    layer = PyramidPooling((2, 8), global_pool=False)
    restored = PyramidPooling.from_config(layer.get_config())
    assert restored.pool_sizes == (2, 8) and restored.global_pool is False
    with pytest.raises(ValueError, match="pool_sizes"):
        PyramidPooling((1,))
