"""Callbacks: atomic checkpoints, NaN guard keeps the last good state, grids and plots."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from keras_sr.training import callbacks as cb


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(1, 3, padding="same")])
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    return model


def _data(rng, value=None):
    x = rng.random((8, 4, 4, 1)).astype("float32")
    y = x * 0.5 if value is None else np.full_like(x, value)
    return x, y


def test_checkpoint_is_atomic_and_restores_optimizer(tmp_path, rng):
    model = _model()
    x, y = _data(rng)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0,
              callbacks=[cb.Checkpoint(tmp_path, monitor="loss", seed=7)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.h5", "last.weights.h5",
                                                          "state.json"]   # no .tmp left
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["epoch"] == 2 and state["seed"] == 7 and len(state["history"]) == 2
    assert all(h["seconds"] > 0 for h in state["history"])   # each epoch's wall time
    fresh = _model()
    cb.restore(fresh, tmp_path)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(fresh.optimizer.iterations) == int(model.optimizer.iterations) == 4


def test_nan_guard_stops_and_restores_last_good(tmp_path, rng):
    model = _model()
    x, y = _data(rng)
    checkpoint = cb.Checkpoint(tmp_path, monitor="loss")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, callbacks=[checkpoint])
    good = [w.copy() for w in model.get_weights()]
    messages = []
    guard = cb.NaNGuard(tmp_path, log=messages.append)
    bad_x, bad_y = _data(rng, value=np.nan)
    model.fit(bad_x, bad_y, epochs=3, initial_epoch=1, batch_size=4, verbose=0,
              callbacks=[checkpoint, guard])
    assert guard.stopped and "restored the last good checkpoint (epoch 1)" in messages[0]
    for a, b in zip(good, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert json.loads((tmp_path / "state.json").read_text())["epoch"] == 1


def test_comparison_grid_layout(rng):
    lr = rng.random((4, 5, 3)).astype("float32")
    hr = rng.random((8, 10, 3)).astype("float32")
    grid = cb.comparison_grid(lr, hr, hr, hr)
    assert grid.shape == (8, 4 * 10 + 3 * 2, 3)
    np.testing.assert_array_equal(grid[:, :2, :], np.repeat(lr[:, :1], 2, axis=0)[:, :1].repeat(2, 1))
    np.testing.assert_array_equal(grid[:, -10:], hr)


def test_image_grid_and_learning_curve(tmp_path, rng):
    model = keras.Sequential([keras.Input((None, None, 3)),
                              keras.layers.UpSampling2D(2, interpolation="nearest")])
    lr = rng.random((6, 6, 3)).astype("float32")
    grid = cb.ImageGrid([("x", lr, np.repeat(np.repeat(lr, 2, 0), 2, 1))], 2,
                        tmp_path / "images", every=1, crop=None)
    grid.set_model(model)
    grid.on_epoch_end(0, {"loss": 0.1})
    image = np.asarray(Image.open(tmp_path / "images" / "epoch_0001.png"))
    assert image.shape == (12 + 2, 4 * 12 + 6, 3)
    # SR panel (nearest x2) equals the HR panel
    np.testing.assert_array_equal(image[:12, 28:40], image[:12, 42:54])
    path = cb.plot_learning_curves([{"epoch": 1, "loss": 0.2, "val_psnr": 20.0},
                                    {"epoch": 2, "loss": 0.1, "val_psnr": 22.0}],
                                   tmp_path / "curve.png")
    assert Image.open(path).size == (600, 400)
