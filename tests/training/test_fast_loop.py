"""FastLoop (JAX): same weights as a manual Keras loop after N steps."""

import keras
import numpy as np
import pytest

from keras_sr.training.fast_loop import FastLoop

pytestmark = pytest.mark.skipif(keras.backend.backend() != "jax",
                                reason="FastLoop's device loop is JAX-only (TF uses fit)")


def _model(seed):
    keras.utils.set_random_seed(seed)
    lr = keras.Input((None, None, 1))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="tanh")(lr)
    x = keras.layers.BatchNormalization()(x)  # non-trainable state must follow too
    x = keras.layers.Conv2D(4, 3, padding="same")(x)
    return keras.Model(lr, keras.ops.depth_to_space(x, 2))


def _keras_steps(model, xs, ys):
    """The reference: Keras' own train_on_batch, one batch at a time."""
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.MeanAbsoluteError())
    for x, y in zip(xs, ys):
        model.train_on_batch(x, y)


@pytest.mark.parametrize("steps_per_call", [1, 3])
def test_same_weights_as_keras_loop(rng, steps_per_call):
    xs = rng.random((6, 2, 8, 8, 1), dtype="float32")
    ys = rng.random((6, 2, 16, 16, 1), dtype="float32")
    fast, reference = _model(3), _model(3)
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    loop = FastLoop(fast, keras.optimizers.Adam(1e-2), "l1", steps_per_call=steps_per_call)
    losses = []
    for i in range(0, 6, steps_per_call):
        losses.append(loop.run(xs[i:i + steps_per_call], ys[i:i + steps_per_call]))
        loop.sync()  # syncing between calls must not break the donated state
    losses = np.concatenate(losses)
    _keras_steps(reference, xs, ys)
    assert losses.shape == (6,) and losses[-1] < losses[0]
    moved = max(float(np.abs(a - b).max()) for a, b in zip(fast.get_weights(),
                                                              _model(3).get_weights()))
    assert moved > 1e-3
    # BatchNormalization's moving statistics (non-trainable) are compared too
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert int(loop.optimizer.iterations.numpy()) == 6


def test_bfloat16_policy_trains(rng):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = _model(0)
        loop = FastLoop(model, keras.optimizers.Adam(1e-2), "l1", steps_per_call=4)
        x = rng.random((4, 2, 8, 8, 1), dtype="float32")
        losses = loop.run(x, np.repeat(np.repeat(x, 2, axis=2), 2, axis=3))
        loop.sync()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.trainable_variables[0].dtype == "float32"
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_rejects_bad_stack_and_float16(rng):
    loop = FastLoop(_model(0), keras.optimizers.Adam(1e-3), "l1", steps_per_call=2)
    with pytest.raises(ValueError, match="2 batches"):
        loop.run(rng.random((3, 1, 8, 8, 1)), rng.random((3, 1, 16, 16, 1)))
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with pytest.raises(ValueError, match="mixed_float16"):
            FastLoop(_model(0), keras.optimizers.Adam(1e-3), "l1")
    finally:
        keras.mixed_precision.set_global_policy("float32")
