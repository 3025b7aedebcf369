"""Texture (style) loss: distance between Gram matrices of VGG features.

Gatys et al. (CVPR 2016) describe texture by feature correlations; EnhanceNet (Sajjadi
et al., ICCV 2017) uses them for SR. Here ``G = F^T F / (C * H * W)`` for features
``F`` of shape ``(H*W, C)``, so the value does not grow with the patch size.
"""

import keras
from keras import ops

from keras_sr.losses._base import as_float, pair, per_sample_mean
from keras_sr.losses.content import _FeatureLoss


def gram_matrix(features):
    """Normalised Gram matrix of NHWC features.

    Args:
        features: float ``(batch, H, W, C)``.

    Returns:
        Float ``(batch, C, C)``: ``G[b, i, j] = sum_{h,w} F[b,h,w,i] F[b,h,w,j] / (C*H*W)``.
    """
    features = as_float(features)
    if len(features.shape) != 4:
        raise ValueError("gram_matrix: expected features of shape (batch, H, W, C); got "
                         f"{tuple(features.shape)}")
    shape = ops.shape(features)
    flat = ops.reshape(features, (shape[0], -1, shape[3]))
    size = ops.cast(shape[1] * shape[2] * shape[3], features.dtype)
    return ops.matmul(ops.transpose(flat, (0, 2, 1)), flat) / size


@keras.saving.register_keras_serializable(package="keras_sr")
class TextureLoss(_FeatureLoss):
    """``sum_l w_l * mean(dist(gram(phi_l(sr)), gram(phi_l(hr))))`` over VGG layers.

    Args:
        layers: a name, a list (weight 1 each) or ``{name: weight}``; default the first
            convolution of blocks 1-3 (``block1_conv1``, ``block2_conv1``,
            ``block3_conv1``).
        network: ``"vgg19"`` (default) or ``"vgg16"``.
        weights: ``"imagenet"``, a local weights path, or ``None`` (random, tests).
        before_activation: Gram of pre-ReLU features (default False: Gatys uses ReLU
            outputs).
        distance: ``"l2"`` (default, Gatys) or ``"l1"``.

    Call with ``(y_true=hr, y_pred=sr)`` in [0, 1]; ``(batch,)`` before the reduction.
    """

    owner = "TextureLoss"

    def __init__(self, layers=("block1_conv1", "block2_conv1", "block3_conv1"),
                 network="vgg19", weights="imagenet", before_activation=False, distance="l2",
                 reduction="sum_over_batch_size", name="texture", dtype=None):
        super().__init__(layers, network, weights, before_activation, distance, reduction,
                         name, dtype)

    def call(self, y_true, y_pred):
        y_true, y_pred = pair(y_true, y_pred, self.owner)
        total = 0.0
        for weight, real, fake in zip(self.layers.values(), self.features(y_true),
                                      self.features(y_pred)):
            total = total + weight * per_sample_mean(
                ops.abs(gram_matrix(fake) - gram_matrix(real)) if self.distance == "l1"
                else ops.square(gram_matrix(fake) - gram_matrix(real)))
        return total
