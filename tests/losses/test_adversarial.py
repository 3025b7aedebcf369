"""Adversarial losses at hand-computed logits."""

import math

import numpy as np
import pytest

from keras_sr import losses

LOG2 = math.log(2.0)


def softplus(x):
    return math.log1p(math.exp(x))


REAL = np.array([[2.0], [0.0]], "float32")
FAKE = np.array([[-1.0], [1.0]], "float32")


def test_vanilla():
    np.testing.assert_allclose(losses.generator_adversarial_loss(FAKE, kind="vanilla"),
                               [softplus(1.0), softplus(-1.0)], rtol=1e-5)
    np.testing.assert_allclose(losses.discriminator_adversarial_loss(REAL, FAKE, "vanilla"),
                               [softplus(-2.0) + softplus(-1.0), LOG2 + softplus(1.0)],
                               rtol=1e-5)
    # at logit 0 every term is log 2
    zeros = np.zeros((3, 1), "float32")
    np.testing.assert_allclose(losses.discriminator_adversarial_loss(zeros, zeros), [2 * LOG2] * 3,
                               rtol=1e-6)


def test_lsgan():
    np.testing.assert_allclose(losses.generator_adversarial_loss(FAKE, kind="lsgan"),
                               [0.5 * 4.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(losses.discriminator_adversarial_loss(REAL, FAKE, "lsgan"),
                               [0.5 * 1 + 0.5 * 1, 0.5 * 1 + 0.5 * 1], atol=1e-6)


def test_hinge():
    np.testing.assert_allclose(losses.generator_adversarial_loss(FAKE, kind="hinge"),
                               [1.0, -1.0], atol=1e-6)
    # real 2 -> relu(-1)=0, fake -1 -> relu(0)=0; real 0 -> 1, fake 1 -> 2
    np.testing.assert_allclose(losses.discriminator_adversarial_loss(REAL, FAKE, "hinge"),
                               [0.0, 3.0], atol=1e-6)


def test_relativistic_average():
    # mean(real) = 1, mean(fake) = 0 -> dr = real - 0 = [2, 0], df = fake - 1 = [-2, 0]
    g = losses.generator_adversarial_loss(FAKE, REAL, kind="relativistic")
    d = losses.discriminator_adversarial_loss(REAL, FAKE, kind="relativistic")
    np.testing.assert_allclose(g, [0.5 * (softplus(2) + softplus(2)), LOG2], rtol=1e-5)
    np.testing.assert_allclose(d, [0.5 * (softplus(-2) + softplus(-2)), LOG2], rtol=1e-5)


def test_patch_logits_average_per_image():
    real = np.stack([np.full((2, 2, 1), 1.0), np.full((2, 2, 1), -1.0)]).astype("float32")
    value = losses.generator_adversarial_loss(real, kind="hinge")
    np.testing.assert_allclose(value, [-1.0, 1.0])


def test_loss_class_roles_and_errors():
    g = losses.AdversarialLoss("relativistic")
    d = losses.AdversarialLoss("relativistic", role="discriminator")
    np.testing.assert_allclose(float(g(REAL, FAKE)), np.mean(
        losses.generator_adversarial_loss(FAKE, REAL, "relativistic")), rtol=1e-6)
    np.testing.assert_allclose(float(d(REAL, FAKE)), np.mean(
        losses.discriminator_adversarial_loss(REAL, FAKE, "relativistic")), rtol=1e-6)
    with pytest.raises(ValueError, match=r"'wgan'.*'hinge'.*'relativistic'"):
        losses.AdversarialLoss("wgan")
    with pytest.raises(ValueError, match="real_logits"):
        losses.generator_adversarial_loss(FAKE, kind="relativistic")
    with pytest.raises(ValueError, match="role.*'critic'"):
        losses.AdversarialLoss(role="critic")
