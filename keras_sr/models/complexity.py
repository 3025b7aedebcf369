"""Count multiply-accumulates (MACs) per pixel by walking a model's conv and dense layers."""

import math

import keras

from keras_sr.layers.pixel_shuffle import PixelUnshuffle


def _spatial(shape):
    return math.prod(int(d) for d in shape[1:-1])


def _layer_macs(layer, in_shape, out_shape):
    """MACs of one layer for one image, from its static input and output shapes."""
    if isinstance(layer, keras.layers.Conv2DTranspose):
        kh, kw = layer.kernel_size
        return _spatial(in_shape) * kh * kw * in_shape[-1] * layer.filters
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        kh, kw = layer.kernel_size
        return _spatial(out_shape) * kh * kw * out_shape[-1]
    if isinstance(layer, keras.layers.SeparableConv2D):
        kh, kw = layer.kernel_size
        depthwise = _spatial(out_shape) * kh * kw * in_shape[-1] * layer.depth_multiplier
        return depthwise + _spatial(out_shape) * in_shape[-1] * layer.depth_multiplier * \
            layer.filters
    if isinstance(layer, keras.layers.Conv2D):
        kh, kw = layer.kernel_size
        groups = getattr(layer, "groups", 1)
        return _spatial(out_shape) * kh * kw * (in_shape[-1] // groups) * layer.filters
    if isinstance(layer, keras.layers.Dense):
        return math.prod(int(d) for d in in_shape[1:]) * layer.units
    if hasattr(layer, "conv_equivalent"):  # re-parameterizable: counted as its Conv2D
        spec = layer.conv_equivalent()
        kh, kw = spec["kernel_size"]
        return _spatial(out_shape) * kh * kw * in_shape[-1] * spec["filters"]
    return 0


_COUNTED = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Dense)


def count_macs(model, input_size=24):
    """Total MACs of one forward pass and the pixel counts it is measured against.

    Convolutions, transposed convolutions and dense layers are counted from their kernel
    sizes and the static shapes the model would have for an ``input_size`` square input;
    element-wise layers (activations, adds, resizes, pixel shuffle) are ignored. A layer
    with a ``conv_equivalent()`` method (``RepConv3x3``: re-parameterizable branches) is
    counted as the single conv it folds into, which is also what it runs.

    Args:
        model: a functional ``keras.Model`` with one image input.
        input_size: int, height and width of the probe input (ignored when the model's
            input size is fixed).

    Returns:
        ``(macs, input_pixels, output_pixels)``; ``output_pixels`` is the largest spatial
        output (models with non-spatial outputs report the input pixels).
    """
    shape = tuple(model.inputs[0].shape)
    height = shape[1] if shape[1] is not None else input_size
    width = shape[2] if shape[2] is not None else input_size
    probe_shape = (1, height, width, shape[3])
    layers = [layer for layer in model.layers
              if isinstance(layer, _COUNTED) or hasattr(layer, "conv_equivalent")]
    tensors = []
    for layer in layers:
        tensors += [layer.input, layer.output]
    tensors += list(model.outputs)
    probe = keras.Model(model.inputs, tensors)
    specs = probe.compute_output_spec(keras.KerasTensor(probe_shape, dtype="float32"))
    macs = 0
    for i, layer in enumerate(layers):
        macs += _layer_macs(layer, specs[2 * i].shape, specs[2 * i + 1].shape)
    output_pixels = max((_spatial(s.shape) for s in specs[2 * len(layers):]
                         if len(s.shape) == 4), default=height * width)
    return macs, height * width, output_pixels


def macs_per_pixel(model, input_size=24, per="output"):
    """MACs per output pixel (generators) or per input pixel (discriminators).

    Args:
        model: functional ``keras.Model``.
        input_size: probe input height and width for size-agnostic models.
        per: ``"output"`` or ``"input"``.

    Returns:
        float.
    """
    if per not in ("output", "input"):
        raise ValueError(f"macs_per_pixel: `per` must be 'output' or 'input'; got {per!r}")
    macs, input_pixels, output_pixels = count_macs(model, input_size)
    return macs / (output_pixels if per == "output" else input_pixels)


def receptive_field(model):
    """Receptive field (pixels, one side) of a plain chain of convolutions, in input pixels.

    Walks the ``Conv2D`` layers in order: ``rf = 1 + sum((k - 1) * dilation * jump)``
    with ``jump`` the product of the strides before each layer (a ``PixelUnshuffle(b)``
    counts as a ``b x b`` window of stride ``b``). Valid for models that are a single
    chain (SRCNN, VDSR, ESPCN's convs, PatchGAN, PlainSR); skips transposed convs.

    Args:
        model: ``keras.Model``.

    Returns:
        int.
    """
    field, jump = 1, 1
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(
                layer, keras.layers.Conv2DTranspose):
            field += (layer.kernel_size[0] - 1) * layer.dilation_rate[0] * jump
            jump *= layer.strides[0]
        elif hasattr(layer, "conv_equivalent"):  # stride 1, no dilation
            field += (layer.conv_equivalent()["kernel_size"][0] - 1) * jump
        elif isinstance(layer, PixelUnshuffle):  # a block x block window, stride block
            field += (layer.block - 1) * jump
            jump *= layer.block
    return field
