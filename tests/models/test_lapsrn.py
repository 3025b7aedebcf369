"""LapSRN: one output per pyramid level, shared weights with the inference model."""

import keras
import numpy as np
import pytest

from keras_sr import models


def test_pyramid_outputs_and_levels():
    model = models.get("lapsrn", scale=8, channels=1, pyramid=True)
    lr = np.random.default_rng(0).uniform(size=(1, 6, 5, 1)).astype("float32")
    outputs = model(lr)
    assert sorted(outputs) == ["sr_x2", "sr_x4", "sr_x8"]
    for s in (2, 4, 8):
        assert tuple(outputs[f"sr_x{s}"].shape) == (1, 6 * s, 5 * s, 1)
    for s in (2, 4, 8):  # paper: depth 10 per level, 4x4 transposed convs
        convs = [l for l in model.layers if l.name.startswith(f"level_x{s}_conv")]
        assert len(convs) == 10
        assert model.get_layer(f"level_x{s}_feature_up").kernel_size == (4, 4)
    activations = [l for l in model.layers if isinstance(l, keras.layers.LeakyReLU)]
    assert {l.negative_slope for l in activations} == {0.2}

    inference = models.lapsrn_inference(model, 4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(inference(lr)),
                               keras.ops.convert_to_numpy(outputs["sr_x4"]), atol=1e-6)
    with pytest.raises(ValueError, match="levels"):
        models.lapsrn_inference(model, 3)


def test_image_branch_is_bilinear_upsampling():
    model = models.get("lapsrn", scale=2, channels=1, filters=4, depth=1)
    residual = model.get_layer("level_x2_residual")
    residual.set_weights([np.zeros_like(w) for w in residual.get_weights()])
    x = np.random.default_rng(1).uniform(size=(1, 6, 6, 1)).astype("float32")
    sr = keras.ops.convert_to_numpy(model(x))[0, :, :, 0]

    def up(a, axis):  # half-pixel bilinear x2 along one axis (interior samples valid)
        prev, nxt = np.roll(a, 1, axis), np.roll(a, -1, axis)
        even, odd = 0.75 * a + 0.25 * prev, 0.75 * a + 0.25 * nxt
        return np.stack([even, odd], axis=axis + 1).reshape(
            [n * 2 if i == axis else n for i, n in enumerate(a.shape)])

    expected = up(up(x[0, :, :, 0], 0), 1)
    np.testing.assert_allclose(sr[1:-1, 1:-1], expected[1:-1, 1:-1], atol=1e-6)


def test_fit_with_one_target_per_level():
    model = models.get("lapsrn", scale=4, channels=1, filters=4, depth=1, pyramid=True)
    rng = np.random.default_rng(2)
    lr = rng.uniform(size=(2, 6, 6, 1)).astype("float32")
    targets = {"sr_x2": rng.uniform(size=(2, 12, 12, 1)).astype("float32"),
               "sr_x4": rng.uniform(size=(2, 24, 24, 1)).astype("float32")}
    model.compile(optimizer="adam", loss={"sr_x2": "mae", "sr_x4": "mae"}, run_eagerly=True)
    history = model.fit(lr, targets, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_scale_three_is_not_a_pyramid_level():
    with pytest.raises(ValueError, match="2, 4, 8"):
        models.get("lapsrn", scale=3)
