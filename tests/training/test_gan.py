"""GANTrainer: adversarial fit on a tiny generator/discriminator (16x16), both backends."""

import keras
import numpy as np
import pytest

from keras_sr import losses
from keras_sr.training import GANTrainer

STEPS_PER_EPOCH, EPOCHS, START, D_STEPS = 2, 3, 2, 2


def tiny_generator():
    inputs = keras.Input((None, None, 3), name="lr")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(3, 3, padding="same")(x)
    return keras.Model(inputs, keras.layers.Add()([inputs, x]), name="tiny_generator")


def tiny_discriminator():
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x), name="tiny_discriminator")


def weights_of(model):
    return [np.array(w) for w in model.get_weights()]


def changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after))


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(0)
    hr = rng.random((8, 16, 16, 3)).astype("float32")
    lr = np.clip(hr + rng.normal(0, 0.05, hr.shape), 0, 1).astype("float32")
    return lr, hr


@pytest.fixture(scope="module")
def trained(pairs):
    """ESRGAN-style mix (L1 + pre-ReLU VGG content + relativistic GAN) on random VGG16."""
    keras.utils.set_random_seed(0)
    lr, hr = pairs
    generator, discriminator = tiny_generator(), tiny_discriminator()
    start_g, start_d = weights_of(generator), weights_of(discriminator)
    trainer = GANTrainer(generator, discriminator, d_steps=D_STEPS, adversarial_start_step=START,
                         ema_decay=0.5)
    loss = {"l1": 0.01,
            "content": {"weight": 1.0, "network": "vgg16", "layers": "block1_conv2",
                        "weights": None},
            "gan": {"weight": 0.005, "kind": "relativistic"}}
    trainer.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), loss=loss)
    history = trainer.fit(lr, hr, batch_size=4, epochs=EPOCHS, verbose=0,
                          validation_data=(lr, hr))
    return trainer, history.history, start_g, start_d


def test_both_networks_change_and_losses_are_finite(trained):
    trainer, logs, start_g, start_d = trained
    assert changed(start_g, weights_of(trainer.generator))
    assert changed(start_d, weights_of(trainer.discriminator))
    for key in ("loss", "d_loss", "l1_loss", "content_loss", "gan_loss", "val_loss",
                "val_l1_loss", "val_content_loss"):
        assert len(logs[key]) == EPOCHS and np.all(np.isfinite(logs[key])), (key, logs)
    assert "val_d_loss" not in logs and "val_gan_loss" not in logs


def test_history_total_is_sum_of_terms(trained):
    _, logs, _, _ = trained
    total = np.add(np.add(logs["l1_loss"], logs["content_loss"]), logs["gan_loss"])
    np.testing.assert_allclose(logs["loss"], total, rtol=1e-4)
    np.testing.assert_allclose(logs["val_loss"],
                               np.add(logs["val_l1_loss"], logs["val_content_loss"]), rtol=1e-4)


def test_pretraining_then_d_steps(trained):
    trainer, logs, _, _ = trained
    steps = STEPS_PER_EPOCH * EPOCHS
    assert int(np.asarray(trainer.step_counter.value)) == steps
    assert int(np.asarray(trainer.optimizer.iterations.value)) == steps
    # discriminator: frozen for START steps, then D_STEPS updates per generator update
    assert int(np.asarray(trainer.d_optimizer.iterations.value)) == (steps - START) * D_STEPS
    assert logs["d_loss"][0] == 0.0 and logs["gan_loss"][0] == 0.0   # epoch 1 = pre-training
    assert logs["d_loss"][1] > 0.0 and logs["gan_loss"][1] > 0.0


def test_ema_weights_differ_from_raw(trained):
    trainer, _, start_g, _ = trained
    ema = trainer.ema_generator()
    assert changed(weights_of(trainer.generator), weights_of(ema))
    assert changed(start_g, weights_of(ema))
    x = np.full((1, 8, 8, 3), 0.5, "float32")
    assert tuple(ema.predict(x, verbose=0).shape) == (1, 8, 8, 3)


def test_generator_save_and_restore(trained, tmp_path, pairs):
    trainer, _, _, _ = trained
    lr, _ = pairs
    path = tmp_path / "generator.keras"
    trainer.generator.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(lr, verbose=0),
                               trainer.predict(lr, verbose=0), rtol=1e-5, atol=1e-6)
    weights = tmp_path / "trainer.weights.h5"
    trainer.save_weights(weights)
    fresh = GANTrainer(tiny_generator(), tiny_discriminator(), ema_decay=0.5)
    fresh.load_weights(weights)
    for a, b in zip(weights_of(fresh.generator), weights_of(trainer.generator)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(fresh.ema_weights, trainer.ema_weights):
        np.testing.assert_array_equal(np.asarray(a.value), np.asarray(b.value))


def test_invalid_arguments_raise():
    generator, discriminator = tiny_generator(), tiny_discriminator()
    with pytest.raises(ValueError, match="d_steps.*0"):
        GANTrainer(generator, discriminator, d_steps=0)
    with pytest.raises(ValueError, match="ema_decay.*1.5"):
        GANTrainer(generator, discriminator, ema_decay=1.5)
    trainer = GANTrainer(generator, discriminator)
    with pytest.raises(ValueError, match="no adversarial term"):
        trainer.compile(loss=losses.CompositeLoss({"l1": 1.0}))
