"""Discriminators: SRGAN's layout on 96x96 crops, PatchGAN's 70x70 receptive field."""

import keras
import numpy as np
import pytest

from keras_sr import models


def test_srgan_discriminator_layout():
    model = models.get("srgan_discriminator")
    assert tuple(model.inputs[0].shape) == (None, 96, 96, 3)
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    assert [l.filters for l in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [l.strides[0] for l in convs] == [1, 2, 1, 2, 1, 2, 1, 2]
    assert model.get_layer("dense1").units == 1024
    assert tuple(model.outputs[0].shape) == (None, 1)
    small = models.get("srgan_discriminator", input_size=32, filters=4)
    assert tuple(small(np.zeros((2, 32, 32, 3), "float32")).shape) == (2, 1)
    with pytest.raises(ValueError, match="input_size"):
        models.get("srgan_discriminator", input_size=100)


@pytest.mark.parametrize("size", [(32, 32), (48, 40)])
def test_patch_discriminator_any_size(size):
    model = _patch()
    logits = model(np.zeros((1, *size, 3), "float32"))
    assert tuple(logits.shape) == (1, size[0] // 8, size[1] // 8, 1)


def test_patch_discriminator_receptive_field_is_70():
    assert models.receptive_field(models.get("patch_discriminator")) == 70


def test_discriminators_save_load_and_mixed_precision(contract, tmp_path):
    model = models.get("srgan_discriminator", input_size=32, filters=4)
    x = np.random.default_rng(0).uniform(size=(2, 32, 32, 3)).astype("float32")
    path = tmp_path / "d.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)),
                                  keras.ops.convert_to_numpy(model(x)))
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        mixed = models.get("patch_discriminator", filters=4)
    finally:
        keras.config.set_dtype_policy("float32")
    assert keras.backend.standardize_dtype(mixed(x).dtype) == "float32"


_CACHE = {}


def _patch():
    if "patch" not in _CACHE:
        _CACHE["patch"] = models.get("patch_discriminator", filters=8)
    return _CACHE["patch"]
