"""``quantize_model``: rebuild a functional SR model with int8 fake quantization (QAT).

Quantizers go where the TFLite int8 kernels requantize, so that the fake-quantized
Keras model computes what the converted int8 graph computes:
- the input (fixed range ``[0, 1]``, i.e. scale 1/255: uint8 pixels map exactly);
- after every ``Conv2D`` / ``Conv2DTranspose``, or after its ReLU / ReLU6 when that is
  the conv's only consumer (TFLite fuses them into the conv);
- after every other activation (PReLU, LeakyReLU, clipped ReLU), ``Add``,
  ``Concatenate``, ``Rescaling`` (EDSR's mean shift) and ``Resize``;
- tanh and sigmoid (also as a conv's ``activation``, split off into their own layer)
  get the fixed output grids of the TFLite int8 kernels: [-1, 127/128] and [0, 255/256];
  the quantizer of a conv's pre-activation is clamped to where those grids saturate
  (``SATURATION_LIMITS``), so rare large pre-activations do not coarsen its grid;
- not after ``PixelShuffle``, ``PixelUnshuffle``, ``PadToMultiple`` or ``CropToMatch``
  (``DEPTH_TO_SPACE``, ``SPACE_TO_DEPTH``, a gather and a slice only move int8 values);
- at the output, a fixed ``[0, 1]`` quantizer: it clips the image to [0, 1] before
  quantizing, so no int8 level is wasted on overshoots (it replaces the quantizer of
  the last conv when only a ``PixelShuffle`` separates them).
Weights of convs are quantized per channel and symmetric, PReLU slopes per tensor.
"""

import math

import keras

from keras_sr.quantization.activation_quantizer import ActivationQuantizer
from keras_sr.quantization.graph import functional_graph
from keras_sr.quantization.quantized_layers import (
    QuantizedConv2D, QuantizedConv2DTranspose, QuantizedPReLU)

CONV_TYPES = {keras.layers.Conv2D: QuantizedConv2D,
              keras.layers.Conv2DTranspose: QuantizedConv2DTranspose}
# Layers that only move values: int8 in, int8 out with the same scale.
PASS_THROUGH_NAMES = ("PixelShuffle", "PixelUnshuffle", "PadToMultiple", "CropToMatch")
# Layers with their own int8 kernel and a requantized output.
REQUANTIZED_NAMES = ("Add", "Concatenate", "Resize", "LeakyReLU", "PReLU", "ReLU",
                     "Activation", "Rescaling")
FUSED_ACTIVATIONS = ("relu", "relu6", "linear")
# Activations whose TFLite int8 kernel has a fixed output grid: (min, max) of that grid.
FIXED_GRID_ACTIVATIONS = {"tanh": (-1.0, 127.0 / 128.0), "sigmoid": (0.0, 255.0 / 256.0)}
# Pre-activation range at whose ends the int8 kernel's output reaches the top level of
# its fixed grid (tanh(x) = 127/128 at x = atanh(127/128) = 2.77; sigmoid(x) = 255/256 at
# x = ln(255) = 5.54), symmetric: the clamped pre-activation never reaches tanh's extra
# level -1 or sigmoid's 0, a change of one level for inputs that are deeply saturated.
# Ends half a level inside (tanh at 126.5/128) would lose the top level to the input
# grid's rounding.
SATURATION_LIMITS = {"tanh": (-math.atanh(127.0 / 128.0), math.atanh(127.0 / 128.0)),
                     "sigmoid": (-math.log(255.0), math.log(255.0))}
SUPPORTED = ("InputLayer", "Conv2D", "Conv2DTranspose", "ReLU", "ReLU(max_value=...)",
             "PReLU", "LeakyReLU", "Activation('relu'|'relu6'|'linear'|'tanh'|'sigmoid')",
             "Add", "Concatenate", "Rescaling", "PixelShuffle", "PixelUnshuffle",
             "PadToMultiple", "CropToMatch", "Resize")


def _unsupported(layer, why=""):
    return ValueError(
        f"quantize_model: layer {layer.name!r} ({type(layer).__name__}) is not supported "
        f"by int8 QAT{': ' + why if why else ''}. Supported layers: {', '.join(SUPPORTED)}")


def _activation_name(activation):
    return getattr(activation, "__name__", str(activation))


def _is_fusable_activation(layer):
    """ReLU / ReLU6 that TFLite fuses into a preceding conv."""
    if isinstance(layer, keras.layers.ReLU):
        return (float(layer.negative_slope) == 0.0 and float(layer.threshold) == 0.0
                and layer.max_value in (None, 6, 6.0))
    if type(layer) is keras.layers.Activation:
        return _activation_name(layer.activation) in ("relu", "relu6")
    return False


def _kind(layer):
    """Classify a layer: "input", "conv", "pass", "requant"; raise when unsupported."""
    name = type(layer).__name__
    if isinstance(layer, keras.layers.InputLayer):
        return "input"
    if type(layer) in CONV_TYPES:
        activation = _activation_name(layer.activation)
        if activation not in FUSED_ACTIVATIONS + tuple(FIXED_GRID_ACTIVATIONS):
            raise _unsupported(layer, f"conv activation {activation!r} has no TFLite int8 "
                                      "kernel; use relu/relu6/tanh/sigmoid")
        return "conv"
    if name in PASS_THROUGH_NAMES:
        return "pass"
    if name == "Activation":
        activation = _activation_name(layer.activation)
        if activation in FIXED_GRID_ACTIVATIONS:
            return "fixed_grid"
        if activation not in FUSED_ACTIVATIONS:
            raise _unsupported(layer, f"activation {activation!r}")
    if name == "ReLU" and float(layer.threshold) != 0.0:
        raise _unsupported(layer, "ReLU threshold != 0 has no TFLite kernel")
    if name in REQUANTIZED_NAMES:
        return "requant"
    raise _unsupported(layer)


def _clone_layer(layer):
    config = layer.get_config()
    if type(layer) in CONV_TYPES:
        if _activation_name(layer.activation) in FIXED_GRID_ACTIVATIONS:
            config["activation"] = "linear"  # split off, see quantize_model
        return CONV_TYPES[type(layer)].from_config(config)
    if isinstance(layer, keras.layers.PReLU):
        return QuantizedPReLU.from_config(config)
    return type(layer).from_config(config)


def _output_quant_nodes(graph):
    """Nodes whose output quantizer becomes the fixed [0, 1] output quantizer."""
    consumers, producer = graph.consumers, graph.producer
    chosen = set()
    for output in graph.outputs:
        if consumers.get(output):
            continue  # also feeds other layers: they must not see the clipped tensor
        node = producer.get(output)
        while node is not None and type(node.operation).__name__ in PASS_THROUGH_NAMES:
            source = node.input_tensors[0]  # the moved tensor (CropToMatch: not the reference)
            if len(consumers.get(source, [])) != 1:
                node = None
                break
            node = producer.get(source)
        if node is not None and not node.is_input and node.operation is not None:
            chosen.add(id(node))
    return chosen


def quantize_model(model, activation_range="ema", momentum=0.99, calibration_data=None,
                   calibration="minmax"):
    """Return a QAT copy of a float functional SR model (weights copied, int8 fake quant).

    Args:
        model: functional ``keras.Model`` built from the supported layers (listed in the
            error raised for any other layer). Nested models are not supported.
        activation_range: ``"ema"`` (moving-average ranges) or ``"learned"`` (trainable
            ranges), see :class:`ActivationQuantizer`.
        momentum: float, EMA momentum of the activation ranges.
        calibration_data: optional LR batches (an array ``(N, h, w, c)`` in [0, 1] or an
            iterable of such batches) used to initialise the activation ranges
            (:func:`calibrate`); recommended, and needed for ``"learned"``.
        calibration: ``"minmax"`` or ``"mse"`` (least-error ranges; pair it with
            ``activation_range="learned"``), see :func:`calibrate`.

    Returns:
        ``keras.Model`` named ``<model.name>_qat`` with the same inputs and outputs, to be
        fine-tuned with ``fit`` and exported with ``export_tflite(quantize="int8-qat")``.
    """
    if activation_range not in ("ema", "learned"):
        raise ValueError(f"quantize_model: `activation_range` must be 'ema' or 'learned'; "
                         f"got {activation_range!r}")
    graph = functional_graph(model, "quantize_model")
    kinds = {id(node): _kind(node.operation) for node in graph.nodes}
    output_nodes = _output_quant_nodes(graph)

    def quantizer(name, limits=None):
        return ActivationQuantizer(mode=activation_range, momentum=momentum,
                                   fixed_range=(0.0, 1.0), limits=limits, name=name)

    def output_quantizer(name):
        return ActivationQuantizer(mode="fixed", fixed_range=(0.0, 1.0), name=name)

    def fused_into_next(node):
        if _activation_name(node.operation.activation) != "linear":
            return False
        (output,) = node.outputs
        users = graph.consumers.get(output, [])
        is_model_output = output in graph.outputs
        return (len(users) == 1 and not is_model_output
                and _is_fusable_activation(users[0].operation))

    tensors = {}
    new_inputs = []
    for key, tensor in zip(graph.inputs, model.inputs):
        new_input = keras.Input(batch_shape=tensor.shape, dtype=tensor.dtype,
                                name=tensor.name)
        new_inputs.append(new_input)
        tensors[key] = output_quantizer(f"{tensor.name}_quant")(new_input)

    for node in graph.nodes:
        layer = node.operation
        if node.is_input:
            continue
        kind = kinds[id(node)]
        args, kwargs = node.fill_in(tensors)
        new_layer = _clone_layer(layer)
        outputs = new_layer(*args, **kwargs)
        new_layer.set_weights(layer.get_weights())
        needs_quant = kind == "requant" or (kind == "conv" and not fused_into_next(node))
        grid = None
        if kind == "fixed_grid":
            grid = FIXED_GRID_ACTIVATIONS[_activation_name(layer.activation)]
        elif kind == "conv" and _activation_name(layer.activation) in FIXED_GRID_ACTIVATIONS:
            activation = _activation_name(layer.activation)
            outputs = quantizer(f"{layer.name}_quant",
                                limits=SATURATION_LIMITS[activation])(outputs)
            outputs = keras.layers.Activation(activation, name=f"{layer.name}_{activation}")(
                outputs)
            grid = FIXED_GRID_ACTIVATIONS[activation]
        if grid is not None and id(node) not in output_nodes:
            outputs = ActivationQuantizer(mode="fixed", fixed_range=grid,
                                          name=f"{layer.name}_grid_quant")(outputs)
        elif id(node) in output_nodes:
            outputs = output_quantizer(f"{layer.name}_output_quant")(outputs)
        elif needs_quant:
            outputs = quantizer(f"{layer.name}_quant")(outputs)
        node.bind(tensors, outputs)

    new_outputs = []
    for output, old in zip(graph.outputs, model.outputs):
        result = tensors[output]
        if id(graph.producer[output]) not in output_nodes and \
                not _reaches_output_quantizer(output, graph.producer, output_nodes):
            result = output_quantizer(f"{old.name}_output_quant")(result)
        new_outputs.append(result)
    outputs = new_outputs[0] if len(new_outputs) == 1 else new_outputs
    inputs = new_inputs[0] if len(new_inputs) == 1 else new_inputs
    qat_model = keras.Model(inputs, outputs, name=f"{model.name}_qat")
    if calibration_data is not None:
        from keras_sr.quantization.calibrate import calibrate

        calibrate(qat_model, calibration_data, method=calibration)
    return qat_model


def _reaches_output_quantizer(output, producer, output_nodes):
    node = producer.get(output)
    while node is not None and type(node.operation).__name__ in PASS_THROUGH_NAMES:
        if id(node) in output_nodes:
            return True
        node = producer.get(node.input_tensors[0])
    return node is not None and id(node) in output_nodes


def quantizers_of(model):
    """All :class:`ActivationQuantizer` layers of a model (empty for a float model)."""
    return [layer for layer in model.layers if isinstance(layer, ActivationQuantizer)]


def is_qat_model(model):
    """True when ``model`` carries fake-quant layers made by :func:`quantize_model`."""
    return bool(quantizers_of(model))
