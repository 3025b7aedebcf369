"""Residual, dense, dilated and attention blocks."""

import keras
import numpy as np
import pytest

from keras_sr.layers import (channel_attention, dense_block, dilated_block, residual_block,
                             residual_channel_attention_block, residual_dense_block)


def _model(block, channels=4, **kwargs):
    inp = keras.Input((None, None, channels))
    return keras.Model(inp, block(inp, **kwargs))


def _x(channels=4, size=(6, 5), seed=0):
    return np.random.default_rng(seed).normal(size=(1, *size, channels)).astype("float32")


def test_residual_block_scaling():
    model = _model(residual_block, filters=4, scaling=0.1)
    branch = keras.Model(model.inputs, model.get_layer("res_conv2").output)
    x = _x()
    expected = x + 0.1 * keras.ops.convert_to_numpy(branch(x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), expected, atol=1e-5)
    with pytest.raises(ValueError, match="filters"):
        _model(residual_block, filters=8)


def test_dense_blocks():
    dense = _model(dense_block, growth=3, num_layers=4)
    assert tuple(dense(_x()).shape) == (1, 6, 5, 4 + 12)
    # The 3rd dense layer sees the input and the two outputs before it.
    assert dense.get_layer("dense_conv3").kernel.shape == (3, 3, 4 + 6, 3)
    rdb = _model(residual_dense_block, growth=3, num_layers=2, scaling=0.2)
    fuse = rdb.get_layer("rdb_fuse")
    fuse.set_weights([np.zeros_like(w) for w in fuse.get_weights()])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rdb(_x())), _x(), atol=1e-6)


def test_dilated_block_receptive_field():
    model = _model(dilated_block, filters=4, dilation_rates=(1, 2, 4))
    x = _x(size=(31, 31))
    y = x.copy()
    y[0, 15, 15] += 1.0
    diff = np.abs(keras.ops.convert_to_numpy(model(y)) - keras.ops.convert_to_numpy(model(x)))
    rows = np.nonzero(diff[0].max(axis=(1, 2)) > 1e-7)[0]
    assert rows.max() - rows.min() + 1 == 1 + 2 * (1 + 2 + 4)


def test_channel_attention_formula():
    model = _model(channel_attention, channels=8, reduction=4)
    x = _x(channels=8)
    down_k, down_b = model.get_layer("ca_down").get_weights()
    up_k, up_b = model.get_layer("ca_up").get_weights()
    pooled = x.mean(axis=(1, 2))
    hidden = np.maximum(pooled @ down_k[0, 0] + down_b, 0)
    weights = 1 / (1 + np.exp(-(hidden @ up_k[0, 0] + up_b)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)),
                               x * weights[:, None, None, :], atol=1e-5)
    rcab = _model(residual_channel_attention_block, channels=8, filters=8, reduction=4)
    assert tuple(rcab(x).shape) == x.shape
