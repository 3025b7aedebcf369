"""Per-layer recipe options: learning-rate multipliers, initializers, trainable layers and
initial weights (transfer between scales), through the trainer's config."""

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.training import layer_options, trainer
from keras_sr.training.config import ConfigError, read_config

WEIGHTS = Path(models.WEIGHTS_DIR)


def _two_layer_model():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, name="a")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="b")(hidden))


def _one_adam_step(multipliers):
    keras.utils.set_random_seed(1)
    model = _two_layer_model()
    optimizer = keras.optimizers.Adam(1e-2)
    if multipliers:
        layer_options.apply_rate_multipliers(
            optimizer, layer_options.rate_multipliers(model, multipliers))
    model.compile(optimizer=optimizer, loss="mse")
    before = [np.array(w) for w in model.get_weights()]
    rng = np.random.default_rng(0)
    model.train_on_batch(rng.normal(size=(8, 4)), rng.normal(size=(8, 2)))
    return [np.array(w) - b for w, b in zip(model.get_weights(), before)]


def test_layer_rate_is_a_real_rate_for_adam():
    plain = _one_adam_step(None)
    slow = _one_adam_step({"b": 0.1})
    # a: kernel, bias at the full rate; b: kernel, bias at a tenth of it (Adam's first
    # step is rate * m / sqrt(v): scaling the gradient would leave it unchanged).
    np.testing.assert_allclose(slow[0], plain[0], rtol=1e-6)
    np.testing.assert_allclose(slow[1], plain[1], rtol=1e-6)
    np.testing.assert_allclose(slow[2], 0.1 * plain[2], rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(slow[3], 0.1 * plain[3], rtol=1e-4, atol=1e-9)
    assert np.abs(plain[2]).min() > 1e-4


def test_initializer_sets_the_deconvolution_like_the_paper():
    model = models.get("fsrcnn", scale=3, channels=1)
    done = layer_options.initialize_layers(
        model, {"sr": {"kernel": {"name": "random_normal", "stddev": 0.001},
                       "bias": "zeros"}}, seed=0)
    assert done == ["sr/kernel", "sr/bias"]
    kernel = np.asarray(model.get_layer("sr").kernel)
    assert kernel.size == 9 * 9 * 56
    assert abs(float(kernel.std()) - 0.001) < 0.0001
    assert abs(float(kernel.mean())) < 0.0001
    np.testing.assert_array_equal(np.asarray(model.get_layer("sr").bias), 0.0)


def test_trainable_globs_freeze_the_other_layers():
    model = models.get("fsrcnn", scale=2, channels=1)
    chosen = layer_options.set_trainable(model, ["sr"])
    assert [layer.name for layer in chosen] == ["sr"]
    assert [w.path for w in model.trainable_weights] == ["sr/kernel", "sr/bias"]


def test_transfer_copies_the_x3_weights_into_an_x2_model():
    source = WEIGHTS / "fsrcnn_x3_c1.weights.h5"
    model = models.get("fsrcnn", scale=2, channels=1)
    message = layer_options.load_initial_weights(
        model, {"file": str(source), "transfer": True}, "fsrcnn", 2, 1)
    assert "transferred from x3: 15 layers" in message   # 8 convolutions, 7 PReLU
    x3 = models.get("fsrcnn", scale=3, channels=1, weights="pretrained")
    for name in ("feature_extraction", "mapping4", "sr"):
        for a, b in zip(model.get_layer(name).get_weights(), x3.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    assert json.loads((WEIGHTS / "fsrcnn_x3_c1.json").read_text())["scale"] == 3


@pytest.mark.parametrize("changes, message", [
    ({"layer_lr": {"deconv*": 0.1}}, r"'layer_lr.deconv\*'.*matches no layer.*conv1, "
                                     r"conv2, conv3"),
    ({"layer_lr": {"conv3": -1}}, r"'layer_lr.conv3' must be a number > 0"),
    ({"initializers": {"conv1": {"gamma": "zeros"}}}, r"has no weight 'gamma'"),
    ({"initializers": {"conv1": {"kernel": "nonsense"}}}, r"initializers.conv1.kernel"),
    ({"trainable": "conv3"}, r"'trainable' must be a non-empty list"),
    ({"weights": {"path": "x"}}, r"'weights' must be null, 'pretrained'"),
])
def test_bad_layer_options_name_the_key(tiny_config, changes, message):
    with pytest.raises(ConfigError, match=message):
        read_config(dict(tiny_config, **changes))


def test_training_only_chosen_layers_at_their_rate(tiny_config):
    config = read_config(dict(tiny_config, trainable=["conv3"], layer_lr={"conv3": 0.5},
                              initializers={"conv3": {"bias": {"name": "constant",
                                                               "value": 0.01}}}))
    config["data"]["val"] = None
    config["callbacks"].update(images_every=0, plot=False)
    keras.utils.set_random_seed(0)
    start = trainer.build_model(config)
    np.testing.assert_allclose(np.asarray(start.get_layer("conv3").bias), 0.01)
    before = {layer.name: [np.array(w) for w in layer.get_weights()]
              for layer in start.layers if layer.weights}
    result = trainer.train(config, log=lambda message: None)
    after = result["model"]
    for name in ("conv1", "conv2"):
        for a, b in zip(after.get_layer(name).get_weights(), before[name]):
            np.testing.assert_array_equal(a, b)
    moved = np.abs(after.get_layer("conv3").get_weights()[0] - before["conv3"][0]).max()
    assert moved > 1e-5


@pytest.mark.parametrize("changes, message", [
    ({"augment": "mirror"}, r"'data.augment' must be true, false, 'rotate' or 'flip'"),
    ({"stride": 0}, r"'data.stride' must be a positive integer"),
    ({"scale_augment": [1.0, 1.5]}, r"'data.scale_augment' must be a list of factors"),
    ({"skip_bad": "yes"}, r"'data.skip_bad' must be true or false"),
])
def test_bad_sampler_options_name_the_key(tiny_config, changes, message):
    with pytest.raises(ConfigError, match=message):
        read_config(dict(tiny_config, data=dict(tiny_config["data"], **changes)))


def test_sampler_options_reach_the_data(tiny_config):
    """Dense patches at a stride with scale augmentation: the batches are what the data
    sampler gives for those options (and differ from random patches)."""
    dense = read_config(dict(tiny_config, data=dict(
        tiny_config["data"], stride=3, scale_augment=[1.0, 0.8], augment="rotate")))
    plain = read_config(tiny_config)

    def first_batch(config):
        data = trainer.build_train_data(config)
        batch = data[0] if isinstance(data, keras.utils.PyDataset) else next(iter(data))
        return [np.asarray(a) for a in batch]

    a, b = first_batch(dense), first_batch(dense)
    np.testing.assert_array_equal(a[1], b[1])
    assert a[1].shape == (4, 12, 12, 1) and a[0].shape == (4, 6, 6, 1)
    assert not np.array_equal(a[1], first_batch(plain)[1])
