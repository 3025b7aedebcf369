"""Building blocks made of standard Keras layers: residual, dense, dilated, attention.

Each block is a function ``block(x, ...) -> tensor`` that adds ordinary layers
(``Conv2D``, ``ReLU``, ``Add``, ``Concatenate``, ``Rescaling``...) to a functional
model. Nothing is hidden inside a custom layer, so the ``.keras`` files load in safe
mode and quantisation-aware training sees every convolution.
"""

import keras

layers = keras.layers


def _conv(filters, kernel_size, name, **kwargs):
    return layers.Conv2D(filters, kernel_size, padding="same", name=name, **kwargs)


def residual_block(x, filters, kernel_size=3, scaling=None, activation="relu", name="res"):
    """EDSR residual block: conv - activation - conv, optionally scaled, plus the input.

    Lim et al., "Enhanced Deep Residual Networks for Single Image Super-Resolution",
    CVPRW 2017 (no batch norm; residual scaling 0.1 in the wide model).

    Args:
        x: tensor ``(batch, H, W, filters)``.
        filters: int, channels of both convs (must equal the input channels).
        kernel_size: int.
        scaling: float or None; multiplies the residual branch (``Rescaling`` layer).
        activation: activation name between the convs.
        name: str prefix of the layer names.

    Returns:
        Tensor of the input's shape.
    """
    if x.shape[-1] != filters:
        raise ValueError(f"residual_block {name!r}: input has {x.shape[-1]} channels but "
                         f"`filters` is {filters}; they must match for the skip connection")
    y = _conv(filters, kernel_size, f"{name}_conv1")(x)
    y = layers.Activation(activation, name=f"{name}_act")(y)
    y = _conv(filters, kernel_size, f"{name}_conv2")(y)
    if scaling is not None and scaling != 1:
        y = layers.Rescaling(scaling, name=f"{name}_scale")(y)
    return layers.Add(name=f"{name}_add")([x, y])


def dense_block(x, growth, num_layers, kernel_size=3, activation="relu", name="dense"):
    """Densely connected conv layers: each one sees the concatenation of all before it.

    Huang et al., "Densely Connected Convolutional Networks", CVPR 2017;
    Tong et al., "Image Super-Resolution Using Dense Skip Connections", ICCV 2017.

    Args:
        x: tensor ``(batch, H, W, C)``.
        growth: int, channels added by each layer.
        num_layers: int >= 1.
        kernel_size: int.
        activation: activation of every conv.
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H, W, C + num_layers * growth)``.
    """
    features = [x]
    for i in range(1, num_layers + 1):
        inp = features[0] if len(features) == 1 else layers.Concatenate(
            name=f"{name}_concat{i}")(features)
        features.append(_conv(growth, kernel_size, f"{name}_conv{i}",
                              activation=activation)(inp))
    return layers.Concatenate(name=f"{name}_out")(features)


def residual_dense_block(x, growth=32, num_layers=4, scaling=None, kernel_size=3,
                         activation="relu", name="rdb"):
    """Residual dense block (RDN): dense block, 1x1 local feature fusion, plus the input.

    Zhang et al., "Residual Dense Network for Image Super-Resolution", CVPR 2018.

    Args:
        x: tensor ``(batch, H, W, C)``.
        growth: int, growth rate of the dense layers.
        num_layers: int, dense layers in the block.
        scaling: float or None, residual scaling (ESRGAN uses 0.2).
        kernel_size: int.
        activation: activation of the dense convs.
        name: str prefix of the layer names.

    Returns:
        Tensor of the input's shape.
    """
    y = dense_block(x, growth, num_layers, kernel_size, activation, name=f"{name}_dense")
    y = layers.Conv2D(x.shape[-1], 1, name=f"{name}_fuse")(y)
    if scaling is not None and scaling != 1:
        y = layers.Rescaling(scaling, name=f"{name}_scale")(y)
    return layers.Add(name=f"{name}_add")([x, y])


def dilated_block(x, filters, dilation_rates=(1, 2, 4), kernel_size=3, activation="relu",
                  residual=True, name="dilated"):
    """Stack of dilated (atrous) convolutions, growing the receptive field without pooling.

    Yu and Koltun, "Multi-Scale Context Aggregation by Dilated Convolutions", ICLR 2016.
    With ``kernel_size`` k and rates r_i the block sees ``1 + sum((k-1)*r_i)`` pixels.

    Args:
        x: tensor ``(batch, H, W, C)``.
        filters: int, channels of every conv.
        dilation_rates: tuple of ints, one conv per rate.
        kernel_size: int.
        activation: activation after every conv except the last when ``residual``.
        residual: bool, add the input to the output (needs ``C == filters``).
        name: str prefix of the layer names.

    Returns:
        Tensor ``(batch, H, W, filters)``.
    """
    if residual and x.shape[-1] != filters:
        raise ValueError(f"dilated_block {name!r}: residual=True needs input channels "
                         f"({x.shape[-1]}) == filters ({filters})")
    y = x
    last = len(dilation_rates)
    for i, rate in enumerate(dilation_rates, start=1):
        act = None if (residual and i == last) else activation
        y = _conv(filters, kernel_size, f"{name}_conv{i}", dilation_rate=rate,
                  activation=act)(y)
    if residual:
        y = layers.Add(name=f"{name}_add")([x, y])
    return y


def channel_attention(x, reduction=16, name="ca"):
    """Squeeze-and-excitation channel attention as in RCAN.

    Zhang et al., "Image Super-Resolution Using Very Deep Residual Channel Attention
    Networks", ECCV 2018: global average pool, 1x1 conv to ``C / reduction`` with ReLU,
    1x1 conv back to ``C`` with sigmoid, multiply the input channel-wise.

    Args:
        x: tensor ``(batch, H, W, C)``.
        reduction: int, channel reduction ratio.
        name: str prefix of the layer names.

    Returns:
        Tensor of the input's shape.
    """
    channels = x.shape[-1]
    squeezed = max(1, channels // reduction)
    w = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(x)
    w = layers.Conv2D(squeezed, 1, activation="relu", name=f"{name}_down")(w)
    w = layers.Conv2D(channels, 1, activation="sigmoid", name=f"{name}_up")(w)
    return layers.Multiply(name=f"{name}_mul")([x, w])


def residual_channel_attention_block(x, filters, reduction=16, kernel_size=3, name="rcab"):
    """RCAN's residual channel attention block: conv-ReLU-conv, channel attention, skip.

    Args:
        x: tensor ``(batch, H, W, filters)``.
        filters: int, channels (must equal the input's).
        reduction: int, channel-attention reduction ratio.
        kernel_size: int.
        name: str prefix of the layer names.

    Returns:
        Tensor of the input's shape.
    """
    if x.shape[-1] != filters:
        raise ValueError(f"residual_channel_attention_block {name!r}: input has "
                         f"{x.shape[-1]} channels, `filters` is {filters}")
    y = _conv(filters, kernel_size, f"{name}_conv1", activation="relu")(x)
    y = _conv(filters, kernel_size, f"{name}_conv2")(y)
    y = channel_attention(y, reduction, name=f"{name}_ca")
    return layers.Add(name=f"{name}_add")([x, y])
