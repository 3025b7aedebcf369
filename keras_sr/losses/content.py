"""Content (perceptual) loss: distance between features of a frozen ImageNet VGG.

Johnson et al. (ECCV 2016) and SRGAN (Ledig et al., CVPR 2017) compare SR and HR in
the feature space of VGG; SRGAN's "VGG54" is the 4th convolution before the 5th
max-pooling (``block5_conv4``) taken BEFORE its ReLU, as ESRGAN (Wang et al., ECCVW
2018) also does. ``keras.applications`` fuses the ReLU into each ``Conv2D``, so
``vgg_feature_extractor`` rebuilds the network with linear convolutions (weights
copied) followed by separate ``ReLU`` layers: a layer name then means its
pre-activation output when ``before_activation=True`` and the usual post-ReLU output
otherwise. The network is cut after the deepest requested layer and frozen.

Inputs are RGB in [0, 1]; ``imagenet_preprocess`` turns them into what the Keras VGG
weights were trained on ("caffe" mode: BGR, 0..255, ImageNet mean subtracted). A
1-channel (Y or grey) input is tiled to 3 channels first.
"""

from pathlib import Path

import keras
from keras import ops

from keras_sr.losses._base import check_choice, pair, per_sample_mean

IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)
NETWORKS = {"vgg19": keras.applications.VGG19, "vgg16": keras.applications.VGG16}
DISTANCES = ("l1", "l2")


def imagenet_preprocess(images):
    """[0, 1] RGB (or 1-channel) images to VGG "caffe" input: BGR * 255 - ImageNet mean.

    Args:
        images: float ``(batch, H, W, 1 or 3)`` in [0, 1].

    Returns:
        Float ``(batch, H, W, 3)``.
    """
    images = ops.convert_to_tensor(images)
    channels = images.shape[-1]
    if channels == 1:
        images = ops.concatenate([images] * 3, axis=-1)
    elif channels != 3:
        raise ValueError("imagenet_preprocess: expected 1 or 3 channels in the last axis; got "
                         f"shape {tuple(images.shape)}")
    bgr = ops.flip(images, axis=-1) * 255.0
    return bgr - ops.convert_to_tensor(IMAGENET_BGR_MEAN, dtype=bgr.dtype)


def _load_backbone(network, weights):
    builder = NETWORKS[network]
    if weights is None:
        return builder(include_top=False, weights=None, input_shape=(None, None, 3))
    if weights == "imagenet":
        try:
            return builder(include_top=False, weights="imagenet", input_shape=(None, None, 3))
        except Exception as error:  # the Keras download raises a bare Exception offline
            raise RuntimeError(
                f"Could not get the ImageNet weights of {network} for the content/texture "
                f"loss ({type(error).__name__}: {error}). Keras downloads them once to "
                "~/.keras/models; when offline, pass `weights=` the path of a local "
                f"'{network}_weights_tf_dim_ordering_tf_kernels_notop.h5' file, or "
                "`weights=None` for a randomly initialised network (tests only).") from error
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(f"content loss: `weights` must be 'imagenet', None or the path "
                                f"of a weights file; got {weights!r} (no such file)")
    return builder(include_top=False, weights=str(path), input_shape=(None, None, 3))


def vgg_feature_extractor(layers=("block5_conv4",), network="vgg19", weights="imagenet",
                          before_activation=True):
    """A frozen ``keras.Model`` mapping VGG-preprocessed images to the named features.

    Args:
        layers: names of ``keras.applications`` VGG layers (``"block5_conv4"``,
            ``"block2_pool"``...), in any order.
        network: ``"vgg19"`` or ``"vgg16"``.
        weights: ``"imagenet"`` (downloaded once by Keras), a local ``.h5`` path, or
            ``None`` (random initialisation, for tests).
        before_activation: convolution features before their ReLU (SRGAN, ESRGAN).

    Returns:
        ``keras.Model`` with input ``(None, None, None, 3)`` and one output per layer, in
        the order of ``layers``; ``trainable`` is False.
    """
    check_choice(network, NETWORKS, "network", "vgg_feature_extractor")
    layers = [layers] if isinstance(layers, str) else list(layers)
    if not layers:
        raise ValueError("vgg_feature_extractor: `layers` is empty; give at least one name")
    backbone = _load_backbone(network, weights)
    known = [layer.name for layer in backbone.layers[1:]]
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise ValueError(f"vgg_feature_extractor: unknown layer(s) {unknown} for {network}; "
                         f"expected names among {known}")
    last = max(known.index(name) for name in layers)

    inputs = keras.Input((None, None, 3), name="vgg_input")
    x = inputs
    features = {}
    for layer in backbone.layers[1:last + 2]:
        if isinstance(layer, keras.layers.Conv2D):
            config = dict(layer.get_config(), activation="linear", kernel_initializer="zeros")
            conv = keras.layers.Conv2D.from_config(config)
            pre = conv(x)
            conv.set_weights(layer.get_weights())
            x = keras.layers.ReLU(name=f"{layer.name}_relu")(pre)
            features[layer.name] = pre if before_activation else x
        else:
            x = layer(x)
            features[layer.name] = x
    model = keras.Model(inputs, [features[name] for name in layers],
                        name=f"{network}_features")
    model.trainable = False
    return model


def _normalise_layers(layers, owner):
    """``str | list | dict`` -> ``{name: weight}``."""
    if isinstance(layers, str):
        return {layers: 1.0}
    if isinstance(layers, dict):
        if not layers:
            raise ValueError(f"{owner}: `layers` is empty")
        return {str(name): float(weight) for name, weight in layers.items()}
    layers = list(layers)
    if not layers:
        raise ValueError(f"{owner}: `layers` is empty")
    return {str(name): 1.0 for name in layers}


class _FeatureLoss(keras.losses.Loss):
    """Common part of content and texture losses: a frozen VGG and per-layer weights."""

    owner = "feature loss"

    def __init__(self, layers, network, weights, before_activation, distance, reduction, name,
                 dtype):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.layers = _normalise_layers(layers, self.owner)
        self.network = check_choice(network, NETWORKS, "network", self.owner)
        self.weights = weights
        self.before_activation = before_activation
        self.distance = check_choice(distance, DISTANCES, "distance", self.owner)
        self.extractor = vgg_feature_extractor(list(self.layers), network=network,
                                               weights=weights,
                                               before_activation=before_activation)

    def features(self, images):
        """List of VGG features of ``images`` ([0, 1] RGB or grey), in ``layers`` order."""
        outputs = self.extractor(imagenet_preprocess(images), training=False)
        return outputs if isinstance(outputs, (list, tuple)) else [outputs]

    def _distance(self, a, b):
        diff = a - b
        return per_sample_mean(ops.abs(diff) if self.distance == "l1" else ops.square(diff))

    def get_config(self):
        config = super().get_config()
        config.update({"layers": dict(self.layers), "network": self.network,
                       "weights": self.weights, "before_activation": self.before_activation,
                       "distance": self.distance})
        return config


@keras.saving.register_keras_serializable(package="keras_sr")
class ContentLoss(_FeatureLoss):
    """Perceptual loss ``sum_l w_l * mean(dist(phi_l(sr), phi_l(hr))) * feature_scale^p``.

    Args:
        layers: a layer name, a list of names (weight 1 each) or ``{name: weight}``;
            default SRGAN/ESRGAN VGG54 ``"block5_conv4"``.
        network: ``"vgg19"`` (default) or ``"vgg16"``.
        weights: ``"imagenet"``, a local weights path, or ``None`` (random, tests).
        before_activation: features before the ReLU (default True, as SRGAN/ESRGAN).
        distance: ``"l1"`` (ESRGAN) or ``"l2"`` (SRGAN, Johnson et al.).
        feature_scale: features are multiplied by this before the distance (SRGAN
            rescales VGG features by 1/12.75).

    Call with ``(y_true=hr, y_pred=sr)``, float ``(batch, H, W, 1 or 3)`` in [0, 1];
    ``(batch,)`` per image before the reduction.
    """

    owner = "ContentLoss"

    def __init__(self, layers="block5_conv4", network="vgg19", weights="imagenet",
                 before_activation=True, distance="l1", feature_scale=1.0,
                 reduction="sum_over_batch_size", name="content", dtype=None):
        super().__init__(layers, network, weights, before_activation, distance, reduction,
                         name, dtype)
        self.feature_scale = feature_scale

    def call(self, y_true, y_pred):
        y_true, y_pred = pair(y_true, y_pred, self.owner)
        total = 0.0
        scale = float(self.feature_scale)
        for weight, real, fake in zip(self.layers.values(), self.features(y_true),
                                      self.features(y_pred)):
            total = total + weight * self._distance(real * scale, fake * scale)
        return total

    def get_config(self):
        config = super().get_config()
        config.update({"feature_scale": self.feature_scale})
        return config
