"""PixelShuffle and ICNR."""

import keras
import numpy as np
import pytest

from keras_sr.layers import ICNR, PixelShuffle, pixel_shuffle_upsampler


def _numpy_shuffle(x, r):
    n, h, w, c = x.shape
    return x.reshape(n, h, w, r, r, c // (r * r)).transpose(0, 1, 3, 2, 4, 5).reshape(
        n, h * r, w * r, c // (r * r))


@pytest.mark.parametrize("scale,channels", [(2, 3), (3, 1), (4, 2)])
def test_matches_numpy_reference(scale, channels):
    x = np.random.default_rng(0).normal(size=(2, 3, 5, channels * scale**2)).astype("float32")
    y = keras.ops.convert_to_numpy(PixelShuffle(scale)(x))
    np.testing.assert_array_equal(y, _numpy_shuffle(x, scale))


def test_config_and_errors():
    layer = PixelShuffle(3, name="ps")
    assert PixelShuffle.from_config(layer.get_config()).scale == 3
    with pytest.raises(ValueError, match="scale"):
        PixelShuffle(1)
    with pytest.raises(ValueError, match="divisible by 4"):
        PixelShuffle(2)(np.zeros((1, 2, 2, 6), "float32"))


@pytest.mark.tf_only
def test_converts_to_tflite_depth_to_space():
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    inp = keras.Input((None, None, 12))
    model = keras.Model(inp, PixelShuffle(2)(inp))
    interpreter = Interpreter(model_content=tf.lite.TFLiteConverter.from_keras_model(
        model).convert())
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert "DEPTH_TO_SPACE" in ops


@pytest.mark.parametrize("scale", [2, 3])
def test_icnr_makes_each_block_constant(scale):
    inp = keras.Input((None, None, 4))
    conv = keras.layers.Conv2D(2 * scale**2, 3, padding="same",
                               kernel_initializer=ICNR(scale, seed=1))
    model = keras.Model(inp, PixelShuffle(scale)(conv(inp)))
    x = np.random.default_rng(1).normal(size=(1, 5, 6, 4)).astype("float32")
    y = keras.ops.convert_to_numpy(model(x))
    blocks = y.reshape(1, 5, scale, 6, scale, 2)
    np.testing.assert_allclose(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape),
                               atol=1e-6)
    assert np.std(y) > 0


def test_icnr_seed_and_serialization():
    a = keras.ops.convert_to_numpy(ICNR(2, seed=3)((3, 3, 4, 8)))
    b = keras.ops.convert_to_numpy(ICNR(2, seed=3)((3, 3, 4, 8)))
    np.testing.assert_array_equal(a, b)
    restored = keras.initializers.deserialize(keras.initializers.serialize(ICNR(3, seed=5)))
    assert isinstance(restored, ICNR) and restored.scale == 3 and restored.seed == 5
    with pytest.raises(ValueError, match="divisible"):
        ICNR(2)((3, 3, 4, 6))


@pytest.mark.parametrize("scale,stages", [(2, 1), (3, 1), (4, 2), (8, 3)])
def test_upsampler(scale, stages):
    inp = keras.Input((None, None, 8))
    model = keras.Model(inp, pixel_shuffle_upsampler(inp, 4, scale))
    assert len([l for l in model.layers if isinstance(l, PixelShuffle)]) == stages
    assert tuple(model(np.zeros((1, 3, 2, 8), "float32")).shape) == (1, 3 * scale,
                                                                     2 * scale, 4)
