"""VDSR: 20 layers, 665K parameters, 41x41 receptive field, global residual."""

import keras
import numpy as np

from keras_sr import models
from keras_sr.image.resize import imresize


def test_paper_depth_parameters_receptive_field():
    model = models.get("vdsr", scale=3, channels=1)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 20
    assert model.count_params() == 665921  # paper: about 665K
    assert models.receptive_field(model) == 41


def test_global_residual_adds_the_bicubic_upsampled_input():
    model = models.get("vdsr", scale=3, channels=1, depth=4, filters=8)
    last = model.get_layer("conv4")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    lr = np.random.default_rng(0).uniform(size=(1, 7, 9, 1)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(lr)),
                               keras.ops.convert_to_numpy(imresize(lr, scale=3)), atol=1e-6)
