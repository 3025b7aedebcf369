"""Content loss on a random-weight VGG16 (weights=None) at 32x32: zero, monotone in blur,
pre-activation features, ImageNet preprocessing, weights file and offline errors."""

import keras
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from keras_sr import losses


@pytest.fixture(scope="module")
def content_loss():
    keras.utils.set_random_seed(0)
    # VGG16 keeps JAX's eager set-up short; VGG19 is the same code path (see offline test)
    return losses.ContentLoss(layers={"block2_conv2": 1.0, "block5_conv3": 0.5},
                              network="vgg16", weights=None, reduction=None)


@pytest.fixture(scope="module")
def hr():
    from skimage import data

    return (data.astronaut()[100:228:4, 150:278:4] / 255.0).astype("float32")[None]


def blur(images, sigma):
    return gaussian_filter(images, sigma=(0, sigma, sigma, 0), mode="nearest").astype("float32")


def test_zero_for_identical_images(content_loss, hr):
    np.testing.assert_array_equal(content_loss(hr, hr), [0.0])


def test_grows_with_blur(content_loss, hr):
    values = [float(content_loss(hr, blur(hr, f))[0]) for f in (0.5, 1.0, 2.0)]
    assert 0 < values[0] < values[1] < values[2], values


def test_value_is_weighted_l1_of_features(content_loss, hr):
    sr = blur(hr, 1.0)
    real, fake = content_loss.features(hr), content_loss.features(sr)
    expected = sum(w * np.abs(np.asarray(a) - np.asarray(b)).mean()
                   for w, a, b in zip((1.0, 0.5), fake, real))
    np.testing.assert_allclose(float(content_loss(hr, sr)[0]), expected, rtol=1e-4)


def test_grey_input_is_tiled(content_loss, hr):
    grey = hr.mean(axis=-1, keepdims=True)
    np.testing.assert_allclose(content_loss(grey, blur(grey, 1.0)),
                               content_loss(np.repeat(grey, 3, -1),
                                            np.repeat(blur(grey, 1.0), 3, -1)), rtol=1e-5)


def test_vgg_is_frozen(content_loss):
    assert content_loss.extractor.trainable_weights == []


def test_imagenet_preprocess_is_caffe_mode(rng):
    images = rng.random((2, 4, 4, 3)).astype("float32")
    expected = keras.applications.vgg19.preprocess_input(images * 255.0)
    np.testing.assert_allclose(losses.imagenet_preprocess(images), expected, rtol=1e-5,
                               atol=1e-3)


def test_pre_activation_features_from_weights_file(tmp_path, rng):
    keras.utils.set_random_seed(3)
    backbone = keras.applications.VGG16(include_top=False, weights=None,
                                        input_shape=(None, None, 3))
    path = tmp_path / "vgg16.weights.h5"
    backbone.save_weights(path)
    names = ["block1_conv2", "block2_conv1", "block2_pool"]
    pre = losses.vgg_feature_extractor(names, network="vgg16", weights=str(path))
    post = losses.vgg_feature_extractor(names, network="vgg16", weights=str(path),
                                        before_activation=False)
    reference = keras.Model(backbone.input, [backbone.get_layer(n).output for n in names])
    x = rng.normal(0, 50, (1, 16, 16, 3)).astype("float32")
    for a, b, c, name in zip(pre(x), post(x), reference(x), names):
        a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
        np.testing.assert_allclose(b, c, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(np.maximum(a, 0), c, rtol=1e-4, atol=1e-3)
        if name.endswith("pool"):
            np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-3)
        else:
            assert a.min() < 0  # really before the ReLU


def test_offline_imagenet_download_gives_clear_message(monkeypatch):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(RuntimeError, match=r"ImageNet weights of vgg19.*weights=None"):
        losses.vgg_feature_extractor(weights="imagenet")


def test_bad_arguments_raise():
    with pytest.raises(FileNotFoundError, match="nowhere.h5"):
        losses.vgg_feature_extractor(weights="nowhere.h5")
    with pytest.raises(ValueError, match=r"'vgg11'.*'vgg16'"):
        losses.vgg_feature_extractor(network="vgg11", weights=None)
    with pytest.raises(ValueError, match=r"block9_conv1.*block1_conv1"):
        losses.vgg_feature_extractor(["block9_conv1"], network="vgg16", weights=None)
