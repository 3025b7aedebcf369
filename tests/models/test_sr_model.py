"""SRModel: a model from models.get knows its name, scale and channels, also after load."""

import keras
import numpy as np
import pytest

from keras_sr import models


def test_reloaded_fsrcnn_keeps_scale_channels_and_outputs(tmp_path):
    model = models.get("fsrcnn", scale=4, channels=1)
    path = tmp_path / "fsrcnn.keras"
    model.save(path)
    loaded = models.load(path)
    assert isinstance(loaded, models.SRModel)
    assert (loaded.name, loaded.scale, loaded.channels) == ("fsrcnn", 4, 1)
    lr = np.random.default_rng(0).uniform(size=(1, 7, 9, 1)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(lr)),
                                  keras.ops.convert_to_numpy(model(lr)))


def test_identity_is_in_the_config():
    config = models.get("espcn", scale=2, channels=3).get_config()
    assert (config["name"], config["scale"], config["channels"]) == ("espcn", 2, 3)
    assert {"layers", "input_layers", "output_layers"} <= set(config)


def test_lapsrn_pyramid_and_inference_models_know_their_scale():
    pyramid = models.lapsrn(scale=8, channels=1, filters=4, depth=1, pyramid=True)
    assert (pyramid.scale, pyramid.channels) == (8, 1)
    level = models.lapsrn_inference(pyramid, 4)
    assert (level.name, level.scale, level.channels) == ("lapsrn", 4, 1)


def test_channels_default_to_the_input_and_bad_values_are_refused():
    lr = keras.Input((None, None, 3), name="lr")
    sr = keras.layers.UpSampling2D(2, name="sr")(lr)
    assert models.SRModel(lr, sr, scale=2).channels == 3
    with pytest.raises(ValueError, match="`scale` must be an int >= 1 or None; got 0"):
        models.SRModel(lr, sr, scale=0)
    with pytest.raises(ValueError, match="`channels`"):
        models.SRModel(lr, sr, scale=2, channels="rgb")


def test_load_refuses_other_files(tmp_path):
    with pytest.raises(ValueError, match=r"expected a \.keras file.*x\.weights\.h5"):
        models.load(tmp_path / "x.weights.h5")
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        models.load(tmp_path / "missing.keras")


def test_clone_keeps_the_graph_and_channels():
    # keras.models.clone_model passes only inputs, outputs and name to the class:
    # the clone is an SRModel with its channels (read from the input) but no scale.
    model = models.get("espcn", scale=3, channels=1)
    clone = keras.models.clone_model(model)
    assert isinstance(clone, models.SRModel)
    assert (clone.name, clone.scale, clone.channels) == ("espcn", None, 1)
