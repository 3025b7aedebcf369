"""One level of the Laplacian pyramid network (LapSRN) and its bilinear initialiser.

Lai, Huang, Ahuja and Yang, "Deep Laplacian Pyramid Networks for Fast and Accurate
Super-Resolution", CVPR 2017.
"""

import keras
import numpy as np

layers = keras.layers


@keras.saving.register_keras_serializable(package="keras_sr")
class BilinearUpsampling(keras.initializers.Initializer):
    """Initialise a ``Conv2DTranspose`` kernel as per-channel bilinear upsampling.

    For a kernel ``(k, k, channels, channels)`` with ``k = 2 * stride`` and "same"
    padding, the layer then performs bilinear (half-pixel) upsampling of each channel;
    LapSRN initialises its image-branch transposed convs this way.

    Example:
        >>> kernel = BilinearUpsampling()((4, 4, 1, 1))
        >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(kernel)[:, 0, 0, 0]]
        [0.0625, 0.1875, 0.1875, 0.0625]
    """

    def __call__(self, shape, dtype=None):
        if len(shape) != 4 or shape[0] != shape[1] or shape[2] != shape[3]:
            raise ValueError("BilinearUpsampling expects a square kernel (k, k, c, c); "
                             f"got {shape!r}")
        k = shape[0]
        factor = (k + 1) // 2
        centre = factor - 1 if k % 2 == 1 else factor - 0.5
        taps = 1.0 - np.abs(np.arange(k) - centre) / factor
        kernel = np.zeros(shape, dtype="float32")
        for c in range(shape[2]):
            kernel[:, :, c, c] = np.outer(taps, taps)
        return keras.ops.convert_to_tensor(kernel, dtype=dtype or "float32")

    def get_config(self):
        return {}


def laplacian_pyramid_stage(features, image, channels, filters=64, depth=10, name="level",
                            use_bias=True, negative_slope=0.2):
    """One LapSRN level: predicts the x2 residual and adds it to the upsampled image.

    Feature branch: ``depth`` 3x3 convs with leaky ReLU (0.2), a 4x4 stride-2 transposed
    conv (+ leaky ReLU), then a 3x3 conv to the ``channels`` residual image. Image branch:
    a 4x4 stride-2 transposed conv initialised as bilinear upsampling. Output: sum.

    Args:
        features: tensor ``(batch, H, W, filters)`` from the previous level (or the
            input conv).
        image: tensor ``(batch, H, W, channels)``, the current image estimate.
        channels: int, image channels.
        filters: int, feature channels.
        depth: int, conv layers in the feature branch.
        name: str, name of the level; its output layer is ``name`` itself.
        use_bias: bool, the feature-branch and residual convs have biases.
        negative_slope: float, slope of the leaky ReLUs (0.2).

    Returns:
        ``(features_up, image_up)``: ``(batch, 2H, 2W, filters)`` and
        ``(batch, 2H, 2W, channels)``.
    """
    x = features
    for i in range(1, depth + 1):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias,
                          name=f"{name}_conv{i}")(x)
        x = layers.LeakyReLU(negative_slope=negative_slope, name=f"{name}_act{i}")(x)
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=use_bias,
                               name=f"{name}_feature_up")(x)
    features_up = layers.LeakyReLU(negative_slope=negative_slope,
                                   name=f"{name}_feature_up_act")(x)
    residual = layers.Conv2D(channels, 3, padding="same", use_bias=use_bias,
                             name=f"{name}_residual")(features_up)
    image_up = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", use_bias=False,
                                      kernel_initializer=BilinearUpsampling(),
                                      name=f"{name}_image_up")(image)
    return features_up, layers.Add(name=name)([image_up, residual])
