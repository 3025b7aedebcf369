"""Pixel losses: known values, Huber parity, reductions, batch == per image."""

import keras
import numpy as np
import pytest

from keras_sr import losses


def test_l1_l2_known_values():
    y_true = np.zeros((2, 2, 2, 1), "float32")
    y_pred = np.array([[1, -1, 2, 0], [0.5, 0.5, 0.5, 0.5]], "float32").reshape(2, 2, 2, 1)
    np.testing.assert_allclose(losses.l1_loss(y_true, y_pred), [1.0, 0.5], rtol=1e-6)
    np.testing.assert_allclose(losses.l2_loss(y_true, y_pred), [1.5, 0.25], rtol=1e-6)


@pytest.mark.parametrize("epsilon", [1e-3, 0.1])
def test_charbonnier_is_l1_with_epsilon_terms(rng, epsilon):
    y_true = rng.random((3, 8, 8, 3)).astype("float32")
    y_pred = rng.random((3, 8, 8, 3)).astype("float32")
    diff = (y_pred - y_true).astype("float64")
    expected = np.sqrt(diff ** 2 + epsilon ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(losses.charbonnier_loss(y_true, y_pred, epsilon), expected,
                               rtol=1e-5)
    # identical images: exactly epsilon; large differences: L1 within epsilon^2 / (2|d|)
    np.testing.assert_allclose(losses.charbonnier_loss(y_true, y_true, epsilon), [epsilon] * 3,
                               rtol=1e-5)
    big = y_true + 10.0
    np.testing.assert_allclose(losses.charbonnier_loss(y_true, big, epsilon),
                               losses.l1_loss(y_true, big), atol=epsilon ** 2 / 20 + 1e-5)


@pytest.mark.parametrize("beta", [1.0, 0.25])
def test_smooth_l1_is_keras_huber_over_beta(rng, beta):
    y_true = rng.random((4, 5, 5, 3)).astype("float32")
    y_pred = (y_true + rng.normal(0, 0.5, y_true.shape)).astype("float32")
    huber = keras.losses.Huber(delta=beta, reduction=None)(
        y_true.reshape(4, -1), y_pred.reshape(4, -1))
    np.testing.assert_allclose(losses.smooth_l1_loss(y_true, y_pred, beta),
                               np.asarray(huber) / beta, rtol=1e-5)


@pytest.mark.parametrize("name", ["l1", "l2", "charbonnier", "smooth_l1"])
def test_batch_equals_per_image_and_reductions(rng, name):
    loss = losses.get(name)
    y_true = rng.random((3, 6, 6, 3)).astype("float32")
    y_pred = rng.random((3, 6, 6, 3)).astype("float32")
    singles = [float(loss(y_true[i:i + 1], y_pred[i:i + 1])) for i in range(3)]
    np.testing.assert_allclose(float(loss(y_true, y_pred)), np.mean(singles), rtol=1e-5)
    summed = losses.get(name, reduction="sum")
    np.testing.assert_allclose(float(summed(y_true, y_pred)), np.sum(singles), rtol=1e-5)
    none = losses.get(name, reduction=None)
    np.testing.assert_allclose(np.asarray(none(y_true, y_pred)), singles, rtol=1e-5)


def test_mse_alias_matches_keras(rng):
    y_true = rng.random((2, 4, 4, 3)).astype("float32")
    y_pred = rng.random((2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(float(losses.get("mse")(y_true, y_pred)),
                               np.mean((y_true - y_pred) ** 2), rtol=1e-5)


def test_shape_mismatch_and_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"same shape.*\(1, 4, 4, 3\).*\(1, 4, 4, 1\)"):
        losses.l1_loss(np.zeros((1, 4, 4, 3)), np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match="epsilon.*-1"):
        losses.CharbonnierLoss(epsilon=-1)
    with pytest.raises(ValueError, match="beta.*0"):
        losses.smooth_l1_loss(np.zeros((1, 2)), np.zeros((1, 2)), beta=0)


def test_get_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"'l3'.*'charbonnier'.*'tv'"):
        losses.get("l3")


def test_config_round_trip():
    loss = losses.CharbonnierLoss(epsilon=1e-6, name="c")
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(clone, losses.CharbonnierLoss) and clone.epsilon == 1e-6
