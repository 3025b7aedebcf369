"""Weights carry their identity: a file made for another model, scale or channels is refused."""

import json
import shutil

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.models import pretrained


def _copy_shipped(tmp_path, filename, sidecar=True):
    source = pretrained.WEIGHTS_DIR / filename
    target = tmp_path / filename
    shutil.copy(source, target)
    if sidecar:
        shutil.copy(pretrained.sidecar_path(source), pretrained.sidecar_path(target))
    return target


def test_every_shipped_file_names_what_it_holds_and_loads_into_that_model():
    rows = pretrained.shipped_weights()
    assert rows, "no shipped weights found"
    for row in rows:
        name = pretrained.weights_filename(row["model"], row["scale"], row["channels"])
        assert row["path"].endswith(name)
        model = models.get(row["model"], scale=row["scale"], channels=row["channels"],
                           weights="pretrained")
        assert (model.name, model.scale, model.channels) == (
            row["model"], row["scale"], row["channels"])


def test_shipped_weights_for_another_scale_are_refused():
    path = pretrained.WEIGHTS_DIR / "fsrcnn_x2_c1.weights.h5"
    with pytest.raises(ValueError) as error:
        models.get("fsrcnn", scale=3, channels=1, weights=str(path))
    message = str(error.value)
    assert "fsrcnn_x2_c1.weights.h5" in message
    assert "holds fsrcnn x2, 1 channel" in message
    assert "fsrcnn x3, 1 channel was asked for (scale differs)" in message


def test_another_model_or_channel_count_is_refused(tmp_path):
    path = _copy_shipped(tmp_path, "fsrcnn_x3_c1.weights.h5")
    with pytest.raises(ValueError, match=r"holds fsrcnn x3.*but espcn x3, 1 channel was "
                                         r"asked for \(model differs\)"):
        models.get("espcn", scale=3, channels=1, weights=str(path))
    with pytest.raises(ValueError, match=r"fsrcnn x3, 3 channels was asked for "
                                         r"\(channels differs\)"):
        models.get("fsrcnn", scale=3, channels=3, weights=str(path))


def test_matching_sidecar_loads_the_same_values_as_pretrained(tmp_path):
    path = _copy_shipped(tmp_path, "espcn_x3_c1.weights.h5")
    by_path = models.get("espcn", scale=3, channels=1, weights=str(path))
    shipped = models.get("espcn", scale=3, channels=1, weights="pretrained")
    for a, b in zip(by_path.get_weights(), shipped.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_file_without_sidecar_loads_with_a_warning(tmp_path):
    path = _copy_shipped(tmp_path, "fsrcnn_x3_c1.weights.h5", sidecar=False)
    with pytest.warns(UserWarning, match=r"has no sidecar 'fsrcnn_x3_c1.json'.*fsrcnn x3, "
                                         r"1 channel without checking"):
        model = models.get("fsrcnn", scale=3, channels=1, weights=str(path))
    shipped = models.get("fsrcnn", scale=3, channels=1, weights="pretrained")
    np.testing.assert_array_equal(model.get_weights()[0], shipped.get_weights()[0])


@pytest.mark.parametrize("content,match", [
    ("{not json", "cannot read .*fsrcnn_x3_c1.json"),
    (json.dumps({"model": "fsrcnn", "channels": 1}), r"fsrcnn_x3_c1.json.*lacks.*scale"),
])
def test_a_broken_sidecar_is_named(tmp_path, content, match):
    path = _copy_shipped(tmp_path, "fsrcnn_x3_c1.weights.h5")
    pretrained.sidecar_path(path).write_text(content)
    with pytest.raises(ValueError, match=match):
        models.get("fsrcnn", scale=3, channels=1, weights=str(path))


def test_a_keras_file_is_checked_by_its_own_config(tmp_path):
    path = tmp_path / "model.keras"
    models.get("espcn", scale=2, channels=1).save(path)
    assert pretrained.read_identity(path) == {
        "model": "espcn", "scale": 2, "channels": 1, "source": str(path)}
    with pytest.raises(ValueError, match=r"model.keras' holds espcn x2, 1 channel"):
        models.get("espcn", scale=3, channels=1, weights=str(path))
    loaded = models.get("espcn", scale=2, channels=1, weights=str(path))
    assert loaded.scale == 2


def test_discriminators_are_checked_without_a_scale(tmp_path):
    model = models.get("patch_discriminator", channels=1, filters=4, num_layers=1)
    path = tmp_path / "d.weights.h5"
    model.save_weights(path)
    pretrained.sidecar_path(path).write_text(json.dumps(
        {"model": "patch_discriminator", "scale": 4, "channels": 1}))
    loaded = models.get("patch_discriminator", channels=1, filters=4, num_layers=1,
                        weights=str(path))
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    with pytest.raises(ValueError, match="channels differs"):
        models.get("patch_discriminator", channels=3, filters=4, num_layers=1,
                   weights=str(path))


def test_sidecar_path_and_filename():
    assert pretrained.sidecar_path("a/b/last.weights.h5").as_posix() == "a/b/last.json"
    assert pretrained.sidecar_path("a/model.keras").as_posix() == "a/model.json"
    assert pretrained.weights_filename("patch_discriminator", None, 3) == \
        "patch_discriminator_c3.weights.h5"


def test_identity_of_a_plain_keras_model():
    lr = keras.Input((None, None, 3), name="lr")
    plain = keras.Model(lr, keras.layers.Identity(name="sr")(lr), name="plain")
    assert models.sr_model.identity(plain) == {"model": "plain", "scale": None,
                                               "channels": 3}
