"""Degradation layers: the functions they wrap, seeding, serialization names kept."""

import json

import keras
import numpy as np
import pytest

from keras_sr import degradations as D
from keras_sr.layers import (Degrade, Downscale, GaussianBlur, GaussianNoise, JPEGCompression,
                             PoissonNoise, Quantize)

def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("layer", [Degrade, Downscale, GaussianBlur, GaussianNoise,
                                   JPEGCompression, PoissonNoise, Quantize])
def test_registered_names_are_those_of_existing_keras_files(layer):
    # .keras files written before the layers moved out of keras_sr.data name them so.
    assert keras.saving.get_registered_name(layer) == f"keras_sr>{layer.__name__}"


def test_config_written_before_the_move_still_loads(rgb_batch):
    # The serialized form a model saved when the layers lived in keras_sr.data.degradations.
    old = json.loads('{"module": "keras_sr.data.degradations", "class_name": "Downscale", '
                     '"config": {"name": "downscale", "trainable": false, "dtype": "float32", '
                     '"seed": null, "scale": 2, "method": "bicubic"}, '
                     '"registered_name": "keras_sr>Downscale"}')
    layer = keras.saving.deserialize_keras_object(old)
    assert isinstance(layer, Downscale)
    np.testing.assert_allclose(_np(layer(rgb_batch)), _np(D.downscale(rgb_batch, 2)), atol=1e-6)


def test_poisson_layer_is_seeded_and_draws_anew(rgb_batch):
    layer_a, layer_b = PoissonNoise(seed=5), PoissonNoise(seed=5)
    first = _np(layer_a(rgb_batch))
    np.testing.assert_array_equal(first, _np(layer_b(rgb_batch)))
    assert not np.array_equal(first, _np(layer_a(rgb_batch)))   # the next call draws anew


def test_poisson_layer_in_a_compiled_model():
    model = keras.Sequential([keras.Input((8, 8, 3)), PoissonNoise(seed=3)])
    first = np.asarray(model.predict(np.full((2, 8, 8, 3), 0.5, "float32"), verbose=0))
    assert first.std() > 0 and np.all((first >= 0) & (first <= 1))


def test_degrade_with_seeds_is_the_stateless_chain(rgb_batch):
    layer = Degrade(2, "blur-downscale-noise", options={"kernel_size": 5})
    pair = np.array([3, 7], "int64" if keras.backend.backend() == "tensorflow" else "uint32")
    expected = _np(D.degrade(rgb_batch, 2, "blur-downscale-noise", seed=D.SeedStream(pair),
                             kernel_size=5))
    np.testing.assert_array_equal(_np(layer(rgb_batch, seeds=np.stack([pair, pair + 1]))), expected)


@pytest.mark.slow_on_jax
def test_degrade_layer_round_trip(rgb_batch):
    layer = Degrade(2, "blur-downscale-noise", seed=4, options={"kernel_size": 5})
    out = _np(layer(rgb_batch))
    assert out.shape == (2, 8, 8, 3)
    clone = Degrade.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((16, 16, 3)), Downscale(2), Quantize(8)])
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    np.testing.assert_allclose(_np(restored(rgb_batch)), _np(D.degrade(rgb_batch, 2)), atol=1e-6)


def test_layers_save_and_load_as_keras_file(rgb_batch, tmp_path):
    model = keras.Sequential([keras.Input((16, 16, 3)), Downscale(4), Quantize(8)])
    path = tmp_path / "m.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(_np(restored(rgb_batch)), _np(D.degrade(rgb_batch, 4)), atol=1e-6)
