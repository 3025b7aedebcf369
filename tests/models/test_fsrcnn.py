"""FSRCNN(56, 12, 4): 12,464 weights, PReLU, 9x9 transposed conv with stride = scale."""

import keras

from keras_sr import models


def test_paper_weight_count_and_layers():
    model = models.get("fsrcnn", scale=3, channels=1)
    kernels = sum(int(keras.ops.size(w)) for w in model.trainable_weights
                  if w.path.endswith("kernel"))
    assert kernels == 12464  # paper, biases excluded
    convs = [l for l in model.layers
             if isinstance(l, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    assert [l.kernel_size[0] for l in convs] == [5, 1, 3, 3, 3, 3, 1, 9]
    assert isinstance(convs[-1], keras.layers.Conv2DTranspose)
    assert convs[-1].strides == (3, 3)
    assert len([l for l in model.layers if isinstance(l, keras.layers.PReLU)]) == 7


def test_macs_per_output_pixel():
    model = models.get("fsrcnn", scale=3, channels=1)
    # Every LR pixel costs one MAC per weight (12,464) and yields 9 output pixels.
    assert models.macs_per_pixel(model) == 12464 / 9
