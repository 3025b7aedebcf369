"""Rewrite strided transposed convolutions as a conv + ``PixelShuffle`` (exactly).

A ``Conv2DTranspose`` with stride ``s`` and ``"same"`` padding writes output pixel
``q*s + r`` (``0 <= r < s``) from LR pixels ``q + m`` only, through kernel tap
``r + p - m*s`` (``p = (k - s) // 2``, the padding before the input). Each of the
``s*s`` output phases is therefore an ordinary stride-1 convolution of the LR map, and
the ``s*s`` phases side by side are one ``Conv2D`` with ``s*s*C`` filters followed by
``depth_to_space`` (the sub-pixel layout of ESPCN). The rewrite changes no value, but:

- TFLite runs ``CONV_2D`` + ``DEPTH_TO_SPACE`` far faster than ``TRANSPOSE_CONV``
  (FSRCNN x3, 640x360 -> 1920x1080 on this machine's CPU: see docs/export.md);
- int8 weights become per-channel (the converter quantizes ``TRANSPOSE_CONV`` weights
  per tensor).

FSRCNN's 9x9 stride-3 deconvolution becomes a 3x3 conv with 9 filters (x2: 5x5 with 4,
x4: 3x3 with 16).
"""

import math

import keras
import numpy as np

from keras_sr.layers.pixel_shuffle import PixelShuffle
from keras_sr.quantization.activation_quantizer import ActivationQuantizer
from keras_sr.quantization.graph import clone_call, functional_graph, rebuild_model


def _convertible(layer):
    """Why ``layer`` (a ``Conv2DTranspose``) cannot be rewritten, or None if it can."""
    strides = tuple(layer.strides)
    if strides[0] != strides[1] or strides[0] < 2:
        return f"strides {strides} (need equal strides >= 2)"
    if layer.padding != "same":
        return f"padding {layer.padding!r} (need 'same')"
    if tuple(layer.dilation_rate) != (1, 1):
        return f"dilation {tuple(layer.dilation_rate)}"
    if layer.output_padding is not None:
        return f"output_padding {layer.output_padding}"
    if layer.data_format != "channels_last":
        return f"data_format {layer.data_format!r}"
    kh, kw = layer.kernel_size
    if kh != kw or kh < strides[0]:
        return f"kernel {layer.kernel_size} (need square, at least the stride)"
    return None


def phase_taps(kernel_size, stride):
    """``(M, taps)``: ``taps[r][m + M]`` is the transposed-conv tap (or -1) that output
    phase ``r`` reads from LR offset ``m`` in ``[-M, M]`` (``"same"`` padding)."""
    pad = (kernel_size - stride) // 2
    taps, reach = [], 0
    for r in range(stride):
        offsets = range(math.ceil((r + pad - kernel_size + 1) / stride),
                        math.floor((r + pad) / stride) + 1)
        taps.append({m: r + pad - m * stride for m in offsets})
        reach = max([reach] + [abs(m) for m in offsets])
    table = [[row.get(m, -1) for m in range(-reach, reach + 1)] for row in taps]
    return reach, table


def subpixel_weights(kernel, bias, stride):
    """Conv2D weights equal to a ``"same"`` Conv2DTranspose of square ``kernel``.

    Args:
        kernel: ``(k, k, out, in)`` array, the ``Conv2DTranspose`` kernel.
        bias: ``(out,)`` array or None.
        stride: int >= 2.

    Returns:
        ``(conv_kernel, conv_bias)``: ``(2M+1, 2M+1, in, stride**2 * out)`` and
        ``(stride**2 * out,)`` (or None), channel ``(r_y*stride + r_x)*out + c`` holding
        output phase ``(r_y, r_x)`` of channel ``c``, as ``depth_to_space`` expects.
    """
    kernel = np.asarray(kernel)
    k, _, out_channels, in_channels = kernel.shape
    reach, table = phase_taps(k, stride)
    size = 2 * reach + 1
    conv = np.zeros((size, size, in_channels, stride * stride * out_channels), kernel.dtype)
    for ry in range(stride):
        for rx in range(stride):
            first = (ry * stride + rx) * out_channels
            for i, ty in enumerate(table[ry]):
                for j, tx in enumerate(table[rx]):
                    if ty >= 0 and tx >= 0:
                        conv[i, j, :, first:first + out_channels] = kernel[ty, tx].T
    conv_bias = None if bias is None else np.tile(np.asarray(bias), stride * stride)
    return conv, conv_bias


def transposed_to_subpixel(model):
    """Return a copy of a functional model with every strided ``"same"``
    ``Conv2DTranspose`` replaced by ``Conv2D`` + :class:`PixelShuffle` (same outputs up
    to float rounding); other layers are cloned with their weights.

    Args:
        model: functional ``keras.Model`` (float, not a QAT model).

    Returns:
        ``(new_model, replaced)``: the copy and the names of the replaced layers (empty
        when there was nothing to replace; the copy is then a plain clone).

    Raises:
        ValueError: a ``Conv2DTranspose`` that cannot be rewritten (naming the layer and
            what is unsupported: unequal strides, valid padding, dilation...).
    """
    graph = functional_graph(model, "transposed_to_subpixel")
    replaced = []

    def call_node(node, args, kwargs):
        layer = node.operation
        if type(layer) is not keras.layers.Conv2DTranspose:
            return clone_call(layer, args, kwargs)
        problem = _convertible(layer)
        if problem:
            raise ValueError(f"transposed_to_subpixel: layer {layer.name!r} cannot be "
                             f"rewritten: {problem}")
        stride = int(layer.strides[0])
        weights = layer.get_weights()
        kernel, bias = subpixel_weights(weights[0], weights[1] if layer.use_bias else None,
                                        stride)
        conv = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[0], padding="same",
                                   use_bias=layer.use_bias, name=f"{layer.name}_subpixel",
                                   dtype=layer.dtype_policy)
        shuffle = PixelShuffle(stride, name=f"{layer.name}_shuffle")
        outputs = shuffle(conv(*args, **kwargs))
        conv.set_weights([kernel] + ([bias] if layer.use_bias else []))
        if keras.activations.serialize(layer.activation) != "linear":
            outputs = keras.layers.Activation(layer.activation,
                                              name=f"{layer.name}_act")(outputs)
        replaced.append(layer.name)
        return outputs

    return rebuild_model(model, graph, call_node), replaced


def as_subpixel(model):
    """``(model', replaced)``: ``model`` with its strided transposed convs rewritten by
    :func:`transposed_to_subpixel`, or ``(model, [])`` when it has none, when one cannot
    be rewritten, or for a QAT model (rewrite the float model before quantizing it)."""
    if any(isinstance(layer, ActivationQuantizer) for layer in model.layers) or not any(
            type(layer) is keras.layers.Conv2DTranspose for layer in model.layers):
        return model, []
    try:
        return transposed_to_subpixel(model)
    except ValueError:
        return model, []
