"""CompositeLoss: weighted sum of its parts, config files, term metrics in fit History."""

import json

import keras
import numpy as np
import pytest

from keras_sr import losses


@pytest.fixture
def images(rng):
    hr = rng.random((4, 16, 16, 3)).astype("float32")
    sr = np.clip(hr + rng.normal(0, 0.1, hr.shape), 0, 1).astype("float32")
    return hr, sr


TERMS = {"l1": 0.5, "charbonnier": {"weight": 2.0, "epsilon": 0.01},
         "edges": {"loss": "tv", "weight": 0.1, "form": "isotropic"}}


def test_equals_weighted_sum_of_parts(images):
    hr, sr = images
    composite = losses.CompositeLoss(TERMS)
    expected = (0.5 * float(losses.L1Loss()(hr, sr))
                + 2.0 * float(losses.CharbonnierLoss(0.01)(hr, sr))
                + 0.1 * float(losses.TotalVariationLoss("isotropic")(hr, sr)))
    np.testing.assert_allclose(float(composite(hr, sr)), expected, rtol=1e-5)
    terms = composite.weighted_terms(hr, sr)
    assert list(terms) == ["l1", "charbonnier", "edges"]
    np.testing.assert_allclose(np.mean(terms["edges"]),
                               0.1 * np.mean(losses.total_variation(sr, "isotropic")), rtol=1e-5)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_from_config_file(tmp_path, images, suffix):
    hr, sr = images
    path = tmp_path / f"loss{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(TERMS))
    else:
        path.write_text("losses:\n  l1: 0.5\n  charbonnier: {weight: 2.0, epsilon: 0.01}\n"
                        "  edges: {loss: tv, weight: 0.1, form: isotropic}\n")
    np.testing.assert_allclose(float(losses.CompositeLoss(str(path))(hr, sr)),
                               float(losses.CompositeLoss(TERMS)(hr, sr)), rtol=1e-6)


def test_errors_name_the_problem(tmp_path, images):
    with pytest.raises(ValueError, match=r"'l3'.*'charbonnier'"):
        losses.CompositeLoss({"l3": 1.0})
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        losses.CompositeLoss(str(tmp_path / "missing.yaml"))
    hr, sr = images
    composite = losses.CompositeLoss({"l1": 1.0, "gan": 0.1})
    with pytest.raises(ValueError, match="GANTrainer"):
        composite(hr, sr)
    np.testing.assert_allclose(float(composite.without_adversarial()(hr, sr)),
                               float(losses.L1Loss()(hr, sr)), rtol=1e-6)


def test_serialisation_round_trip(images):
    hr, sr = images
    composite = losses.CompositeLoss(TERMS)
    clone = keras.losses.deserialize(keras.losses.serialize(composite))
    np.testing.assert_allclose(float(clone(hr, sr)), float(composite(hr, sr)), rtol=1e-6)


def test_fit_history_reports_each_weighted_term(images):
    hr, sr = images
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
    composite = losses.CompositeLoss(TERMS)
    model.compile(keras.optimizers.Adam(1e-3), loss=composite,
                  metrics=composite.term_metrics())
    history = model.fit(sr, hr, batch_size=2, epochs=1, verbose=0, validation_data=(sr, hr))
    logs = history.history
    for key in ("l1_loss", "charbonnier_loss", "edges_loss", "val_edges_loss"):
        assert key in logs and all(np.isfinite(logs[key])), logs
    # after training, evaluate: the total equals the sum of its reported terms
    result = model.evaluate(sr, hr, batch_size=4, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], result["l1_loss"] + result["charbonnier_loss"]
                               + result["edges_loss"], rtol=1e-4)
