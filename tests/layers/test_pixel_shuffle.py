"""PixelShuffle, PixelUnshuffle and ICNR."""

import keras
import numpy as np
import pytest

from keras_sr.layers import ICNR, PixelShuffle, PixelUnshuffle, pixel_shuffle_upsampler


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
@pytest.mark.parametrize("layer,channels,op", [
    (PixelShuffle(2), 12, "DEPTH_TO_SPACE"), (PixelUnshuffle(2), 3, "SPACE_TO_DEPTH")],
    ids=["shuffle", "unshuffle"])
def test_converts_to_the_tflite_builtin(layer, channels, op, tmp_path):
    import tensorflow as tf

    from keras_sr.export import list_ops

    inp = keras.Input((None, None, channels))
    model = keras.Model(inp, layer(inp))
    content = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    path = tmp_path / "layer.tflite"
    path.write_bytes(content)
    assert [entry["op"] for entry in list_ops(path)] == [op]


def _numpy_unshuffle(x, r):
    """Pixel (h*r + i, w*r + j) channel c -> pixel (h, w) channel (i*r + j)*C + c, by loops."""
    n, h, w, c = x.shape
    y = np.zeros((n, h // r, w // r, c * r * r), x.dtype)
    for i in range(r):
        for j in range(r):
            y[..., (i * r + j) * c:(i * r + j + 1) * c] = x[:, i::r, j::r, :]
    return y


@pytest.mark.parametrize("block,channels", [(2, 1), (2, 3), (3, 2)])
def test_unshuffle_matches_loops_and_inverts_the_shuffle(block, channels):
    x = np.random.default_rng(1).normal(size=(2, 6, 12, channels)).astype("float32")
    y = keras.ops.convert_to_numpy(PixelUnshuffle(block)(x))
    np.testing.assert_array_equal(y, _numpy_unshuffle(x, block))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(PixelShuffle(block)(y)), x)


def test_unshuffle_config_and_errors():
    layer = PixelUnshuffle(2, name="fold")
    assert PixelUnshuffle.from_config(layer.get_config()).block == 2
    assert layer.compute_output_shape((None, 8, None, 3)) == (None, 4, None, 12)
    with pytest.raises(ValueError, match="`block` must be an integer >= 2"):
        PixelUnshuffle(1)
    with pytest.raises(ValueError, match="width divisible by 2.*PadToMultiple"):
        PixelUnshuffle(2)(np.zeros((1, 4, 5, 1), "float32"))


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
