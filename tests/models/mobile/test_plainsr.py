"""PlainSR and RepConv3x3: branch algebra, folding, known sizes, save/load (TF and JAX)."""

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.models.mobile import RepConv3x3
from keras_sr.models.mobile.rep_conv import EDGE_FILTERS

NAMES = ("plainsr_small", "plainsr_large")
COMBINATIONS = [(name, scale, channels) for name in NAMES for scale in (2, 3, 4)
                for channels in (1, 3)]


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _conv(x, kernel):
    return _numpy(keras.ops.conv(x, kernel, padding="same"))


def _branch_sum(layer, x):
    """The block computed branch by branch, each as its own convolution (reference)."""
    c_in = x.shape[-1]
    w = {v.path.split("/")[-1]: _numpy(v) for v in layer.weights}
    y = _conv(x, w["conv3x3"]) + _conv(x, w["conv1x1"][None, None])
    hidden = _conv(x, w["expand1x1"][None, None])          # no bias: exact at the borders
    y += _conv(hidden, w["squeeze3x3"])
    for mask, scales in zip(EDGE_FILTERS, w["edge_scales"]):
        mixed = _conv(x, scales[None, None])               # 1x1 channel mix, then the
        depthwise = np.repeat(mask[:, :, None, None], scales.shape[1], axis=2)
        y += _numpy(keras.ops.depthwise_conv(mixed, depthwise, padding="same"))  # fixed filter
    if layer.identity:
        y += x[..., :c_in]
    y += w["bias"]
    return np.maximum(y, 0.0) if layer.activation == "relu" else y


@pytest.mark.parametrize("identity,activation", [(True, "relu"), (False, "linear")])
def test_rep_conv_equals_the_sum_of_its_branches(identity, activation):
    keras.utils.set_random_seed(0)
    layer = RepConv3x3(6 if identity else 5, identity=identity, activation=activation,
                       edge_initializer="glorot_uniform")
    x = np.random.default_rng(0).normal(size=(2, 9, 7, 6)).astype("float32")
    actual = _numpy(layer(x))
    layer.bias.assign(np.linspace(-0.3, 0.3, layer.filters).astype("float32"))
    actual = _numpy(layer(x))
    np.testing.assert_allclose(actual, _branch_sum(layer, x), atol=2e-5, rtol=0)


def test_rep_conv_bad_arguments():
    with pytest.raises(ValueError, match="identity=True\\) needs 4 input channels; got 3"):
        RepConv3x3(4, identity=True)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="`activation` must be one of"):
        RepConv3x3(4, activation="prelu")
    with pytest.raises(ValueError, match="`filters` must be an int >= 1"):
        RepConv3x3(0)


@pytest.mark.parametrize("name,scale,channels", COMBINATIONS)
def test_folded_model_gives_the_same_output(name, scale, channels):
    keras.utils.set_random_seed(scale * 10 + channels)
    model = models.get(name, scale=scale, channels=channels)
    for layer in models.rep_layers(model):  # trained-like: every branch and bias non-zero
        layer.edge_scales.assign(np.random.default_rng(1).normal(
            scale=0.1, size=layer.edge_scales.shape).astype("float32"))
        layer.bias.assign(np.full(layer.bias.shape, 0.01, "float32"))
    folded = models.reparameterize(model)
    assert (folded.name, folded.scale, folded.channels) == (name, scale, channels)
    assert models.rep_layers(folded) == []
    kinds = {type(layer).__name__ for layer in folded.layers}
    # Y: the anchor is a broadcasting Add; RGB: the LR image concatenated scale**2 times
    anchor = {"Concatenate"} if channels == 3 else set()
    assert kinds == {"InputLayer", "Conv2D", "Add", "PixelShuffle"} | anchor
    lr = np.random.default_rng(0).uniform(size=(2, 11, 9, channels)).astype("float32")
    expected, actual = _numpy(model(lr)), _numpy(folded(lr))
    assert expected.shape == (2, 11 * scale, 9 * scale, channels)
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("scale,channels", [(2, 3), (3, 1), (4, 1)])
def test_unshuffled_model_folds_exactly_at_any_size(scale, channels):
    # unshuffle=2: pad (odd sizes) -> PixelUnshuffle -> convs at half size -> fixed 1x1
    # anchor -> PixelShuffle(2 * scale) -> crop
    keras.utils.set_random_seed(scale)
    model = models.get("plainsr_large", scale=scale, channels=channels, filters=8,
                       num_blocks=2, unshuffle=2)
    for layer in models.rep_layers(model):
        layer.bias.assign(np.full(layer.bias.shape, 0.02, "float32"))
    folded = models.reparameterize(model)
    assert models.rep_layers(folded) == []
    for size in [(10, 12), (7, 9)]:
        lr = np.random.default_rng(1).uniform(size=(2, *size, channels)).astype("float32")
        expected = _numpy(model(lr))
        assert expected.shape == (2, size[0] * scale, size[1] * scale, channels)
        np.testing.assert_allclose(_numpy(folded(lr)), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("scale,channels", [(3, 1), (2, 3)])
def test_unshuffled_anchor_is_nearest_upsampling(scale, channels):
    model = models.get("plainsr_small", scale=scale, channels=channels, filters=8,
                       unshuffle=2)
    tail = model.get_layer("tail")
    for weight in tail.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    assert not model.get_layer("anchor").trainable
    lr = np.random.default_rng(2).uniform(size=(1, 5, 8, channels)).astype("float32")
    nearest = np.repeat(np.repeat(lr, scale, axis=1), scale, axis=2)
    np.testing.assert_array_equal(_numpy(model(lr)), nearest)


def test_anchor_kernel_copies_the_right_lr_pixel():
    from keras_sr.models.mobile.plainsr import anchor_kernel

    kernel = anchor_kernel(3, 2, 2)[0, 0]  # (2 * 4 unshuffled, 2 * 36 sub-pixel channels)
    assert kernel.shape == (8, 72) and kernel.sum() == 72
    assert (kernel.sum(axis=0) == 1).all()  # every output copies exactly one input
    # output sub-pixel (i, j) = (4, 1) of colour 1 sits in LR pixel (1, 0) of the block
    assert kernel[(1 * 2 + 0) * 2 + 1, (4 * 6 + 1) * 2 + 1] == 1


@pytest.mark.parametrize("name", ["plainsr_large", "plainsr_wide"])
def test_scaled_init_starts_near_nearest_upsampling(name):
    # Glorot on every branch sums to kernels that put the untrained output far off the
    # image; the scaled init (the family's default) starts at the anchor plus a little
    import skimage.data

    lr = (skimage.data.camera()[200:248, 200:248] / 255.0)[None, :, :, None]
    lr = lr.astype("float32")
    nearest = np.repeat(np.repeat(lr, 3, axis=1), 3, axis=2)
    off = {}
    for init in ("scaled", "glorot_uniform"):
        keras.utils.set_random_seed(0)
        model = models.get(name, scale=3, channels=1, init=init)
        off[init] = float(np.abs(_numpy(model(lr)) - nearest).mean())
    assert off["scaled"] < 0.05 < 0.5 < off["glorot_uniform"], off


def test_untrained_model_is_near_nearest_upsampling():
    # the anchor: at init the output is the LR image upsampled (nearest), plus a small
    # correction
    model = models.get("plainsr_small", scale=2, channels=1)
    lr = np.random.default_rng(0).uniform(size=(1, 8, 8, 1)).astype("float32")
    nearest = np.repeat(np.repeat(lr, 2, axis=1), 2, axis=2)
    sr = _numpy(model(lr))
    tail = model.get_layer("tail")
    tail.conv3x3.assign(np.zeros(tail.conv3x3.shape, "float32"))
    tail.conv1x1.assign(np.zeros(tail.conv1x1.shape, "float32"))
    tail.squeeze3x3.assign(np.zeros(tail.squeeze3x3.shape, "float32"))
    tail.edge_scales.assign(np.zeros(tail.edge_scales.shape, "float32"))
    np.testing.assert_allclose(_numpy(model(lr)), nearest, atol=1e-7)
    assert not np.allclose(sr, nearest, atol=1e-3)


# (name, scale, channels) -> (train-time params, folded params, MACs per LR pixel):
# folded = 9*c*16+16 (head) + blocks*(9*16*16+16) + 9*16*c*s*s + c*s*s (tail);
# MACs per LR pixel = the folded conv weights (the same for both forms).
KNOWN = {
    ("plainsr_small", 2, 1): (39972, 10020, 9936),
    ("plainsr_small", 3, 1): (42347, 10745, 10656),
    ("plainsr_small", 4, 3): (92240, 16688, 16560),
    ("plainsr_medium", 3, 1): (50811, 13065, 12960),
    ("plainsr_large", 3, 1): (59275, 15385, 15264),
    ("plainsr_large", 3, 3): (75757, 18283, 18144),
    ("plainsr_large", 4, 1): (64112, 16400, 16272),
}


@pytest.mark.parametrize("key", KNOWN)
def test_parameters_and_macs(key):
    name, scale, channels = key
    params, folded_params, macs = KNOWN[key]
    model = models.get(name, scale=scale, channels=channels)
    folded = models.reparameterize(model)
    blocks = {"plainsr_small": 4, "plainsr_medium": 5, "plainsr_large": 6}[name]
    out = channels * scale * scale
    assert folded_params == 9 * channels * 16 + 16 + blocks * (9 * 16 * 16 + 16) + \
        9 * 16 * out + out
    assert (model.count_params(), folded.count_params()) == (params, folded_params)
    for form in (model, folded):  # counted as the conv it folds into
        assert models.macs_per_pixel(form, per="input") == macs
        assert models.macs_per_pixel(form) == macs / scale**2
    assert models.receptive_field(model) == models.receptive_field(folded) == \
        3 + 2 * (blocks + 1)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_wide_parameters_macs_and_receptive_field(scale):
    # convs at half the LR size on the 4 unshuffled channels: head 4 -> 32, 6 blocks
    # 32 -> 32, tail 32 -> (2 * scale)**2, the fixed 1x1 anchor 4 -> (2 * scale)**2
    model = models.get("plainsr_wide", scale=scale, channels=1)
    folded = models.reparameterize(model)
    out = (2 * scale) ** 2
    weights = 9 * 4 * 32 + 6 * 9 * 32 * 32 + 9 * 32 * out + 4 * out
    assert folded.count_params() == weights + 32 + 6 * 32 + out
    assert models.macs_per_pixel(folded, per="input") == weights / 4
    if scale == 3:  # about plainsr_large's 15,264 (ESPCN: 22,624)
        assert weights / 4 == 16740
    # 8 convs of 3x3 on 2x2 blocks: 2 + 8 * 2 * 2 = 34 LR pixels
    assert models.receptive_field(model) == models.receptive_field(folded) == 34


def test_fewer_macs_than_espcn_at_x3():
    espcn = models.macs_per_pixel(models.get("espcn", scale=3, channels=1))
    large = models.macs_per_pixel(models.get("plainsr_large", scale=3, channels=1))
    assert espcn * 9 == 22624 and large * 9 == 15264


@pytest.mark.parametrize("fold", [False, True])
def test_save_load_round_trip(fold, tmp_path):
    model = models.get("plainsr_large", scale=3, channels=1)
    if fold:
        model = models.reparameterize(model)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = models.load(path)
    assert (loaded.name, loaded.scale, loaded.channels) == ("plainsr_large", 3, 1)
    assert len(models.rep_layers(loaded)) == (0 if fold else 8)
    lr = np.random.default_rng(5).uniform(size=(1, 7, 6, 1)).astype("float32")
    np.testing.assert_array_equal(_numpy(loaded(lr)), _numpy(model(lr)))
    if not fold:  # a loaded training checkpoint folds like the original
        np.testing.assert_allclose(_numpy(models.reparameterize(loaded)(lr)),
                                   _numpy(model(lr)), atol=1e-5, rtol=0)


def test_bad_builder_arguments():
    with pytest.raises(ValueError, match="unsupported `scale` 5"):
        models.get("plainsr_small", scale=5)
    with pytest.raises(ValueError, match="`unshuffle` must be 1 or 2; got 3"):
        models.get("plainsr_small", unshuffle=3)
    with pytest.raises(ValueError, match="'relu' or 'relu6'"):
        models.get("plainsr_small", activation="prelu")
    with pytest.raises(ValueError, match="reparameterize expects a functional"):
        models.reparameterize("model")
