"""JPEG compression artefacts (TensorFlow backend only: ``tf.image.adjust_jpeg_quality``)."""

import keras
from keras import ops

from keras_sr.degradations._batch import batched, check_range, restore
from keras_sr.degradations.seeds import seed_stream


def _require_tensorflow(what):
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            f"{what} needs the TensorFlow backend (it calls tf.image.adjust_jpeg_quality); "
            f"the backend is {keras.backend.backend()!r}. Run the data pipeline with "
            "KERAS_BACKEND=tensorflow or drop JPEG from the degradation.")


def jpeg_compress(images, quality):
    """JPEG-compress and decode images (TensorFlow only: ``tf.image.adjust_jpeg_quality``).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1], C = 1 or 3.
        quality: JPEG quality in [0, 100]; an int or a ``(batch,)`` int tensor.

    Returns:
        Decoded float32 images in [0, 1] (8-bit values), same shape.
    """
    _require_tensorflow("jpeg_compress")
    import tensorflow as tf  # deferred: optional off the TensorFlow backend

    if isinstance(quality, (int, float)) and not 0 <= quality <= 100:
        raise ValueError(f"jpeg_compress: `quality` must be in [0, 100]; got {quality!r}")
    x, squeeze = batched(images, "jpeg_compress")
    x = tf.clip_by_value(tf.cast(x, tf.float32), 0.0, 1.0)
    quality = tf.broadcast_to(tf.reshape(tf.cast(quality, tf.int32), (-1,)), tf.shape(x)[:1])

    def one(args):
        image, q = args
        return tf.image.adjust_jpeg_quality(image, q)

    out = tf.map_fn(one, (x, quality), fn_output_signature=tf.float32)
    out = tf.ensure_shape(out, x.shape)
    return restore(out, squeeze)


def random_jpeg(images, quality_range=(30, 95), seed=None):
    """JPEG compression with a quality drawn uniformly per image (TensorFlow only).

    Args:
        images: float ``(batch, H, W, C)`` or ``(H, W, C)`` in [0, 1].
        quality_range: (min, max) integer qualities, both included.
        seed: int, ``(2,)`` tensor or SeedGenerator (see ``keras_sr.degradations.seeds``).

    Returns:
        Decoded images in [0, 1].
    """
    low, high = check_range(quality_range, "quality_range", low=0, high=100)
    _require_tensorflow("random_jpeg")
    stream = seed_stream(seed)
    x, squeeze = batched(images, "random_jpeg")
    quality = keras.random.randint((ops.shape(x)[0],), int(low), int(high) + 1, seed=stream)
    return restore(jpeg_compress(x, quality), squeeze)



__all__ = ["jpeg_compress", "random_jpeg"]
