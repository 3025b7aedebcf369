"""models.get / available / pretrained weights."""

import json

import keras
import numpy as np
import pytest

from keras_sr import models
from keras_sr.models import pretrained


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError) as error:
        models.get("srgann")
    for name in ("srcnn", "espcn", "edsr_baseline", "lapsrn", "dbpn_small", "hourglass"):
        assert name in str(error.value)


@pytest.mark.parametrize("kwargs,match", [(dict(scale=5), "scale"), (dict(channels=2), "channels")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.get("espcn", **kwargs)


def test_names_match_the_shared_interface():
    assert set(models.MODELS) == {
        "srcnn", "srcnn_955", "vdsr", "fsrcnn", "espcn", "edsr_baseline", "edsr", "lapsrn",
        "dbpn", "dbpn_small", "hourglass", "plainsr_small", "plainsr_medium",
        "plainsr_large", "plainsr_wide", "srgan_discriminator", "patch_discriminator"}
    assert set(models.GENERATORS) | set(models.DISCRIMINATORS) == set(models.MODELS)


def test_available_table():
    rows = models.available(scale=3, channels=1, names=["srcnn", "espcn", "lapsrn"])
    by_name = {row["name"]: row for row in rows}
    assert by_name["srcnn"]["params"] == 8129
    assert by_name["srcnn"]["macs_per_pixel"] == 81 * 64 + 64 * 32 + 25 * 32
    assert by_name["espcn"]["macs_per_pixel"] == pytest.approx(22624 / 9)
    assert by_name["espcn"]["strategy"] == "post-upsampling"
    assert by_name["lapsrn"]["scale"] == 2  # no x3 level: the largest below
    json.dumps(rows)


def test_pretrained_weights_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="espcn_x3_c1.weights.h5.*Available: none"):
        models.get("espcn", scale=3, channels=1, weights="pretrained")
    source = models.get("espcn", scale=3, channels=1)
    source.save_weights(tmp_path / "espcn_x3_c1.weights.h5")
    (tmp_path / "espcn_x3_c1.json").write_text(
        json.dumps({"model": "espcn", "scale": 3, "channels": 1}))
    loaded = models.get("espcn", scale=3, channels=1, weights="pretrained")
    lr = np.random.default_rng(0).uniform(size=(1, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(lr)),
                                  keras.ops.convert_to_numpy(source(lr)))
    with pytest.raises(FileNotFoundError, match="Available: espcn_x3_c1.weights.h5"):
        models.get("espcn", scale=2, channels=1, weights="pretrained")
    by_path = models.get("espcn", scale=3, channels=1,
                         weights=str(tmp_path / "espcn_x3_c1.weights.h5"))
    np.testing.assert_array_equal(by_path.get_weights()[0], source.get_weights()[0])


def test_pretrained_file_without_channel_suffix(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", tmp_path)
    models.get("srcnn", scale=2).save_weights(tmp_path / "srcnn_x2.weights.h5")
    assert pretrained.find_weights("srcnn", 2, 1).name == "srcnn_x2.weights.h5"


def test_pretrained_refuses_a_changed_architecture():
    # refused before loading, with the argument named (not a Keras shape error, and
    # never a silent load into an architecture whose shapes happen to match)
    with pytest.raises(ValueError, match=r"num_blocks=2 \(default 4\)"):
        models.get("fsrcnn", scale=3, weights="pretrained", num_blocks=2)
    # the defaults spelled out are accepted and give the shipped model
    spelled = models.get("fsrcnn", scale=3, weights="pretrained", filters=56,
                         shrink_filters=12, num_blocks=4)
    shipped = models.get("fsrcnn", scale=3, weights="pretrained")
    for a, b in zip(spelled.get_weights(), shipped.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_available_says_which_weights_are_shipped():
    rgb, y = (models.available(scale=4, channels=c, names=["fsrcnn", "edsr"]) for c in (3, 1))
    shipped = [{"scale": s, "channels": 1} for s in (2, 3, 4)]
    assert rgb[0]["shipped_weights"] == y[0]["shipped_weights"] == shipped
    assert (rgb[0]["channels"], rgb[0]["pretrained"]) == (3, False)
    assert (y[0]["channels"], y[0]["pretrained"]) == (1, True)
    assert (y[1]["shipped_weights"], y[1]["pretrained"]) == ([], False)


@pytest.mark.parametrize("kwargs,match", [
    (dict(scale=0), r"`scale` must be an int >= 1; got 0"),
    (dict(scale=1), r"`scale` 1: srcnn has no scale at or below it \(it supports 2, 3, 4\)"),
    (dict(channels=2), r"`channels` must be 1 \(Y\) or 3 \(RGB\); got 2"),
])
def test_available_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.available(**kwargs)
