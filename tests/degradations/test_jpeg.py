"""JPEG: parity with tf.image, refusal on other backends."""

import keras
import numpy as np
import pytest

from keras_sr import degradations as D


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.fixture
def images(rng):
    return rng.random((2, 16, 16, 3)).astype("float32")


@pytest.mark.tf_only
def test_jpeg_matches_tf_image(images):
    import tensorflow as tf

    out = _np(D.jpeg_compress(images, 40))
    ref = tf.image.adjust_jpeg_quality(images[1], 40).numpy()
    np.testing.assert_allclose(out[1], ref, atol=1e-6)
    assert np.abs(out - images).mean() > 0.01   # JPEG really changed the image


def test_jpeg_refuses_other_backends(images):
    if keras.backend.backend() == "tensorflow":
        pytest.skip("error path of non-TensorFlow backends")
    with pytest.raises(NotImplementedError, match="TensorFlow backend"):
        D.jpeg_compress(images, 50)
